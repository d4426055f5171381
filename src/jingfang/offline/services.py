"""Writes of the offline app: a sync (each entry on its own, once per user and client id) and the
township doctor's review of held visits (录入, 转交, 不予录入). Each writes with its audit row in one
transaction."""

import datetime as dt
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone
from pydantic import ValidationError

from jingfang.accounts import roles
from jingfang.audit import log as audit
from jingfang.core import api_support, errors
from jingfang.followups import services as followup_services
from jingfang.followups.api import FIELD_NAMES, FollowupIn, _form_data
from jingfang.followups.forms import FollowUpForm
from jingfang.regions import codes
from jingfang.registry import selectors
from jingfang.registry.models import Patient

from . import package, rules
from . import selectors as selectors_offline
from .models import OfflineEntry, PackagedPatient

IN_PROGRESS = "同一条记录正在同步，请稍后重试"


@dataclass
class Visit:
    client_id: str
    patient_id: int
    form: dict
    recorded_at: dt.datetime | None = None


@dataclass
class RollCallIn:
    client_id: str
    patient_id: int
    date: str
    result: str
    note: str = ""


def _answer(client_id: str, kind: str, status: str, message: str, *, errs=(), followup_id=None,
            next_due_date=None, due=()) -> dict:
    return {"client_id": client_id, "kind": kind, "status": status, "message": message,
            "errors": [{"field": f, "message": m} for f, m in errs], "followup_id": followup_id,
            "next_due_date": next_due_date.isoformat() if next_due_date else None, "due": list(due)}


def _api_field(name: str) -> str:
    """The follow-up API's name of a form field an error names."""
    if name.startswith("acts_"):
        return "dangerous_acts"
    if name.startswith("social_") and name != "social_function":
        return "social_detail"
    if name.startswith("med_"):
        return "medications"
    return FIELD_NAMES.get(name, name)


def _refused(client_id: str, kind: str, problems: list[errors.FieldError] | list[dict], message: str) -> dict:
    errs = [(_api_field(p.field), p.message) if isinstance(p, errors.FieldError) else (p["field"], p["message"])
            for p in problems]
    return _answer(client_id, kind, "refused", message, errs=errs)


def _find(user, patient_id, request, kind: str) -> tuple[Patient | None, bool]:
    """(patient, inside) through the jurisdiction gate: the patient the user may see now (inside), or one
    the user had in a package and who has left since (its name and status only, for a held visit).
    A patient the user never could see is refused like one that does not exist (audited the same)."""
    return selectors.patient_or_former(
        user, patient_id, request=request, action="create",
        target="offline_visit" if kind == "visit" else "offline_roll_call",
        had_it=lambda pk: PackagedPatient.objects.filter(user=user, patient_id=pk).exists())


def _once(user, client_id: str, kind: str, patient: Patient, work) -> dict:
    """Run ``work(row)`` for a new (user, client id) in one transaction with the row that records it;
    a repeat (now or in parallel) gets the first answer and writes nothing. ``work`` returns the answer
    (kept) or raises errors.Invalid (nothing kept: the phone may correct and resend)."""
    kept = OfflineEntry.objects.filter(user=user, client_id=client_id).first()
    if kept is not None:
        return kept.answer
    with transaction.atomic():
        try:
            with transaction.atomic():
                row = OfflineEntry.objects.create(user=user, client_id=client_id, kind=kind, patient=patient,
                                                  status="applied", recorder_region_id=user.region_id)
        except IntegrityError:
            # The same entry sent at the same time committed first (this insert waited for it).
            kept = OfflineEntry.objects.filter(user=user, client_id=client_id).first()
            if kept is None:
                raise errors.Conflict(IN_PROGRESS) from None
            return kept.answer
        answer = work(row)
        row.answer = answer
        row.save()
    return answer


def _validated_form(form: dict) -> FollowupIn:
    try:
        return FollowupIn.model_validate(form)
    except ValidationError as exc:
        raise errors.Invalid([errors.FieldError(e["field"], e["message"])
                              for e in api_support.translate(exc.errors(include_url=False))]) from None


