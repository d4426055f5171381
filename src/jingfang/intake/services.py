"""Every write of a report card goes through these functions (pages and API alike); releases and
transfers are in services_movement. Each validates completely, writes in one transaction (the row
locked, so a step cannot be taken twice), refuses a step the card's state does not allow (409), and
audits: a success audit row in the same transaction as the write, a refusal after it. Patients'
files are written only through registry.services.
"""

import datetime as dt

from django.db import transaction

from jingfang.audit import log as audit
from jingfang.core import clock, errors
from jingfang.core.formdata import to_form_data
from jingfang.regions import codes
from jingfang.regions.models import Region
from jingfang.registry import services as registry_services

from . import permissions as perms
from .forms import EnterForm, ReportCardForm, StepForm
from .models import REPORT_STATUSES, ReportCard
from .selectors import patient_by_id_number


def require(actor, action: str, audit_action: str, request=None, patient_id=None, target: str = "") -> None:
    if not perms.user_can(actor, action):
        audit.record(actor, audit_action, request=request, outcome="denied", patient_id=patient_id, target=target)
        raise errors.Forbidden("您的角色无权执行此操作")


def invalid(actor, form, audit_action: str, request=None, target: str = "", patient_id=None) -> errors.Invalid:
    audit.record(actor, audit_action, request=request, outcome="invalid", target=target, patient_id=patient_id,
                 detail={"fields": sorted(form.errors)})
    return errors.Invalid(errors.from_form(form))


def township_for(actor, code: str = "") -> Region:
    """The township that must act: the user's own when they belong to one; a user above township level
    names one within their region; a village-level user cannot register for a township."""
    code = (code or "").strip()
    level = codes.level_of(actor.region_id)
    if level == codes.TOWNSHIP:
        if code and code != actor.region_id:
            raise errors.Invalid([errors.FieldError("township_code", "乡镇级用户只能为本乡镇登记")])
        return actor.region
    if level == codes.VILLAGE:
        raise errors.Invalid([errors.FieldError("township_code", "须由乡镇或县级用户登记")])
    region = Region.objects.filter(code=code).first() if codes.is_valid_code(code) else None
    if region is None or region.level != codes.TOWNSHIP or not codes.is_within(code, actor.region_id):
        raise errors.Invalid([errors.FieldError("township_code", "请填写您辖区内乡镇的12位区划代码")])
    return region


_form_data = to_form_data

def _target(card) -> str:
    return f"report_card:{card.pk}"


def _locked(card: ReportCard) -> ReportCard:
    return ReportCard.objects.select_for_update().get(pk=card.pk)


def _refuse(actor, card, step: str, message: str, request=None) -> errors.Conflict:
    audit.record(actor, "update", request=request, outcome="conflict", target=_target(card),
                 patient_id=card.patient_id, detail={"step": step, "status": card.status})
    return errors.Conflict([errors.FieldError("status", message)], status=card.status)


# Receipt ------------------------------------------------------------------------------------------
def receive_card(actor, data: dict, *, request=None) -> ReportCard:
    """Record the receipt of a report card or discharge form by the user's township."""
    require(actor, perms.RECEIVE_REPORTS, "create", request, target="report_card")
    sees = actor.sees_clinical
    if data.get("diagnosis") and not sees:
        audit.record(actor, "create", request=request, outcome="denied", target="report_card",
                     detail={"fields": ["diagnosis"]})
        raise errors.Forbidden([errors.FieldError("diagnosis", "您的角色无权填写诊断")])
    township = township_for(actor, data.get("township_code", ""))
    form = ReportCardForm(data=_form_data(data), sees_clinical=sees)
    if not form.is_valid():
        raise invalid(actor, form, "create", request, "report_card")
    card = form.save(commit=False)
    card.township, card.created_by = township, actor
    with transaction.atomic():  # the card and its audit row together or not at all
        card.save()
        audit.record(actor, "create", request=request, target=_target(card), detail={"kind": card.kind})
    return card


# Steps --------------------------------------------------------------------------------------------
def _step(actor, card, step: str, data: dict, request, **form_kwargs) -> tuple[ReportCard, StepForm]:
    require(actor, perms.RECEIVE_REPORTS, "update", request, card.patient_id, _target(card))
    form = StepForm(data=_form_data(data), **form_kwargs)
    if not form.is_valid():
        raise invalid(actor, form, "update", request, _target(card), card.patient_id)
    return card, form


def _advance(actor, card, step: str, request, check, apply, fields: list[str]) -> ReportCard:
    """Lock the card, ask ``check`` whether the step is allowed (None, or why not), ``apply`` it and
    save, with its audit row in the same transaction. A refusal is audited after the transaction, so
    that its audit row is kept."""
    with transaction.atomic():
        locked = _locked(card)
        message = check(locked)
        if message is None:
            apply(locked)
            locked.save(update_fields=fields)
            audit.record(actor, "update", request=request, target=_target(locked), patient_id=locked.patient_id,
                         detail={"step": step})
    if message is not None:
        raise _refuse(actor, locked, step, message, request)
    return locked


def accept_card(actor, card: ReportCard, data: dict | None = None, *, request=None) -> ReportCard:
    """received → accepted (date: today unless given; not before receipt)."""
    card, form = _step(actor, card, "accept", data or {}, request, earliest=card.received_on,
                       earliest_label="收到日期")

    def check(c):
        if c.status != "received":
            return f"该报告卡当前为“{REPORT_STATUSES[c.status]}”，不能再次接收"
        return None

    def apply(c):
        c.status, c.accepted_on, c.accepted_by = "accepted", form.cleaned_data["date"], actor

    return _advance(actor, card, "accept", request, check, apply, ["status", "accepted_on", "accepted_by"])


