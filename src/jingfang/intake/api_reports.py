"""API: report cards and discharge forms (报告卡/出院信息单, 齐云山镇2024 三（六）3).

Scoped like the pages (intake.selectors): a card of another township is a 404 identical to a missing
one, audited. Writes go through intake.services; a step the card's state does not allow is a 409.
"""

import datetime as dt
from typing import Literal

from ninja import Field, Query, Router, Schema, Status

from jingfang.core import api_support, errors, vocab
from jingfang.exports import volume

from . import deadlines, selectors, serializers, services
from . import permissions as perms
from .models import REPORT_KINDS, REPORT_STATUSES
from .views_common import list_audit

router = Router(tags=["报告卡与出院信息单"])
Closed, Problem = api_support.ClosedSchema, api_support.Problem
Diagnosis = Literal[tuple(vocab.DIAGNOSES)]
CLINICAL = "（仅卫生健康角色可见/可写）"


class ReportCardIn(Closed):
    kind: Literal[tuple(REPORT_KINDS)] = Field(..., description="onset 发病报告卡；discharge 出院信息单")
    hospital: str = Field(..., max_length=100, description="报告医疗机构")
    received_on: dt.date = Field(..., description="收到日期")
    patient_name: str = Field(..., max_length=50)
    id_number: str = Field("", max_length=30, description="身份证号（知道时填写）")
    address: str = Field("", max_length=200, description="报告卡所填住址")
    diagnosis: Diagnosis | Literal[""] = Field("", description="诊断" + CLINICAL)
    address_unknown: bool = Field(False, description="住址不明或有误")
    note: str = Field("", max_length=200)
    township_code: str = Field("", max_length=12, description="接收乡镇；乡镇级用户不填（默认本乡镇）")


class ReportCardAcceptIn(Closed):
    accepted_on: dt.date | None = Field(None, description="接收日期，默认今天")


class ReportCardPoliceQueryIn(Closed):
    asked_on: dt.date | None = Field(None, description="联系派出所日期，默认今天")
    station: str = Field("", max_length=100, description="派出所")


class ReportCardReferIn(Closed):
    referred_on: dt.date | None = Field(None, description="转县疾控日期，默认今天")
    note: str = Field("", max_length=200)


class ReportCardGuardianIn(Closed):
    name: str = Field(..., max_length=50)
    relation: Literal[tuple(vocab.GUARDIAN_RELATIONS)] = "other"
    phone: str = Field("", max_length=20)


class ReportCardEnterIn(Closed):
    """辖区内已有该身份证号的档案则关联（其余字段忽略），否则据此新建档案（缺省取报告卡所填内容）。"""

    id_number: str = Field("", max_length=30, description="默认取报告卡上的身份证号")
    entered_on: dt.date | None = Field(None, description="建档录入日期，默认今天")
    name: str = Field("", max_length=50)
    region_code: str = Field("", max_length=12, description="现住址所在村（社区），新建时必填")
    household_region_code: str = Field("", max_length=12, description="默认同 region_code")
    address: str = Field("", max_length=200)
    phone: str = Field("", max_length=20)
    diagnosis: Diagnosis | Literal[""] = ""
    diagnosis_date: dt.date | None = None
    guardian: ReportCardGuardianIn | None = None


class IntakeDueOut(Schema):
    kind: str = Field(..., description="intake_accept / intake_enter / intake_police_query")
    due_date: dt.date
    state: Literal["upcoming", "due", "overdue"]
    rule: str
    provisional: bool = Field(..., description="该年度节假日未配置，暂按周一至周五推算")


class ReportCardOut(Schema):
    id: int
    kind: str
    kind_label: str
    hospital: str | None = Field(None, description="报告医疗机构（仅卫生健康角色可见）")
    received_on: dt.date
    patient_name: str
    id_number_masked: str
    address: str
    diagnosis: str | None = Field(None, description=CLINICAL)
    diagnosis_label: str | None = Field(None, description=CLINICAL)
    township_code: str
    township_name: str
    status: Literal[tuple(REPORT_STATUSES)]
    status_label: str
    accepted_on: dt.date | None
    entered_on: dt.date | None
    patient_id: int | None
    address_unknown: bool
    police_asked_on: dt.date | None
    police_station: str
    address_resolved_on: dt.date | None
    cdc_referred_on: dt.date | None
    note: str
    deadlines: list[IntakeDueOut]


class ReportCardPage(Schema):
    count: int
    items: list[ReportCardOut]


class CardFilters(Schema):
    status: Literal["", "open", *REPORT_STATUSES] = Field("", description="open：未录入且未转疾控")
    kind: Literal["", *REPORT_KINDS] = ""
    q: str = Field("", max_length=50, description="姓名或医院的一部分")
    received_from: dt.date | None = Field(None, description="收到日期不早于（YYYY-MM-DD）")
    received_to: dt.date | None = Field(None, description="收到日期不晚于（YYYY-MM-DD）")
    overdue: api_support.OptionalBool = Field(None, description="true 只看有逾期时限的，false 只看没有的")
    page: api_support.Page = None
    page_size: api_support.PageSize = None


