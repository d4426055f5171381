"""API: accountability measures (通报、约谈、挂牌督办、责任追究) and the joint consultation's record.

Issuers (township governance office, county supervisor) issue and close measures on targets in their
region; health staff read them; a target unit reads its own. A measure the caller may not see answers 404
like a missing one, audited. Closing takes the version read (409 with current_version when stale).
"""

import datetime as dt
from typing import Literal

from django.http import Http404
from ninja import Field, Query, Router, Schema, Status

from jingfang.audit import log as audit
from jingfang.care import selectors as care_selectors
from jingfang.core import api_support, clock, errors

from . import consultation, permissions, rules, selectors, services, vocab
from .models import ConsultationRecord

router = Router(tags=["督办问责"])
Closed = api_support.ClosedSchema
Problem = api_support.Problem
Kind = Literal[tuple(vocab.KINDS)]
Unit = Literal[tuple(vocab.UNITS)]
KIND_HELP = "notice 通报；interview 约谈；supervision 挂牌督办；liability 责任追究"
UNIT_HELP = "；".join(f"{k} {v}" for k, v in vocab.UNIT_LABELS.items())


class MeasureIncidentOut(Schema):
    id: int
    date: dt.date
    kind: str = Field(..., description="事件性质（文字）")
    place: str
    village: str
    reviewed_at: dt.datetime | None = Field(..., description="倒查完成时间；未倒查为null")


class MeasureInspectionOut(Schema):
    id: int
    title: str


class MeasureSummary(Schema):
    id: int
    kind: str = Field(..., description=KIND_HELP)
    kind_label: str
    target_region_code: str
    target_unit: str = Field(..., description=UNIT_HELP)
    target_name: str
    issued_on: dt.date
    deadline: dt.date
    state: str = Field(..., description="open 整改中；overdue 已逾期；closed 已销号；closed_late 逾期销号")
    closed_on: dt.date | None
    version: int


class MeasureOut(MeasureSummary):
    reason: str
    facts: str
    rectification: str
    issuer_region_code: str
    incidents: list[MeasureIncidentOut]
    inspections: list[MeasureInspectionOut]
    closing_text: str


class MeasureCountsOut(Schema):
    total: int
    by_kind: dict[str, int]
    open: int
    overdue: int
    closed: int
    closed_late: int
    on_time_numerator: int = Field(..., description="在整改期限内销号的措施数")
    on_time_denominator: int = Field(..., description="整改期限已到或已销号的措施数")
    on_time_percent: float | None = Field(..., description="按期整改率（%）；分母为0时为null")


class MeasurePage(Schema):
    count: int
    items: list[MeasureSummary]
    summary: MeasureCountsOut = Field(..., description="按类型、区域筛选后（不按状态）的统计")


class MeasureFilters(Schema):
    kind: Kind | Literal[""] = ""
    state: Literal["", "open", "overdue", "closed"] = ""
    region_code: str = Field("", max_length=12, description="对象所在区划（村或乡镇）")
    page: api_support.Page = None
    page_size: api_support.PageSize = None


class MeasureIn(Closed):
    kind: Kind = Field(..., description=KIND_HELP)
    target_region_code: str = Field(..., max_length=12, description="村（社区）或乡镇（街道）代码，须在调用者辖区内，级别与对象单位相符")
    target_unit: Unit = Field(..., description=UNIT_HELP)
    target_name: str = Field("", max_length=100, description="不填则按区划和单位生成")
    reason: str = Field(..., max_length=2000)
    facts: str = Field("", max_length=4000)
    rectification: str = Field(..., max_length=2000)
    incident_ids: list[int] = Field([], max_length=50, description="关联的肇事肇祸事件（对象所在乡镇内）")
    inspection_ids: list[int] = Field([], max_length=50, description="关联的督导检查报告（对象所在乡镇的）")
    issued_on: dt.date | None = Field(None, description="默认今天")
    deadline: dt.date | None = Field(None, description="默认按策略配置 [accountability] <kind>_days")


class MeasureCloseIn(Closed):
    closed_on: dt.date | None = Field(None, description="默认今天")
    closing_text: str = Field(..., max_length=2000)
    version: int = Field(..., ge=1, description="读取措施时的版本号；已被他人修改返回409")


class ConsultationRecordOut(Schema):
    meeting_id: int
    period_start: dt.date
    period_end: dt.date
    generated_at: dt.datetime
    snapshot: dict = Field(..., description="会议日期时的本期工作指标（kpis；非卫生健康角色不含临床指标的数值）与问题短板"
                                            "（below_target、rectifications、measures、incidents、tasks_overdue）")


