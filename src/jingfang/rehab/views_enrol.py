"""Rehabilitation pages that hold patient data (reads through the jurisdiction gate, each audited): the
enrolments a role may see, one enrolment with its monthly attendance, a patient's rehabilitation (enrol),
and the enrolment ledger as xlsx. Non-health roles see names, villages and programmes only: never a
diagnosis, risk level or follow-up content (the follow-ups' 康复措施 are for health staff)."""

import datetime as dt

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render

from jingfang.accounts import roles
from jingfang.audit import log as audit
from jingfang.core import clock, errors
from jingfang.core import vocab as registry_vocab
from jingfang.core.paging import paginate, querystring_without_page
from jingfang.core.xlsx import build_workbook
from jingfang.exports import guard
from jingfang.followups.models import FollowUp
from jingfang.registry import selectors as patient_selectors

from . import permissions, selectors, services, vocab
from .forms import AttendanceForm, EndForm, EnrolForm
from .views import deny, required, show_errors, who, year_of


def _filters(request) -> dict:
    programme = request.GET.get("programme", "")
    return {"region": request.GET.get("region", "").strip()[:12],
            "programme": programme if programme in vocab.PROGRAMMES else "",
            "current": request.GET.get("current", "1") != "0"}


def _filtered(user, filters: dict):
    qs = selectors.enrolments_for(user)
    code = filters["region"]
    if code:
        from jingfang.regions import codes

        if not codes.is_valid_code(code):
            return qs.none()
        lo, hi = codes.code_range(code)
        qs = qs.filter(patient__region_id__gte=lo, patient__region_id__lte=hi)
    if filters["programme"]:
        qs = qs.filter(programme=filters["programme"])
    if filters["current"]:
        qs = qs.filter(end__isnull=True)
    return qs.order_by("patient__region_id", "patient__name", "start", "id")


@required(permissions.ENROL_VIEW)
def enrolment_list(request):
    user = request.user
    filters = _filters(request)
    rows = list(_filtered(user, filters))
    page = paginate(request, rows)
    audit.record_request(request, "list", target="rehab_enrolments",
                         detail={"count": len(rows), "patients": sorted({e.patient_id for e in page.object_list})})
    from jingfang.regions import selectors as region_selectors

    return render(request, "rehab/enrolments.html", {
        "page": page, "filters": filters, "qs": querystring_without_page(request), "programmes": vocab.PROGRAMMES,
        "regions": region_selectors.subregions_for(user), "can_export": user.can(roles.EXPORT)})


MONTHS = [f"{m}月" for m in range(1, 13)]


@required(permissions.ENROL_VIEW)
@guard.export_view
def enrolment_export(request):
    user = request.user
    if not user.can(roles.EXPORT):
        deny(request, "export", "您的角色无权导出")
    filters = _filters(request)
    year = year_of(request)
    enrolments = list(_filtered(user, filters).prefetch_related("attendance"))
    rows = []
    for n, e in enumerate(enrolments, start=1):
        days = {a.month.month: a.days for a in e.attendance.all() if a.month.year == year}
        rows.append([n, e.patient.region.name, e.patient.name, vocab.PROGRAMMES.get(e.programme, ""),
                     e.facility.name if e.facility_id else "", e.start.isoformat(), e.end.isoformat() if e.end else "",
                     vocab.END_REASONS.get(e.end_reason, ""), *[days.get(m, "") for m in range(1, 13)],
                     sum(days.values())])
    headers = ["序号", "村（社区）", "患者姓名", "康复形式", "康复机构", "开始日期", "结束日期", "结束原因", *MONTHS, "合计天数"]
    title = f"精神障碍患者社区康复登记与出勤台账（{year}年）"
    return guard.send(request, count=len(rows), filename=f"社区康复登记台账{year}.xlsx", target="rehab:enrolments.xlsx",
                      title=title, build=lambda: build_workbook(title, headers, rows, who(user)),
                      detail={"year": year, "filters": sorted(k for k, v in filters.items() if v)})


def _enrolment(request, pk, action: str):
    e = selectors.enrolments_for(request.user).filter(pk=pk).first()
    if e is None:
        audit.record_request(request, action, outcome="not_found", target=f"enrolment:{str(pk)[:20]}")
        raise Http404("康复登记不存在")
    return e


