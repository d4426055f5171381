"""API: KPIs (for any region within the caller's, any period), their monthly trend and the ranking of
child regions; quarterly inspection reports and their rectification items.

A region outside the caller's is answered exactly like an unknown one (404 {"detail"}) and audited.
"""

import datetime as dt

from django.http import Http404
from ninja import Field, Query, Router, Schema, Status

from jingfang.audit import log as audit
from jingfang.core import api_support, clock, days, errors

from . import compute, inspections, permissions
from .kpis import Period

router = Router(tags=["统计与督导"])
Closed = api_support.ClosedSchema
MAX_DAYS = 366 * 5


class KPIOut(Schema):
    key: str
    name: str
    definition: str = Field(..., description="指标定义（口径），数字取自本区划的政策配置")
    numerator_label: str
    denominator_label: str
    numerator_text: str = Field(..., description="分子的完整定义：计入分子的患者（或金额）")
    denominator_text: str = Field(..., description="分母的完整定义")
    basis: str = Field(..., description="定义依据的文件")
    numerator: float | None = Field(..., description="null：该指标按病情或服药统计，仅卫生健康人员可见（withheld）")
    denominator: float | None
    value: float | None
    display: str
    unit: str
    target: float | None
    target_op: str
    target_text: str
    target_cite: str
    met: bool | None
    available: bool
    withheld: bool = Field(False, description="true：分子、分母、指标值不提供给本角色（仅卫生健康人员可见）")


class KPIsOut(Schema):
    region_code: str
    region_name: str
    start: dt.date
    end: dt.date
    items: list[KPIOut]


class PeriodQuery(Schema):
    region_code: str = ""
    start: dt.date | None = None
    end: dt.date | None = None


class TrendQuery(Schema):
    region_code: str = ""
    months: int = Field(12, ge=1, le=36)
    window: int = Field(1, description="每点统计的月数：1（自然月）、3 或 12（滚动）",
                        json_schema_extra={"enum": [1, 3, 12]})
    end: dt.date | None = None


class TrendPoint(Schema):
    start: dt.date
    end: dt.date
    items: list[KPIOut]


class TrendOut(Schema):
    region_code: str
    region_name: str
    months: int
    window: int
    points: list[TrendPoint]


class RankRow(Schema):
    region_code: str
    region_name: str
    items: list[KPIOut]


class RankingOut(Schema):
    region_code: str
    region_name: str
    start: dt.date
    end: dt.date
    items: list[RankRow]


def _guard(request) -> None:
    if not permissions.can_view(request.user):
        audit.record_request(request, "view", outcome="denied", target="stats")
        raise errors.Forbidden("您的角色无权查看统计")


def _period(q) -> Period:
    today = clock.today()
    start, end = q.start or dt.date(today.year, 1, 1), q.end or today
    days.check(start, "start", "start")
    days.check(end, "end", "end")
    if end < start:
        raise api_support.invalid("end", "结束日期不能早于开始日期")
    if (end - start).days > MAX_DAYS:
        raise api_support.invalid("start", "统计期不能超过5年")
    return Period(start, end)


@router.get("/kpis", response=KPIsOut, summary="工作指标（含定义、分子、分母、目标与是否达标）")
def get_kpis(request, q: Query[PeriodQuery]):
    _guard(request)
    region = permissions.region_for(request, q.region_code)
    period = _period(q)
    kpis = compute.kpis_for(region, period)
    return {"region_code": region.code, "region_name": region.name, "start": period.start, "end": period.end,
            "items": [k.as_dict() for k in permissions.visible_kpis(request.user, kpis)]}


@router.get("/kpis/trend", response=TrendOut, summary="指标趋势（按月）")
def get_trend(request, q: Query[TrendQuery]):
    _guard(request)
    region = permissions.region_for(request, q.region_code)
    if q.window not in (1, 3, 12):
        raise api_support.invalid("window", "应为 1、3 或 12")
    end = days.check(q.end or clock.today(), "end", "end")
    trend = compute.trend_for(region, end, q.months, q.window)
    return {"region_code": region.code, "region_name": region.name, "months": q.months, "window": q.window,
            "points": [{"start": p.start, "end": p.end, "items": [k.as_dict() for k in permissions.visible_kpis(request.user, ks)]}
                       for p, ks in trend]}


@router.get("/kpis/ranking", response=RankingOut, summary="下级区划指标排名")
def get_ranking(request, q: Query[PeriodQuery]):
    _guard(request)
    region = permissions.region_for(request, q.region_code)
    period = _period(q)
    rows = compute.ranking_for(region, period)
    return {"region_code": region.code, "region_name": region.name, "start": period.start, "end": period.end,
            "items": [{"region_code": r.code, "region_name": r.name, "items": [k.as_dict() for k in permissions.visible_kpis(request.user, ks)]}
                      for r, ks in rows]}


