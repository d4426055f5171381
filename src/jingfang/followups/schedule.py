"""Schedule engine: what is due for one patient on one date, and which rule says so (《严重精神障碍管理治疗工作规范（2018年版）》 and the region's policy profile).

Pure functions over plain data: a Profile (policy.py), a PatientState, the patient's contacts and a
date. Nothing here reads the database or the clock.

Follow-up: the clock starts at the latest contact in which the patient was seen (registration if none);
failed attempts never reset it, so a missed follow-up stays overdue until someone sees the patient.
The interval comes from the first profile rule matching the latest classified visit (class, risk
level, consecutive not-stable visits, guardian refusing hospital, key person); with no classified
visit yet, the profile's first-visit rule applies. A yearly minimum (national: 4) caps the interval.

Statuses: deceased → nothing; moved out → nothing, unless a transfer is pending (the origin keeps
following up by phone until the destination accepts, 齐云山镇2024); in custody / compulsory drug rehab
(profile `suspended_statuses`) → nothing; hospitalised → follow-up by phone (or suspended when the
profile says so), no face-to-face, assessment or health-check items; missing → the follow-up stays,
with the profile's search note. `schedule()` ignores contacts dated after `on`, so a past date shows
what was due then (given today's status).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import NamedTuple

from jingfang.core.vocab import CONDITIONS
from jingfang.policies.profiles import Cited, FollowupRule, Grade, Interval, Profile

from .workdays import WorkCalendar

KINDS = ("followup", "face_to_face", "assessment", "health_check", "roll_call", "deadline")
STATES = ("upcoming", "due", "overdue")
CONTACT_MODES = ("clinic", "home_visit", "phone")
COMMUNITY = ("at_home", "missing")  # statuses in which community visits and checks apply
PROVISIONAL_NOTE = "该年度法定节假日尚未配置，暂按周一至周五推算，请核对"


class Contact(NamedTuple):
    """One past follow-up or attempt (a named tuple: a worklist for a past date builds one for every
    follow-up recorded in a county, and a tuple is built several times faster than a dataclass)."""

    date: date
    mode: str  # 'clinic' | 'home_visit' | 'phone'
    seen: bool  # False: an attempt that did not reach the patient
    condition: str | None = None  # class at that visit (None if not seen or not classified)
    risk_level: int | None = None
    assessment: bool = False  # diagnosis review + risk assessment by a psychiatrist at this contact
    health_check: bool = False
    members: int = 1  # team members attending
    guardian_refuses_hospital: bool = False


@dataclass(frozen=True)
class PatientState:
    status: str  # registry vocab STATUSES
    registered_on: date
    key_person: bool = False
    last_health_check: date | None = None
    last_assessment: date | None = None
    pending_transfer: bool = False  # origin keeps following up by phone until the destination accepts


@dataclass(frozen=True)
class Due:
    kind: str  # one of KINDS
    due_date: date
    window_start: date  # from this date on the item counts as "due"
    state: str  # 'upcoming' | 'due' | 'overdue', relative to `on`
    rule: str  # the rule in Chinese words with its source
    rule_id: str  # stable id, "<profile>:<rule>"
    mode: str | None = None  # 'phone' | 'joint' | 'face_to_face' | None (any)
    escalations: tuple[str, ...] = ()  # actions to take, in Chinese
    notes: tuple[str, ...] = ()  # requirements shown with the item, in Chinese
    provisional: bool = False  # a working-day deadline computed without that year's holidays


def item_state(on: date, window_start: date, due_date: date) -> str:
    if on > due_date:
        return "overdue"
    return "due" if on >= window_start else "upcoming"


def _item(kind: str, due_date: date, window_start: date, on: date | None, rule: str, rule_id: str,
          **extra) -> Due:
    window_start = min(window_start, due_date)
    state = item_state(on, window_start, due_date) if on is not None else "upcoming"
    return Due(kind, due_date, window_start, state, rule, rule_id, **extra)


# A profile's derived tables, computed once per profile object (profiles are frozen and compared by
# identity; a worklist asks for them once per patient).
@functools.lru_cache(maxsize=256)
def _window_days(profile: Profile, interval: Interval) -> int:
    return profile.window_days(interval)


@functools.lru_cache(maxsize=64)
def _ordered_rules(followup_policy) -> tuple[FollowupRule, ...]:
    return followup_policy.ordered_rules()


def _periodic(profile: Profile, kind: str, interval: Interval, last: date, on: date | None, rule: str,
              rule_id: str, **extra) -> Due:
    due = interval.after(last)
    start = max(last, due - timedelta(days=_window_days(profile, interval)))
    return _item(kind, due, start, on, rule, rule_id, **extra)


def _ordered(history: Sequence[Contact]) -> list[Contact]:
    return sorted(history, key=lambda c: c.date)  # stable: same-day contacts keep their given order


def _classified(contacts: list[Contact]) -> list[Contact]:
    return [c for c in contacts if c.seen and c.condition in CONDITIONS]


def not_stable_streak(history: Sequence[Contact]) -> int:
    """Consecutive classified visits, counting back from the latest, whose class is not stable."""
    return _streak(_classified(_ordered(history)))


def _streak(classified: list[Contact]) -> int:
    streak = 0
    for c in reversed(classified):
        if c.condition == "stable":
            break
        streak += 1
    return streak


def is_lost(profile: Profile, history: Sequence[Contact]) -> bool:
    """Lost to follow-up (失访): the profile's number of failed attempts in a row since the patient was
    last seen (national form: "连续3次未到访")."""
    return _is_lost(profile, _ordered(history))


def _is_lost(profile: Profile, contacts: list[Contact]) -> bool:
    """``is_lost`` of contacts already in date order."""
    failed = 0
    for c in contacts:
        failed = 0 if c.seen else failed + 1
    return failed >= profile.followup.lost_after_failed


def _match_rule(profile: Profile, state: PatientState, contacts: list[Contact]) -> FollowupRule | None:
    """The follow-up rule for the latest classified visit (contacts in date order), or None when there is
    none yet."""
    classified = _classified(contacts)
    if not classified:
        return None
    latest = classified[-1]
    streak = _streak(classified)
    for rule in _ordered_rules(profile.followup):
        if rule.when.matches(condition=latest.condition, risk=latest.risk_level, streak=streak,
                             guardian_refuses=latest.guardian_refuses_hospital, key_person=state.key_person):
            return rule
    return None  # unreachable for a validated profile: every class has a fallback rule


def followup_open(profile: Profile, state: PatientState) -> bool:
    """Whether the patient is followed up at all in this status."""
    if state.status == "deceased":
        return False
    if state.pending_transfer:
        return True
    if state.status == "moved_out" or state.status in profile.followup.suspended_statuses:
        return False
    return not (state.status == "hospitalized" and profile.followup.hospitalized.suspend)


def face_to_face_owed(due: date) -> str:
    """The worklist's words for a face-to-face visit that a phone call could not satisfy."""
    return f"需面访：电话随访不能代替重点管理对象的面访，请于{due:%Y-%m-%d}前面访"


