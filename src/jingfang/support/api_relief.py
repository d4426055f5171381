"""API: hospitalisation relief applications and their steps, the fund and its ledger, the quarterly
summary (平桥区2025 annex). Every step is refused from the wrong state (409) or by the wrong role (403)
with a Chinese message; an application outside the caller's jurisdiction is a 404 like a missing one."""

import datetime as dt
from decimal import Decimal
from typing import Annotated, Literal

from ninja import Field, Query, Router, Schema, Status
from pydantic import WithJsonSchema

from jingfang.accounts import roles
from jingfang.audit import log as audit
from jingfang.core import api_support, clock
from jingfang.core import vocab as core_vocab
from jingfang.exports import volume
from jingfang.regions import codes
from jingfang.registry import selectors as patient_selectors

from . import permissions, relief, selectors, services_relief, vocab
from .api_rewards import need

router = Router(tags=["住院救助"])
Closed, Problem = api_support.ClosedSchema, api_support.Problem


class ReliefFields(Closed):
    guardian_id: int | None = Field(None, description="档案中的监护人；给出时申请人姓名、关系、电话缺省取自该监护人")
    applicant_name: str = Field("", max_length=50, description="申请人（监护人）姓名")
    applicant_relation: Literal[("", *core_vocab.GUARDIAN_RELATIONS)] = ""
    applicant_phone: str = Field("", max_length=20)
    insurance_type: Literal[tuple(vocab.INSURANCE_TYPES)] | None = Field(None, description="基本医疗保险")
    facts: str = Field("", max_length=2000, description="事实与理由")
    court_ordered: bool = Field(False, description="法院判决强制医疗")


class ReliefIn(ReliefFields):
    patient_id: int
    insurance_type: Literal[tuple(vocab.INSURANCE_TYPES)]
    facts: str = Field(..., min_length=1, max_length=2000)
    submit: bool = Field(False, description="true：保存后立即提交村委会初审")


class ReliefPatch(ReliefFields):
    applicant_name: str | None = Field(None, max_length=50)
    applicant_relation: Literal[("", *core_vocab.GUARDIAN_RELATIONS)] | None = None
    applicant_phone: str | None = Field(None, max_length=20)
    facts: str | None = Field(None, max_length=2000)
    court_ordered: bool | None = None


class VillageReviewIn(Closed):
    opinion: str = Field(..., min_length=1, max_length=300, description="村委会初审意见")
    option: str = Field("", description="建议的救助方式代码（政策配置 relief_fund.options），可空")


class RejectIn(Closed):
    reason: str = Field(..., min_length=1, max_length=300)


class ApproveIn(Closed):
    option: str = Field(..., description="救助方式代码（政策配置 relief_fund.options）")
    amount: Decimal = Field(..., gt=0, max_digits=12, decimal_places=2, description="审批救助金额（元）")
    opinion: str = Field("", max_length=300, description="乡镇审批意见；未参保者获批时必填")
    budget_override: bool = Field(False, description="超出基金余额审批（须填写理由，记入审计）")
    override_reason: str = Field("", max_length=300)


class AdmitIn(Closed):
    hospital: str = Field(..., min_length=1, max_length=100)
    admission_date: dt.date
    total_cost: Decimal = Field(..., ge=0, max_digits=12, decimal_places=2)
    food_cost: Decimal = Field(Decimal("0"), ge=0, max_digits=12, decimal_places=2)
    insurance_paid: Decimal = Field(..., ge=0, max_digits=12, decimal_places=2)
    relief_paid: Decimal = Field(..., ge=0, max_digits=12, decimal_places=2)
    self_paid: Decimal = Field(..., ge=0, max_digits=12, decimal_places=2)


class ReliefCloseIn(Closed):
    note: str = Field("", max_length=200)


class Stamp(Schema):
    by: str | None
    at: dt.datetime | None


