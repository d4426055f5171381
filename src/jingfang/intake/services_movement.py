"""Writes of release handovers (当阳乡2022) and transfers between townships (齐云山镇2024、中梁乡2022).

The same rules as intake.services: complete validation first, one transaction with the row locked,
a success audited inside that transaction, a refused step a 409 audited after it, patients' files
written only through registry.services (change_status, set_transfer_pending, relocate_patient).
"""

from django.db import IntegrityError, transaction

from jingfang.audit import log as audit
from jingfang.core import clock, errors
from jingfang.regions import codes
from jingfang.regions.models import Region
from jingfang.registry import services as registry_services
from jingfang.registry.selectors import patients_for

from . import permissions as perms
from . import selectors
from .forms import AcceptForm, ReleaseForm, ReturnForm, StepForm, TransferForm
from .models import RELEASE_KINDS, ReleaseNotice, Transfer
from .services import _form_data, invalid, require, township_for


def township_of(region_code: str) -> Region:
    return Region.objects.get(code=region_code[:9] + "000")


def _conflict(actor, target: str, patient_id, message: str, request=None, **detail) -> errors.Conflict:
    audit.record(actor, "update", request=request, outcome="conflict", target=target, patient_id=patient_id,
                 detail=detail)
    return errors.Conflict([errors.FieldError("status", message)])


# Releases -----------------------------------------------------------------------------------------
def record_release(actor, data: dict, *, request=None) -> ReleaseNotice:
    """A release notice. With ``patient_id`` or an ID number of a patient in the user's jurisdiction
    it is that patient's (and their township's); otherwise it names a person not yet registered."""
    require(actor, perms.RECORD_RELEASE, "create", request, target="release")
    form = ReleaseForm(data=_form_data({k: v for k, v in data.items() if k != "patient_id"}))
    if not form.is_valid():
        raise invalid(actor, form, "create", request, "release")
    cd = form.cleaned_data
    patient = None
    if data.get("patient_id"):
        patient = patients_for(actor).filter(pk=data["patient_id"]).first()
        if patient is None:
            audit.record(actor, "create", request=request, outcome="not_found", target="release")
            raise errors.Invalid([errors.FieldError("patient_id", "患者不存在")])
    elif cd["id_number"]:
        patient = selectors.patient_by_id_number(actor, cd["id_number"])
    if patient is None and not cd["person_name"]:
        raise errors.Invalid([errors.FieldError("person_name", "辖区内未找到该身份证号的档案：请填写姓名")])
    notice = form.save(commit=False)
    if patient is not None:
        notice.patient, notice.person_name, notice.id_number = patient, patient.name, patient.id_number
        notice.township = township_of(patient.region_id)
    else:
        notice.township = township_for(actor, data.get("township_code", ""))
    notice.recorded_by = actor
    with transaction.atomic():  # the notice and its audit row together or not at all
        notice.save()
        audit.record(actor, "create", request=request, patient_id=notice.patient_id,
                     target=f"release:{notice.pk}", detail={"kind": notice.kind})
    return notice


