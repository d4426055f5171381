"""Emergency access pages: ask (紧急查阅), the township office's notices, the county's review queue.

The ID number travels only in a POST body, never in a URL; after a grant the user lands on the
patient's page (registry), which opens read-only under the grant with a red banner.
"""

from django.contrib import messages
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from jingfang.accounts import roles
from jingfang.accounts.decorators import permission_required
from jingfang.audit import log as audit
from jingfang.core import errors, xlsx
from jingfang.core.listing import audit_list
from jingfang.core.paging import paginate, querystring_without_page
from jingfang.exports import guard

from . import rules, selectors, services
from .export import queue_rows

QUEUE_STATES = {"pending": "待审核", "reviewed": "已审核"}
EVENT_LABELS = {"emergency_request": "申请紧急查阅", "emergency_view": "紧急查阅档案", "emergency_ack": "乡镇确认知悉",
                "emergency_review": "县级审核"}
NOTICE_STATES = {"pending": "待确认", "done": "已确认"}


def _problem_fields(problem) -> dict:
    if not isinstance(problem, errors.ServiceError):
        return {}
    return {e.field: e.message for e in problem.errors if e.field}


@require_http_methods(["GET", "POST"])
@permission_required(roles.BREAK_GLASS, audit_action="emergency_request")
def request_page(request):
    values = {"category": "", "reason": "", "id_number": ""}
    problem = None
    if request.method == "POST":
        values = {k: request.POST.get(k, "").strip()[:600] for k in values}
        try:
            outcome = services.request_access(request.user, values, request=request)
        except errors.ServiceError as exc:
            problem = exc
        else:
            url = reverse("registry:patient_detail", args=[outcome.patient_id])
            if outcome.kind == "inside":
                messages.info(request, "该患者在您的辖区内，无需紧急查阅，已直接打开档案。")
            elif outcome.kind == "existing":
                until = timezone.localtime(outcome.grant.expires_at)
                messages.info(request, f"您对该患者已有有效的紧急查阅（有效至{until:%H:%M}），沿用原授权。")
            else:
                until = timezone.localtime(outcome.grant.expires_at)
                messages.warning(request, f"已开启紧急查阅，有效至{until:%H:%M}。已通知患者所在乡镇综治中心，并提交县级审核。")
            return HttpResponseRedirect(url)
    else:
        audit.record_request(request, "list", target="emergency_request")
    own = selectors.own_grants(request.user)[:20]
    status = 200 if problem is None else (problem.status if problem.status != 400 else 422)
    return render(request, "emergency/request.html", {
        "values": values, "problem": problem, "field_errors": _problem_fields(problem),
        "categories": rules.CATEGORIES, "reason_min": rules.REASON_MIN, "grants": own, "now": timezone.now(),
    }, status=status)


def _state(request, states: dict) -> str:
    state = request.GET.get("state", "")
    return state if state in states else ""


@require_GET
@permission_required(roles.ACKNOWLEDGE_EMERGENCY)
def notices(request):
    state = _state(request, NOTICE_STATES)
    page = paginate(request, selectors.notices(request.user, state))
    audit_list(request, {"state": state}, page.paginator.count, "emergency_notices")
    return render(request, "emergency/notices.html", {
        "page": page, "state": state, "states": NOTICE_STATES, "qs": querystring_without_page(request),
        "now": timezone.now(),
    })


@require_POST
@permission_required(roles.ACKNOWLEDGE_EMERGENCY, audit_action="emergency_ack")
def notice_ack(request, pk):
    grant = selectors.get_grant_for(request, pk, selectors.notices(request.user), action="emergency_ack")
    services.acknowledge(request.user, grant, request=request)
    messages.success(request, f"已确认知悉：{grant.patient.name}的紧急查阅")
    return HttpResponseRedirect(reverse("emergency:notices"))


@require_GET
@permission_required(roles.REVIEW_EMERGENCY)
def queue(request):
    state = _state(request, QUEUE_STATES)
    page = paginate(request, selectors.review_queue(request.user, state))
    audit_list(request, {"state": state}, page.paginator.count, "emergency_queue")
    return render(request, "emergency/queue.html", {
        "page": page, "state": state, "states": QUEUE_STATES, "qs": querystring_without_page(request),
        "now": timezone.now(), "can_export": roles.can(request.user.role, roles.EXPORT),
        "pending": selectors.review_queue(request.user, "pending").count(),
    })


@require_GET
@permission_required(roles.REVIEW_EMERGENCY, audit_action="export")
@guard.export_view
def queue_export(request):
    if not roles.can(request.user.role, roles.EXPORT):
        audit.record_request(request, "export", outcome="denied", target="emergency_grants.xlsx")
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied("您的角色无权导出")
    state = _state(request, QUEUE_STATES)
    headers, rows = queue_rows(selectors.review_queue(request.user, state).iterator(chunk_size=500))
    who = f"{request.user.get_full_name() or request.user.username}（{request.user.role_label}）"
    return guard.send(request, count=len(rows), filename="紧急查阅审核.xlsx", target="emergency_grants.xlsx",
                      build=lambda: xlsx.build_workbook("紧急查阅审核", headers, rows, who),
                      detail={"filters": ["state"] if state else []})


@require_http_methods(["GET", "POST"])
@permission_required(roles.REVIEW_EMERGENCY, audit_action="emergency_review")
def grant_review(request, pk):
    posting = request.method == "POST"
    grant = selectors.get_grant_for(request, pk, selectors.review_queue(request.user),
                                    action="emergency_review" if posting else "view")
    problem = None
    values = {"outcome": grant.review_outcome, "note": grant.review_note}
    if posting:
        values = {"outcome": request.POST.get("outcome", ""), "note": request.POST.get("note", "")[:600]}
        try:
            services.review(request.user, grant, values, request=request)
        except errors.ServiceError as exc:
            problem = exc
        else:
            messages.success(request, f"已审核：{rules.REVIEW_OUTCOMES[values['outcome']]}")
            return HttpResponseRedirect(reverse("emergency:queue"))
    else:
        audit.record_request(request, "view", patient_id=grant.patient_id, target=f"emergency_grant:{grant.pk}")
    return render(request, "emergency/review.html", {
        "g": grant, "values": values, "problem": problem, "field_errors": _problem_fields(problem),
        "outcomes": rules.REVIEW_OUTCOMES, "events": _events(grant), "now": timezone.now(),
    }, status=200 if problem is None else problem.status)


def _events(grant) -> list[dict]:
    from jingfang.audit.models import AuditEvent

    labels = {**AuditEvent.ACTION_LABELS, **EVENT_LABELS}
    return [{"at": e.at, "action": labels.get(e.action, e.action), "outcome": e.get_outcome_display()}
            for e in selectors.grant_events(grant)[:200]]