def forbid_unless(request, action: str, audit_action: str = "list", target: str = "") -> None:
    if not perms.user_can(request.user, action):
        from jingfang.audit import log as audit

        audit.record_request(request, audit_action, outcome="denied", target=target)
        raise errors.Forbidden("您的角色无权执行此操作")


def renamed(exc: errors.ServiceError, names: dict) -> errors.ServiceError:
    """A step's form errors under the API's field names (date -> accepted_on, …)."""
    exc.errors = [errors.FieldError(names.get(e.field, e.field), e.message) for e in exc.errors]
    return exc


def _out(request, card) -> dict:
    return serializers.card_data(card, request.user.role)


@router.get("/report-cards", response=ReportCardPage, exclude_unset=True, summary="报告卡列表")
def list_cards(request, filters: Query[CardFilters]):
    """接收乡镇在调用者辖区内的报告卡；每张附未办时限（工作日，含调休）。"""
    forbid_unless(request, perms.VIEW_REPORTS, target="report_cards")
    page, size = api_support.page_bounds(filters.page, filters.page_size)
    qs = selectors.report_cards(request.user, status=filters.status, kind=filters.kind, q=filters.q.strip(),
                                received_from=filters.received_from, received_to=filters.received_to)
    if filters.overdue is None:  # paged in the database
        count = qs.count()
        cards = list(qs[(page - 1) * size: page * size])
    else:  # whether a deadline is overdue is computed (working days), so every card is looked at
        rows = [r["card"] for r in deadlines.card_rows(qs) if r["overdue"] is filters.overdue]
        count, cards = len(rows), rows[(page - 1) * size: page * size]
    shown = [_out(request, c) for c in cards]
    used = sorted(k for k, v in filters.model_dump(exclude={"page", "page_size"}).items() if v not in ("", None))
    volume.check_api_page(request, len(shown), action="search" if used else "list", target="report_cards")
    list_audit(request, "report_cards", count, used)
    return {"count": count, "items": shown}


@router.post("/report-cards", response={201: ReportCardOut, 403: Problem, 422: Problem}, exclude_unset=True,
             summary="登记收到报告卡/出院信息单")
def create_card(request, payload: ReportCardIn):
    """接收乡镇为调用者所在乡镇。非卫生健康角色不得填写诊断（403）。"""
    card = services.receive_card(request.user, payload.model_dump(), request=request)
    return Status(201, _out(request, card))


@router.get("/report-cards/{id}", response=ReportCardOut, exclude_unset=True, summary="报告卡详情")
def get_card(request, id: int):
    forbid_unless(request, perms.VIEW_REPORTS, "view", f"report_card:{id}")
    return _out(request, selectors.get_report_card_for(request, id))


def _step(request, id: int, function, data: dict, names: dict) -> dict:
    forbid_unless(request, perms.RECEIVE_REPORTS, "update", f"report_card:{id}")
    card = selectors.get_report_card_for(request, id, action="update", audit_success=False)
    try:
        card = function(request.user, card, data, request=request)
    except errors.ServiceError as exc:
        raise renamed(exc, names) from None
    return _out(request, card)


STEP_RESPONSES = {200: ReportCardOut, 403: Problem, 409: dict, 422: Problem}


@router.post("/report-cards/{id}/accept", response=STEP_RESPONSES, exclude_unset=True, summary="接收")
def accept(request, id: int, payload: ReportCardAcceptIn):
    """收到 → 已接收。已接收或已办结的再次接收返回409。"""
    return _step(request, id, services.accept_card, {"date": payload.accepted_on}, {"date": "accepted_on"})


@router.post("/report-cards/{id}/police-query", response=STEP_RESPONSES, exclude_unset=True,
             summary="住址不明：登记已联系派出所")
def police_query(request, id: int, payload: ReportCardPoliceQueryIn):
    return _step(request, id, services.police_query, {"date": payload.asked_on, "text": payload.station},
                 {"date": "asked_on", "text": "station"})


@router.post("/report-cards/{id}/refer-cdc", response=STEP_RESPONSES, exclude_unset=True,
             summary="住址仍不明：登记已转县疾控")
def refer_cdc(request, id: int, payload: ReportCardReferIn):
    """须先联系派出所（否则409）。转疾控后本报告卡办结。"""
    return _step(request, id, services.refer_cdc, {"date": payload.referred_on, "text": payload.note},
                 {"date": "referred_on", "text": "note"})


@router.post("/report-cards/{id}/enter", response=STEP_RESPONSES, exclude_unset=True,
             summary="建档录入（关联或新建档案）")
def enter(request, id: int, payload: ReportCardEnterIn):
    """须先接收（否则409）。辖区内已有该身份证号档案则关联，否则经患者档案服务新建（校验同“新建患者档案”）。"""
    forbid_unless(request, perms.ENTER_REPORTS, "update", f"report_card:{id}")
    card = selectors.get_report_card_for(request, id, action="update", audit_success=False)
    values = payload.model_dump(exclude={"guardian"})
    guardian = payload.guardian.model_dump() if payload.guardian else None
    card = services.enter_card(request.user, card, values, guardian, request=request)
    return _out(request, card)