def take_over(actor, notice: ReleaseNotice, data: dict | None = None, *, request=None) -> ReleaseNotice:
    """The township takes over (接管). For a registered patient the whereabouts become 在家居住 through
    registry.services.change_status, in the same transaction."""
    target = f"release:{notice.pk}"
    require(actor, perms.TAKE_OVER_RELEASE, "update", request, notice.patient_id, target)
    form = StepForm(data=_form_data(data or {}), earliest=notice.released_on, earliest_label="释放/解除日期",
                    text_label="接管说明")
    if not form.is_valid():
        raise invalid(actor, form, "update", request, target, notice.patient_id)
    if ReleaseNotice.objects.filter(pk=notice.pk).values_list("status", flat=True).first() != "pending":
        raise _conflict(actor, target, notice.patient_id, "该通知已登记接管，不能重复接管", request, step="takeover")
    on, note = form.cleaned_data["date"], form.cleaned_data["text"]
    patient = notice.patient or selectors.patient_by_id_number(actor, notice.id_number)
    if patient is not None and not patients_for(actor).filter(pk=patient.pk).exists():
        raise _conflict(actor, target, patient.pk, "该患者已不在您的辖区（可能已转出），请核实后处理", request,
                        step="takeover")
    try:
        with transaction.atomic():
            locked = ReleaseNotice.objects.select_for_update().get(pk=notice.pk)
            if locked.status != "pending":
                raise errors.Conflict([errors.FieldError("status", "该通知刚被他人登记接管")])
            if patient is not None:
                status_note = f"{RELEASE_KINDS[locked.kind]}后乡镇接管" + (f"：{note}" if note else "")
                registry_services.change_status(actor, patient, {
                    "status": "at_home", "detail": "", "since": on.isoformat(), "note": status_note[:200],
                    "version": patient.version,
                }, request=request)
            locked.status, locked.taken_over_on, locked.taken_over_by = "taken_over", on, actor
            locked.takeover_note, locked.patient = note, patient or locked.patient
            locked.save()
            audit.record(actor, "update", request=request, target=target, patient_id=locked.patient_id,
                         detail={"step": "takeover"})
    except errors.ServiceError as exc:
        outcome = {errors.Conflict: "conflict", errors.Forbidden: "denied"}.get(type(exc), "invalid")
        audit.record(actor, "update", request=request, outcome=outcome, target=target,
                     patient_id=getattr(patient, "pk", None), detail={"step": "takeover"})
        raise
    return locked


# Transfers ----------------------------------------------------------------------------------------
def _destination(code: str) -> Region | None:
    code = (code or "").strip()
    region = Region.objects.filter(code=code).first() if codes.is_valid_code(code) else None
    return region if region is not None and region.level == codes.TOWNSHIP else None


def send_transfer(actor, patient, data: dict, *, request=None) -> Transfer:
    """Send ``patient`` (already read through the user's scope) to another township's health centre.
    The patient stays the origin's, flagged transfer_pending, until the destination accepts."""
    require(actor, perms.SEND_TRANSFER, "create", request, patient.pk, "transfer")
    form = TransferForm(data=_form_data({"patient": str(patient.pk), **data}))
    if not form.is_valid():
        raise invalid(actor, form, "create", request, "transfer", patient.pk)
    cd = form.cleaned_data
    origin = township_of(patient.region_id)
    destination = _destination(cd["destination_code"])
    problems = []
    if destination is None:
        problems.append(errors.FieldError("destination_code", "转入乡镇的区划代码不存在或不是乡镇（街道）级"))
    elif destination.code == origin.code:
        problems.append(errors.FieldError("destination_code", "不能转移到本乡镇"))
    if patient.status == "deceased":
        problems.append(errors.FieldError("patient", "患者已死亡，不能转移"))
    sent_on = cd["sent_on"] or clock.today()
    if sent_on > clock.today():
        problems.append(errors.FieldError("sent_on", "日期不能晚于今天"))
    if problems:
        audit.record(actor, "create", request=request, outcome="invalid", patient_id=patient.pk, target="transfer",
                     detail={"fields": sorted({p.field for p in problems})})
        raise errors.Invalid(problems)
    open_message = "该患者已有一项待接收的转移，须待对方接收或退回后再转"
    if Transfer.objects.filter(patient=patient, status="sent").exists():
        raise _conflict(actor, "transfer", patient.pk, open_message, request, step="send")
    try:
        with transaction.atomic():
            transfer = Transfer.objects.create(
                patient=patient, origin=origin, origin_village_id=patient.region_id, destination=destination,
                reason=cd["reason"].strip(), new_address=cd["new_address"].strip(), sent_on=sent_on, sent_by=actor,
            )
            registry_services.set_transfer_pending(actor, patient, True, request=request)
            audit.record(actor, "create", request=request, patient_id=patient.pk, target=f"transfer:{transfer.pk}",
                         detail={"step": "send", "origin": origin.code, "destination": destination.code})
    except IntegrityError:
        raise _conflict(actor, "transfer", patient.pk, open_message, request, step="send") from None
    return transfer


