"""Synthetic clinical history, risk and flags of one demo patient (plain dicts of Patient fields)."""

import datetime as dt
import random

from .rand import add_years, chance, days_before, pick

HOSPITALS = {
    "示范县精神卫生中心": 45,
    "示范市第三人民医院": 35,
    "示范省精神卫生中心": 10,
    "示范县人民医院": 10,
}
DIAGNOSES = {
    "schizophrenia": 70,
    "bipolar": 10,
    "schizoaffective": 5,
    "paranoid_psychosis": 6,
    "epilepsy": 4,
    "intellectual_disability": 5,
}
RISK_LEVELS = {0: 60, 1: 20, 2: 10, 3: 6, 4: 3, 5: 1}
_PSYCHOSIS = {
    "hallucination": 8,
    "suspicion": 7,
    "self_talk": 6,
    "bizarre": 4,
    "withdrawn": 5,
    "communication": 3,
    "moody": 3,
    "wandering": 2,
    "violence": 2,
    "other": 1,
}
SYMPTOM_WEIGHTS = {
    "schizophrenia": _PSYCHOSIS,
    "schizoaffective": {**_PSYCHOSIS, "excited": 4, "pessimism": 4},
    "paranoid_psychosis": {"suspicion": 10, "moody": 3, "violence": 2, "hallucination": 2, "other": 1},
    "bipolar": {"excited": 8, "moody": 7, "pessimism": 6, "violence": 2, "wandering": 2, "other": 1},
    "epilepsy": {"moody": 5, "violence": 3, "bizarre": 3, "communication": 3, "other": 2},
    "intellectual_disability": {"communication": 6, "bizarre": 4, "withdrawn": 4, "moody": 3, "violence": 2},
}
DANGEROUS_ACTS = {
    "minor_trouble": 40,
    "trouble": 25,
    "disaster": 5,
    "other_harm": 10,
    "self_harm": 12,
    "suicide_attempt": 8,
}
EFFECT_BY_CONDITION = {
    "stable": {"recovered": 30, "improved": 60, "unchanged": 10},
    "basically_stable": {"improved": 55, "unchanged": 35, "worse": 10},
    "unstable": {"improved": 20, "unchanged": 40, "worse": 40},
}
MANUAL_KEY_REASONS = ["监护缺失或监护能力弱", "多次拒绝随访", "近期病情反复", "流动人口，居住不固定"]
DISABILITY_GRADES = {1: 10, 2: 30, 3: 35, 4: 25}


def _symptoms(rng: random.Random, diagnosis: str) -> list[str]:
    weights = dict(SYMPTOM_WEIGHTS[diagnosis])
    chosen: list[str] = []
    for _ in range(rng.choice((1, 2, 2, 3, 3, 4))):
        symptom = pick(rng, weights)
        weights.pop(symptom)
        chosen.append(symptom)
    return chosen


def history(rng: random.Random, birth: dt.date, registered_on: dt.date) -> dict:
    """Diagnosis and treatment history: onset < diagnosis (after age 14) <= registration."""
    diagnosis = pick(rng, DIAGNOSES)
    gap = pick(rng, {(0, 365): 40, (366, 5 * 365): 35, (5 * 365, 20 * 365): 25})
    diagnosis_date = max(days_before(rng, registered_on, *gap), add_years(birth, 14))
    onset_gap = pick(rng, {(30, 180): 40, (181, 2 * 365): 40, (2 * 365, 5 * 365): 20})
    first_onset = max(days_before(rng, diagnosis_date, *onset_gap), add_years(birth, 12))
    outpatient = pick(rng, {"untreated": 10, "intermittent": 45, "continuous": 45})
    hospitalizations = pick(rng, {0: 30, 1: 30, 2: 20, 3: 10, 4: 5, 5: 3, 7: 2})
    treated = outpatient != "untreated" or hospitalizations > 0
    first_drug = (
        min(diagnosis_date + dt.timedelta(days=rng.randint(0, 60)), registered_on) if treated else None
    )
    return {
        "diagnosis": diagnosis,
        "diagnosis_hospital": pick(rng, HOSPITALS),
        "diagnosis_date": diagnosis_date,
        "first_onset_date": first_onset,
        "past_symptoms": _symptoms(rng, diagnosis),
        "outpatient_history": outpatient,
        "first_antipsychotic_date": first_drug,
        "hospitalizations": hospitalizations,
        "past_locking": pick(rng, {"released": 3, "locked": 1}) if chance(rng, 0.02) else "none",
    }


def condition_for(rng: random.Random, risk: int) -> str:
    if risk >= 3:
        return "unstable"
    if risk >= 1:
        return "basically_stable"
    return pick(rng, {"stable": 85, "basically_stable": 12, "unstable": 3})


def risk_and_flags(rng: random.Random, *, floating: bool, weak_guardian: bool) -> dict:
    """Risk level, condition, past dangerous acts, police/disability/key-person flags."""
    risk = pick(rng, RISK_LEVELS)
    condition = condition_for(rng, risk)
    acts: dict[str, int] = {}
    if chance(rng, 0.3 if risk >= 3 else 0.075):
        for _ in range(rng.choice((1, 1, 2))):
            acts[pick(rng, DANGEROUS_ACTS)] = rng.choice((1, 1, 1, 2, 3))
    if risk >= 3:
        police = chance(rng, 0.4)
    elif acts:
        police = chance(rng, 0.3)
    else:
        police = chance(rng, 0.03)
    manual_p = 0.3 if (floating or weak_guardian) else 0.02
    manual = chance(rng, manual_p)
    reasons = []
    if risk >= 3:
        reasons.append("危险性评估3级及以上")
    if condition == "unstable":
        reasons.append("病情不稳定")
    if police:
        reasons.append("公安列管")
    if acts and ("disaster" in acts or "trouble" in acts):
        reasons.append("既往有肇事肇祸行为")
    if manual:
        if floating:
            reasons.append("流动人口，居住不固定")
        elif weak_guardian:
            reasons.append("监护缺失或监护能力弱")
        else:
            reasons.append(rng.choice(MANUAL_KEY_REASONS))
    key_person = risk >= 3 or condition == "unstable" or police or manual
    disability = chance(rng, 0.4)
    return {
        "risk_level": risk,
        "condition": condition,
        "past_dangerous_acts": acts,
        "police_listed": police,
        "disability_certificate": disability,
        "disability_grade": pick(rng, DISABILITY_GRADES) if disability else None,
        "key_person_manual": manual,
        "key_person_reason": "；".join(dict.fromkeys(reasons))[:200] if key_person else "",
        "latest_treatment_effect": pick(rng, EFFECT_BY_CONDITION[condition]),
        "key_person": key_person,
    }