def needed(rows: Sequence, at: int = 0) -> list:
    """The contacts ``schedule()`` reads, of a history in date order (all dated on or before the date it
    is asked for): every contact from the latest stable classified visit on, and before it only the
    latest seen visit not by phone, the latest seen one with an assessment and the latest seen one with
    a health check, when the contacts from that visit on hold none. Earlier contacts cannot change the
    result: the class streak stops at the stable visit, failed attempts count from the latest seen
    contact, which is that visit or a later one. A worklist for a past date recomputes every patient of
    a county and keeps about a third of the history this way (same items: tested on random histories).

    ``rows`` are Contacts, or rows holding a Contact's fields in order from position ``at`` on (a
    database row with the patient id first: ``at=1``); the chosen rows are returned as given."""
    mode, seen, condition, assessment, health_check = at + 1, at + 2, at + 3, at + 5, at + 6
    in_person = assessed = checked = False  # met from the latest stable visit on
    start = len(rows) - 1
    while start >= 0:
        r = rows[start]
        if r[seen]:
            in_person = in_person or r[mode] != "phone"
            assessed = assessed or bool(r[assessment])
            checked = checked or bool(r[health_check])
            if r[condition] == "stable":
                break
        start -= 1
    if start <= 0:
        return list(rows)
    earlier = []
    for i in range(start - 1, -1, -1):
        if in_person and assessed and checked:
            break
        r = rows[i]
        if r[seen] and ((not in_person and r[mode] != "phone") or (not assessed and r[assessment])
                        or (not checked and r[health_check])):
            earlier.append(r)
            in_person = in_person or r[mode] != "phone"
            assessed = assessed or bool(r[assessment])
            checked = checked or bool(r[health_check])
    earlier.reverse()
    return earlier + list(rows[start:])


