"""The individual plan page (一人一策): a key person's measures, owner and review date (一人一档、一人一策: 平桥区2025 一（二）)."""

import datetime as dt

from django.contrib import messages
from django.db.models import Prefetch
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_POST

from jingfang.accounts import roles
from jingfang.accounts.decorators import permission_required
from jingfang.audit import log as audit
from jingfang.core import clock, errors
from jingfang.core import vocab as core_vocab
from jingfang.registry import selectors as patient_selectors
from jingfang.registry import serializers
from jingfang.registry import services as registry_services
from jingfang.registry.flags import public_manual_reason

from . import selectors_keyperson as sel
from . import services
from .forms import PlanForm
from .models import PlanMeasure
from .views_common import MEASURE_ROWS, _deny

# ---- individual plan (一人一策) ----------------------------------------------------------------

def _category_choices(role: str) -> list[tuple[str, str]]:
    return [(k, v) for k, v in PlanMeasure.CATEGORIES.items() if k != "medication" or roles.sees_clinical(role)]


def _visible_measures(role: str):
    qs = PlanMeasure.objects.order_by("done", "id")
    return qs if roles.sees_clinical(role) else qs.exclude(category="medication")


def _grouped(measures) -> list[dict]:
    groups: dict[str, list] = {}
    for m in measures:
        groups.setdefault(m.category, []).append(m)
    return [{"code": c, "label": label, "measures": groups[c]} for c, label in PlanMeasure.CATEGORIES.items()
            if c in groups]


def _suggestions(patient, role: str, plan) -> tuple[object, list[dict]]:
    """For health roles: the latest seen follow-up when adherence was poor, and the policy's measures
    for its cause that the active plan does not hold yet."""
    if not roles.sees_clinical(role):
        return None, []
    fu = sel.latest_seen_followup(patient)
    if fu is None or fu.adherence not in sel.POOR_ADHERENCE:
        return fu, []
    have = set(plan.measures.values_list("text", flat=True)) if plan else set()
    return fu, [
        {**s, "cause": fu.adherence_cause}
        for s in sel.medication_measures_for(patient.region_id, fu.adherence_cause)
        if s["text"] not in have
    ]


def _plan_context(request, patient, *, form=None, problem=None, flag_problem=None, posted_rows=None) -> dict:
    user, role = request.user, request.user.role
    plan = services.active_plan(patient)
    visible = _visible_measures(role)
    measures = list(visible.filter(plan=plan)) if plan else []
    history = (
        patient.plans.filter(active=False).select_related("owner")
        .prefetch_related(Prefetch("measures", queryset=visible)).order_by("-updated_at", "-id")
    )
    latest_fu, suggestions = _suggestions(patient, role, plan)
    if form is None:
        initial = {} if plan else {"review_date": clock.today() + dt.timedelta(days=30), "active": True}
        form = PlanForm(instance=plan, initial=initial)
    rows = posted_rows or [{"category": "other", "text": ""} for _ in range(MEASURE_ROWS)]
    guardians = list(patient.guardians.all())
    return {
        "p": patient,
        "plan": plan,
        "owner": (plan.owner.get_full_name() or plan.owner.username) if plan and plan.owner else
                 (plan.owner_name if plan else ""),
        "groups": _grouped(measures),
        "done_count": sum(1 for m in measures if m.done),
        "measure_count": len(measures),
        "review_overdue": bool(plan and plan.review_date < clock.today()),
        "history": history,
        "form": form,
        "measure_rows": rows,
        "categories": _category_choices(role),
        "problem": problem,
        "flag_problem": flag_problem,
        "suggestions": suggestions,
        "latest_fu": latest_fu,
        "reasons": serializers.reasons_for(patient, role, guardians),
        # the hand-written reason: free text for health roles, else a listed reason (registry.flags)
        "kp_reason": patient.key_person_reason if roles.sees_clinical(role)
        else public_manual_reason(patient.key_person_reason),
        "kp_reason_choices": None if roles.sees_clinical(role) else core_vocab.KEY_PERSON_PUBLIC_REASONS,
        "can_manage": roles.can(role, roles.MANAGE_PLANS),
        "can_flag": roles.can(role, roles.EDIT_PATIENT),
        "can_search": roles.can(role, roles.VIEW_WORKLIST),
        "sees_clinical": roles.sees_clinical(role),
        "user": user,
    }


