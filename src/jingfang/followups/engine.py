"""Where the pure rules meet the database: the region's policy profile, the working-day calendar,
a patient's contact history as plain data, and the refresh of the stored schedule (DueItem rows and
the patient's cached next due date, lost flag, key-person flag and colour grade)."""

import copy
import datetime as dt
import logging
import time

from jingfang.core import clock
from jingfang.core.models import CalendarDay
from jingfang.regions import policy as region_policy

from .schedule import Contact, PatientState, needed
from .workdays import WorkCalendar

log = logging.getLogger(__name__)
_TTL = 60.0
_calendar: list = [0.0, None]


def clear_caches(*args, **kwargs) -> None:
    """Forget the cached profile settings and calendar (also connected to Region saves and deletes)."""
    region_policy.clear_cache()
    _calendar[0], _calendar[1] = 0.0, None


# Which profile governs a region is the regions app's answer (jingfang.regions.policy); these names
# stay here for the callers above the registry that reach the profile through the engine.
chain_codes = region_policy.chain_codes
policy_regions = region_policy.policy_regions
profile_name_for = region_policy.profile_name_for


def profile_for(region_code: str):
    return region_policy.profile_for(region_code)


def calendar() -> WorkCalendar:
    now = time.monotonic()
    if _calendar[1] is None or now - _calendar[0] > _TTL:
        overrides = dict(CalendarDay.objects.values_list("date", "is_workday"))
        _calendar[0], _calendar[1] = now, WorkCalendar(overrides=overrides)
    return _calendar[1]



# A patient's history as plain data ---------------------------------------------------------------
# What the schedule reads of a follow-up (a Contact's fields, in its order); the flags also read why
# a patient was not seen.
SCHEDULE_FIELDS = ("date", "mode", "seen", "condition", "risk_level", "assessment_done", "health_check_done",
                   "attendee_count", "guardian_refuses_hospital")
CONTACT_FIELDS = (*SCHEDULE_FIELDS, "not_seen_reason")


def contacts_for(patient, rows=None) -> list:
    if rows is None:
        rows = patient.followups.order_by("date", "id").values(*CONTACT_FIELDS)
    return [  # positional, in Contact's field order (SCHEDULE_FIELDS)
        Contact(r["date"], r["mode"], r["seen"], r["condition"] or None, r["risk_level"], r["assessment_done"],
                r["health_check_done"], r["attendee_count"], r["guardian_refuses_hospital"])
        for r in rows
    ]


def needed_contacts_by_patient(rows) -> dict[int, list]:
    """The contacts the schedule reads (``schedule.needed``) per patient, from rows of (patient id,
    *SCHEDULE_FIELDS) in patient and date order, all dated on or before the schedule's date. A county's
    worklist for a past date reads ~90,000 rows: they are grouped as they come and a Contact is built
    only for the third or so that the schedule needs."""
    grouped: dict[int, list] = {}
    for row in rows:
        got = grouped.get(row[0])
        if got is None:
            grouped[row[0]] = [row]
        else:
            got.append(row)
    return {pk: [Contact(r[1], r[2], r[3], r[4] or None, r[5], r[6], r[7], r[8], r[9]) for r in needed(history, at=1)]
            for pk, history in grouped.items()}


def state_for(patient, *, key_person: bool | None = None):
    return patient_state(patient.status, patient.registered_on,
                         patient.key_person if key_person is None else key_person, patient.transfer_pending)


def patient_state(status: str, registered_on: dt.date, key_person: bool, transfer_pending: bool):
    return PatientState(status=status, registered_on=registered_on, key_person=key_person,
                        pending_transfer=transfer_pending)


def sensitive_period_on(region_code: str, on: dt.date) -> bool:
    from .models import SensitivePeriod

    return SensitivePeriod.objects.filter(region_id__in=chain_codes(region_code), start__lte=on, end__gte=on).exists()


# Flags -------------------------------------------------------------------------------------------
def _relapse(rows: list[dict]) -> bool:
    """病情反复: unstable at the latest classified visit after being stable at the one before."""
    classes = [r["condition"] for r in rows if r["seen"] and r["condition"]]
    return len(classes) >= 2 and classes[-1] == "unstable" and classes[-2] == "stable"


def _floating(patient) -> bool:
    return patient.household_region_id[:6] != patient.region_id[:6]


