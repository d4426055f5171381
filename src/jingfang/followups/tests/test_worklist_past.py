"""The worklist for a past date: recomputed from the history in a fixed number of statements, and
exactly what the per-patient recomputation (one query per patient, kept here as the reference) gives,
on a township whose files changed over time: visits, risk changes, missed visits, phone calls,
a move to another village, a pending transfer, deaths before and after the date, a stay in hospital,
a late registration, and a township and a village under profiles of their own."""

import datetime as dt

import pytest

from jingfang.core import clock, worklist_hub
from jingfang.followups import engine, worklist
from jingfang.followups.models import FollowUp
from jingfang.followups.schedule import schedule
from jingfang.regions.models import Region
from jingfang.registry import selectors as patient_selectors
from jingfang.registry.models import Patient

pytestmark = pytest.mark.django_db
TODAY = clock.today()


def ago(days: int) -> dt.date:
    return TODAY - dt.timedelta(days=days)


def reference(user, lo: str, hi: str, on: dt.date) -> list[worklist_hub.Item]:
    """The past-date worklist as first written: each patient's contacts read on their own."""
    patients = (
        patient_selectors.patients_for(user)
        .filter(region_id__gte=lo, region_id__lte=hi, registered_on__lte=on)
        .exclude(status__in=("deceased",), death_date__lt=on)
        .select_related("region")
    )
    items = []
    for p in patients:
        profile = engine.profile_for(p.region_id)
        contacts = [c for c in engine.contacts_for(p) if c.date <= on]
        for d in schedule(profile, engine.state_for(p), contacts, on):
            if d.kind == "roll_call":
                continue
            items.append(worklist_hub.Item(p.pk, p.name, p.region_id, p.region.name, p.key_person, p.grade, d.kind,
                                       d.due_date, d.window_start, d.state, d.rule, d.rule_id, d.mode or "",
                                       list(d.escalations), list(d.notes), d.provisional))
    return items


# (days ago, mode, seen, condition, risk, assessment, health check): a contact; seen False is an attempt
SEEN, MISSED = True, False
HISTORIES = {
    "稳定": [(400, "clinic", SEEN, "stable", 0, True, True), (310, "home_visit", SEEN, "stable", 0, False, False),
             (220, "home_visit", SEEN, "stable", 0, True, True), (130, "clinic", SEEN, "stable", 0, False, False),
             (40, "home_visit", SEEN, "stable", 0, False, False)],
    "风险起伏": [(300, "home_visit", SEEN, "stable", 0, False, False), (200, "home_visit", SEEN, "unstable", 3, False, False),
             (186, "clinic", SEEN, "unstable", 4, True, False), (172, "home_visit", SEEN, "basically_stable", 1, False, False),
             (140, "home_visit", SEEN, "basically_stable", 1, False, False), (100, "home_visit", SEEN, "stable", 0, False, True),
             (80, "home_visit", SEEN, "", None, False, False)],
    "失访复见": [(350, "home_visit", SEEN, "stable", 0, False, False), (260, "home_visit", MISSED, "", None, False, False),
             (230, "phone", MISSED, "", None, False, False), (200, "home_visit", MISSED, "", None, False, False),
             (90, "home_visit", SEEN, "basically_stable", 2, False, False)],
    "重点电话": [(250, "home_visit", SEEN, "unstable", 3, False, False), (236, "phone", SEEN, "unstable", 3, False, False),
             (222, "phone", SEEN, "unstable", 3, False, False), (150, "home_visit", SEEN, "basically_stable", 1, False, False),
             (30, "phone", SEEN, "stable", 0, False, False)],
    "同日两次": [(210, "home_visit", MISSED, "", None, False, False), (210, "phone", SEEN, "unstable", 3, False, False),
             (120, "home_visit", SEEN, "unstable", 3, False, False), (120, "clinic", SEEN, "stable", 0, True, True)],
    "迁居他村": [(300, "home_visit", SEEN, "stable", 0, False, False), (160, "home_visit", SEEN, "stable", 0, False, False),
             (20, "home_visit", SEEN, "basically_stable", 1, False, False)],
    "转出待接收": [(280, "home_visit", SEEN, "stable", 0, False, False), (190, "home_visit", SEEN, "stable", 0, False, False)],
    "早已死亡": [(420, "home_visit", SEEN, "stable", 0, False, False), (330, "home_visit", SEEN, "stable", 0, False, False)],
    "近日死亡": [(300, "home_visit", SEEN, "unstable", 2, False, False), (150, "home_visit", SEEN, "stable", 0, False, False)],
    "住院": [(260, "home_visit", SEEN, "unstable", 4, False, False), (70, "clinic", SEEN, "unstable", 3, False, False)],
    "新登记": [(50, "home_visit", SEEN, "basically_stable", 1, False, False)],
    "从未随访": [],
    "他镇政策": [(330, "home_visit", SEEN, "unstable", 3, False, False), (316, "home_visit", SEEN, "unstable", 3, False, False),
             (302, "home_visit", SEEN, "unstable", 3, False, False), (200, "phone", MISSED, "", None, False, False),
             (60, "home_visit", SEEN, "stable", 0, True, False)],
}
VILLAGE = {"迁居他村": "990102002001", "他镇政策": "990102002001"}