class ReliefOut(Schema):
    id: int
    patient_id: int
    patient_name: str
    region_code: str
    state: str
    state_label: str
    applicant_name: str
    applicant_relation: str
    insurance_type: str
    facts: str
    court_ordered: bool
    full_funding: list[str]
    full_funding_labels: list[str]
    priority: bool
    priority_reasons: list[str]
    created: Stamp
    submitted: Stamp
    village_opinion: str
    village_option: str
    village: Stamp
    township_option: str
    township_option_label: str
    township_amount: Decimal | None
    township_opinion: str
    budget_override: bool
    override_reason: str
    township: Stamp
    reject_reason: str
    rejected_stage: str
    rejected: Stamp
    hospital: str
    admission_date: dt.date | None
    total_cost: Decimal | None
    food_cost: Decimal | None
    insurance_paid: Decimal | None
    relief_paid: Decimal | None
    self_paid: Decimal | None
    admitted: Stamp
    close_note: str
    closed: Stamp


STEP_RESPONSES = {200: ReliefOut, 403: Problem, 409: Problem, 422: Problem}


class ReliefPage(Schema):
    count: int
    items: list[ReliefOut]


def _who(user) -> str | None:
    return (user.get_full_name() or user.username) if user else None


PLAIN = ("state", "applicant_name", "applicant_relation", "insurance_type", "facts", "court_ordered", "priority",
         "village_opinion", "village_option", "township_option", "township_option_label", "township_amount",
         "township_opinion", "budget_override", "override_reason", "reject_reason", "rejected_stage", "hospital",
         "admission_date", "total_cost", "food_cost", "insurance_paid", "relief_paid", "self_paid", "close_note")


def _out(a, role: str) -> dict:
    data = {k: getattr(a, k) for k in PLAIN}
    for stamp, by, at in (("created", "created_by", "created_at"), ("submitted", "submitted_by", "submitted_at"),
                          ("village", "village_by", "village_at"), ("township", "township_by", "township_at"),
                          ("rejected", "rejected_by", "rejected_at"), ("admitted", "admitted_by", "admitted_at"),
                          ("closed", "closed_by", "closed_at")):
        data[stamp] = {"by": _who(getattr(a, by)), "at": getattr(a, at)}
    data.update({"id": a.pk, "patient_id": a.patient_id, "patient_name": a.patient.name,
                 "region_code": a.patient.region_id, "state_label": a.state_label,
                 "full_funding": a.full_funding, "full_funding_labels": a.full_funding_labels,
                 "priority_reasons": relief.shown_priority_reasons(a.priority_reasons, risk=roles.sees_risk(role))})
    return data


def _data(values: dict) -> dict:
    out = {}
    for key, value in values.items():
        if key == "guardian_id":
            out["guardian"] = "" if value is None else value
        elif key == "court_ordered":
            if value:
                out["court_ordered"] = "on"
        elif value is not None:
            out[key] = value.isoformat() if isinstance(value, dt.date) else value
    return out


def _get(request, id: int, action: str = "view"):
    app = selectors.get_application_for(request, id, action=action, audit_success=action == "view")
    need(request, permissions.RELIEF_VIEW, f"application:{id}")
    return app


@router.get("/relief-applications", response={200: ReliefPage, 403: Problem}, summary="住院救助申请列表")
def list_applications(request, state: Annotated[str, WithJsonSchema({"type": "string", "enum": ["", *vocab.RELIEF_STATES]})] = "",
                      region_code: str = "", page: api_support.Page = None,
                      page_size: api_support.PageSize = None):
    need(request, permissions.RELIEF_VIEW, "relief")
    if state and state not in vocab.RELIEF_STATES:
        raise api_support.invalid("state", f"应为 {'、'.join(vocab.RELIEF_STATES)} 之一")
    qs = selectors.applications_for(request.user)
    if state:
        qs = qs.filter(state=state)
    if region_code:
        if not codes.is_valid_code(region_code):
            raise api_support.invalid("region_code", "应为12位区划代码")
        lo, hi = codes.code_range(region_code)
        qs = qs.filter(patient__region_id__gte=lo, patient__region_id__lte=hi)
    count, items = api_support.paginate(qs, page, page_size)
    volume.check_api_page(request, len(items), action="list", target="relief")
    audit.record_request(request, "list", target="relief", detail={"count": count})
    return {"count": count, "items": [_out(a, request.user.role) for a in items]}