def _max_gap(per_year: int) -> Interval:
    if 12 % per_year == 0:
        return Interval(months=12 // per_year, text=f"{12 // per_year}m")
    return Interval(days=365 // per_year, text=f"{365 // per_year}d")


def next_followup(profile: Profile, state: PatientState, history: Sequence[Contact],
                  on: date | None = None) -> Due | None:
    """The follow-up item alone (what the registry caches as next_due_date); None when the patient is
    not followed up in this status. Its `state` is relative to `on` ("upcoming" when on is None)."""
    return _next_followup(profile, state, _ordered(history), on)


def _next_followup(profile: Profile, state: PatientState, contacts: list[Contact], on: date | None) -> Due | None:
    """``next_followup`` of contacts already in date order."""
    if not followup_open(profile, state):
        return None
    fu = profile.followup
    f2f_only = (fu.key_person_face_to_face and state.key_person and state.status in COMMUNITY
                and not state.pending_transfer)
    counted = [c for c in contacts if c.seen and not (f2f_only and c.mode == "phone")]
    anchor = counted[-1].date if counted else state.registered_on

    rule = _match_rule(profile, state, contacts)
    basis: FollowupRule | Cited = rule or fu.first_visit
    interval, text = basis.interval, basis.label
    rule_id = profile.rule_id(rule.id if rule else "first_visit")
    mode = rule.mode if rule else None
    escalations = list(rule.escalations) if rule else []
    notes = list(fu.notes)

    if state.pending_transfer:
        mode = "phone"
        notes.append(fu.transfer_note or "转出待接收：原居住地继续电话随访")
    elif state.status == "hospitalized":
        hosp = fu.hospitalized
        interval, mode, escalations = hosp.interval or interval, hosp.mode, []
        text, rule_id = f"{hosp.label}；{text}", profile.rule_id("hospitalized")
    else:
        if f2f_only:
            mode = mode or "face_to_face"
            if fu.key_person_note:
                notes.append(fu.key_person_note)
        if fu.min_members > 1 and mode is None:
            mode = "joint"
    if state.status == "missing" and fu.missing_note:
        escalations.append(fu.missing_note)
    if _is_lost(profile, contacts):
        escalations.append(fu.lost_note or f"连续{fu.lost_after_failed}次未随访到患者：按失访处理")

    due = interval.after(anchor)
    if fu.min_per_year:
        due = min(due, _max_gap(fu.min_per_year).after(anchor))
    start = max(anchor, due - timedelta(days=_window_days(profile, interval)))
    last_seen = next((c for c in reversed(contacts) if c.seen), None)
    if (f2f_only and last_seen is not None and last_seen.mode == "phone"
            and (not counted or last_seen.date > counted[-1].date)):
        # The profile does not let a phone call replace a key person's face-to-face visit: the visit
        # still owed is due by the date the interval gives, but never before the call just recorded
        # (a date in the past would show the patient overdue since before anyone spoke to them).
        due = max(due, last_seen.date)
        start = min(start, due)
        mode = "face_to_face"
        notes.insert(0, face_to_face_owed(due))
    return _item("followup", due, start, on, text, rule_id, mode=mode,
                 escalations=tuple(dict.fromkeys(escalations)), notes=tuple(dict.fromkeys(notes)))


def _checks(profile: Profile, state: PatientState, contacts: list[Contact], on: date) -> list[Due]:
    """Face-to-face, assessment and health-check items (community patients only)."""
    if state.status not in COMMUNITY or state.pending_transfer:
        return []
    seen = [c for c in contacts if c.seen]
    out = []
    f2f = profile.face_to_face
    if f2f and f2f.enabled:
        last = max((c.date for c in seen if c.mode != "phone"), default=state.registered_on)
        out.append(_periodic(profile, "face_to_face", f2f.interval, last, on, f2f.label,
                             profile.rule_id("face_to_face"), mode="face_to_face"))
    cadence = profile.assessment
    if cadence and cadence.enabled:
        dates = [c.date for c in seen if c.assessment] + [d for d in [state.last_assessment] if d]
        classified = _classified(seen)
        stable = bool(classified) and classified[-1].condition == "stable"
        out.append(_periodic(profile, "assessment", cadence.stable if stable else cadence.other,
                             max(dates, default=state.registered_on), on, cadence.label,
                             profile.rule_id("assessment_stable" if stable else "assessment_other")))
    check = profile.health_check
    if check and check.enabled:
        dates = [c.date for c in seen if c.health_check] + [d for d in [state.last_health_check] if d]
        out.append(_periodic(profile, "health_check", check.interval, max(dates, default=state.registered_on),
                             on, check.label, profile.rule_id("health_check")))
    return out


def schedule(profile: Profile, state: PatientState, history: Sequence[Contact], on: date, *,
             sensitive_period: bool = False) -> list[Due]:
    """Everything due for the patient as of `on`, soonest first. `sensitive_period`: the county has
    declared one covering `on` (key persons then get a daily roll call where the profile says so)."""
    contacts = [c for c in _ordered(history) if c.date <= on]
    items: list[Due] = []
    followup = _next_followup(profile, state, contacts, on)
    if followup:
        items.append(followup)
    items += _checks(profile, state, contacts, on)
    roll = profile.roll_call
    if (roll and roll.sensitive_period_daily and sensitive_period and state.key_person
            and state.status != "deceased" and (state.status != "moved_out" or state.pending_transfer)):
        items.append(_item("roll_call", on, on, on, roll.label, profile.rule_id("roll_call")))
    return sorted(items, key=lambda d: (d.due_date, KINDS.index(d.kind)))


def grade(profile: Profile, *, condition: str | None, risk_level: int | None,
          key_person: bool = False) -> Grade | None:
    """The colour grade (分级分类分色): the first of the profile's grades that matches."""
    for g in profile.grades:
        if g.when.matches(condition=condition, risk=risk_level, key_person=key_person):
            return g
    return None


def intake_deadlines(profile: Profile, calendar: WorkCalendar, on: date, *, received_on: date,
                     accepted_on: date | None = None, entered_on: date | None = None,
                     address_unknown: bool = False, police_asked_on: date | None = None) -> list[Due]:
    """Working-day deadlines for a report card / discharge form (齐云山镇2024, 三（六）3): accept within N
    working days of receipt; enter the file within N working days of acceptance (of receipt while not
    accepted); address unknown → ask the police station within N working days of receipt. Steps
    already done (their date given) are left out."""
    intake = profile.intake
    if intake is None:
        return []
    out = []

    def add(local: str, text: str, start: date, n: int) -> None:
        due, provisional = calendar.add_workdays(start, n)
        out.append(_item("deadline", due, start, on, f"{text}（{intake.cite}）", profile.rule_id(local),
                         notes=(PROVISIONAL_NOTE,) if provisional else (), provisional=provisional))

    n = intake.accept_report_workdays
    if accepted_on is None:
        add("intake_accept", f"收到报告卡或出院信息单后{n}个工作日内接收", received_on, n)
    n = intake.enter_record_workdays
    if entered_on is None:
        add("intake_enter", f"{n}个工作日内建立或补充健康档案并录入信息系统", accepted_on or received_on, n)
    n = intake.police_query_workdays
    if address_unknown and police_asked_on is None:
        add("intake_police_query", f"住址不明或有误：{n}个工作日内联系派出所查找", received_on, n)
    return sorted(out, key=lambda d: d.due_date)