def police_query(actor, card: ReportCard, data: dict | None = None, *, request=None) -> ReportCard:
    """Address unknown or wrong: the police station was asked to find it (date; the station's name)."""
    card, form = _step(actor, card, "police_query", data or {}, request, earliest=card.received_on,
                       earliest_label="收到日期", text_label="派出所")

    def check(c):
        if not c.is_open:
            return f"该报告卡已{REPORT_STATUSES[c.status]}，无需联系派出所"
        return "已登记联系派出所，请勿重复登记" if c.police_asked_on else None

    def apply(c):
        c.address_unknown, c.police_asked_on = True, form.cleaned_data["date"]
        c.police_station = form.cleaned_data["text"]

    return _advance(actor, card, "police_query", request, check, apply,
                    ["address_unknown", "police_asked_on", "police_station"])


def refer_cdc(actor, card: ReportCard, data: dict | None = None, *, request=None) -> ReportCard:
    """The police could not find the address either: the card goes to the county CDC (closes it here)."""
    card, form = _step(actor, card, "refer_cdc", data or {}, request, earliest=card.police_asked_on,
                       earliest_label="联系派出所日期", text_label="备注")

    def check(c):
        if not c.is_open:
            return f"该报告卡已{REPORT_STATUSES[c.status]}，不能转县疾控"
        return None if c.police_asked_on else "须先联系派出所查找住址，仍无法明确时再转县疾控"

    def apply(c):
        c.status, c.cdc_referred_on = "referred_cdc", form.cleaned_data["date"]
        c.note = form.cleaned_data["text"] or c.note

    return _advance(actor, card, "refer_cdc", request, check, apply, ["status", "cdc_referred_on", "note"])


# Entry --------------------------------------------------------------------------------------------
PATIENT_KEYS = ("name", "region_code", "household_region_code", "address", "phone", "diagnosis",
                "diagnosis_date", "household_address")


def enter_card(actor, card: ReportCard, data: dict, guardian: dict | None = None, *, request=None) -> ReportCard:
    """accepted → entered: link the file of the patient with this ID number in the user's jurisdiction,
    or create it through registry.services.create_patient from the card and ``data`` (region_code: a
    village of the user's; other fields default to the card's). An address found after a police query
    counts as resolved on the entry date."""
    require(actor, perms.ENTER_REPORTS, "update", request, card.patient_id, _target(card))
    values = {"id_number": data.get("id_number") or card.id_number, "entered_on": data.get("entered_on")}
    form = EnterForm(data=_form_data(values))
    if not form.is_valid():
        raise invalid(actor, form, "update", request, _target(card))
    entered_on = form.cleaned_data["entered_on"] or clock.today()
    current = ReportCard.objects.get(pk=card.pk)
    if current.status != "accepted":
        message = ("须先接收报告卡，才能建档录入" if current.status == "received"
                   else f"该报告卡已{REPORT_STATUSES[current.status]}，不能再次录入")
        raise _refuse(actor, current, "enter", message, request)
    if entered_on < current.accepted_on or entered_on > clock.today():
        audit.record(actor, "update", request=request, outcome="invalid", target=_target(card),
                     detail={"fields": ["entered_on"]})
        raise errors.Invalid([errors.FieldError(
            "entered_on", f"建档录入日期应在接收日期（{current.accepted_on.isoformat()}）与今天之间")])
    number = form.cleaned_data["id_number"]
    patient = patient_by_id_number(actor, number)
    linked = patient is not None
    try:
        if patient is None:  # a file elsewhere: refused outside the transaction (registry.disclosure)
            registry_services.refuse_registered(actor, number, request=request)
        with transaction.atomic():
            card = _locked(card)
            if card.status != "accepted":  # taken by someone else meanwhile: nothing is written
                raise errors.Conflict([errors.FieldError("status", "该报告卡刚被他人录入，请刷新")], status=card.status)
            if patient is None:
                patient = registry_services.create_patient(actor, _new_patient(card, data, number),
                                                           guardian=guardian, request=request)
            card.status, card.entered_on, card.entered_by, card.patient = "entered", entered_on, actor, patient
            card.id_number = card.id_number or number
            if card.address_unknown and not card.address_resolved_on:
                card.address_resolved_on = entered_on
            card.save()
            audit.record(actor, "update", request=request, target=_target(card), patient_id=patient.pk,
                         detail={"step": "enter", "linked": linked})
    except errors.ServiceError as exc:
        # The registry's own audit row was rolled back with the transaction: record the refusal again.
        outcome = {errors.Conflict: "conflict", errors.Forbidden: "denied"}.get(type(exc), "invalid")
        audit.record(actor, "update", request=request, outcome=outcome, target=_target(card),
                     detail={"step": "enter", "fields": sorted({e.field for e in exc.errors if e.field})})
        raise
    return card


def _new_patient(card: ReportCard, data: dict, number: str) -> dict:
    values = {k: data.get(k) for k in PATIENT_KEYS if data.get(k) not in (None, "")}
    values.setdefault("name", card.patient_name)
    values.setdefault("address", card.address)
    if card.diagnosis:
        values.setdefault("diagnosis", card.diagnosis)
    if values.get("region_code"):
        values.setdefault("household_region_code", values["region_code"])
    values.update({"id_number": number, "diagnosis_hospital": card.hospital, "status": "at_home"})
    return {k: v.isoformat() if isinstance(v, dt.date) else v for k, v in values.items()}
