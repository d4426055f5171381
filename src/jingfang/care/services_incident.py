"""Writes of incidents (肇事肇祸, 中梁乡2022 三、5) and their retrospective review (倒查, 齐云山镇2024 四、3).

Recording an incident also counts it in the patient's past dangerous acts (既往危险行为), which the
schedule engine turns into key-person status. That write follows registry.services' pattern (row
lock, version + 1, a Revision row, registry.signals.patient_changed) but does not need EDIT_PATIENT:
the police and the governance office record incidents without being allowed to edit the file.
"""

from django.db import transaction
from django.utils import timezone

from jingfang.audit import log as audit
from jingfang.core import errors
from jingfang.core.formdata import to_form_data
from jingfang.registry import services as registry_services
from jingfang.registry.models import Patient

from . import permissions
from .forms import IncidentForm, ReviewForm
from .models import Incident
from .services_team import require

_form_data = to_form_data

count_dangerous_act = registry_services.count_dangerous_act


def record_incident(actor, patient: Patient, data: dict, *, request=None) -> Incident:
    """Record an incident: date, place, kind, description, harm (injuries, deaths, property_loss_yuan,
    harm_note), police_response, onsite_handling, hospital, compulsory, aftermath."""
    require(actor, permissions.RECORD_INCIDENT, "create", request=request, patient_id=patient.pk, target="incident")
    form = IncidentForm(data=_form_data(data))
    if not form.is_valid():
        audit.record(actor, "create", request=request, outcome="invalid", patient_id=patient.pk, target="incident",
                     detail={"fields": sorted(form.errors)})
        raise errors.Invalid(errors.from_form(form))
    incident = form.save(commit=False)
    if incident.date < patient.birth_date:
        raise errors.Invalid([errors.FieldError("date", "发生日期不能早于患者出生日期")])
    with transaction.atomic():
        incident.patient, incident.recorded_by = patient, actor
        incident.save()
        count_dangerous_act(actor, patient, incident.kind, request=request)
        audit.record(actor, "create", request=request, patient_id=patient.pk, target=f"incident:{incident.pk}",
                     detail={"kind": incident.kind})
    return incident


def save_review(actor, incident: Incident, findings: str, *, request=None) -> Incident:
    """Save the retrospective review's findings (倒查结论) with who and when."""
    require(actor, permissions.REVIEW_INCIDENT, "update", request=request, patient_id=incident.patient_id,
            target=f"incident:{incident.pk}")
    form = ReviewForm(data={"review_findings": findings or ""})
    if not form.is_valid():
        raise errors.Invalid(errors.from_form(form))
    incident.review_findings = form.cleaned_data["review_findings"]
    incident.reviewed_by, incident.reviewed_at = actor, timezone.now()
    with transaction.atomic():  # the findings and their audit row together or not at all
        incident.save(update_fields=["review_findings", "reviewed_by", "reviewed_at"])
        audit.record(actor, "update", request=request, patient_id=incident.patient_id,
                     target=f"incident:{incident.pk}", detail={"review": True})
    return incident