def _posted_measures(post, role: str, suggestions: list[dict]) -> tuple[list[dict], list[dict], list]:
    """(measures for services.save_plan, the rows as typed, problems)."""
    allowed = dict(_category_choices(role))
    measures, rows, problems = [], [], []
    for i in range(MEASURE_ROWS):
        category = post.get(f"m-{i}-category", "other")
        text = post.get(f"m-{i}-text", "").strip()[:300]
        rows.append({"category": category, "text": text})
        if not text:
            continue
        if category not in allowed:
            problems.append(errors.FieldError(f"m-{i}-category", f"第{i + 1}条措施：类别无效或您的角色无权添加该类措施"))
            continue
        measures.append({"category": category, "text": text})
    offered = {s["text"]: s for s in suggestions}
    for text in post.getlist("suggest"):
        s = offered.get(text)
        if s is None:
            problems.append(errors.FieldError("suggest", "建议措施已失效，请刷新页面后重试"))
            continue
        measures.append({"category": "medication", "text": s["text"], "source": f"medication:{s['cause']}"[:64]})
    return measures, rows, problems


@permission_required(roles.VIEW_PATIENTS)
def plan_page(request, pk):
    role = request.user.role
    if request.method != "POST":
        patient = patient_selectors.get_patient_for(request, pk)
        return render(request, "followups/kp_plan.html", _plan_context(request, patient))
    if not roles.can(role, roles.MANAGE_PLANS):
        _deny(request, "update")
    patient = patient_selectors.get_patient_for(request, pk, action="update", audit_success=False)
    plan = services.active_plan(patient)
    _, suggestions = _suggestions(patient, role, plan)
    measures, rows, problems = _posted_measures(request.POST, role, suggestions)
    try:
        if problems:
            raise errors.Invalid(problems)
        services.save_plan(request.user, patient, request.POST, measures, plan=plan, request=request)
    except errors.ServiceError as exc:
        form = PlanForm(data=request.POST, instance=services.active_plan(patient))
        form.is_valid()
        context = _plan_context(request, patient, form=form, problem=exc, posted_rows=rows)
        return render(request, "followups/kp_plan.html", context, status=exc.status)
    messages.success(request, "一人一策方案已保存")
    return HttpResponseRedirect(reverse("followups:plan", args=[patient.pk]))


@require_POST
@permission_required(roles.MANAGE_PLANS, audit_action="update")
def plan_measure_done(request, pk, mid):
    """htmx: tick or untick one measure (the checkbox posts done=1 when ticked, nothing when not)."""
    patient = patient_selectors.get_patient_for(request, pk, action="update", audit_success=False)
    measure = PlanMeasure.objects.select_related("plan").filter(pk=mid, plan__patient=patient).first()
    if measure is None or (measure.category == "medication" and not roles.sees_clinical(request.user.role)):
        audit.record_request(request, "update", outcome="not_found", patient_id=patient.pk,
                             target=f"measure:{str(mid)[:20]}")
        raise Http404("措施不存在")
    done = request.POST.get("done", "") in ("1", "on", "true")
    services.set_measure_done(request.user, measure, done, request=request)
    if request.htmx:
        visible = list(_visible_measures(request.user.role).filter(plan=measure.plan).values_list("done", flat=True))
        return render(request, "followups/kp_measure.html", {
            "m": measure, "p": patient, "can_manage": True,
            "oob": True, "done_count": sum(visible), "measure_count": len(visible),
        })
    return HttpResponseRedirect(reverse("followups:plan", args=[patient.pk]))


@require_POST
@permission_required(roles.EDIT_PATIENT, audit_action="update")
def plan_flag(request, pk):
    """Set or clear the manual key-person flag (with its reason) through registry.services."""
    patient = patient_selectors.get_patient_for(request, pk, action="update", audit_success=False)
    manual = request.POST.get("key_person_manual", "") in ("1", "on", "true")
    reason = request.POST.get("key_person_reason", "").strip()[:200]
    try:
        version = int(request.POST.get("version", ""))
    except ValueError:
        version = None
    changes = {"key_person_manual": manual, "key_person_reason": reason if manual else ""}
    try:
        registry_services.update_patient(request.user, patient, changes, version=version, request=request)
    except errors.ServiceError as exc:
        fresh = patient_selectors.patients_for(request.user).select_related("region").get(pk=patient.pk)
        context = _plan_context(request, fresh, flag_problem=exc)
        return render(request, "followups/kp_plan.html", context, status=exc.status)
    messages.success(request, "已标记为重点人员" if manual else "已取消人工标记")
    return HttpResponseRedirect(reverse("followups:plan", args=[patient.pk]))

