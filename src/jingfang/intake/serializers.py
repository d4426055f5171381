"""Intake rows as plain data for one user: the API's bodies and the xlsx exports.

Identifiers are masked (《中华人民共和国精神卫生法》第四条); the diagnosis on a report card is clinical and is left out for
roles that may not see clinical fields (accounts.roles.visible).
"""

import datetime as dt

from jingfang.accounts import roles
from jingfang.core import clock, vocab
from jingfang.core.masking import mask_id_number, mask_name, mask_phone
from jingfang.registry import serializers as patient_serializers

from . import deadlines, selectors
from .models import RELEASE_KINDS, RELEASE_STATUSES, REPORT_KINDS, REPORT_STATUSES, TRANSFER_STATUSES


def _name(user) -> str:
    return (user.get_full_name() or user.username) if user else ""


def due_data(d) -> dict:
    return {"kind": d.rule_id.rsplit(":", 1)[-1], "due_date": d.due_date, "state": d.state, "rule": d.rule,
            "provisional": d.provisional}


def card_data(card, role: str, on: dt.date | None = None) -> dict:
    data = {
        "id": card.pk,
        "kind": card.kind,
        "kind_label": REPORT_KINDS.get(card.kind, card.kind),
        "hospital": card.hospital,
        "received_on": card.received_on,
        "patient_name": card.patient_name,
        "id_number_masked": mask_id_number(card.id_number),
        "address": card.address,
        "diagnosis": card.diagnosis or None,
        "diagnosis_label": vocab.DIAGNOSES.get(card.diagnosis) if card.diagnosis else None,
        "township_code": card.township_id,
        "township_name": card.township.name,
        "status": card.status,
        "status_label": REPORT_STATUSES.get(card.status, card.status),
        "accepted_on": card.accepted_on,
        "entered_on": card.entered_on,
        "patient_id": card.patient_id,
        "address_unknown": card.address_unknown,
        "police_asked_on": card.police_asked_on,
        "police_station": card.police_station,
        "address_resolved_on": card.address_resolved_on,
        "cdc_referred_on": card.cdc_referred_on,
        "note": card.note,
        "deadlines": [due_data(d) for d in deadlines.card_deadlines(card, on)],
    }
    if not roles.sees_clinical(role):  # the reporting hospital tells the illness as the diagnosis does
        data.pop("diagnosis")
        data.pop("diagnosis_label")
        data.pop("hospital")
    return data


def release_data(notice, on: dt.date | None = None) -> dict:
    d = deadlines.release_deadline(notice, on)
    return {
        "id": notice.pk,
        "kind": notice.kind,
        "kind_label": RELEASE_KINDS.get(notice.kind, notice.kind),
        "released_on": notice.released_on,
        "notifying_unit": notice.notifying_unit,
        "notified_on": notice.notified_on,
        "township_code": notice.township_id,
        "township_name": notice.township.name,
        "patient_id": notice.patient_id,
        "person_name": notice.person_name,
        "id_number_masked": mask_id_number(notice.id_number),
        "address": notice.address,
        "status": notice.status,
        "status_label": RELEASE_STATUSES.get(notice.status, notice.status),
        "taken_over_on": notice.taken_over_on,
        "takeover_note": notice.takeover_note,
        "deadline": due_data(d) if d else None,
    }


def transfer_data(transfer, user, *, with_summary: bool = False) -> dict:
    """A transfer as ``user`` may read it. The patient's summary (registry.serializers.patient_summary,
    for the user's role) only for the destination while the transfer waits (``with_summary``); the
    origin keeps the name only while the patient is still theirs, and reads it masked afterwards."""
    patient = transfer.patient
    still_ours = selectors.is_origin_side(user, transfer) and transfer.status != "accepted"
    theirs_now = selectors.is_destination_side(user, transfer) and transfer.status == "accepted"
    data = {
        "id": transfer.pk,
        "patient_id": patient.pk,
        "patient_name": patient.name if (still_ours or theirs_now or with_summary) else mask_name(patient.name),
        "origin_code": transfer.origin_id,
        "origin_name": transfer.origin.full_name(),
        "destination_code": transfer.destination_id,
        "destination_name": transfer.destination.full_name(),
        "destination_village_code": transfer.destination_village_id,
        "destination_village_name": transfer.destination_village.name if transfer.destination_village else None,
        "reason": transfer.reason,
        "new_address": transfer.new_address,
        "sent_on": transfer.sent_on,
        "sent_by": _name(transfer.sent_by),
        "status": transfer.status,
        "status_label": TRANSFER_STATUSES.get(transfer.status, transfer.status),
        "accepted_on": transfer.accepted_on,
        "returned_on": transfer.returned_on,
        "return_reason": transfer.return_reason,
        "patient": None,
    }
    if with_summary and transfer.status == "sent":
        data["patient"] = patient_serializers.patient_summary(patient, user.role)
    return data


def age_on(birth: dt.date, on: dt.date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def township_name(region) -> str:
    """The township of a village (its parent), as '邻县北镇'."""
    township = region.parent or region
    return township.full_name() or township.name


def dual_summary(patient, on: dt.date | None = None) -> dict:
    """The few fields the household-registration township reads (双列管): no clinical data, no file."""
    on = on or clock.today()
    return {
        "name": patient.name,
        "sex": patient.sex,
        "sex_label": vocab.SEXES.get(patient.sex, patient.sex),
        "age": age_on(patient.birth_date, on),
        "id_number_masked": mask_id_number(patient.id_number),
        "phone_masked": mask_phone(patient.phone),
        "residence_township": township_name(patient.region),
        "status": patient.status,
        "status_label": vocab.STATUSES.get(patient.status, patient.status),
        "risk_level": patient.risk_level,
        "key_person": patient.key_person,
    }