def sync_visit(user, visit: Visit, *, request=None) -> dict:
    cid, kind = visit.client_id, "visit"
    kept = OfflineEntry.objects.filter(user=user, client_id=cid).first()
    if kept is not None:
        return kept.answer
    patient, inside = _find(user, visit.patient_id, request, "visit")
    if patient is None:
        return _refused(cid, kind, [errors.FieldError("patient_id", rules.UNKNOWN_PATIENT)], rules.UNKNOWN_PATIENT)
    try:
        body = _validated_form(visit.form if isinstance(visit.form, dict) else {})
    except errors.Invalid as exc:
        return _refused(cid, kind, exc.errors, "随访内容有误，请按提示修改后重新同步")
    held = "outside" if not inside else ("deceased" if patient.status == "deceased" else "")
    if held:  # kept for review only if valid as the follow-up form would take it (applied: the service checks)
        form = FollowUpForm(data=_form_data(body), patient=patient)
        if not form.is_valid():
            return _refused(cid, kind, errors.from_form(form), "随访内容有误，请按提示修改后重新同步")

    def hold(row: OfflineEntry) -> dict:
        row.status, row.held_reason, row.review_state = "held", held, "pending"
        row.form, row.visit_date, row.recorded_at = visit.form, body.date, visit.recorded_at
        row.patient_name = patient.name
        row.review_region_id = codes.township_of(user.region_id)
        words = rules.HELD_MESSAGE
        if held == "deceased":  # the user sees this patient: the death is on the file they may read
            words = rules.HELD_DECEASED.format(date=patient.death_date.isoformat() if patient.death_date else "日期不详") + words
        audit.record(user, "create", request=request, patient_id=patient.pk if inside else None,
                     target=f"offline_entry:{row.pk}", detail={"reason": held, "status": "held"})
        return _answer(cid, kind, "held", words, due=package.due_now(user, patient.pk) if inside else ())

    def apply(row: OfflineEntry) -> dict:
        result = followup_services.record_followup(user, patient, _form_data(body), request=request)
        row.followup, row.recorded_at = result.followup, visit.recorded_at
        return _answer(cid, kind, "applied", f"已录入（随访日期{body.date.isoformat()}）",
                       followup_id=result.followup.pk, next_due_date=result.next_due_date,
                       due=package.due_now(user, patient.pk))

    try:
        return _once(user, cid, kind, patient, hold if held else apply)
    except errors.Invalid as exc:
        audit.record(user, "create", request=request, outcome="invalid", patient_id=patient.pk if inside else None,
                     target="offline_visit", detail={"fields": sorted({e.field for e in exc.errors})})
        return _refused(cid, kind, exc.errors, "随访内容有误，请按提示修改后重新同步")
    except errors.ServiceError as exc:  # a conflict: the same entry still being synced
        return _refused(cid, kind, exc.errors, exc.errors[0].message)


def sync_roll_call(user, call: RollCallIn, *, request=None) -> dict:
    cid, kind = call.client_id, "roll_call"
    kept = OfflineEntry.objects.filter(user=user, client_id=cid).first()
    if kept is not None:
        return kept.answer
    patient, inside = _find(user, call.patient_id, request, "roll_call")
    if patient is None or not inside:
        message = rules.ROLL_CALL_OUTSIDE if patient is not None else rules.UNKNOWN_PATIENT
        return _refused(cid, kind, [errors.FieldError("patient_id", message)], message)
    try:
        day = dt.date.fromisoformat(call.date)
    except (TypeError, ValueError):
        return _refused(cid, kind, [errors.FieldError("date", "点名日期应为日期（YYYY-MM-DD）")], "点名日期有误")

    def apply(row: OfflineEntry) -> dict:
        followup_services.record_roll_call(user, patient, day, call.result, call.note, request=request)
        return _answer(cid, kind, "applied", f"已录入点名（{day.isoformat()}）", due=package.due_now(user, patient.pk))

    try:
        return _once(user, cid, kind, patient, apply)
    except errors.ServiceError as exc:
        # The entry's transaction rolled back, and with it any audit row the roll-call service wrote for a
        # refusal (e.g. a day already recorded by someone else): the refusal is audited again here, outside.
        if isinstance(exc, errors.Forbidden | errors.Conflict) and not _in_progress(exc):
            audit.record(user, "update" if isinstance(exc, errors.Conflict) else "create", request=request,
                         outcome="denied", patient_id=patient.pk, target=f"rollcall:{day.isoformat()}")
        elif isinstance(exc, errors.Invalid):
            audit.record(user, "create", request=request, outcome="invalid", patient_id=patient.pk,
                         target="offline_roll_call", detail={"fields": sorted({e.field for e in exc.errors})})
        return _refused(cid, kind, exc.errors, exc.errors[0].message if exc.errors else "点名有误")


def _in_progress(exc: errors.ServiceError) -> bool:
    """The same entry still being synced by a parallel request (nothing refused, nothing to audit)."""
    return bool(exc.errors) and exc.errors[0].message == IN_PROGRESS


# ---- review of held visits ----------------------------------------------------------------------

