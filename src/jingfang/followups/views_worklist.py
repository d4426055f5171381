"""The worklist page (工作台): what is due in the user's jurisdiction on any date, and its export."""

import datetime as dt

from django.http import HttpResponse
from django.shortcuts import render
from django.utils.html import escape
from django.views.decorators.http import require_POST

from jingfang.accounts import roles
from jingfang.accounts.decorators import permission_required
from jingfang.audit import log as audit
from jingfang.core import clock, days, errors, worklist_hub, xlsx
from jingfang.exports import guard
from jingfang.regions import selectors as region_selectors
from jingfang.registry import selectors

from . import services, worklist


def _params(request) -> tuple[dict, str]:
    """The worklist's filters and the error refusing the asked day: an unreadable one means today; one
    outside ``core.days`` is refused (today's list is shown with the error)."""
    problem = ""
    try:
        on = dt.date.fromisoformat(request.GET.get("on", ""))
    except ValueError:
        on = clock.today()
    try:
        days.check(on, "on", "日期")
    except errors.Invalid as exc:
        on, problem = clock.today(), exc.errors[0].message
    kp = request.GET.get("key_person", "")
    kind = request.GET.get("kind", "")
    try:
        horizon = max(0, min(int(request.GET.get("horizon", worklist.DEFAULT_HORIZON)), 92))
    except ValueError:
        horizon = worklist.DEFAULT_HORIZON
    return {
        "on": on,
        "region_code": request.GET.get("region", "").strip()[:12],
        "kind": kind if kind in worklist_hub.KIND_LABELS else "",
        "key_person": True if kp == "1" else (False if kp == "0" else None),
        "horizon": horizon,
    }, problem


@permission_required(roles.VIEW_WORKLIST)
def worklist_page(request):
    params, problem = _params(request)
    try:
        number = int(request.GET.get("page", "1"))
    except ValueError:
        number = 1
    page = worklist.page_for(request.user, **params, number=number)
    audit.record_request(request, "list", target="worklist",
                         detail={"count": page.total, "page": page.number, "on": params["on"].isoformat()})
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "followups/worklist.html", {
        "groups": [(state, label, items) for state, label, _, items in page.groups()], "sections": page.groups(),
        "page": page, "params": params, "total": page.total,
        "villages": page.villages, "page_qs": query.urlencode(),
        "regions": region_selectors.subregions_for(request.user),
        "kinds": worklist_hub.KIND_LABELS,
        "periods": worklist.active_periods(request.user, params["on"]),
        "calls": worklist.day_roll_calls(request.user, params["on"], region_code=params["region_code"]),
        "can_roll_call": roles.can(request.user.role, roles.ROLL_CALL),
        "today": clock.today(),
        "qs": request.GET.urlencode(),
        "problem": problem, "earliest": days.EARLIEST, "latest": days.LATEST,
    }, status=422 if problem else 200)


@permission_required(roles.EXPORT, audit_action="export")
@guard.export_view
def worklist_export(request):
    if not roles.can(request.user.role, roles.VIEW_WORKLIST):
        audit.record_request(request, "export", outcome="denied", target="worklist.xlsx")
        raise errors_permission()
    params, problem = _params(request)
    if problem:
        return HttpResponse(problem, status=422, content_type="text/plain; charset=utf-8")
    items = worklist.items_for(request.user, **params)
    headers = ["状态", "应办日期", "事项", "患者", "村（社区）", "重点人员", "依据", "处置建议"]
    rows = [[worklist_hub.STATE_LABELS[i.state], i.due_date.isoformat(), i.kind_label, i.label or i.patient_name, i.region_name,
             i.key_person, i.reason, "；".join(i.escalations)] for i in items]
    who = f"{request.user.get_full_name() or request.user.username}（{request.user.role_label}）"
    return guard.send(request, count=len(rows), filename=f"工作台-{params['on']:%Y%m%d}.xlsx", target="worklist.xlsx",
                      build=lambda: xlsx.build_workbook(f"工作台 {params['on']:%Y-%m-%d}", headers, rows, who))


def errors_permission():
    from django.core.exceptions import PermissionDenied

    return PermissionDenied("您的角色无权导出工作台")


@require_POST
@permission_required(roles.ROLL_CALL, audit_action="create")
def roll_call(request, pk):
    """One tap per patient: record today's roll call (result 'present' unless another is posted)."""
    patient = selectors.get_patient_for(request, pk, action="create", audit_success=False)
    try:
        on = dt.date.fromisoformat(request.POST.get("on", ""))
    except ValueError:
        on = clock.today()
    try:
        call = services.record_roll_call(request.user, patient, on, request.POST.get("result", "present"),
                                         request.POST.get("note", ""), request=request)
    except errors.ServiceError as exc:
        return HttpResponse(f'<span class="tag key">{escape(exc.errors[0].message)}</span>', status=exc.status)
    return HttpResponse(f'<span class="tag stable">已点名：{call.get_result_display()}</span>'
                        f'<span class="muted">（{escape(worklist.recorder(call))}）</span>')