def _state(m, on) -> str:
    return rules.state_on(m.deadline, m.closed_on, on)


def _summary(m, on) -> dict:
    return {"id": m.pk, "kind": m.kind, "kind_label": vocab.KINDS[m.kind], "target_region_code": m.target_region_id,
            "target_unit": m.target_unit, "target_name": m.target_name, "issued_on": m.issued_on,
            "deadline": m.deadline, "state": _state(m, on), "closed_on": m.closed_on, "version": m.version}


def _detail(m) -> dict:
    return {**_summary(m, clock.today()), "reason": m.reason, "facts": m.facts, "rectification": m.rectification,
            "issuer_region_code": m.issuer_region_id, "incidents": selectors.incident_rows(m),
            "inspections": [{"id": r.pk, "title": r.title} for r in m.inspections.select_related("township")],
            "closing_text": m.closing_text}


def _require_view(request) -> None:
    if not permissions.can_view(request.user):
        audit.record_request(request, "view", outcome="denied", target="accountability")
        raise errors.Forbidden("您的角色无权查看督办问责")


@router.get("/accountability/measures", response={200: MeasurePage, 403: Problem}, summary="督办问责措施列表")
def list_measures(request, q: Query[MeasureFilters]):
    """调用者可见的措施：下达单位与卫生健康人员为辖区内全部，对象单位为本单位的。"""
    _require_view(request)
    today = clock.today()
    filters = {"kind": q.kind, "state": q.state, "region_code": q.region_code.strip()}
    qs = selectors.measures_for(request.user, on=today, **filters)
    count, items = api_support.paginate(qs, q.page, q.page_size)
    base = selectors.measures_for(request.user, kind=q.kind, region_code=filters["region_code"])
    s = rules.summary([rules.Row(*r) for r in base.values_list("kind", "issued_on", "deadline", "closed_on")], today)
    used = sorted(k for k, v in filters.items() if v)
    audit.record_request(request, "search" if used else "list", target="accountability_measures",
                         detail={"count": count, "filters": used})
    return {"count": count, "items": [_summary(m, today) for m in items],
            "summary": {**s.__dict__, "on_time_percent": s.on_time_percent}}


@router.post("/accountability/measures", response={201: MeasureOut, 403: Problem, 422: Problem},
             summary="下达通报、约谈、挂牌督办或责任追究（乡镇综治中心、县级督导）")
def create_measure(request, body: MeasureIn):
    """挂牌督办须关联肇事肇祸事件（平桥区2025，三（四））；责任追究须关联已倒查的事件（齐云山镇2024，四、3）。"""
    measure = services.issue(request.user, data=body.model_dump(), request=request)
    return Status(201, _detail(measure))


@router.get("/accountability/measures/{id}", response={200: MeasureOut, 403: Problem}, summary="督办问责措施")
def get_measure(request, id: int):
    _require_view(request)
    measure = selectors.get_measure_for(request, id)
    audit.record_request(request, "view", target=f"accountability:{measure.pk}")
    return _detail(measure)


@router.post("/accountability/measures/{id}/close", response={200: MeasureOut, 403: Problem, 409: Problem, 422: Problem},
             summary="销号（下达单位）")
def close_measure(request, id: int, body: MeasureCloseIn):
    _require_view(request)
    measure = selectors.get_measure_for(request, id, action="update")
    measure = services.close(request.user, measure=measure, data=body.model_dump(), request=request)
    return _detail(measure)


@router.get("/accountability/consultations/{meeting_id}", response={200: ConsultationRecordOut, 403: Problem},
            summary="联合会商的会商材料（会议登记时自动生成）")
def get_consultation(request, meeting_id: int):
    """看得到该会议的用户可读；辖区外或不是联合会商的会议返回404。"""
    meeting = care_selectors.get_meeting_for(request, meeting_id, audit_success=False)
    record = ConsultationRecord.objects.filter(meeting=meeting).first()
    if record is None:
        audit.record_request(request, "view", outcome="not_found", target=f"consultation:{meeting.pk}")
        raise Http404("该会议没有会商材料")
    audit.record_request(request, "view", target=f"consultation:{meeting.pk}")
    return {"meeting_id": meeting.pk, "period_start": record.period_start, "period_end": record.period_end,
            "generated_at": record.generated_at, "snapshot": consultation.visible(request.user, record.snapshot)}
