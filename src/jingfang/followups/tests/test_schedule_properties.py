"""Properties of the schedule engine over random profiles (the five shipped ones and random children of
them), random patient states, random contact histories and random dates."""

from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from jingfang.core.vocab import CONDITIONS, STATUSES
from jingfang.followups.schedule import (
    COMMUNITY,
    CONTACT_MODES,
    KINDS,
    STATES,
    Contact,
    PatientState,
    _max_gap,
    followup_open,
    grade,
    is_lost,
    item_state,
    needed,
    next_followup,
    schedule,
)
from jingfang.policies.profiles import Interval, load_profile, validate

SHIPPED = ["national-2018", "qiyunshan-2024", "zhongliang-2022", "pingqiao-2025", "xuecheng-2016"]
DATES = st.dates(min_value=date(1990, 1, 1), max_value=date(2040, 12, 31))
INTERVALS = st.builds(lambda n, unit: f"{n}{unit}", st.integers(1, 30), st.sampled_from("dwmy"))


@st.composite
def profiles(draw):
    base = draw(st.sampled_from(SHIPPED))
    if draw(st.booleans()):
        return load_profile(base)
    rules = {rid: {"interval": draw(INTERVALS)}
             for rid in draw(st.sets(st.sampled_from(["stable", "basically_stable", "unstable"])))}
    data = {
        "name": "random-x", "title": "随机", "source": "测试", "version": 1, "extends": base,
        "followup": {
            "rules": rules,
            "min_per_year": draw(st.integers(0, 12)),
            "min_members": draw(st.integers(1, 4)),
            "lost_after_failed": draw(st.integers(1, 5)),
            "key_person_face_to_face": draw(st.booleans()),
            "hospitalized": {"suspend": draw(st.booleans())},
        },
        "due_windows": [{"at_least": draw(INTERVALS), "days": draw(st.integers(0, 60))}
                        for _ in range(draw(st.integers(0, 3)))],
    }
    if draw(st.booleans()):
        data["face_to_face"] = {"interval": draw(INTERVALS), "text": "面访", "cite": "测试"}
    if draw(st.booleans()):
        data["assessment"] = {"stable": draw(INTERVALS), "other": draw(INTERVALS), "text": "评估", "cite": "测试"}
    if draw(st.booleans()):
        data["roll_call"] = {"sensitive_period_daily": True, "text": "点名", "cite": "测试"}
    return validate(data, "random-x")


states = st.builds(
    PatientState,
    status=st.sampled_from(sorted(STATUSES)),
    registered_on=DATES,
    key_person=st.booleans(),
    last_health_check=st.none() | DATES,
    last_assessment=st.none() | DATES,
    pending_transfer=st.booleans(),
)
contacts = st.builds(
    Contact,
    date=DATES,
    mode=st.sampled_from(CONTACT_MODES),
    seen=st.booleans(),
    condition=st.none() | st.sampled_from(sorted(CONDITIONS)),
    risk_level=st.none() | st.integers(0, 5),
    assessment=st.booleans(),
    health_check=st.booleans(),
    members=st.integers(1, 6),
    guardian_refuses_hospital=st.booleans(),
)


@settings(max_examples=400, deadline=None, database=None)
@given(profile=profiles(), state=states, history=st.lists(contacts, max_size=12), on=DATES,
       sensitive=st.booleans())