def _status(problem) -> int:
    return problem.status if isinstance(problem, errors.ServiceError) else 200


@required(permissions.ENROL_VIEW)
def enrolment(request, pk: int):
    user = request.user
    writing = request.method == "POST"
    e = _enrolment(request, pk, "update" if writing else "view")
    can_record = permissions.may_record(user, e.owner)
    attendance_form, end_form, problem = AttendanceForm(initial={"month": f"{clock.today():%Y-%m}"}), EndForm(), None
    if writing:
        if not can_record:
            deny(request, "update", "您的角色无权记录该康复项目", e.patient_id)
        op = request.POST.get("op", "attendance")
        try:
            if op == "end":
                services.end_enrolment(user, enrolment=e, data=request.POST, request=request)
                messages.success(request, "康复登记已结束")
            else:
                row = services.record_attendance(user, enrolment=e, data=request.POST, request=request)
                messages.success(request, f"已记录{row.month:%Y年%m月}参加{row.days}天")
        except errors.ServiceError as exc:
            problem = exc
            show_errors(request, exc)
            if op == "end":
                end_form = EndForm(request.POST)
            else:
                attendance_form = AttendanceForm(request.POST)
        else:
            return redirect("rehab:enrolment", e.pk)
    else:
        audit.record_request(request, "view", patient_id=e.patient_id, target=f"enrolment:{e.pk}")
    return render(request, "rehab/enrolment.html", {
        "e": e, "attendance": list(e.attendance.order_by("-month")), "attendance_form": attendance_form,
        "end_form": end_form, "can_record": can_record and e.end is None, "problem": problem},
        status=_status(problem))


def _measures(patient) -> list[tuple[dt.date, list[str]]]:
    """Rehabilitation measures recorded on the patient's follow-ups of the last year (health staff only)."""
    since = clock.today() - dt.timedelta(days=365)
    rows = (FollowUp.objects.filter(patient=patient, date__gte=since).exclude(rehab_measures=[])
            .order_by("-date").values_list("date", "rehab_measures"))
    return [(day, [registry_vocab.REHAB_MEASURES.get(m, m) for m in measures]) for day, measures in rows]


def _choices(user) -> tuple[list, list]:
    """The programmes and facilities the user may enrol a patient in."""
    programmes = [(k, v) for k, v in vocab.PROGRAMMES.items()
                  if k != vocab.HOME or permissions.may_record(user, "dpf")]
    facilities = [f for f in selectors.facilities_for(user).filter(status=vocab.OPERATING).order_by("region_id", "name")
                  if permissions.may_record(user, f.operator)]
    if not facilities:
        programmes = [(k, v) for k, v in programmes if k != "facility"]
    return programmes, facilities


@required(permissions.ENROL_VIEW)
def patient_rehab(request, pk):
    user = request.user
    writing = request.method == "POST"
    patient = patient_selectors.get_patient_for(request, pk, action="create" if writing else "view",
                                                audit_success=not writing)
    can_enrol = permissions.has(user, permissions.ENROL_EDIT)
    form, problem = EnrolForm(initial={"start": clock.today()}), None
    if writing:
        if not can_enrol:
            deny(request, "create", "您的角色无权登记康复", patient.pk)
        try:
            e = services.enrol(user, patient=patient, data=request.POST, request=request)
        except errors.ServiceError as exc:
            problem = exc
            show_errors(request, exc)
            form = EnrolForm(request.POST)
        else:
            messages.success(request, f"已登记{e.programme_label}")
            return redirect("rehab:enrolment", e.pk)
    enrolments = list(selectors.enrolments_for(user).filter(patient=patient).prefetch_related("attendance"))
    for e in enrolments:
        e.days = sum(a.days for a in e.attendance.all())
    programmes, facilities = _choices(user) if can_enrol else ([], [])
    return render(request, "rehab/patient.html", {
        "p": patient, "enrolments": enrolments, "form": form, "problem": problem,
        "can_enrol": can_enrol and bool(programmes), "programmes": programmes, "facility_choices": facilities,
        "measures": _measures(patient) if permissions.is_health(user) else None}, status=_status(problem))