@router.post("/relief-applications", response={201: ReliefOut, 403: Problem, 409: Problem, 422: Problem},
             summary="填报住院救助申请（草稿，或 submit=true 直接提交）")
def create_application(request, body: ReliefIn):
    patient = patient_selectors.get_patient_for(request, body.patient_id, action="create", audit_success=False)
    values = body.model_dump(exclude={"patient_id", "submit"})
    app = services_relief.create(request.user, patient, _data(values), request=request)
    if body.submit:
        app = services_relief.step(request.user, app, "submit", request=request)
    return Status(201, _out(app, request.user.role))


@router.get("/relief-applications/{id}", response={200: ReliefOut, 403: Problem}, summary="住院救助申请")
def get_application(request, id: int):
    return _out(_get(request, id), request.user.role)


@router.patch("/relief-applications/{id}", response={200: ReliefOut, 403: Problem, 409: Problem, 422: Problem},
              summary="修改草稿")
def update_application(request, id: int, body: ReliefPatch):
    app = _get(request, id, "update")
    current = {"guardian_id": app.guardian_id, "applicant_name": app.applicant_name,
               "applicant_relation": app.applicant_relation, "applicant_phone": app.applicant_phone,
               "insurance_type": app.insurance_type, "facts": app.facts, "court_ordered": app.court_ordered}
    current.update(body.model_dump(exclude_unset=True))
    return _out(services_relief.update_draft(request.user, app, _data(current), request=request), request.user.role)


def _step(request, id: int, action: str, data: dict | None = None) -> dict:
    app = selectors.get_application_for(request, id, action="update", audit_success=False)
    return _out(services_relief.step(request.user, app, action, _data(data or {}), request=request),
                request.user.role)


@router.post("/relief-applications/{id}/submit", response=STEP_RESPONSES, summary="提交（填报人）")
def submit(request, id: int):
    return _step(request, id, "submit")


@router.post("/relief-applications/{id}/village-review", response=STEP_RESPONSES, summary="村委会初审（村干部）")
def village_review(request, id: int, body: VillageReviewIn):
    return _step(request, id, "village_review", body.model_dump())


@router.post("/relief-applications/{id}/village-reject", response=STEP_RESPONSES, summary="村委会不予推荐（村干部）")
def village_reject(request, id: int, body: RejectIn):
    return _step(request, id, "village_reject", body.model_dump())


@router.post("/relief-applications/{id}/approve", response=STEP_RESPONSES, summary="乡镇审批同意（乡镇综治中心/平安办）")
def approve(request, id: int, body: ApproveIn):
    """超出本年度基金余额的审批须 budget_override=true 并填写 override_reason，否则返回422。"""
    values = body.model_dump()
    values["budget_override"] = "on" if values["budget_override"] else ""
    return _step(request, id, "approve", values)


@router.post("/relief-applications/{id}/reject", response=STEP_RESPONSES, summary="乡镇不予救助（乡镇综治中心/平安办）")
def reject(request, id: int, body: RejectIn):
    return _step(request, id, "reject", body.model_dump())


@router.post("/relief-applications/{id}/admit", response=STEP_RESPONSES,
             summary="定点医院登记入院与费用（乡镇卫生院精防人员代办）")
def admit(request, id: int, body: AdmitIn):
    """医保报销 + 救助基金支付 + 个人自付 = 住院总费用；救助基金支付不超过乡镇审批金额和所批救助方式的比例。"""
    return _step(request, id, "admit", body.model_dump())


@router.post("/relief-applications/{id}/close", response=STEP_RESPONSES, summary="存档（乡镇卫生院精防人员代办）")
def close(request, id: int, body: ReliefCloseIn):
    return _step(request, id, "close", body.model_dump())


# ---- fund and summary -------------------------------------------------------------------------------

class LedgerOut(Schema):
    id: int
    at: dt.datetime
    kind: str
    kind_label: str
    amount: Decimal
    application_id: int | None = Field(None, description="辖区外的申请不显示编号")
    note: str


