"""Inspection report pages: list and create (county supervisor), the report with findings and
rectification items, closing items (township users), and the list of open items."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from jingfang.audit import log as audit
from jingfang.core import clock, errors
from jingfang.regions import codes
from jingfang.regions.models import Region
from jingfang.registry import selectors

from . import inspections, permissions
from .forms import CloseForm, FindingsForm, ItemForm, ReportForm
from .models import InspectionReport


def _require_reports(request) -> None:
    if request.user.role not in permissions.CLOSER_ROLES:
        audit.record_request(request, "view", outcome="denied", target=f"page:{request.path[:100]}")
        raise PermissionDenied("您的角色无权查看督导检查报告")


def _townships(user) -> list[Region]:
    lo, hi = codes.code_range(user.region_id)
    return list(Region.objects.filter(code__gte=lo, code__lte=hi, level=codes.TOWNSHIP).order_by("code"))


def _report_for(request, pk) -> InspectionReport:
    report = inspections.reports_for(request.user).filter(pk=pk).first()
    if report is None:
        audit.record_request(request, "view", outcome="not_found", target=f"inspection:{str(pk)[:20]}")
        raise Http404("督导检查报告不存在")
    return report


def _errors(request, exc: errors.ServiceError) -> None:
    for e in exc.errors:
        messages.error(request, e.message)


@permissions.stats_required
def report_list(request):
    _require_reports(request)
    today = clock.today()
    can_create = permissions.can_inspect(request.user)
    townships = _townships(request.user) if can_create else []
    quarter = (today.month - 1) // 3 + 1
    form = ReportForm(initial={"year": today.year if quarter > 1 else today.year - 1,
                               "quarter": quarter - 1 if quarter > 1 else 4}, townships=townships)
    if request.method == "POST":
        form = ReportForm(request.POST, townships=townships)
        if not can_create:
            audit.record_request(request, "create", outcome="denied", target="inspection")
            raise PermissionDenied("只有县级督导可以生成督导检查报告")
        if form.is_valid():
            cd = form.cleaned_data
            try:
                report = inspections.create_report(request.user, cd["township"], cd["year"], cd["quarter"],
                                                   request=request)
            except errors.Conflict as exc:
                messages.info(request, exc.errors[0].message)
                return redirect("stats:inspection", exc.extra["id"])
            except errors.ServiceError as exc:
                _errors(request, exc)
            else:
                messages.success(request, f"已生成{report.title}")
                return redirect("stats:inspection", report.pk)
    reports = list(inspections.reports_for(request.user).prefetch_related("items"))
    for r in reports:
        items = list(r.items.all())
        r.open_count = sum(1 for i in items if i.status == "open")
        r.overdue_count = sum(1 for i in items if i.status == "open" and i.due_date < today)
        r.item_count = len(items)
    return render(request, "stats/inspection_list.html", {"reports": reports, "form": form, "can_create": can_create})


@permissions.stats_required
def report_detail(request, pk):
    _require_reports(request)
    report = _report_for(request, pk)
    snap = permissions.visible_snapshot(request.user, report.snapshot or {})
    lost_ids = (snap.get("lost") or {}).get("patient_ids") or []
    lost = list(selectors.patients_for(request.user).filter(pk__in=lost_ids).select_related("region")
                .order_by("region_id", "name"))
    incidents = snap.get("incidents") or []
    names = dict(selectors.patients_for(request.user).filter(pk__in=[i["patient_id"] for i in incidents])
                 .values_list("pk", "name"))
    village_names = dict(Region.objects.filter(code__in=[i["village"] for i in incidents]).values_list("code", "name"))
    for i in incidents:
        i["patient_name"], i["village_name"] = names.get(i["patient_id"], "—"), village_names.get(i["village"], "")
    audit.record_request(request, "view", target=f"inspection:{report.pk}", detail={"patients": len(lost) + len(names)})
    inspector = permissions.can_inspect(request.user)
    items = list(report.items.select_related("closed_by", "created_by"))
    for item in items:
        item.can_close = permissions.can_close(request.user, item)
        item.overdue = item.status == "open" and item.due_date < clock.today()
    return render(request, "stats/inspection_detail.html", {
        "report": report, "snap": snap, "lost": lost, "incidents": incidents, "items": items,
        "inspector": inspector, "findings_form": FindingsForm(initial={"findings": report.findings}),
        "item_form": ItemForm(), "close_form": CloseForm(), "today": clock.today(),
    })


@require_POST
@permissions.stats_required
def report_findings(request, pk):
    report = _report_for(request, pk)
    form = FindingsForm(request.POST)
    try:
        if form.is_valid():
            inspections.save_findings(request.user, report, form.cleaned_data["findings"], request=request)
            messages.success(request, "督导发现的问题已保存")
        else:
            messages.error(request, "督导发现的问题过长")
    except errors.ServiceError as exc:
        raise PermissionDenied(exc.errors[0].message) from None
    return redirect("stats:inspection", report.pk)


@require_POST
@permissions.stats_required
def report_regenerate(request, pk):
    report = _report_for(request, pk)
    try:
        inspections.regenerate(request.user, report, request=request)
    except errors.ServiceError as exc:
        raise PermissionDenied(exc.errors[0].message) from None
    messages.success(request, "已按最新数据重新生成")
    return redirect("stats:inspection", report.pk)


@require_POST
@permissions.stats_required
def item_add(request, pk):
    report = _report_for(request, pk)
    if not permissions.can_inspect(request.user):  # refused before the form is looked at
        audit.record_request(request, "create", outcome="denied", target=f"inspection:{report.pk}")
        raise PermissionDenied("只有县级督导可以生成督导检查报告和整改事项")
    form = ItemForm(request.POST)
    if not form.is_valid():
        for field, errs in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            messages.error(request, f"{label}：{errs[0]}" if label else errs[0])
        return redirect("stats:inspection", report.pk)
    cd = form.cleaned_data
    try:
        inspections.add_item(request.user, report, cd["text"], cd["owner"], cd["due_date"], request=request)
    except errors.Forbidden as exc:
        raise PermissionDenied(exc.errors[0].message) from None
    except errors.ServiceError as exc:
        _errors(request, exc)
    else:
        messages.success(request, "已添加整改事项")
    return redirect("stats:inspection", report.pk)


@require_POST
@permissions.stats_required
def item_close(request, pk):
    item = inspections.items_for(request.user).filter(pk=pk).first()
    if item is None:
        audit.record_request(request, "update", outcome="not_found", target=f"inspection_item:{str(pk)[:20]}")
        raise Http404("整改事项不存在")
    form = CloseForm(request.POST)
    try:
        inspections.close_item(request.user, item, form.data.get("note", ""), request=request)
    except errors.Forbidden as exc:
        raise PermissionDenied(exc.errors[0].message) from None
    except errors.ServiceError as exc:
        _errors(request, exc)
    else:
        messages.success(request, f"整改事项“{item.text}”已销号")
    if request.POST.get("next") == "items":
        return redirect("stats:items")
    return redirect("stats:inspection", item.report_id)


@permissions.stats_required
def open_items(request):
    _require_reports(request)
    items = list(inspections.items_for(request.user).filter(status="open").order_by("due_date", "id"))
    today = clock.today()
    for item in items:
        item.overdue = item.due_date < today
        item.can_close = permissions.can_close(request.user, item)
    audit.record_request(request, "list", target="inspection_items", detail={"count": len(items)})
    return render(request, "stats/items.html", {"items": items, "today": today, "close_form": CloseForm()})