def _require_reviewer(actor, request, entry: OfflineEntry | None = None) -> None:
    if not roles.can(actor.role, roles.REVIEW_OFFLINE):
        audit.record(actor, "update", request=request, outcome="denied",
                     target=f"offline_entry:{entry.pk}" if entry else "offline_entry")
        raise errors.Forbidden("您的角色无权审核离线随访")


FORWARDED = "该离线随访已转交其他乡镇，由其精防人员处理"


def _locked(actor, entry: OfflineEntry) -> tuple[OfflineEntry, bool]:
    """The entry as stored now, locked until the transaction ends (a page opened before another
    reviewer's decision acts on that decision), and whether the actor's township reviews it."""
    fresh = OfflineEntry.objects.select_for_update().get(pk=entry.pk)
    return fresh, selectors_offline.held_for(actor).filter(pk=fresh.pk).exists()


def _decided(entry: OfflineEntry, actor, state: str, note: str = "") -> None:
    entry.review_state, entry.review_note = state, note
    entry.reviewed_by, entry.reviewed_at = actor, timezone.now()


def apply_held(actor, entry: OfflineEntry, *, request=None) -> OfflineEntry:
    """录入: record the held visit through the follow-up service, if the patient is now in the reviewer's
    jurisdiction and the visit fits (date, death). Done once: a repeat returns the entry."""
    _require_reviewer(actor, request, entry)
    with transaction.atomic():
        entry, mine = _locked(actor, entry)
        if entry.review_state == "applied":
            return entry
        if not mine:
            raise errors.Conflict([errors.FieldError("", FORWARDED)])
        if entry.review_state != "pending":
            raise errors.Conflict([errors.FieldError("", "该离线随访已处理，不能再录入")])
        patient = selectors.patients_for(actor).filter(pk=entry.patient_id).first()
        if patient is None:
            raise errors.Invalid([errors.FieldError("", "患者不在您的辖区内，不能录入；患者已迁往他处时请“转交”")])
        body = _validated_form(entry.form)
        result = followup_services.record_followup(actor, patient, _form_data(body), request=request)
        entry.followup = result.followup
        _decided(entry, actor, "applied")
        entry.save()
        audit.record(actor, "update", request=request, patient_id=patient.pk, target=f"offline_entry:{entry.pk}",
                     detail={"review": "applied", "followup": result.followup.pk})
    return entry


def forward_held(actor, entry: OfflineEntry, *, request=None) -> OfflineEntry:
    """转交: the patient lives in another township now; its township doctors review the visit. The
    reviewer is not told where (the entry simply leaves their list)."""
    _require_reviewer(actor, request, entry)
    with transaction.atomic():
        entry, mine = _locked(actor, entry)
        if entry.forwarded_by_id == actor.pk and not mine:
            return entry  # already forwarded by this reviewer
        if not mine:
            raise errors.Conflict([errors.FieldError("", FORWARDED)])
        if entry.review_state != "pending":
            raise errors.Conflict([errors.FieldError("", "该离线随访已处理，不能再转交")])
        target = selectors.township_now(entry.patient_id)
        if target is None or target == entry.review_region_id:
            raise errors.Invalid([errors.FieldError("", "患者仍在本乡镇，无须转交，请录入或不予录入")])
        entry.review_region_id, entry.forwarded_by = target, actor
        entry.save(update_fields=["review_region", "forwarded_by"])
        audit.record(actor, "update", request=request, target=f"offline_entry:{entry.pk}",
                     detail={"review": "forwarded"})
    return entry


def dismiss_held(actor, entry: OfflineEntry, reason: str, *, request=None) -> OfflineEntry:
    """不予录入, with a written reason. Done once: a repeat returns the entry."""
    _require_reviewer(actor, request, entry)
    reason = (reason or "").strip()
    with transaction.atomic():
        entry, mine = _locked(actor, entry)
        if entry.review_state == "dismissed":
            return entry
        if not mine:
            raise errors.Conflict([errors.FieldError("", FORWARDED)])
        if entry.review_state != "pending":
            raise errors.Conflict([errors.FieldError("", "该离线随访已录入，不能再不予录入")])
        if not rules.DISMISS_REASON_MIN <= len(reason) <= rules.DISMISS_REASON_MAX:
            raise errors.Invalid([errors.FieldError(
                "reason", f"不予录入的理由：请写明理由，{rules.DISMISS_REASON_MIN}至{rules.DISMISS_REASON_MAX}个字")])
        _decided(entry, actor, "dismissed", reason)
        entry.save()
        audit.record(actor, "update", request=request, target=f"offline_entry:{entry.pk}",
                     detail={"review": "dismissed"})
    return entry