def compute_flags(patient, profile, rows: list[dict], contacts: list, guardians: list | None = None) -> dict:
    """Lost, key-person reasons and colour grade from the file and its history (齐云山镇2024 三（五）; 平桥区2025 一（二）; 当阳乡2022 一 分级分类分色).
    ``guardians``: the patient's, when the caller holds them already (else they are read)."""
    from jingfang.registry.flags import key_person_reasons

    from .models import SearchAttempt
    from .schedule import grade, is_lost

    lost = is_lost(profile, contacts)
    if lost:
        last_failed = max(r["date"] for r in rows if not r["seen"])
        lost = not SearchAttempt.objects.filter(patient=patient, result="found", date__gte=last_failed).exists()
    last = rows[-1] if rows else None
    if guardians is None:
        guardians = list(patient.guardians.all())
    reasons = key_person_reasons(
        risk_level=patient.risk_level, condition=patient.condition, police_listed=patient.police_listed,
        manual=patient.key_person_manual, manual_reason=patient.key_person_reason,
        past_dangerous_acts=patient.past_dangerous_acts, status=patient.status, has_guardian=bool(guardians),
        floating=_floating(patient), key_risk_threshold=profile.key_person.risk_threshold, lost=lost,
        refuses=bool(last and not last["seen"] and last["not_seen_reason"] == "refused"),
        weak_guardianship=patient.guardianship_weak, relapse=_relapse(rows),
    )
    active = patient.status not in ("deceased", "moved_out")
    key = bool(reasons) and active
    g = grade(profile, condition=patient.condition or None, risk_level=patient.risk_level, key_person=key)
    return {"lost": lost and active, "key_person": key, "reasons": reasons, "grade": g.colour if g else ""}


def _record_flag_changes(patient, flags: dict, on: dt.date) -> None:
    """Keep the history of the key-person and lost flags (the stored values are the state before)."""
    from .models import FlagChange

    before = type(patient).objects.filter(pk=patient.pk).values("key_person", "lost").first() or {}
    for flag in ("key_person", "lost"):
        was = before.get(flag, False)
        now = flags[flag]
        if was != now or (now and not FlagChange.objects.filter(patient=patient, flag=flag).exists()):
            if was == now and not now:
                continue
            FlagChange.objects.create(patient=patient, flag=flag, value=now, date=on,
                                      reasons=flags["reasons"] if flag == "key_person" else [])


def standing(patient, profile, rows: list[dict]) -> tuple[list, dict]:
    """The contacts and flags a patient's follow-up rows give, with the patient's last-contact dates,
    risk level and class set from them (in memory). The one computation behind both the stored
    schedule (`refresh`) and the follow-up form's preview, so the two always agree."""
    contacts = contacts_for(patient, rows)
    seen = [r for r in rows if r["seen"]]
    patient.last_followup_date = rows[-1]["date"] if rows else None
    patient.last_seen_date = seen[-1]["date"] if seen else None
    if seen and seen[-1]["risk_level"] is not None:
        patient.risk_level, patient.condition = seen[-1]["risk_level"], seen[-1]["condition"] or ""
    return contacts, compute_flags(patient, profile, rows, contacts)


def replay_flag_history(patient) -> None:
    """Record the key-person and lost flag changes a patient's stored visits give, each dated by the
    visit that caused it, as if the visits had been recorded one by one (for history written in
    bulk, such as the demo county's). The patient's stored flags end as the last visit leaves them."""
    profile = profile_for(patient.region_id)
    rows = list(patient.followups.order_by("date", "id").values(*CONTACT_FIELDS))
    guardians = list(patient.guardians.all())
    for n in range(1, len(rows) + 1):
        probe = copy.copy(patient)
        contacts, _ = standing(probe, profile, rows[:n])
        flags = compute_flags(probe, profile, rows[:n], contacts, guardians)
        _record_flag_changes(patient, flags, rows[n - 1]["date"])
        type(patient).objects.filter(pk=patient.pk).update(key_person=flags["key_person"], lost=flags["lost"])


# Refresh of the stored schedule ------------------------------------------------------------------
class Outcome:
    def __init__(self, items, followup):
        self.items = items
        self.followup = followup
        self.rule = followup.rule if followup else ""
        self.actions = list(followup.escalations) + list(followup.notes) if followup else []


def refresh(patient, on: dt.date | None = None, *, changed_on: dt.date | None = None) -> Outcome:
    """Recompute and store what is due for one patient (called by every write that changes it).
    ``changed_on``: the day of the fact that caused the write (a visit's or a search's date), which a
    key-person or lost flag it changes is dated by (the monthly exchange table counts it in that
    month); the day of the recomputation otherwise."""
    from .models import DueItem, IndividualPlan, SearchAttempt
    from .schedule import Due, schedule

    on = on or clock.today()
    profile = profile_for(patient.region_id)
    rows = list(patient.followups.order_by("date", "id").values(*CONTACT_FIELDS))
    contacts, flags = standing(patient, profile, rows)
    found = SearchAttempt.objects.filter(patient=patient, result="found").order_by("-date").values_list(
        "date", flat=True).first()
    if found and (patient.last_seen_date is None or found > patient.last_seen_date):
        patient.last_seen_date = found  # 已找到: the search that found a lost patient saw them
    _record_flag_changes(patient, flags, changed_on or on)
    patient.lost, patient.key_person, patient.grade = flags["lost"], flags["key_person"], flags["grade"]
    patient.key_reasons = flags["reasons"] if flags["key_person"] else []
    items = schedule(profile, state_for(patient), contacts, on)
    followup = next((d for d in items if d.kind == "followup"), None)
    patient.next_due_date = followup.due_date if followup else None
    extra = []
    for plan in IndividualPlan.objects.filter(patient=patient, active=True):
        extra.append(Due("deadline", plan.review_date, plan.review_date, "upcoming",
                         f"一人一策定期研判：{plan.title}", f"{profile.name}:plan_review"))
    if patient.lost:
        cadence = profile.cadence("lost_review")
        last_search = SearchAttempt.objects.filter(patient=patient).order_by("-date").values_list("date", flat=True).first()
        start = last_search or patient.last_followup_date or on
        if cadence:
            due = cadence.every.after(start)
            extra.append(Due("deadline", due, due, "upcoming", f"失访查找：{cadence.label}（{cadence.cite}）",
                             f"{profile.name}:lost_review"))
    DueItem.objects.filter(patient=patient).delete()
    DueItem.objects.bulk_create([
        DueItem(patient=patient, region_code=patient.region_id, kind=d.kind, due_date=d.due_date,
                window_start=d.window_start, rule=d.rule[:300], rule_id=d.rule_id[:100], mode=d.mode or "",
                escalations=list(d.escalations), notes=list(d.notes), provisional=d.provisional,
                key_person=patient.key_person)
        for d in [*items, *extra] if d.kind != "roll_call"
    ])
    type(patient).objects.filter(pk=patient.pk).update(
        lost=patient.lost, key_person=patient.key_person, grade=patient.grade, key_reasons=patient.key_reasons,
        last_followup_date=patient.last_followup_date, last_seen_date=patient.last_seen_date,
        risk_level=patient.risk_level, condition=patient.condition, next_due_date=patient.next_due_date,
    )
    return Outcome(items, followup)


