"""Synthetic follow-up histories for the demo patients, consistent with each file.

Visits run from registration (or 18 months back) to the demo date at the rhythm the patient's class
asks for; the class of each visit comes from the real classifier, so the data obeys the rules. About
one patient in six has missed the latest due visit (so the worklist has overdue work), about one in
fifty had three failed attempts (lost to follow-up), and a few have a not-taking-medication visit.
"""

import datetime as dt
import random

from jingfang.followups.classify import Assessment, classify
from jingfang.followups.models import FollowUp

from .rand import chance, pick

GAP_DAYS = {"stable": (80, 92), "basically_stable": (25, 33), "unstable": (10, 15)}
RISK_BY_CONDITION = {"stable": {0: 1}, "basically_stable": {1: 5, 2: 3, 0: 2}, "unstable": {3: 6, 4: 3, 5: 1}}
SYMPTOMS = ["hallucination", "suspicion", "self_talk", "withdrawn", "moody", "excited"]


def _visit(rng: random.Random, date: dt.date, target: str, mode: str, recorder) -> FollowUp:
    risk = pick(rng, RISK_BY_CONDITION[target])
    symptoms = [] if target == "stable" else rng.sample(SYMPTOMS, 1 if target == "basically_stable" else 3)
    insight = "full" if target == "stable" else pick(rng, {"partial": 3, "none": 1 if target == "unstable" else 0})
    adherence = pick(rng, {"regular": 8, "intermittent": 1, "none": 1}) if target != "stable" else "regular"
    a = Assessment(risk_level=risk, symptoms=tuple(symptoms), insight=insight,
                   social_function="good" if target == "stable" else "fair")
    verdict = classify(a)
    return FollowUp(
        date=date, mode=mode, seen=True, risk_level=risk, symptoms=symptoms, insight=insight,
        sleep="good", diet="good", social_function=a.social_function, adherence=adherence,
        adherence_cause=pick(rng, {"economic": 1, "inconvenient": 1, "poor_compliance": 2}) if adherence != "regular" else "",
        adverse_reaction="none", physical_illness="none", condition=verdict.condition,
        condition_derived=verdict.condition, condition_reasons=verdict.reasons, recorded_by=recorder,
        medications=[{"name": pick(rng, {"利培酮片": 3, "奥氮平片": 3, "阿立哌唑片": 2, "帕利哌酮缓释片": 1}),
                      "dose": "每日1次"}],
        health_check_done=chance(rng, 0.25), assessment_done=chance(rng, 0.15),
    )


def history_for(spec, patient, as_of: dt.date, recorder) -> list[FollowUp]:
    """The patient's visits (unsaved), oldest first."""
    if patient.status in ("deceased", "moved_out"):
        end = min(as_of, patient.status_since or as_of)
    else:
        end = as_of
    rng = spec.rng("followups")
    start = max(patient.registered_on, as_of - dt.timedelta(days=540))
    target = patient.condition or "stable"
    visits, day = [], start + dt.timedelta(days=rng.randint(3, 14))
    skip_last = chance(rng, 0.17)
    lost = chance(rng, 0.02) and patient.status == "at_home"
    while day <= end:
        lo, hi = GAP_DAYS[target]
        nxt = day + dt.timedelta(days=rng.randint(lo, hi))
        if skip_last and nxt > end:
            break
        cls = target if chance(rng, 0.9) else pick(rng, {"stable": 3, "basically_stable": 2, "unstable": 1})
        mode = pick(rng, {"home_visit": 5, "clinic": 2, "phone": 2})
        visits.append(_visit(rng, day, cls, mode, recorder))
        day = nxt
    if visits and visits[-1].condition != target:
        visits[-1] = _visit(rng, visits[-1].date, target, visits[-1].mode, recorder)
    if lost and visits:
        last = visits[-1].date
        for k in range(1, 4):
            failed = last + dt.timedelta(days=10 * k)
            if failed <= end:
                visits.append(FollowUp(date=failed, mode="home_visit", seen=False, not_seen_reason="unreachable",
                                       patient_interviewed=False, recorded_by=recorder))
    for v in visits:
        v.patient = patient
    return visits


def write_followups(written, as_of: dt.date, recorder=None) -> int:
    """Store every demo patient's visits, then refresh each one's schedule."""
    from jingfang.followups import engine

    rows = []
    for spec, patient in written:
        rows.extend(history_for(spec, patient, as_of, recorder))
    FollowUp.objects.bulk_create(rows, batch_size=2000)
    for _, patient in written:
        engine.refresh(patient)
    return len(rows)
