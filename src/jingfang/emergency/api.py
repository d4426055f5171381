"""API: emergency access (紧急查阅, "break the glass") under /api/v1/emergency/.

- POST /grants: whole ID number, category and reason in the body (never in a URL) → a grant (201), the
  still-active grant (200, ``outcome: existing``) or, for a patient inside the caller's jurisdiction,
  no grant (200, ``outcome: inside``). No such patient: 404 saying nothing else. While the grant runs,
  GET /api/v1/patients/{id} answers for that patient (read-only; the role's own field rules apply).
- GET /grants: the caller's own grants; the township office's notices; the county's review queue.
- POST /grants/{id}/acknowledge (township office), POST /grants/{id}/review (county supervisor).
"""

import datetime as dt
from typing import Literal

from django.http import Http404
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status

from jingfang.accounts import roles
from jingfang.audit import log as audit
from jingfang.core import api_support, errors

from . import rules, selectors, services

router = Router(tags=["紧急查阅"])
Closed, Problem, Detail = api_support.ClosedSchema, api_support.Problem, api_support.Detail

Category = Literal[tuple(rules.CATEGORIES)]
ReviewOutcome = Literal[tuple(rules.REVIEW_OUTCOMES)]


class GrantIn(Closed):
    id_number: str = Field(..., max_length=30, description="患者完整身份证号（只放在请求体中）")
    category: Category = Field(..., description="事由类别：" + "、".join(f"{k} {v}" for k, v in rules.CATEGORIES.items()))
    reason: str = Field(..., max_length=rules.REASON_MAX,
                        description=f"查阅理由，写明紧急情况，至少{rules.REASON_MIN}个字，不得含身份证号")


class ReviewIn(Closed):
    outcome: ReviewOutcome = Field(..., description="审核结论：reasonable 合理、unreasonable 不合理")
    note: str = Field("", max_length=rules.NOTE_MAX, description="审核意见（结论为不合理时必填）")


class GrantOut(Schema):
    id: int
    user: str
    user_role: str
    user_region_name: str
    patient_id: int
    patient_name: str
    region_code: str = Field(..., description="授权时患者现住址所在村（社区）")
    region_name: str
    category: str
    category_label: str
    reason: str
    hours: int
    started_at: dt.datetime
    expires_at: dt.datetime
    active: bool
    acknowledged_at: dt.datetime | None
    acknowledged_by: str | None
    review_state: Literal["pending", "reasonable", "unreasonable"]
    review_note: str
    reviewed_by: str | None
    reviewed_at: dt.datetime | None


class GrantRequestOut(Schema):
    outcome: Literal["granted", "existing", "inside"] = Field(
        ..., description="granted 新授权；existing 沿用仍有效的授权；inside 患者在辖区内，无需授权")
    patient_id: int
    grant: GrantOut | None


class GrantList(Schema):
    count: int
    items: list[GrantOut]


class GrantFilters(Schema):
    scope: Literal["", "mine", "township", "county"] = Field(
        "", description="mine 本人的紧急查阅；township 乡镇综治中心收到的通知；county 县级审核队列。默认按角色选择")
    pending: api_support.OptionalBool = Field(None, description="true 只列未确认（township）或未审核（county）的")
    page: api_support.Page = None
    page_size: api_support.PageSize = None


def _name(user) -> str | None:
    return (user.get_full_name() or user.username) if user else None


def grant_data(g) -> dict:
    return {
        "id": g.pk, "user": _name(g.user), "user_role": g.user_role, "user_region_name": g.user_region.name,
        "patient_id": g.patient_id, "patient_name": g.patient.name, "region_code": g.region_id,
        "region_name": g.region.name, "category": g.category,
        "category_label": rules.CATEGORIES.get(g.category, g.category), "reason": g.reason, "hours": g.hours,
        "started_at": g.started_at, "expires_at": g.expires_at,
        "active": rules.is_active(g.started_at, g.expires_at, timezone.now()),
        "acknowledged_at": g.acknowledged_at, "acknowledged_by": _name(g.acknowledged_by),
        "review_state": g.review_outcome or "pending", "review_note": g.review_note,
        "reviewed_by": _name(g.reviewed_by), "reviewed_at": g.reviewed_at,
    }


