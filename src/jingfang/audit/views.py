import datetime as dt

from django.shortcuts import render

from jingfang.accounts import roles
from jingfang.accounts.decorators import permission_required
from jingfang.core import ids, xlsx
from jingfang.core.paging import paginate, querystring_without_page
from jingfang.exports import guard

from . import log as audit
from . import targets
from .models import AuditEvent
from .selectors import events_for


def _date(value: str):
    try:
        return dt.date.fromisoformat(value)
    except (TypeError, ValueError):
        return None


def _filters(request) -> dict:
    patient = request.GET.get("patient", "").strip()
    return {
        "username": request.GET.get("user", "").strip()[:150],
        "patient_id": ids.parse(patient),
        "date_from": _date(request.GET.get("from", "")),
        "date_to": _date(request.GET.get("to", "")),
        "action": request.GET.get("action", "") if request.GET.get("action", "") in AuditEvent.ACTION_LABELS else "",
        "outcome": request.GET.get("outcome", "") if request.GET.get("outcome", "") in AuditEvent.OUTCOME_LABELS else "",
    }


def _shown(event: AuditEvent, links: bool) -> dict:
    """One row as a reader sees it: role, action, outcome, patient and object in Chinese."""
    return {
        "event": event,
        "role": roles.label(event.role) if event.role else "",
        "patient": targets.patient(event.patient_id, links=links),
        "target": targets.describe(event.target, event.patient_id, links=links),
    }


@permission_required(roles.VIEW_AUDIT)
def audit_list(request):
    filters = _filters(request)
    page = paginate(request, events_for(request.user, **filters))
    audit.record_request(request, "list", target="audit", detail={"count": page.paginator.count})
    links = targets.may_follow_links(request.user)
    return render(
        request,
        "audit/audit_list.html",
        {
            "page": page,
            "rows": [_shown(e, links) for e in page.object_list],
            "qs": querystring_without_page(request),
            "f": request.GET,
            "actions": AuditEvent.ACTION_LABELS,
            "outcomes": AuditEvent.OUTCOME_LABELS,
            # The export needs the export right too (the audit administrator reads, does not take out).
            "can_export": roles.can(request.user.role, roles.EXPORT),
        },
    )


@permission_required(roles.EXPORT, audit_action="export")
@guard.export_view
def audit_export(request):
    if not roles.can(request.user.role, roles.VIEW_AUDIT):
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied
    qs = events_for(request.user, **_filters(request))
    headers = ["时间", "用户", "角色", "用户区划", "操作", "结果", "患者", "对象", "客户端地址", "路径"]
    rows = [
        [e.at.astimezone().strftime("%Y-%m-%d %H:%M:%S"), e.username, roles.label(e.role) if e.role else "",
         e.region_code, e.get_action_display(), e.get_outcome_display(), targets.patient(e.patient_id).text,
         targets.describe(e.target, e.patient_id).text, e.ip, e.path]
        for e in qs.iterator(chunk_size=2000)
    ]
    who = f"{request.user.get_full_name() or request.user.username}（{request.user.role_label}）"
    return guard.send(request, count=len(rows), filename="审计日志.xlsx", target="audit.xlsx",
                      build=lambda: xlsx.build_workbook("审计日志", headers, rows, who))
