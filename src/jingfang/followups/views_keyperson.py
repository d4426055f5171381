"""Key persons (重点人员), individual plans (一人一策), lost to follow-up (失访), medication (服药) and
sensitive periods (敏感时期): 中梁乡2022 三、2 (特殊敏感时期对重点患者实行每日点名).

Thin views: patients are read through registry.selectors / followups.selectors_keyperson (scoped to
the user's jurisdiction), written through the services, and every read of personal data is audited.
"""

import datetime as dt

from django.contrib import messages
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import path, reverse

from jingfang.accounts import roles
from jingfang.accounts.decorators import permission_required
from jingfang.core import clock, errors, vocab
from jingfang.core.masking import mask_id_number, mask_phone
from jingfang.core.paging import paginate, querystring_without_page
from jingfang.exports import guard
from jingfang.registry import selectors as patient_selectors
from jingfang.registry import serializers

from . import selectors_keyperson as sel
from . import services
from .forms import SearchAttemptForm, SensitivePeriodForm
from .models import SearchAttempt
from .views_common import (
    _base_context,
    _deny,
    _export,
    _grade_legend,
    _iso,
    _list_audit,
    _region_param,
    clinical_required,
)
from .views_plan import plan_flag, plan_measure_done, plan_page

# ---- key persons -------------------------------------------------------------------------------

def _kp_filters(request) -> dict:
    grade = request.GET.get("grade", "")
    # The colour grade follows the condition class (the grading rules name it): health roles only,
    # as a column and as a filter (a filtered count would tell it as well).
    shown = roles.sees_clinical(request.user.role)
    return {
        "region_code": _region_param(request),
        "grade": grade if shown and grade in sel.GRADE_FILTERS else "",
        "no_plan": request.GET.get("no_plan") == "1",
    }


def _kp_row(p, role: str, today: dt.date) -> dict:
    colour = sel.grade_colour(p.grade) if roles.sees_clinical(role) else ""
    return {
        "p": p,
        "colour": colour,
        "colour_label": sel.GRADE_FILTERS[colour] if colour else "",
        "reasons": serializers.reasons_for(p, role, list(p.guardians.all())),
        "review_overdue": bool(p.plan_review and p.plan_review < today),
    }


@permission_required(roles.VIEW_PATIENTS)
def keyperson_list(request):
    filters = _kp_filters(request)
    today = clock.today()
    page = paginate(request, sel.key_persons(request.user, **filters))
    role = request.user.role
    context = {
        **_base_context(request, filters),
        "page": page,
        "rows": [_kp_row(p, role, today) for p in page.object_list],
        # The grading rules name condition classes: colours, their filter and legend for health roles only.
        "grades": sel.GRADE_FILTERS if roles.sees_clinical(role) else {},
        "legend": _grade_legend(request.user) if roles.sees_clinical(role) else [],
        "show_grade": roles.sees_clinical(role),
        "show_risk": roles.sees_risk(role),
        "periods": sel.sensitive_periods_for(request.user, when="current", today=today),
        "today": today,
    }
    _list_audit(request, filters, page.paginator.count, "keypersons")
    template = "followups/kp_rows.html" if request.htmx else "followups/kp_list.html"
    return render(request, template, context)


@permission_required(roles.EXPORT, audit_action="export")
@guard.export_view
def keyperson_export(request):
    filters = _kp_filters(request)
    role = request.user.role
    today = clock.today()
    grade, risk = roles.sees_clinical(role), roles.sees_risk(role)  # no column at all for the others
    headers = ["患者编号", "姓名", "性别", "身份证号（脱敏）", "本人电话（脱敏）", "现住址所在村（社区）", "现住址",
               *(["分色"] if grade else []), "重点人员原因", *(["危险性等级"] if risk else []), "在管状态", "一人一策",
               "下次研判日期", "研判逾期"]

    def rows():
        for p in sel.key_persons(request.user, **filters).iterator(chunk_size=500):
            row = _kp_row(p, role, today)
            yield [
                p.pk, p.name, vocab.SEXES.get(p.sex, p.sex), mask_id_number(p.id_number), mask_phone(p.phone),
                p.region.name, p.address, *([row["colour_label"]] if grade else []), "；".join(row["reasons"]),
                *(["" if p.risk_level is None else f"{p.risk_level}级"] if risk else []),
                vocab.STATUSES.get(p.status, p.status),
                "有" if p.has_plan else "无", _iso(p.plan_review), "是" if row["review_overdue"] else "",
            ]

    return _export(request, "重点人员名单", "重点人员名单.xlsx", headers, rows(), filters)


# ---- lost to follow-up (失访) -----------------------------------------------------------------

def _lost_filters(request) -> dict:
    return {"region_code": _region_param(request), "unsearched": request.GET.get("unsearched") == "1"}


