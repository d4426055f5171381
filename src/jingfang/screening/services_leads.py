"""Every write to a lead goes through these (pages and API alike): validate, write, audit.

Workflow (齐云山镇2024 三（二）): reported → referred (sent to a mental-health institution for
diagnosis) → confirmed (the patient's file is created through registry.services.create_patient) or
excluded; a reported lead may also be excluded at once. Nothing leaves confirmed or excluded.
Audit rows name the lead and count things; never a name or an ID number.
"""

from django.db import transaction

from jingfang.audit import log as audit
from jingfang.core import clock, errors
from jingfang.registry import services as registry_services

from . import selectors, vocab
from .forms_leads import ExcludeForm, LeadForm, ReferForm
from .models import Lead, Person
from .permissions import CONFIRM_LEAD, MANAGE_LEADS, REPORT_LEAD, can

OUTCOMES = {errors.Invalid: "invalid", errors.Conflict: "conflict", errors.Forbidden: "denied"}

REFUSALS = {
    ("reported", "confirmed"): "尚未转诊，不能确诊建档：疑似患者须先送精神卫生医疗机构诊断，确诊后方可建档（齐云山镇2024，三（二））",
    ("referred", "referred"): "该线索已转诊，不能重复转诊",
}


def _target(lead: Lead) -> str:
    return f"lead:{lead.pk}"


def _require(actor, action: str, request=None, target: str = "", audit_action: str = "update"):
    if not can(actor, action):
        audit.record(actor, audit_action, request=request, outcome="denied", target=target)
        raise errors.Forbidden("您的角色无权执行此操作")


def check_transition(lead: Lead, to: str) -> None:
    """Refuse an illegal state change with a message that says why, in Chinese (409)."""
    if to in vocab.TRANSITIONS.get(lead.state, set()):
        return
    message = REFUSALS.get((lead.state, to))
    if message is None:
        if lead.state in ("confirmed", "excluded"):
            message = f"该线索{vocab.LEAD_STATES[lead.state]}，已办结，不能再{vocab.TRANSITION_LABELS.get(to, '变更')}"
        else:
            message = f"当前状态“{vocab.LEAD_STATES[lead.state]}”不能{vocab.TRANSITION_LABELS.get(to, '变更')}"
    raise errors.Conflict([errors.FieldError("state", message)], state=lead.state)


def allowed_transitions(lead: Lead, user) -> list[str]:
    out = []
    for to in sorted(vocab.TRANSITIONS[lead.state], key=list(vocab.TRANSITION_LABELS).index):
        if can(user, CONFIRM_LEAD if to == "confirmed" else MANAGE_LEADS):
            out.append(to)
    return out


def create_lead(actor, data: dict, *, allow_duplicates: bool = False, request=None) -> Lead:
    """Report a suspected case. Possible duplicates are refused (409, listed) unless allowed on purpose."""
    _require(actor, REPORT_LEAD, request, audit_action="create")
    form = LeadForm(data=data, actor=actor)
    if not form.is_valid():
        audit.record(actor, "create", request=request, outcome="invalid", target="lead",
                     detail={"fields": sorted(form.errors)})
        raise errors.Invalid(errors.from_form(form))
    cd = form.cleaned_data
    dups = selectors.lead_duplicates(actor, id_number=cd["id_number"], name=cd["name"],
                                     birth_date=cd.get("birth_date"), region_code=cd["region_code"].code,
                                     request=request)
    blocking = [d for d in dups if d["kind"] != "unverified"]  # 需县级核实 is a note, not a duplicate
    if blocking and not allow_duplicates:
        audit.record(actor, "create", request=request, outcome="conflict", target="lead",
                     detail={"reason": "possible_duplicate", "count": len(dups)})
        raise errors.Conflict(
            [errors.FieldError("duplicates", "可能与已有档案或线索重复：" + "；".join(d["message"] for d in dups))],
            duplicates=dups,
        )
    lead = form.apply()
    lead.reporter = actor
    lead.reporter_name = lead.reporter_name or actor.get_full_name() or actor.username
    lead.reporter_unit = lead.reporter_unit or f"{actor.region.name}{actor.role_label}"
    with transaction.atomic():  # the lead and its audit row together or not at all
        lead.save()
        audit.record(actor, "create", request=request, target=_target(lead), detail={
            "signs": len(lead.signs), "source": lead.source, "dangerous": lead.dangerous,
            "duplicates_acknowledged": len(blocking),
        })
    return lead


