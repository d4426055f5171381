"""Writes of guardianship agreements (齐云山镇2024 三（七）; 中梁乡2022 三、4; 平桥区2025 二（四））: draw up,
revoke with a reason, replace the guardian. One function per action; each validates fully, writes in
one transaction and audits (the agreement type only, never a name)."""

from django.db import transaction
from django.db.models import Q

from jingfang.audit import log as audit
from jingfang.core import clock, errors

from . import permissions, vocab
from .forms import AgreementForm, RevokeForm
from .models import GuardianshipAgreement
from .services_team import require


def _form_data(data: dict) -> dict:
    out = {}
    for key, value in data.items():
        if value is None:
            continue
        if hasattr(value, "isoformat"):
            value = value.isoformat()
        if key == "guardian_id":
            key = "guardian"
        out[key] = value
    if out.get("signed") in (False, "false", "False", ""):
        out.pop("signed")
    return out


def _bind(patient, data: dict, *, exclude_guardian=None, defaults: dict | None = None) -> AgreementForm:
    values = {"duties": vocab.DEFAULT_DUTIES, **(defaults or {}), **_form_data(data)}
    return AgreementForm(data=values, patient=patient, exclude_guardian=exclude_guardian)


def _in_force(patient, type_: str, start, *, exclude=None):
    qs = GuardianshipAgreement.objects.filter(patient=patient, type=type_, state="active").filter(
        Q(end__isnull=True) | Q(end__gte=start))
    if exclude is not None:
        qs = qs.exclude(pk=exclude.pk)
    return qs.first()


def _invalid(actor, request, patient_id, problems, action="create"):
    audit.record(actor, action, request=request, outcome="invalid", patient_id=patient_id, target="guardianship",
                 detail={"fields": sorted({p.field for p in problems})})
    return errors.Invalid(problems)


def create_agreement(actor, patient, data: dict, *, request=None) -> GuardianshipAgreement:
    """Draw up an agreement: guardian (guardian_id of one of the patient's registered guardians), type,
    start, end, duties (default: 齐云山镇2024's list), signed, signed_on. A patient has at most one
    agreement of each type in force: revoke it or replace the guardian first."""
    require(actor, permissions.MANAGE_AGREEMENT, "create", request=request, patient_id=patient.pk,
            target="guardianship")
    form = _bind(patient, data)
    if not form.is_valid():
        raise _invalid(actor, request, patient.pk, errors.from_form(form, field_map={"guardian": "guardian_id"}))
    cd = form.cleaned_data
    current = _in_force(patient, cd["type"], cd["start"])
    if current is not None:
        raise _invalid(actor, request, patient.pk, [errors.FieldError(
            "type", f"该患者已有有效的{vocab.AGREEMENT_TYPES[cd['type']]}（{current.start:%Y-%m-%d}起），"
                    "请先撤销，或办理更换监护人")])
    agreement = form.save(commit=False)
    agreement.patient, agreement.created_by = patient, actor
    agreement.guardian_name = agreement.guardian.name
    with transaction.atomic():  # the agreement and its audit row together or not at all
        agreement.save()
        audit.record(actor, "create", request=request, patient_id=patient.pk,
                     target=f"guardianship:{agreement.pk}", detail={"type": agreement.type, "signed": agreement.signed})
    return agreement


def _revocation(actor, agreement, reason: str, on, request) -> dict:
    require(actor, permissions.REVOKE_AGREEMENT, "update", request=request, patient_id=agreement.patient_id,
            target=f"guardianship:{agreement.pk}")
    problems = []
    if agreement.state == "revoked":
        problems.append(errors.FieldError("", f"该协议已于{agreement.revoked_at:%Y-%m-%d}撤销"))
    form = RevokeForm(data={"reason": reason or "", "date": on.isoformat() if hasattr(on, "isoformat") else (on or "")})
    if not form.is_valid():
        problems += errors.from_form(form)
    elif agreement.end is not None and agreement.end < form.cleaned_data["date"]:
        problems.append(errors.FieldError("date", f"该协议已于{agreement.end:%Y-%m-%d}到期，无需撤销"))
    if problems:
        raise _invalid(actor, request, agreement.patient_id, problems, "update")
    return form.cleaned_data


def _revoke(actor, agreement, cd: dict) -> None:
    agreement.state, agreement.revoked_at = "revoked", cd["date"]
    agreement.revoke_reason, agreement.revoked_by = cd["reason"], actor
    agreement.save(update_fields=["state", "revoked_at", "revoke_reason", "revoked_by", "replaced_by"])


def revoke_agreement(actor, agreement: GuardianshipAgreement, reason: str, on=None, *,
                     request=None) -> GuardianshipAgreement:
    """Revoke an agreement with a reason (e.g. the guardian does not perform, 齐云山镇2024 三（七）); ``on``
    (default today) is the day it stops being in force."""
    cd = _revocation(actor, agreement, reason, on, request)
    with transaction.atomic():
        _revoke(actor, agreement, cd)
        audit.record(actor, "update", request=request, patient_id=agreement.patient_id,
                     target=f"guardianship:{agreement.pk}", detail={"action": "revoke", "type": agreement.type})
    return agreement


def replace_guardian(actor, agreement: GuardianshipAgreement, reason: str, data: dict, on=None, *,
                     request=None) -> GuardianshipAgreement:
    """调整监护人 (齐云山镇2024 三（七）): revoke ``agreement`` with a reason and, in the same transaction,
    draw up the same type of agreement with another registered guardian of the patient (``data`` as
    for create_agreement; start defaults to the revocation date). Returns the new agreement."""
    cd = _revocation(actor, agreement, reason, on, request)
    require(actor, permissions.MANAGE_AGREEMENT, "create", request=request, patient_id=agreement.patient_id,
            target="guardianship")
    patient = agreement.patient
    form = _bind(patient, data, exclude_guardian=agreement.guardian_id,
                 defaults={"type": agreement.type, "duties": agreement.duties, "start": cd["date"].isoformat()})
    if not form.is_valid():
        problems = errors.from_form(form, field_map={"guardian": "guardian_id"})
        if "guardian" in form.errors and data.get("guardian_id") == agreement.guardian_id:
            problems = [errors.FieldError("guardian_id", "更换监护人须选择另一名已登记的监护人")]
        raise _invalid(actor, request, patient.pk, problems, "update")
    new = form.save(commit=False)
    other = _in_force(patient, new.type, new.start, exclude=agreement)
    if other is not None:
        raise _invalid(actor, request, patient.pk, [errors.FieldError(
            "type", f"该患者另有有效的{vocab.AGREEMENT_TYPES[new.type]}（{other.start:%Y-%m-%d}起）")], "update")
    with transaction.atomic():
        new.patient, new.created_by, new.guardian_name = patient, actor, new.guardian.name
        new.save()
        agreement.replaced_by = new
        _revoke(actor, agreement, cd)
        audit.record(actor, "update", request=request, patient_id=patient.pk,
                     target=f"guardianship:{agreement.pk}", detail={"action": "replace", "type": agreement.type,
                                                                     "new": new.pk})
    return new


def current_agreements(patient, on=None) -> list[GuardianshipAgreement]:
    return list(GuardianshipAgreement.objects.filter(patient=patient).active_on(on or clock.today()).select_related("guardian"))