def _fresh(grant):
    return selectors.Grant.objects.select_related(*selectors._RELATED).get(pk=grant.pk)


@router.post("/grants", response={200: GrantRequestOut, 201: GrantRequestOut, 403: Problem, 404: Detail, 422: Problem,
                                   429: Problem},
             summary="紧急查阅：申请")
def create_grant(request, payload: GrantIn):
    """辖区外患者：写明理由后在患者所在地策略配置的时长内（全国默认3小时）只读查阅，通知患者所在乡镇综治中心并提交县级审核。
    查无此人返回404，不透露其他信息。"""
    try:
        outcome = services.request_access(request.user, payload.model_dump(), request=request)
    except services.NotFound:
        raise Http404(services.NOT_FOUND) from None
    grant = grant_data(_fresh(outcome.grant)) if outcome.grant else None
    body = {"outcome": outcome.kind, "patient_id": outcome.patient_id, "grant": grant}
    return Status(201 if outcome.kind == "granted" else 200, body)


@router.get("/grants", response={200: GrantList, 403: Problem, 422: Problem}, summary="紧急查阅：列表")
def list_grants(request, filters: Query[GrantFilters]):
    """mine：本人的紧急查阅（可使用紧急查阅的角色）；township：乡镇综治中心收到的通知，未确认的在前；
    county：县级督导的审核队列，未审核的在前。"""
    user = request.user
    scope = filters.scope or _default_scope(user.role)
    if scope == "mine" and roles.can(user.role, roles.BREAK_GLASS):
        qs = selectors.own_grants(user)
    elif scope == "township" and roles.can(user.role, roles.ACKNOWLEDGE_EMERGENCY):
        qs = selectors.notices(user, "pending" if filters.pending else "")
    elif scope == "county" and roles.can(user.role, roles.REVIEW_EMERGENCY):
        qs = selectors.review_queue(user, "pending" if filters.pending else "")
    else:
        audit.record_request(request, "list", outcome="denied", target="emergency_grants")
        raise errors.Forbidden("您的角色无权查看这些紧急查阅记录")
    count, items = api_support.paginate(qs, filters.page, filters.page_size)
    audit.record_request(request, "list", target=f"emergency_grants:{scope}",
                         detail={"count": count, "filters": ["pending"] if filters.pending else []})
    return {"count": count, "items": [grant_data(g) for g in items]}


def _default_scope(role: str) -> str:
    if roles.can(role, roles.REVIEW_EMERGENCY):
        return "county"
    if roles.can(role, roles.ACKNOWLEDGE_EMERGENCY):
        return "township"
    return "mine"


@router.post("/grants/{id}/acknowledge", response={200: GrantOut, 403: Problem, 404: Detail},
             summary="紧急查阅：乡镇确认知悉")
def acknowledge(request, id: int):
    """患者所在乡镇综治中心确认已知悉；辖区外或不存在返回404。"""
    _require(request, roles.ACKNOWLEDGE_EMERGENCY, "emergency_ack")
    grant = selectors.get_grant_for(request, id, selectors.notices(request.user), action="emergency_ack")
    return grant_data(_fresh(services.acknowledge(request.user, grant, request=request)))


@router.post("/grants/{id}/review", response={200: GrantOut, 403: Problem, 404: Detail, 409: Problem, 422: Problem},
             summary="紧急查阅：县级审核")
def review(request, id: int, payload: ReviewIn):
    """县级督导对本县患者的紧急查阅给出结论（合理/不合理，不合理须写明原因）；每条只审核一次，重复审核返回409。"""
    _require(request, roles.REVIEW_EMERGENCY, "emergency_review")
    grant = selectors.get_grant_for(request, id, selectors.review_queue(request.user), action="emergency_review")
    return grant_data(_fresh(services.review(request.user, grant, payload.model_dump(), request=request)))


def _require(request, action: str, audit_action: str) -> None:
    if not roles.can(request.user.role, action):
        audit.record_request(request, audit_action, outcome="denied", target="emergency_grants")
        raise errors.Forbidden("您的角色无权执行此操作")