class FundOut(Schema):
    county_code: str
    year: int
    budget_yuan: Decimal
    held: Decimal
    paid: Decimal
    remaining: Decimal
    self_paid_percent: Decimal | None = Field(None, description="已办理入院的救助对象：个人自付合计 ÷ 住院总费用合计（%）")
    note: str
    entries: list[LedgerOut]


class BudgetIn(Closed):
    budget_yuan: Decimal = Field(..., ge=0, max_digits=12, decimal_places=2)
    note: str = Field("", max_length=200)


def _fund(request, fund) -> dict:
    visible = set(selectors.applications_for(request.user).values_list("pk", flat=True))
    t = services_relief.fund_totals(fund)
    entries = [{"id": e.pk, "at": e.at, "kind": e.kind, "kind_label": e.get_kind_display(), "amount": e.amount,
                "application_id": e.application_id if e.application_id in visible else None,
                "note": e.note if e.application_id in visible else ""} for e in fund.entries.all()]
    return {"county_code": fund.county_id, "year": fund.year, "budget_yuan": t["budget"], "held": t["held"],
            "paid": t["paid"], "remaining": t["remaining"], "self_paid_percent": t["self_paid_percent"],
            "note": fund.note, "entries": entries}


def _fund_year(year: int) -> int:
    """The pages' range: a fund row is made on first look, so a year outside it is refused (422)."""
    if not 2000 <= year <= 2100:
        raise api_support.invalid("year", "应为2000至2100年")
    return year


@router.get("/relief-funds", response={200: FundOut, 403: Problem, 422: Problem}, summary="住院救助基金与台账")
def get_fund(request, county_code: str = "", year: api_support.optional_int_within(2000, 2100) = None):
    """县（区）年度预算（缺省取自政策配置）、审批占用、已支出、余额与逐笔台账。"""
    need(request, permissions.FUND_VIEW, "fund")
    county = selectors.county_for(request, county_code)
    fund = services_relief.fund_for(county.code, _fund_year(year or clock.today().year))
    audit.record_request(request, "list", target=f"fund:{fund.pk}")
    return _fund(request, fund)


@router.put("/relief-funds/{county_code}/{year}", response={200: FundOut, 403: Problem, 422: Problem},
            summary="调整年度预算（县级卫生健康部门）")
def put_budget(request, county_code: str, year: int, body: BudgetIn):
    county = selectors.county_for(request, county_code, action="update")
    fund = services_relief.fund_for(county.code, _fund_year(year))
    fund = services_relief.set_budget(request.user, fund, {"budget_yuan": body.budget_yuan, "note": body.note},
                                      request=request)
    return _fund(request, fund)


class SummaryRow(Schema):
    township_code: str
    filed: int
    approved: int
    approved_amount: Decimal
    by_option: dict[str, dict]
    rejected: int
    admitted: int
    total_cost: Decimal
    paid: Decimal


class SummaryQuery(Schema):
    year: int = Field(..., ge=2000, le=2100)
    quarter: int = Field(..., ge=1, le=4)


@router.get("/relief-summary", response={200: list[SummaryRow], 403: Problem}, summary="住院救助季度汇总")
def summary(request, q: Query[SummaryQuery]):
    """按乡镇：本季度提交、审批同意（件数、金额、各救助方式）、不予救助、定点医院办理与基金支付。"""
    year, quarter = q.year, q.quarter
    need(request, permissions.SUMMARY_VIEW, "relief_summary")
    _, cfg = services_relief.fund_config_of_region(request.user.region_id)
    rows = services_relief.quarterly(selectors.applications_for(request.user), year, quarter,
                                     cfg.options if cfg else ())
    audit.record_request(request, "list", target="relief_summary", detail={"count": len(rows)})
    return [{**{k: v for k, v in r.items() if k not in ("township", "by_option")}, "township_code": r["township"],
             "by_option": {c: {"count": n, "amount": a} for c, (n, a) in r["by_option"].items()}} for r in rows]

