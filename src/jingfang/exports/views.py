"""Pages of export approval: the requester's own requests (submit a reason, download once), the
approver's queue and decision. The approval page itself is rendered by guard.gate."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from jingfang.audit import log as audit
from jingfang.core import errors
from jingfang.core.listing import audit_list
from jingfang.core.paging import paginate, querystring_without_page

from . import rules, selectors, services
from .display import params_display


@require_GET
@login_required
def mine(request):
    page = paginate(request, selectors.own(request.user))
    audit_list(request, {}, page.paginator.count, "export_requests")
    for req in page.object_list:
        req.shown_params = params_display(req.params)
    return render(request, "exports/mine.html", {
        "page": page, "threshold": services.threshold(), "hours": services.valid_hours(),
        "is_approver": selectors.is_approver(request.user)})


@require_GET
@login_required
def queue(request):
    if not selectors.is_approver(request.user):
        audit.record_request(request, "list", outcome="denied", target="export_queue")
        raise PermissionDenied("只有乡镇综治中心和县级督导审批导出申请")
    state = request.GET.get("state", "pending")
    state = state if state in selectors.QUEUE_STATES or state == "all" else "pending"
    page = paginate(request, selectors.queue(request.user, "" if state == "all" else state))
    audit_list(request, {"state": state}, page.paginator.count, "export_queue")
    for req in page.object_list:
        req.shown_params = params_display(req.params)
        req.mine_to_decide = req.status == rules.PENDING and services.may_decide(request.user, req)
    return render(request, "exports/queue.html", {
        "page": page, "state": state, "states": {**selectors.QUEUE_STATES, "all": "全部"},
        "qs": querystring_without_page(request), "pending": selectors.pending_for(request.user).count()})


def _detail_context(request, req, problem=None, values=None) -> dict:
    return {"req": req, "shown_params": params_display(req.params), "problem": problem,
            "field_errors": {e.field: e.message for e in problem.errors} if isinstance(problem, errors.ServiceError) else {},
            "values": values or {}, "own": req.requester_id == request.user.pk,
            "can_decide": req.status == rules.PENDING and services.may_decide(request.user, req),
            "hours": services.valid_hours(), "reason_min": rules.REASON_MIN, "reason_max": rules.REASON_MAX,
            "threshold": services.threshold()}


@require_GET
@login_required
def detail(request, pk):
    req = selectors.get_for(request, pk)
    audit.record_request(request, "view", target=f"export_request:{req.pk}")
    return render(request, "exports/detail.html", _detail_context(request, req))


@require_POST
@login_required
def submit(request, pk):
    req = selectors.get_for(request, pk, action="create")
    reason = request.POST.get("reason", "")[:rules.REASON_MAX + 50]
    try:
        services.submit(request.user, req, reason, request=request)
    except errors.ServiceError as exc:
        return render(request, "exports/detail.html", _detail_context(request, req, exc, {"reason": reason}),
                      status=exc.status)
    messages.success(request, f"已提交，等待{req.approver_label}审批。批准后请在“我的导出申请”中下载。")
    return HttpResponseRedirect(reverse("exports:mine"))


@require_POST
@login_required
def decide(request, pk):
    req = selectors.get_for(request, pk, action="update")
    values = {"decision": request.POST.get("decision", ""), "note": request.POST.get("note", "")[:rules.NOTE_MAX + 50]}
    try:
        services.decide(request.user, req, values["decision"], values["note"], request=request)
    except errors.ServiceError as exc:
        return render(request, "exports/detail.html", _detail_context(request, req, exc, values), status=exc.status)
    messages.success(request, "已批准" if values["decision"] == "approve" else "已不予批准")
    return HttpResponseRedirect(reverse("exports:queue"))
