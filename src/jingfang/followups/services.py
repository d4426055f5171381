"""Writes of the follow-up area: one function per action; each validates fully, writes in one
transaction, refreshes the patient's stored schedule, and audits."""

from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from jingfang.accounts import roles
from jingfang.audit import log as audit
from jingfang.core import clock, errors
from jingfang.registry.models import Patient, StatusChange

from . import engine
from .forms import FollowUpForm
from .models import FollowUp, IndividualPlan, PlanMeasure, RollCall, SearchAttempt, SensitivePeriod


@dataclass
class FollowUpResult:
    followup: FollowUp
    condition: str | None
    next_due_date: object
    reasons: list[str] = field(default_factory=list)
    actions: list[str] = field(default_factory=list)


def _require(actor, action: str, audit_action: str, request=None, patient_id=None) -> None:
    if not actor.can(action):
        audit.record(actor, audit_action, request=request, outcome="denied", patient_id=patient_id)
        raise errors.Forbidden("您的角色无权执行此操作")


def _bump(patient: Patient) -> None:
    """Take the patient's row for this transaction and move its version on (a concurrent edit of
    the file on the old version is then refused), then reload the file under that row lock: the
    instance was read before the lock, and saving it as read would silently undo an edit accepted
    in between."""
    Patient.objects.filter(pk=patient.pk).update(version=F("version") + 1, updated_at=timezone.now())
    patient.refresh_from_db()


def record_followup(actor, patient: Patient, data: dict, *, request=None) -> FollowUpResult:
    _require(actor, roles.RECORD_FOLLOWUP, "create", request, patient.pk)
    if patient.status in ("deceased",):
        raise errors.Invalid([errors.FieldError("", "患者已死亡，不能再录入随访")])
    form = FollowUpForm(data=data, patient=patient)
    if not form.is_valid():
        audit.record(actor, "create", request=request, outcome="invalid", patient_id=patient.pk,
                     target="followup", detail={"fields": sorted(form.errors)})
        raise errors.Invalid(errors.from_form(form))
    cd = form.cleaned_data
    fu = form.save(commit=False)
    fu.patient = patient
    fu.recorded_by = actor
    fu.social_detail, fu.dangerous_acts = cd["social_detail"], cd["dangerous_acts"]
    fu.medications, fu.attendees = cd["medications"], cd["attendees"]
    fu.attendee_count = max(1, len(fu.attendees))  # a joint visit's minimum: formrules.RULES
    reasons: list[str] = []
    if fu.seen:
        verdict = engine.classify_followup(fu, region_code=patient.region_id)
        fu.condition_derived, reasons = verdict.condition, list(verdict.reasons)
        override = cd.get("condition_override")
        fu.condition = override or verdict.condition
        if override and override != verdict.condition:
            reasons.append(f"人工调整为“{fu.get_condition_display()}”：{fu.condition_override_reason}")
        fu.condition_reasons = reasons
    with transaction.atomic():
        _bump(patient)
        fu.save()
        whereabouts_changed = bool(cd.get("died")) or (fu.hospital == "current" and patient.status == "at_home")
        if cd.get("died"):
            patient.status, patient.status_detail, patient.status_since = "deceased", "deceased", cd["death_date"]
            patient.death_date, patient.death_cause = cd["death_date"], cd["death_cause"]
            StatusChange.objects.create(patient=patient, status="deceased", detail="deceased", since=cd["death_date"],
                                        note="随访时登记死亡", recorded_by=actor)
        elif fu.hospital == "current" and patient.status == "at_home":
            patient.status, patient.status_detail, patient.status_since = "hospitalized", "psychiatric_hospital", fu.date
            StatusChange.objects.create(patient=patient, status="hospitalized", detail="psychiatric_hospital",
                                        since=fu.date, note="随访时登记住院", recorded_by=actor)
        if whereabouts_changed:
            # Only the whereabouts changed here (the rest of the file is written by its own services,
            # the cached schedule fields by engine.refresh): no rewrite of the whole row.
            patient.save(update_fields=["status", "status_detail", "status_since", "death_date", "death_cause"])
        measures = engine.medication_measures(patient, fu, actor)
        outcome = engine.refresh(patient, changed_on=fu.date)
        actions = list(outcome.actions) + measures
        fu.next_due_date = patient.next_due_date
        fu.next_rule = outcome.rule[:200]
        fu.actions = actions
        fu.save(update_fields=["next_due_date", "next_rule", "actions"])
        # In the same transaction: the record and its audit row are stored together or not at all.
        audit.record(actor, "create", request=request, patient_id=patient.pk, target=f"followup:{fu.pk}",
                     detail={"seen": fu.seen, "mode": fu.mode})
    return FollowUpResult(fu, fu.condition or None, patient.next_due_date, reasons, actions)