@permission_required(roles.VIEW_WORKLIST)
def lost_list(request):
    filters = _lost_filters(request)
    today = clock.today()
    page = paginate(request, sel.lost_patients(request.user, today=today, **filters))
    for p in page.object_list:
        p.last_attempt_method_label = SearchAttempt.METHODS.get(p.last_attempt_method, "")
        p.last_attempt_result_label = SearchAttempt.RESULTS.get(p.last_attempt_result, "")
    villages = sel.counts_by_village(sel.lost_base(request.user))
    context = {
        **_base_context(request, filters),
        "page": page,
        "villages": villages,
        "village_total": sum(v["n"] for v in villages),
        "month": sel.month_start(today),
        "can_log": roles.can(request.user.role, roles.LOG_SEARCH),
    }
    _list_audit(request, filters, page.paginator.count, "lost")
    template = "followups/lost_rows.html" if request.htmx else "followups/lost_list.html"
    return render(request, template, context)


@permission_required(roles.EXPORT, audit_action="export")
@guard.export_view
def lost_export(request):
    if not roles.can(request.user.role, roles.VIEW_WORKLIST):
        _deny(request, "export")
    filters = _lost_filters(request)
    today = clock.today()
    headers = ["患者编号", "姓名", "身份证号（脱敏）", "现住址所在村（社区）", "现住址", "在管状态", "失访",
               "末次见到患者日期", "本月查找次数", "最近一次查找日期", "查找方式", "查找结果", "监护人", "监护人电话（脱敏）"]
    qs = sel.lost_patients(request.user, today=today, **filters).prefetch_related("guardians")

    def rows():
        for p in qs.iterator(chunk_size=500):
            g = p.primary_guardian
            yield [
                p.pk, p.name, mask_id_number(p.id_number), p.region.name, p.address,
                vocab.STATUSES.get(p.status, p.status), "是" if p.lost else "否", _iso(p.last_seen_date),
                p.month_attempts, _iso(p.last_attempt_date), SearchAttempt.METHODS.get(p.last_attempt_method, ""),
                SearchAttempt.RESULTS.get(p.last_attempt_result, ""), g.name if g else "",
                mask_phone(g.phone) if g else "",
            ]

    return _export(request, "失访患者排查表", "失访患者排查表.xlsx", headers, rows(), filters)


@permission_required(roles.VIEW_WORKLIST)
def search_page(request, pk):
    """One patient's search log, and the form to log another attempt (LOG_SEARCH)."""
    role = request.user.role
    posting = request.method == "POST"
    if posting and not roles.can(role, roles.LOG_SEARCH):
        _deny(request, "create")
    patient = patient_selectors.get_patient_for(request, pk, action="create" if posting else "view",
                                                audit_success=not posting)
    today = clock.today()
    form = SearchAttemptForm(initial={"date": today, "method": "home", "result": "not_found"})
    problem = None
    if posting:
        try:
            attempt = services.log_search(request.user, patient, request.POST.dict(), request=request)
        except errors.ServiceError as exc:
            problem = exc
            form = SearchAttemptForm(data=request.POST)
            form.is_valid()
        else:
            if attempt.result == "found":
                messages.success(request, f"已登记找到{patient.name}，已移出失访名单并恢复正常随访安排")
            else:
                messages.success(request, "查找记录已登记")
            return HttpResponseRedirect(reverse("followups:search", args=[patient.pk]))
    attempts = list(patient.search_attempts.select_related("recorded_by"))
    month = sel.month_start(today)
    context = {
        "p": patient,
        "form": form,
        "problem": problem,
        "attempts": attempts,
        "month_count": sum(1 for a in attempts if a.date >= month),
        "is_lost": patient.lost or patient.status == "missing",
        "can_log": roles.can(role, roles.LOG_SEARCH),
        "guardians": list(patient.guardians.all()),
    }
    return render(request, "followups/lost_search.html", context,
                  status=problem.status if problem else 200)


# ---- medication (服药) -------------------------------------------------------------------------

def _med_filters(request) -> dict:
    adherence = request.GET.get("adherence", "")
    cause = request.GET.get("cause", "")
    return {
        "region_code": _region_param(request),
        "adherence": adherence if adherence in sel.POOR_ADHERENCE else "",
        "cause": cause if cause in vocab.ADHERENCE_CAUSES or cause == "none" else "",
    }


def _med_row(fu) -> dict:
    return {
        "fu": fu,
        "p": fu.patient,
        "measures": sel.medication_measures_for(fu.patient.region_id, fu.adherence_cause),
    }