# Classification and preview ----------------------------------------------------------------------
def assessment_from(values) -> "object":
    from .classify import Assessment

    get = values.get if isinstance(values, dict) else (lambda k, d=None: getattr(values, k, d))
    return Assessment(
        risk_level=int(get("risk_level")),
        psychotic_symptoms=get("psychotic_level") or None,
        symptoms=tuple(get("symptoms") or ()),
        insight=get("insight") or "full",
        social_function=get("social_function") or "good",
        adverse_reaction=get("adverse_reaction") or "none",
        physical_illness=get("physical_illness") or "none",
    )


def classify_followup(values, *, region_code: str):
    """The class of a follow-up's answers under the profile of the patient's region."""
    from .classify import classify

    rules = profile_for(region_code).classification
    return classify(assessment_from(values), unstable_min_risk=rules.unstable_min_risk)


def preview(patient, values: dict) -> dict | None:
    """What recording these answers would give: class, reasons, next follow-up and actions."""
    from jingfang.core import vocab

    from .schedule import next_followup

    if values.get("risk_level") in (None, ""):
        return None
    try:
        verdict = classify_followup(values, region_code=patient.region_id)
    except (TypeError, ValueError):
        return None
    condition = values.get("condition_override") or verdict.condition
    date = values.get("date") or clock.today()
    if isinstance(date, str):
        date = dt.date.fromisoformat(date)
    profile = profile_for(patient.region_id)
    rows = list(patient.followups.order_by("date", "id").values(*CONTACT_FIELDS))
    rows.append({
        "date": date, "mode": values.get("mode") or "home_visit", "seen": True, "condition": condition,
        "risk_level": int(values["risk_level"]), "assessment_done": bool(values.get("assessment_done")),
        "health_check_done": bool(values.get("health_check_done")),
        "attendee_count": int(values.get("attendee_count") or 1),
        "guardian_refuses_hospital": bool(values.get("guardian_refuses_hospital")), "not_seen_reason": "",
    })
    rows.sort(key=lambda r: r["date"])  # stable: the new visit follows the day's earlier ones
    after = copy.copy(patient)  # the file as saving would leave it; the caller's object is untouched
    contacts, flags = standing(after, profile, rows)
    nxt = next_followup(profile, state_for(after, key_person=flags["key_person"]), contacts)
    actions = list(nxt.escalations) + list(nxt.notes) if nxt else []
    cause = values.get("adherence_cause")
    if values.get("adherence") in ("intermittent", "none") and cause:
        actions += [f"服药：{m.measure}（{m.cite}）" for m in profile.measures_for(cause)]
    return {"condition": condition, "label": vocab.CONDITIONS[condition], "reasons": verdict.reasons,
            "next": nxt, "actions": actions}


def medication_measures(patient, fu, actor) -> list[str]:
    """Adherence class and cause → the profile's measure, recorded as an item of the patient's plan."""
    from .models import IndividualPlan, PlanMeasure

    if not fu.seen or fu.adherence not in ("intermittent", "none") or not fu.adherence_cause:
        return []
    profile = profile_for(patient.region_id)
    texts = []
    for m in profile.measures_for(fu.adherence_cause):
        plan = IndividualPlan.objects.filter(patient=patient, active=True).first()
        if plan is None:
            plan = IndividualPlan.objects.create(
                patient=patient, review_date=patient.next_due_date or fu.date, created_by=actor,
                owner=actor, title="一人一策管控方案",
            )
        source = f"medication:{m.cause}"
        if not PlanMeasure.objects.filter(plan=plan, source=source, done=False).exists():
            PlanMeasure.objects.create(plan=plan, category="medication", text=m.measure, source=source)
        texts.append(f"服药：{m.measure}（{m.cite}）")
    return texts