def record_roll_call(actor, patient: Patient, date, result: str = "present", note: str = "", *, request=None):
    _require(actor, roles.ROLL_CALL, "create", request, patient.pk)
    if result not in RollCall.RESULTS:
        raise errors.Invalid([errors.FieldError("result", "点名结果无效")])
    if date > clock.today():
        raise errors.Invalid([errors.FieldError("date", "点名日期不能晚于今天")])
    if date < patient.registered_on:
        raise errors.Invalid([errors.FieldError("date", "点名日期不能早于建档日期")])
    # The daily roll call is for key persons during a sensitive period (中梁乡2022，三、2): nobody can put
    # 点名异常 on the police's and office's worklists for any other patient or day.
    if not patient.key_person or not engine.sensitive_period_on(patient.region_id, date):
        raise errors.Invalid([errors.FieldError("date", "只在敏感时期内对重点人员点名：该患者在这一天无须点名")])
    note = note.strip()[:200]
    with transaction.atomic():  # the roll call and its audit row together or not at all
        call = RollCall.objects.select_for_update().filter(patient=patient, date=date).first()
        if call is None:
            call = RollCall.objects.create(patient=patient, date=date, result=result, note=note, recorded_by=actor)
            audit.record(actor, "create", request=request, patient_id=patient.pk,
                         target=f"rollcall:{date.isoformat()}", detail={"result": result})
            return call
        if (call.result, call.note) == (result, note):
            return call  # the same answer again (a retried request): nothing changes
        if may_correct_roll_call(actor, call):
            before = {"result": call.result, "note": call.note, "recorded_by": call.recorded_by_id}
            call.result, call.note, call.recorded_by = result, note, actor
            call.save(update_fields=["result", "note", "recorded_by"])
            audit.record(actor, "update", request=request, patient_id=patient.pk,
                         target=f"rollcall:{date.isoformat()}",
                         detail={"before": before, "after": {"result": result, "note": note, "recorded_by": actor.pk}})
            return call
    audit.record(actor, "update", request=request, outcome="denied", patient_id=patient.pk,
                 target=f"rollcall:{date.isoformat()}")
    raise errors.Conflict([errors.FieldError("result", roll_call_taken(call))])


def may_correct_roll_call(actor, call: RollCall) -> bool:
    """A day's roll call is changed by whoever recorded it, or corrected by health staff or the
    township office (who coordinate the roll call); anyone else is told it was taken."""
    return (call.recorded_by_id == actor.pk or roles.sees_clinical(actor.role)
            or actor.role == roles.TOWNSHIP_OFFICE)


def roll_call_taken(call: RollCall) -> str:
    who = call.recorded_by
    name = (who.get_full_name() or who.username) if who else "已停用的账号"
    return (f"{call.date:%Y-%m-%d}的点名已由{name}记录为“{call.get_result_display()}”，"
            "如需更正请联系记录人、精防人员或乡镇综治中心")


def log_search(actor, patient: Patient, data: dict, *, request=None) -> SearchAttempt:
    """Log one attempt to find a lost patient; 'found' returns them to normal scheduling."""
    _require(actor, roles.LOG_SEARCH, "create", request, patient.pk)
    from .forms import SearchAttemptForm

    form = SearchAttemptForm(data=data)
    if not form.is_valid():
        raise errors.Invalid(errors.from_form(form))
    with transaction.atomic():
        attempt = form.save(commit=False)
        attempt.patient, attempt.recorded_by = patient, actor
        attempt.save()
        if attempt.result == "found":
            _bump(patient)
            if patient.status == "missing":
                patient.status, patient.status_detail, patient.status_since = "at_home", "", attempt.date
                StatusChange.objects.create(patient=patient, status="at_home", since=attempt.date,
                                            note="失访后已找到", recorded_by=actor)
            patient.lost = False
            patient.save()
        engine.refresh(patient, changed_on=attempt.date)
        audit.record(actor, "create", request=request, patient_id=patient.pk, target="search",
                     detail={"result": attempt.result})
    return attempt


def save_plan(actor, patient: Patient, data: dict, measures: list[dict], *, plan=None, request=None):
    """Create or update a patient's individual plan (一人一策) and its measures."""
    _require(actor, roles.MANAGE_PLANS, "update", request, patient.pk)
    from .forms import PlanForm

    form = PlanForm(data=data, instance=plan)
    bad = [m for m in measures if not (m.get("text") or "").strip()]
    if not form.is_valid() or bad:
        errs = errors.from_form(form) if form.errors else []
        errs += [errors.FieldError("measures", "措施内容不能为空")] if bad else []
        raise errors.Invalid(errs)
    with transaction.atomic():
        plan = form.save(commit=False)
        plan.patient = patient
        plan.created_by = plan.created_by or actor
        plan.save()
        for m in measures:
            PlanMeasure.objects.create(plan=plan, category=m.get("category") or "other", text=m["text"].strip()[:300],
                                       source=m.get("source", "")[:64])
        engine.refresh(patient)
        audit.record(actor, "update", request=request, patient_id=patient.pk, target=f"plan:{plan.pk}")
    return plan


def set_measure_done(actor, measure: PlanMeasure, done: bool, *, request=None) -> PlanMeasure:
    _require(actor, roles.MANAGE_PLANS, "update", request, measure.plan.patient_id)
    measure.done = done
    with transaction.atomic():  # the measure and its audit row together or not at all
        measure.save(update_fields=["done"])
        audit.record(actor, "update", request=request, patient_id=measure.plan.patient_id,
                     target=f"measure:{measure.pk}")
    return measure


def add_sensitive_period(actor, name: str, start, end, *, request=None) -> SensitivePeriod:
    _require(actor, roles.SET_SENSITIVE_PERIODS, "admin", request)
    problems = []
    if not (name or "").strip():
        problems.append(errors.FieldError("name", "请填写敏感时期名称"))
    if start and end and end < start:
        problems.append(errors.FieldError("end", "结束日期不能早于开始日期"))
    if start and end and (end - start).days > 92:
        problems.append(errors.FieldError("end", "敏感时期最长92天"))
    if problems:
        raise errors.Invalid(problems)
    with transaction.atomic():  # the period and its audit row together or not at all
        period = SensitivePeriod.objects.create(region=actor.region, name=name.strip()[:100], start=start, end=end,
                                                created_by=actor)
        audit.record(actor, "admin", request=request, target=f"sensitive_period:{period.pk}")
    return period


def active_plan(patient: Patient) -> IndividualPlan | None:
    return patient.plans.filter(active=True).order_by("review_date").first()