@clinical_required
def medication_list(request):
    filters = _med_filters(request)
    qs = sel.medication_gaps(request.user, **filters)
    page = paginate(request, qs)
    villages = sel.counts_by_village(sel.medication_gaps(request.user), prefix="patient__")
    context = {
        **_base_context(request, filters),
        "page": page,
        "rows": [_med_row(fu) for fu in page.object_list],
        "villages": villages,
        "village_total": sum(v["n"] for v in villages),
        "adherences": {k: vocab.ADHERENCE[k] for k in sel.POOR_ADHERENCE},
        "causes": vocab.ADHERENCE_CAUSES,
    }
    _list_audit(request, filters, page.paginator.count, "medication")
    template = "followups/med_rows.html" if request.htmx else "followups/med_list.html"
    return render(request, template, context)


@clinical_required
@guard.export_view
def medication_export(request):
    if not roles.can(request.user.role, roles.EXPORT):
        _deny(request, "export")
    filters = _med_filters(request)
    headers = ["患者编号", "姓名", "身份证号（脱敏）", "现住址所在村（社区）", "末次见到患者随访日期", "服药依从性",
               "服药不规律原因", "建议措施"]

    def rows():
        for fu in sel.medication_gaps(request.user, **filters).iterator(chunk_size=500):
            p = fu.patient
            measures = sel.medication_measures_for(p.region_id, fu.adherence_cause)
            yield [
                p.pk, p.name, mask_id_number(p.id_number), p.region.name, _iso(fu.date),
                vocab.ADHERENCE.get(fu.adherence, fu.adherence), vocab.ADHERENCE_CAUSES.get(fu.adherence_cause, "未填写"),
                "；".join(m["text"] for m in measures),
            ]

    return _export(request, "服药不规律患者及措施", "服药不规律患者.xlsx", headers, rows(), filters)


# ---- sensitive periods (敏感时期) --------------------------------------------------------------

WHEN = {"current": "进行中", "upcoming": "未开始", "past": "已结束"}


def _sp_state(period, today: dt.date) -> str:
    if period.start > today:
        return "upcoming"
    return "past" if period.end < today else "current"


@permission_required(roles.VIEW_WORKLIST)
def sensitive_periods(request):
    user, role = request.user, request.user.role
    can_set = roles.can(role, roles.SET_SENSITIVE_PERIODS)
    form, problem = SensitivePeriodForm(), None
    if request.method == "POST":
        if not can_set:
            _deny(request, "admin")
        form = SensitivePeriodForm(data=request.POST)
        if form.is_valid():
            cd = form.cleaned_data
            try:
                services.add_sensitive_period(user, cd["name"], cd["start"], cd["end"], request=request)
            except errors.ServiceError as exc:
                problem = exc
            else:
                messages.success(request, f"已设定敏感时期“{cd['name'].strip()}”")
                return HttpResponseRedirect(reverse("followups:sensitive_periods"))
        else:
            problem = errors.Invalid(errors.from_form(form))
    when = request.GET.get("when", "")
    when = when if when in WHEN else ""
    today = clock.today()
    page = paginate(request, sel.sensitive_periods_for(user, when=when, today=today))
    context = {
        "page": page,
        "rows": [{"s": s, "state": _sp_state(s, today)} for s in page.object_list],
        "when": when,
        "whens": WHEN,
        "qs": querystring_without_page(request),
        "form": form,
        "problem": problem,
        "can_set": can_set,
    }
    return render(request, "followups/sp_list.html", context, status=problem.status if problem else 200)


@permission_required(roles.EXPORT, audit_action="export")
@guard.export_view
def sensitive_periods_export(request):
    if not roles.can(request.user.role, roles.VIEW_WORKLIST):
        _deny(request, "export")
    when = request.GET.get("when", "")
    when = when if when in WHEN else ""
    today = clock.today()
    headers = ["名称", "开始日期", "结束日期", "设定区划", "状态", "设定人"]
    rows = (
        [s.name, _iso(s.start), _iso(s.end), s.region.name, WHEN[_sp_state(s, today)],
         (s.created_by.get_full_name() or s.created_by.username) if s.created_by else ""]
        for s in sel.sensitive_periods_for(request.user, when=when, today=today)
    )
    return _export(request, "敏感时期", "敏感时期.xlsx", headers, rows, {"when": when})


urlpatterns = [
    path("keypersons/", keyperson_list, name="keypersons"),
    path("keypersons/export.xlsx", keyperson_export, name="keypersons_export"),
    path("patients/<int:pk>/plan/", plan_page, name="plan"),
    path("patients/<int:pk>/plan/measures/<int:mid>/done/", plan_measure_done, name="plan_measure_done"),
    path("patients/<int:pk>/plan/flag/", plan_flag, name="plan_flag"),
    path("lost/", lost_list, name="lost"),
    path("lost/export.xlsx", lost_export, name="lost_export"),
    path("patients/<int:pk>/search/", search_page, name="search"),
    path("medication/", medication_list, name="medication"),
    path("medication/export.xlsx", medication_export, name="medication_export"),
    path("sensitive-periods/", sensitive_periods, name="sensitive_periods"),
    path("sensitive-periods/export.xlsx", sensitive_periods_export, name="sensitive_periods_export"),
]