def test_schedule_invariants(profile, state, history, on, sensitive):
    items = schedule(profile, state, history, on, sensitive_period=sensitive)

    for item in items:
        assert item.kind in KINDS and item.state in STATES
        assert item.window_start <= item.due_date
        assert item.state == item_state(on, item.window_start, item.due_date)
        assert item.rule and item.rule_id.startswith(f"{profile.name}:")
    assert [i.due_date for i in items] == sorted(i.due_date for i in items)
    if state.status == "deceased":
        assert items == []
    if not sensitive:
        assert all(i.kind != "roll_call" for i in items)

    followups = [i for i in items if i.kind == "followup"]
    assert len(followups) == (1 if followup_open(profile, state) else 0)
    if followups:
        due = followups[0].due_date
        known = [c for c in history if c.date <= on and c.seen]
        face = [c.date for c in known if c.mode != "phone"]
        assert not face or due > max(face)  # never before the last contact that saw the patient
        f2f_only = (profile.followup.key_person_face_to_face and state.key_person
                    and state.status in COMMUNITY and not state.pending_transfer)
        counted = face if f2f_only else [c.date for c in known]
        anchor = max(counted, default=state.registered_on)
        assert anchor <= followups[0].window_start <= due
        last = sorted(known, key=lambda c: c.date)[-1] if known else None
        # a face-to-face visit a phone call could not replace: due no earlier than the call, named 需面访
        owed = f2f_only and last is not None and last.mode == "phone" and (not face or last.date > max(face))
        if owed:
            assert due >= last.date and followups[0].notes[0].startswith("需面访")
        if profile.followup.min_per_year:
            limit = _max_gap(profile.followup.min_per_year).after(anchor)
            assert due <= (max(limit, last.date) if owed else limit)
        alone = next_followup(profile, state, [c for c in history if c.date <= on], on)
        assert alone == followups[0]

    assert isinstance(is_lost(profile, history), bool)
    latest = max((c for c in history if c.seen), key=lambda c: c.date, default=None)
    if latest is not None:
        grade(profile, condition=latest.condition, risk_level=latest.risk_level, key_person=state.key_person)


@settings(max_examples=200, deadline=None, database=None)
@given(profile=profiles(), state=states, history=st.lists(contacts, max_size=8))
def test_next_followup_without_date(profile, state, history):
    item = next_followup(profile, state, history)
    assert item is None or item.state == "upcoming"


@given(text=INTERVALS, start=DATES)
@settings(max_examples=200, deadline=None, database=None)
def test_interval_moves_forward(text, start):
    assert Interval.parse(text).after(start) > start


NEAR_DATES = st.dates(min_value=date(2024, 1, 1), max_value=date(2024, 12, 31))  # same-day contacts happen
near_contacts = st.builds(
    Contact, date=NEAR_DATES, mode=st.sampled_from(CONTACT_MODES), seen=st.booleans(),
    condition=st.none() | st.sampled_from(sorted(CONDITIONS)), risk_level=st.none() | st.integers(0, 5),
    assessment=st.booleans(), health_check=st.booleans(), members=st.integers(1, 6),
    guardian_refuses_hospital=st.booleans())


@settings(max_examples=600, deadline=None, database=None)
@given(profile=profiles(), state=states, history=st.lists(near_contacts, max_size=16), on=NEAR_DATES,
       sensitive=st.booleans())
def test_the_contacts_needed_give_the_same_schedule_as_the_whole_history(profile, state, history, on, sensitive):
    """The worklist of a past date runs the engine on ``needed()`` of each history: same items."""
    known = sorted((c for c in history if c.date <= on), key=lambda c: c.date)
    chosen = needed(known)
    assert all(c in known for c in chosen) and len(chosen) <= len(known)
    assert (schedule(profile, state, chosen, on, sensitive_period=sensitive)
            == schedule(profile, state, known, on, sensitive_period=sensitive))
    rows = [(7, *c) for c in known]  # a database row with the patient id first
    assert [Contact(*r[1:]) for r in needed(rows, at=1)] == chosen


def test_needed_keeps_the_visits_before_the_latest_stable_one_that_the_checks_read():
    d = date(2024, 1, 1).replace
    history = [
        Contact(d(month=1), "home_visit", True, "unstable", 1, assessment=True, health_check=True),
        Contact(d(month=2), "clinic", True, "basically_stable", 1),
        Contact(d(month=3), "phone", False),
        Contact(d(month=4), "phone", True, "stable", 0),
        Contact(d(month=4, day=2), "phone", False),
    ]
    # from the stable visit on, plus the latest visit in person (Feb) and the latest assessment and
    # health check (Jan); the failed call of March cannot matter
    assert needed(history) == [history[0], history[1], history[3], history[4]]
    assert needed(history[:2]) == history[:2]  # no stable visit: everything
