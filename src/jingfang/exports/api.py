"""API: export approval under /api/v1/exports/.

An export route (e.g. GET /api/v1/campaigns/{id}/report) that would return more personal rows than
the threshold answers 403 ``{"errors": [...], "approval_required": true, "request_id": …}`` and
exports nothing. Then:

- POST /requests/{id}/submit ``{"reason"}``: the requester asks for approval;
- GET /requests: the caller's own requests; GET /queue: those the caller may decide;
- POST /requests/{id}/decide ``{"decision": "approve"|"reject", "note"}``: the supervisor decides;
- the requester repeats the export with ``?approval={id}`` (same path, same parameters), once, within
  the validity window; anything else is 403.
"""

import datetime as dt
from typing import Literal

from ninja import Field, Query, Router, Schema

from jingfang.audit import log as audit
from jingfang.core import api_support, errors

from . import rules, selectors, services
from .display import params_display

router = Router(tags=["导出审批"])
Closed, Problem, Detail = api_support.ClosedSchema, api_support.Problem, api_support.Detail


class SubmitIn(Closed):
    reason: str = Field(..., max_length=rules.REASON_MAX, description=f"申请理由，至少{rules.REASON_MIN}个字，不得含身份证号")


class DecideIn(Closed):
    decision: Literal["approve", "reject"] = Field(..., description="approve 批准；reject 不批准")
    note: str = Field("", max_length=rules.NOTE_MAX, description="审批意见（不批准时必填）")


class ExportRequestOut(Schema):
    id: int
    requester: str
    requester_role: str
    requester_region_name: str
    title: str
    view_name: str
    path: str
    method: str
    params: list[list[str]] = Field(..., description="审批所针对的导出条件（下载时须完全一致）")
    params_display: list[list[str]]
    row_count: int
    reason: str
    status: str
    status_label: str
    approver_role: str
    approver_label: str
    submitted_at: dt.datetime | None
    decided_by: str | None
    decided_at: dt.datetime | None
    note: str
    expires_at: dt.datetime | None
    downloaded_at: dt.datetime | None


class RequestList(Schema):
    count: int
    items: list[ExportRequestOut]


class ListFilters(Schema):
    page: api_support.Page = None
    page_size: api_support.PageSize = None


class QueueFilters(ListFilters):
    state: Literal["", "pending", "decided"] = Field("", description="pending 待审批；decided 已审批；空为全部")


def _name(user) -> str | None:
    return (user.get_full_name() or user.username) if user else None


def request_data(r) -> dict:
    return {
        "id": r.pk, "requester": _name(r.requester), "requester_role": r.requester_role,
        "requester_region_name": r.requester_region.name, "title": r.title, "view_name": r.view_name,
        "path": r.path, "method": r.method, "params": r.params,
        "params_display": [list(p) for p in params_display(r.params)], "row_count": r.row_count,
        "reason": r.reason, "status": r.status, "status_label": r.status_label, "approver_role": r.approver_role,
        "approver_label": r.approver_label, "submitted_at": r.submitted_at, "decided_by": _name(r.decided_by),
        "decided_at": r.decided_at, "note": r.note, "expires_at": r.expires_at, "downloaded_at": r.downloaded_at,
    }


@router.get("/requests", response={200: RequestList, 422: Problem}, summary="导出审批：我的申请")
def own_requests(request, filters: Query[ListFilters]):
    count, items = api_support.paginate(selectors.own(request.user), filters.page, filters.page_size)
    audit.record_request(request, "list", target="export_requests", detail={"count": count})
    return {"count": count, "items": [request_data(r) for r in items]}


@router.get("/queue", response={200: RequestList, 403: Problem, 422: Problem}, summary="导出审批：待我审批")
def approval_queue(request, filters: Query[QueueFilters]):
    """乡镇综治中心：本乡镇（村）用户的申请；县级督导：本县乡镇综治中心及县级用户的申请（也可审批乡镇用户的申请）。"""
    if not selectors.is_approver(request.user):
        audit.record_request(request, "list", outcome="denied", target="export_queue")
        raise errors.Forbidden("只有乡镇综治中心和县级督导审批导出申请")
    count, items = api_support.paginate(selectors.queue(request.user, filters.state), filters.page, filters.page_size)
    audit.record_request(request, "list", target="export_queue", detail={"count": count})
    return {"count": count, "items": [request_data(r) for r in items]}


@router.get("/requests/{id}", response={200: ExportRequestOut, 404: Detail}, summary="导出审批：一条申请")
def get_request(request, id: int):
    r = selectors.get_for(request, id)
    audit.record_request(request, "view", target=f"export_request:{r.pk}")
    return request_data(r)


@router.post("/requests/{id}/submit", response={200: ExportRequestOut, 403: Problem, 404: Detail, 409: Problem,
                                                422: Problem}, summary="导出审批：提交申请")
def submit(request, id: int, payload: SubmitIn):
    r = selectors.get_for(request, id, action="create")
    return request_data(services.submit(request.user, r, payload.reason, request=request))


@router.post("/requests/{id}/decide", response={200: ExportRequestOut, 403: Problem, 404: Detail, 409: Problem,
                                                422: Problem}, summary="导出审批：审批")
def decide(request, id: int, payload: DecideIn):
    r = selectors.get_for(request, id, action="update")
    return request_data(services.decide(request.user, r, payload.decision, payload.note, request=request))
