"""Synthetic follow-up histories for the demo patients, consistent with each file.

Visits run from registration (or 18 months back) to today at the dates the schedule engine gives
under each patient's policy profile; the class of each visit comes from the real classifier, so the
data obeys the rules. About one patient in eight has missed the latest due visit (so the worklist has
overdue work), about one in ten was once visited one to two months late earlier on (so 规范管理, which
allows no gap over the profile's longest, is not met over a span in which 管理 is), about one in fifty
had three failed attempts (lost to follow-up), and a few have a not-taking-medication visit. Visits are
dated up to the day the demo is loaded.
"""

import datetime as dt
import random

from jingfang.followups.classify import Assessment, classify
from jingfang.followups.models import FollowUp

from .rand import chance, pick

RISK_BY_CONDITION = {"stable": {0: 1}, "basically_stable": {1: 5, 2: 3, 0: 2}, "unstable": {3: 6, 4: 3, 5: 1}}
SYMPTOMS = ["hallucination", "suspicion", "self_talk", "withdrawn", "moody", "excited"]


def _visit(rng: random.Random, date: dt.date, target: str, mode: str, recorder, *, unstable_min_risk: int) -> FollowUp:
    risk = pick(rng, RISK_BY_CONDITION[target])
    symptoms = [] if target == "stable" else rng.sample(SYMPTOMS, 1 if target == "basically_stable" else 3)
    insight = "full" if target == "stable" else pick(rng, {"partial": 3, "none": 1 if target == "unstable" else 0})
    adherence = pick(rng, {"regular": 8, "intermittent": 1, "none": 1}) if target != "stable" else "regular"
    a = Assessment(risk_level=risk, symptoms=tuple(symptoms), insight=insight,
                   social_function="good" if target == "stable" else "fair")
    verdict = classify(a, unstable_min_risk=unstable_min_risk)
    return FollowUp(
        date=date, mode=mode, seen=True, risk_level=risk, symptoms=symptoms, insight=insight,
        sleep="good", diet="good", social_function=a.social_function, adherence=adherence,
        adherence_cause=pick(rng, {"economic": 1, "inconvenient": 1, "poor_compliance": 2}) if adherence != "regular" else "",
        adverse_reaction="none", physical_illness="none", condition=verdict.condition,
        condition_derived=verdict.condition, condition_reasons=verdict.reasons, recorded_by=recorder,
        medications=[{"name": pick(rng, {"利培酮片": 3, "奥氮平片": 3, "阿立哌唑片": 2, "帕利哌酮缓释片": 1}),
                      "dose": "每日1次"}],
        health_check_done=False, assessment_done=chance(rng, 0.15),
    )


def history_for(spec, patient, as_of: dt.date, recorder) -> list[FollowUp]:
    """The patient's visits (unsaved), oldest first, each at the date the patient's own policy profile
    asked for (a few days early or late), as a diligent township would have recorded them."""
    from jingfang.followups import engine
    from jingfang.followups.schedule import Contact, PatientState, next_followup

    end = min(as_of, patient.status_since) if patient.status in ("deceased", "moved_out") else as_of
    rng = spec.rng("followups")
    profile = engine.profile_for(patient.region_id)
    state = PatientState(status="at_home", registered_on=patient.registered_on)
    target = patient.condition or "stable"
    day = max(patient.registered_on, as_of - dt.timedelta(days=540)) + dt.timedelta(days=rng.randint(3, 14))
    skip_last = chance(rng, 0.12)  # the latest due visit was missed: overdue work for the worklist
    # Once visited late (a stream of its own, so the other patients' histories stay as they were).
    late_rng = spec.rng("late visit")
    late_after = late_rng.randint(2, 4) if chance(late_rng, 0.1) else None
    visits, contacts = [], []
    while day <= end and len(visits) < 200:
        cls = target if chance(rng, 0.9) else pick(rng, {"stable": 3, "basically_stable": 2, "unstable": 1})
        if day + dt.timedelta(days=45) > end:
            cls = target  # the file's current class is the one of the latest visit
        visit = _visit(rng, day, cls, pick(rng, {"home_visit": 5, "clinic": 2, "phone": 2}), recorder,
                       unstable_min_risk=profile.classification.unstable_min_risk)
        visits.append(visit)
        contacts.append(Contact(date=day, mode=visit.mode, seen=True, condition=visit.condition,
                                risk_level=visit.risk_level))
        due = next_followup(profile, state, contacts)
        if due is None:
            break
        day = max(day + dt.timedelta(days=1), due.due_date - dt.timedelta(days=rng.randint(0, 5)))
        if late_after is not None and len(visits) == late_after and day + dt.timedelta(days=120) < end:
            day += dt.timedelta(days=late_rng.randint(35, 65))
        if skip_last and day + dt.timedelta(days=30) > end:
            break
    if chance(rng, 0.02) and patient.status == "at_home" and visits:
        last = visits[-1].date
        for k in range(1, 4):
            failed = last + dt.timedelta(days=10 * k)
            if failed <= end:
                visits.append(FollowUp(date=failed, mode="home_visit", seen=False, not_seen_reason="unreachable",
                                       patient_interviewed=False, recorded_by=recorder))
    # A yearly health check (2018 norms) at the first seen visit of each year, for most patients.
    if chance(rng, 0.92):
        last_check = None
        for v in visits:
            if v.seen and (last_check is None or (v.date - last_check).days >= 330):
                v.health_check_done, last_check = True, v.date
    for v in visits:
        v.patient = patient
    return visits


def write_followups(written, as_of: dt.date, recorder=None) -> int:
    """Store every demo patient's visits, then refresh each one's schedule. Visits are signed by the
    demo village or township doctor where the patient's village or township has one."""
    from jingfang.accounts.models import User
    from jingfang.followups import engine

    doctors = {u.region_id: u for u in User.objects.filter(role__in=("township_doctor", "village_doctor"))}
    rows = []
    for spec, patient in written:
        signer = recorder or doctors.get(patient.region_id) or doctors.get(patient.region_id[:9] + "000")
        rows.extend(history_for(spec, patient, as_of, signer))
    FollowUp.objects.bulk_create(rows, batch_size=2000)
    for _, patient in written:
        engine.replay_flag_history(patient)  # key persons enter and leave on the visits' dates
        engine.refresh(patient)
    return len(rows)
