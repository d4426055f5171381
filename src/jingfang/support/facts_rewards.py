"""ORM adapter for support.rewards: a township's patients as plain ``PatientFacts``.

What it reads (and therefore expects):

* registry.Patient rows from a queryset the caller scoped through registry.selectors.patients_for:
  pk, name, region_id, key_person, past_dangerous_acts, registered_on, death_date, risk_level, condition;
* followups.FollowUp rows with seen=True: patient_id, date, risk_level, condition (the risk level
  history; the file's cached risk_level/condition stand in when a patient has no seen follow-up);
* care.models.GuardianshipAgreement: patient_id, pk, guardian (FK to registry.Guardian, null once that
  row is gone), guardian_name, type, start (date), end (date or null), signed (bool), state ("active" |
  "revoked"; an "expired" state is honoured too), revoked_at (date, or a datetime, or null), revoke_reason;
* care.models.Incident: patient_id, date (date), kind (a core.vocab.DANGEROUS_ACTS key);
* support.RewardWithhold rows of the run (the guardian did not perform).

Should care not define those models (an installation without care), patients simply have no agreements
and no incidents (``care_available()`` says so, and the pages show a notice).
"""

import datetime as dt

from django.utils import timezone

from jingfang.followups.models import FollowUp

from . import rewards, vocab


def _care_models():
    try:
        from jingfang.care.models import GuardianshipAgreement, Incident
    except ImportError:
        return None, None
    return GuardianshipAgreement, Incident


def care_available() -> bool:
    return _care_models()[0] is not None


def _as_date(value) -> dt.date | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return value


def agreements_by_patient(patient_ids) -> dict[int, list[rewards.Agreement]]:
    model, _ = _care_models()
    if model is None:
        return {}
    out: dict[int, list[rewards.Agreement]] = {}
    for row in model.objects.filter(patient_id__in=list(patient_ids)).select_related("guardian"):
        guardian = getattr(row, "guardian", None)
        name = getattr(row, "guardian_name", "") or (guardian if isinstance(guardian, str)
                                                     else getattr(guardian, "name", ""))
        out.setdefault(row.patient_id, []).append(rewards.Agreement(
            id=row.pk,
            guardian_id=getattr(row, "guardian_id", None) if not isinstance(guardian, str) else None,
            guardian_name=name or "",
            start=_as_date(row.start),
            end=_as_date(getattr(row, "end", None)),
            signed=bool(getattr(row, "signed", True)),
            state=getattr(row, "state", "active") or "active",
            revoked_at=_as_date(getattr(row, "revoked_at", None)),
            revoke_reason=getattr(row, "revoke_reason", "") or "",
            type=str(getattr(row, "type", "") or ""),
        ))
    return out


def incidents_by_patient(patient_ids, until: dt.date) -> dict[int, list[rewards.Incident]]:
    _, model = _care_models()
    if model is None:
        return {}
    out: dict[int, list[rewards.Incident]] = {}
    rows = model.objects.filter(patient_id__in=list(patient_ids), date__lte=until).values_list("patient_id", "date",
                                                                                                "kind")
    for pid, date, kind in rows:
        out.setdefault(pid, []).append(rewards.Incident(_as_date(date), kind))
    return out


def assessments_by_patient(patient_ids, until: dt.date) -> dict[int, list[rewards.Assessment]]:
    out: dict[int, list[rewards.Assessment]] = {}
    rows = (FollowUp.objects.filter(patient_id__in=list(patient_ids), seen=True, date__lte=until)
            .values_list("patient_id", "date", "risk_level", "condition"))
    for pid, date, risk, condition in rows:
        out.setdefault(pid, []).append(rewards.Assessment(date, risk, condition or ""))
    return out


def _past_incident(acts: dict | None) -> bool:
    return any(int((acts or {}).get(k) or 0) > 0 for k in vocab.INCIDENT_KINDS)


def facts_for(patients, period: rewards.Period, withheld: dict[int, str] | None = None) -> list[rewards.PatientFacts]:
    """``patients``: Patient rows (already scoped). ``withheld``: {patient_id: reason} for this period."""
    patients = list(patients)
    ids = [p.pk for p in patients]
    agreements = agreements_by_patient(ids)
    incidents = incidents_by_patient(ids, period.end)
    history = assessments_by_patient(ids, period.end)
    withheld = withheld or {}
    out = []
    for p in patients:
        assessments = history.get(p.pk) or [
            rewards.Assessment(p.registered_on or period.start, p.risk_level, p.condition or "")]
        out.append(rewards.PatientFacts(
            patient_id=p.pk, name=p.name, village_code=p.region_id, assessments=tuple(assessments),
            key_person=p.key_person, past_incident=_past_incident(p.past_dangerous_acts),
            incidents=tuple(incidents.get(p.pk, ())), agreements=tuple(agreements.get(p.pk, ())),
            withheld_reason=withheld.get(p.pk, ""), registered_on=p.registered_on, death_date=p.death_date,
        ))
    return out