@pytest.fixture
def township_over_time(users, make_patient):
    Region.objects.filter(code="990102002000").update(policy="pingqiao-2025")  # face-to-face visits of its own
    Region.objects.filter(code="990102001002").update(policy="zhongliang-2022")  # a village's own profile
    engine.clear_caches()
    out = {}
    for name, history in HISTORIES.items():
        p = make_patient(VILLAGE.get(name, "990102001001" if len(out) % 2 else "990102001002"), name=name)
        registered = ago(60) if name == "新登记" else ago(500)
        Patient.objects.filter(pk=p.pk).update(registered_on=registered)
        FollowUp.objects.bulk_create([
            FollowUp(patient_id=p.pk, date=ago(days), mode=mode, seen=seen, condition=condition, risk_level=risk,
                     assessment_done=assessment, health_check_done=check, not_seen_reason="" if seen else "unreachable")
            for days, mode, seen, condition, risk, assessment, check in history
        ])
        p.refresh_from_db()
        engine.refresh(p)
        out[name] = p
    changes = {
        "重点电话": {"key_person": True},
        "转出待接收": {"status": "moved_out", "transfer_pending": True},
        "早已死亡": {"status": "deceased", "death_date": ago(250)},
        "近日死亡": {"status": "deceased", "death_date": ago(50)},
        "住院": {"status": "hospitalized"},
    }
    for name, values in changes.items():
        Patient.objects.filter(pk=out[name].pk).update(**values)
    return out


PAST = (450, 320, 205, 199, 150, 95, 60, 1)


@pytest.mark.parametrize("who", ["county", "doctor", "vdoc", "doctor2", "office", "police"])
def test_a_past_date_gives_exactly_what_the_per_patient_recomputation_gives(users, township_over_time, who):
    user = users[who]
    lo, hi = worklist._scope(user, "")
    shown = 0
    for days in PAST:
        fast = worklist._recomputed(user, lo, hi, ago(days))
        assert fast == reference(user, lo, hi, ago(days)), days
        shown += len(fast)
    assert shown  # the fixture puts work on every list


def test_every_kind_and_state_of_the_fixture_is_compared(users, township_over_time):
    county = users["county"]
    lo, hi = worklist._scope(county, "")
    items = [i for days in PAST for i in worklist._recomputed(county, lo, hi, ago(days))]
    assert {i.kind for i in items} >= {"followup", "face_to_face", "assessment", "health_check"}
    assert {i.state for i in items} == {"overdue", "due", "upcoming"}
    assert {i.patient_name for i in items} >= set(HISTORIES) - {"早已死亡", "近日死亡", "转出待接收"}
    assert {i.rule_id.split(":")[0] for i in items} == {"national-2018", "pingqiao-2025", "zhongliang-2022"}
    assert any(i.escalations for i in items) and any(i.notes for i in items)


def test_the_page_for_a_past_date_equals_the_reference_sorted_and_cut(users, township_over_time):
    county = users["county"]
    lo, hi = worklist._scope(county, "")
    on = ago(150)
    expected = sorted([i for i in reference(county, lo, hi, on) if worklist._matches(i, on, 14, "", None)]
                      + worklist._others(county, lo, hi, on, 14, "", None), key=worklist._sort_key)
    page = worklist.page_for(county, on, size=5, number=2)
    assert page.total == len(expected) and page.items == expected[5:10]


def test_the_number_of_statements_does_not_grow_with_the_patients(users, township_over_time, make_patient,
                                                                   django_assert_max_num_queries):
    county = users["county"]
    lo, hi = worklist._scope(county, "")
    worklist._recomputed(county, lo, hi, ago(150))  # the profile settings are read once a minute
    with django_assert_max_num_queries(2):
        worklist._recomputed(county, lo, hi, ago(150))
    for n in range(5):
        make_patient("990102001001", name="加" + "一二三四五"[n])
    with django_assert_max_num_queries(2):
        assert len(worklist._recomputed(county, lo, hi, ago(1))) > len(HISTORIES)