# Inspections -------------------------------------------------------------------------------------
class ItemOut(Schema):
    id: int
    report_id: int
    text: str
    owner: str
    due_date: dt.date
    status: str
    closing_note: str
    closed_by: str | None
    closed_at: dt.datetime | None


class ReportSummary(Schema):
    id: int
    township_code: str
    township_name: str
    year: int
    quarter: int
    generated_at: dt.datetime | None
    open_items: int


class ReportOut(ReportSummary):
    findings: str
    snapshot: dict
    items: list[ItemOut]


class ReportIn(Closed):
    township_code: str = Field(..., max_length=12)
    year: int = Field(..., ge=2000, le=2100)
    quarter: int = Field(..., ge=1, le=4)
    findings: str = Field("", max_length=10000)


class FindingsIn(Closed):
    findings: str = Field(..., max_length=10000)


class ItemIn(Closed):
    text: str = Field(..., min_length=1, max_length=300)
    owner: str = Field(..., min_length=1, max_length=100)
    due_date: dt.date


class CloseIn(Closed):
    note: str = Field(..., min_length=1, max_length=500)


def _item(i) -> dict:
    who = i.closed_by.get_full_name() or i.closed_by.username if i.closed_by else None
    return {"id": i.pk, "report_id": i.report_id, "text": i.text, "owner": i.owner, "due_date": i.due_date,
            "status": i.status, "closing_note": i.closing_note, "closed_by": who, "closed_at": i.closed_at}


def _summary(r) -> dict:
    items = list(r.items.all())
    return {"id": r.pk, "township_code": r.township_id, "township_name": r.township.name, "year": r.year,
            "quarter": r.quarter, "generated_at": r.generated_at,
            "open_items": sum(1 for i in items if i.status == "open")}


def _detail(r, user) -> dict:
    return {**_summary(r), "findings": r.findings, "snapshot": permissions.visible_snapshot(user, r.snapshot),
            "items": [_item(i) for i in r.items.select_related("closed_by")]}


def _report(request, id: int):
    if request.user.role not in permissions.CLOSER_ROLES:
        audit.record_request(request, "view", outcome="denied", target="inspection")
        raise errors.Forbidden("您的角色无权查看督导检查报告")
    report = inspections.reports_for(request.user).filter(pk=id).first()
    if report is None:
        audit.record_request(request, "view", outcome="not_found", target=f"inspection:{id}")
        raise Http404("督导检查报告不存在")
    return report


@router.get("/inspections", response=list[ReportSummary], summary="督导检查报告")
def list_reports(request, region_code: str = ""):
    _guard(request)
    qs = inspections.reports_for(request.user).prefetch_related("items")
    if region_code:
        region = permissions.region_for(request, region_code)
        lo, hi = region.code_range
        qs = qs.filter(township_id__gte=lo, township_id__lte=hi)
    return [_summary(r) for r in qs]


@router.post("/inspections", response={201: ReportOut, 403: api_support.Problem, 409: api_support.Problem,
                                       422: api_support.Problem}, summary="生成季度督导检查报告（县级督导）")
def create_report(request, body: ReportIn):
    report = inspections.create_report(request.user, body.township_code, body.year, body.quarter, request=request)
    if body.findings:
        inspections.save_findings(request.user, report, body.findings, request=request)
    return Status(201, _detail(report, request.user))


@router.get("/inspections/{id}", response=ReportOut, summary="督导检查报告详情")
def get_report(request, id: int):
    _guard(request)
    report = _report(request, id)
    audit.record_request(request, "view", target=f"inspection:{report.pk}")
    return _detail(report, request.user)


@router.patch("/inspections/{id}", response={200: ReportOut, 403: api_support.Problem}, summary="填写督导发现的问题")
def patch_report(request, id: int, body: FindingsIn):
    _guard(request)
    report = inspections.save_findings(request.user, _report(request, id), body.findings, request=request)
    return _detail(report, request.user)


@router.post("/inspections/{id}/items", response={201: ItemOut, 403: api_support.Problem, 422: api_support.Problem},
             summary="添加整改事项（县级督导）")
def add_item(request, id: int, body: ItemIn):
    _guard(request)
    item = inspections.add_item(request.user, _report(request, id), body.text, body.owner, body.due_date,
                                request=request)
    return Status(201, _item(item))


@router.post("/inspection-items/{id}/close", response={200: ItemOut, 403: api_support.Problem,
                                                       409: api_support.Problem, 422: api_support.Problem},
             summary="整改事项销号")
def close_item(request, id: int, body: CloseIn):
    _guard(request)
    item = inspections.items_for(request.user).filter(pk=id).first()
    if item is None:
        audit.record_request(request, "update", outcome="not_found", target=f"inspection_item:{id}")
        raise Http404("整改事项不存在")
    return _item(inspections.close_item(request.user, item, body.note, request=request))