def _locked(lead: Lead) -> Lead:
    return Lead.objects.select_for_update().get(pk=lead.pk)


def _step(actor, lead: Lead, to: str, form_class, data: dict, request) -> Lead:
    _require(actor, MANAGE_LEADS, request, _target(lead))
    try:
        with transaction.atomic():
            lead = _locked(lead)
            check_transition(lead, to)
            form = form_class(data=data, lead=lead)
            if not form.is_valid():
                raise errors.Invalid(errors.from_form(form))
            for key, value in form.cleaned_data.items():
                setattr(lead, key, value)
            before, lead.state = lead.state, to
            if to == "excluded":
                lead.concluded_by = actor
                Person.objects.filter(lead=lead, assessment_result="").update(
                    assessment_result="not_met", assessed_on=lead.concluded_on)
            lead.save()
            audit.record(actor, "status", request=request, target=_target(lead), detail={"from": before, "to": to})
    except errors.ServiceError as exc:
        audit.record(actor, "status", request=request, outcome=OUTCOMES.get(type(exc), "invalid"),
                     target=_target(lead), detail={"to": to, "fields": sorted({e.field for e in exc.errors})})
        raise
    return lead


def refer(actor, lead: Lead, data: dict, *, request=None) -> Lead:
    """Referred for diagnosis: to which institution, on which date."""
    return _step(actor, lead, "referred", ReferForm, data, request)


def exclude(actor, lead: Lead, data: dict, *, request=None) -> Lead:
    """Excluded, with the reason (e.g. the diagnosis found no severe mental disorder)."""
    return _step(actor, lead, "excluded", ExcludeForm, data, request)


def patient_defaults(lead: Lead) -> tuple[dict, dict | None]:
    """The patient file's fields known from the lead, and its guardian if known (for the confirm form)."""
    data = {
        "name": lead.name,
        "id_number": lead.id_number,
        "phone": lead.phone,
        "region_code": lead.region_id,
        "household_region_code": lead.region_id,
        "address": lead.address,
        "status": "at_home",
        "diagnosis_hospital": lead.referred_to,
        "past_locking": "locked" if 2 in (lead.signs or []) else "none",
    }
    guardian = None
    if lead.guardian_name:
        guardian = {"name": lead.guardian_name, "relation": lead.guardian_relation or "other",
                    "phone": lead.guardian_phone}
    return data, guardian


def confirm(actor, lead: Lead, data: dict, guardian: dict | None = None, *, request=None):
    """Confirmed by diagnosis: create the patient's file and link the lead to it, in one transaction.

    ``data`` holds the registry's form field names (like POST /patients). Returns (lead, patient).
    """
    _require(actor, CONFIRM_LEAD, request, _target(lead), audit_action="create")
    try:
        registry_services.refuse_registered(actor, data.get("id_number"), request=request)
        with transaction.atomic():
            lead = _locked(lead)
            check_transition(lead, "confirmed")
            patient = registry_services.create_patient(actor, data, guardian=guardian, request=request)
            lead.state, lead.patient, lead.concluded_on, lead.concluded_by = "confirmed", patient, clock.today(), actor
            lead.save()
            Person.objects.filter(lead=lead).update(patient=patient, assessment_result="confirmed",
                                                    assessed_on=lead.concluded_on)
            audit.record(actor, "status", request=request, target=_target(lead), patient_id=patient.pk,
                         detail={"from": "referred", "to": "confirmed"})
    except errors.ServiceError as exc:
        # Any audit row written inside the rolled-back transaction is gone: record the refusal again.
        audit.record(actor, "status", request=request, outcome=OUTCOMES.get(type(exc), "invalid"),
                     target=_target(lead), detail={"to": "confirmed", "fields": sorted({e.field for e in exc.errors})})
        raise
    return lead, patient