def _receiving_side(actor, transfer: Transfer, step: str, request) -> None:
    target = f"transfer:{transfer.pk}"
    require(actor, perms.ACCEPT_TRANSFER, "update", request, transfer.patient_id, target)
    if not selectors.is_destination_side(actor, transfer):
        audit.record(actor, "update", request=request, outcome="denied", patient_id=transfer.patient_id,
                     target=target, detail={"step": step})
        raise errors.Forbidden("只有转入乡镇可以接收或退回")
    current = Transfer.objects.filter(pk=transfer.pk).values_list("status", flat=True).first()
    if current != "sent":
        done = "已接收" if current == "accepted" else "已退回"
        raise _conflict(actor, target, transfer.patient_id, f"该转移{done}，不能再{'接收' if step == 'accept' else '退回'}",
                        request, step=step)


def accept_transfer(actor, transfer: Transfer, data: dict, *, request=None) -> Transfer:
    """The destination accepts into one of its villages: registry.services.relocate_patient moves the
    patient (and so their whole history) in the same transaction."""
    _receiving_side(actor, transfer, "accept", request)
    target = f"transfer:{transfer.pk}"
    villages = Region.objects.filter(parent_id=transfer.destination_id, level=codes.VILLAGE).order_by("code")
    form = AcceptForm(data=_form_data(data), villages=villages)
    if not form.is_valid():
        raise invalid(actor, form, "update", request, target, transfer.patient_id)
    village = villages.get(code=form.cleaned_data["village_code"])
    accepted_on = form.cleaned_data["accepted_on"] or clock.today()
    if not transfer.sent_on <= accepted_on <= clock.today():
        raise errors.Invalid([errors.FieldError("accepted_on", "接收日期应在转出日期与今天之间")])
    patient = transfer.patient
    try:
        with transaction.atomic():
            locked = Transfer.objects.select_for_update().get(pk=transfer.pk)
            patient.refresh_from_db()
            if locked.status != "sent":
                raise errors.Conflict([errors.FieldError("status", "该转移刚被他人处理，请刷新")])
            if not codes.is_within(patient.region_id, locked.origin_id):
                raise errors.Conflict([errors.FieldError("status", "患者已不在转出乡镇，无法接收")])
            reason = f"自{locked.origin.full_name()}转入（{locked.reason}）"
            registry_services.relocate_patient(actor, patient, village, reason=reason, address=locked.new_address,
                                               request=request)
            locked.status, locked.accepted_on, locked.accepted_by = "accepted", accepted_on, actor
            locked.destination_village = village
            locked.save()
            audit.record(actor, "update", request=request, patient_id=patient.pk, target=target,
                         detail={"step": "accept", "origin": locked.origin_id, "village": village.code})
    except errors.ServiceError as exc:
        outcome = {errors.Conflict: "conflict", errors.Forbidden: "denied"}.get(type(exc), "invalid")
        audit.record(actor, "update", request=request, outcome=outcome, target=target, patient_id=patient.pk,
                     detail={"step": "accept"})
        raise
    return locked


def return_transfer(actor, transfer: Transfer, data: dict, *, request=None) -> Transfer:
    """The destination returns the transfer with a reason: everything stays with the origin, whose
    pending flag is cleared (its ordinary schedule resumes)."""
    _receiving_side(actor, transfer, "return", request)
    target = f"transfer:{transfer.pk}"
    form = ReturnForm(data=_form_data(data))
    if not form.is_valid() or not form.cleaned_data["reason"].strip():
        if form.is_valid():
            form.add_error("reason", "请填写退回原因")
        raise invalid(actor, form, "update", request, target, transfer.patient_id)
    patient = transfer.patient
    try:
        with transaction.atomic():
            locked = Transfer.objects.select_for_update().get(pk=transfer.pk)
            if locked.status != "sent":
                raise errors.Conflict([errors.FieldError("status", "该转移刚被他人处理，请刷新")])
            registry_services.set_transfer_pending(actor, patient, False, request=request)
            locked.status, locked.returned_on, locked.returned_by = "returned", clock.today(), actor
            locked.return_reason = form.cleaned_data["reason"].strip()
            locked.save()
            audit.record(actor, "update", request=request, patient_id=patient.pk, target=target,
                         detail={"step": "return"})
    except errors.ServiceError:
        audit.record(actor, "update", request=request, outcome="conflict", target=target, patient_id=patient.pk,
                     detail={"step": "return"})
        raise
    return locked
