"""API: guardian reward runs, the liability-insurance roster, benefits and the benefit gaps.

Scoped like the pages: a run, township, patient or benefit outside the caller's jurisdiction is a
404 identical to a missing one (audited "denied"); the right row with the wrong role is a 403.
"""

import datetime as dt
from decimal import Decimal
from typing import Annotated, Literal

from ninja import Field, Query, Router, Schema, Status
from pydantic import WithJsonSchema

from jingfang.accounts import roles
from jingfang.audit import log as audit
from jingfang.core import api_support, clock, errors
from jingfang.registry import selectors as patient_selectors

from . import benefits, permissions, rewards, selectors, services_rewards, vocab

router = Router(tags=["监护人以奖代补、责任险与救助帮扶待遇"])
Closed, Problem = api_support.ClosedSchema, api_support.Problem


def forbid(request, what: str, message: str):
    audit.record_request(request, "view", outcome="denied", target=what[:200])
    raise errors.Forbidden(message)


def need(request, role_set, what: str, message: str = "您的角色无权访问此资源") -> None:
    if not permissions.has(request.user, role_set):
        forbid(request, what, message)


# ---- reward runs ------------------------------------------------------------------------------------

class RunIn(Closed):
    township_code: str = Field(..., max_length=12, description="乡镇（街道）12位区划代码")
    year: int = Field(..., ge=2000, le=2100)
    month: int | None = Field(None, ge=1, le=12, description="按月发放时必填；按年发放的配置忽略此项")


class WithholdIn(Closed):
    patient_id: int
    reason: str = Field(..., min_length=1, max_length=200, description="监护人未履行监护职责的情况")


class RunOut(Schema):
    id: int
    township_code: str
    township_name: str
    year: int
    month: int = Field(..., description="0 表示按年度")
    period_label: str
    per: Literal["month", "year"]
    profile_name: str
    amount_yuan: Decimal
    cite: str
    line_count: int
    eligible_count: int
    total_amount: Decimal
    computed_at: dt.datetime | None
    paid_at: dt.datetime | None


class RewardLineOut(Schema):
    patient_id: int
    patient_name: str
    village_code: str
    guardian_id: int | None
    guardian_name: str
    guardian_relation: str
    agreement_id: int | None
    eligible: bool
    amount: Decimal
    covered_months: int
    grounds: list[str]
    grounds_text: str
    problems: list[str]
    withheld_reason: str | None


class RewardRunDetail(RunOut):
    lines: list[RewardLineOut]


class RewardRunPage(Schema):
    count: int
    items: list[RunOut]


def _run(run) -> dict:
    return {"id": run.pk, "township_code": run.township_id, "township_name": run.township.name, "year": run.year,
            "month": run.month, "period_label": run.period_label, "per": run.per, "profile_name": run.profile_name,
            "amount_yuan": run.amount_yuan, "cite": run.cite, "line_count": run.line_count,
            "eligible_count": run.eligible_count, "total_amount": run.total_amount, "computed_at": run.computed_at,
            "paid_at": run.paid_at}


def _run_detail(request, run) -> dict:
    sees = roles.sees_clinical(request.user.role)
    withheld = dict(run.withholds.values_list("patient_id", "reason"))
    min_risk = services_rewards.min_risk_of(run.township_id)
    lines = [{"patient_id": line.patient_id, "patient_name": line.patient_name, "village_code": line.village_code,
              "guardian_id": line.guardian_id, "guardian_name": line.guardian_name,
              "guardian_relation": line.guardian_relation, "agreement_id": line.agreement_id,
              "eligible": line.eligible, "amount": line.amount, "covered_months": line.covered_months,
              "grounds": [g for g in line.grounds if sees or g != "unstable"],
              "grounds_text": rewards.grounds_text(line.grounds, rule_min_risk=min_risk, sees_clinical=sees),
              "problems": line.problems, "withheld_reason": withheld.get(line.patient_id)}
             for line in run.lines.all()]
    return {**_run(run), "lines": lines}


def _get_run(request, id: int, action: str = "view"):
    run = selectors.get_run_for(request, id, action=action)
    need(request, permissions.REWARD_VIEW if action == "view" else permissions.REWARD_MANAGE, f"reward_run:{id}")
    return run


@router.get("/reward-runs", response=RewardRunPage, summary="以奖代补发放批次")
def list_runs(request, township_code: str = "", year: api_support.OptionalInt = None,
              page: api_support.Page = None, page_size: api_support.PageSize = None):
    """调用者辖区内各乡镇的批次（县级督导与乡镇综治中心/平安办）。"""
    need(request, permissions.REWARD_VIEW, "reward_runs")
    qs = selectors.runs_for(request.user)
    if township_code:
        qs = qs.filter(township_id=township_code)
    if year:
        qs = qs.filter(year=year)
    count, items = api_support.paginate(qs, page, page_size)
    audit.record_request(request, "list", target="reward_runs", detail={"count": count})
    return {"count": count, "items": [_run(r) for r in items]}


@router.post("/reward-runs", response={201: RewardRunDetail, 403: Problem, 409: Problem, 422: Problem},
             summary="计算（或重算）一个乡镇一期的以奖代补")
def compute_run(request, body: RunIn):
    """按本地区政策配置的标准与条件计算：按月发放的为该月，按年发放的为该年度（按符合条件的月数折算）。
    已标记发放的批次返回409。仅乡镇综治中心/平安办。"""
    data = {"township": body.township_code, "year": body.year, "month": body.month or ""}
    run = services_rewards.compute_run(request.user, data, request=request)
    return Status(201, _run_detail(request, run))


@router.get("/reward-runs/{id}", response={200: RewardRunDetail, 403: Problem}, summary="批次明细（含不予发放原因）")
def get_run(request, id: int):
    run = _get_run(request, id)
    audit.record_request(request, "list", target=f"reward_run:{run.pk}", detail={"count": run.line_count})
    return _run_detail(request, run)


@router.post("/reward-runs/{id}/recompute", response={200: RewardRunDetail, 403: Problem, 409: Problem},
             summary="按最新数据重算")
def recompute_run(request, id: int):
    run = _get_run(request, id, "update")
    return _run_detail(request, services_rewards.recompute(request.user, run, request=request))


@router.post("/reward-runs/{id}/withhold", response={200: RewardRunDetail, 403: Problem, 409: Problem, 422: Problem},
             summary="停发某监护人本期奖补（未履行监护职责）")
def withhold(request, id: int, body: WithholdIn):
    run = _get_run(request, id, "update")
    data = {"patient": body.patient_id, "reason": body.reason}
    return _run_detail(request, services_rewards.withhold(request.user, run, data, request=request))


@router.delete("/reward-runs/{id}/withhold/{patient_id}", response={200: RewardRunDetail, 403: Problem, 409: Problem},
               summary="恢复发放")
def restore(request, id: int, patient_id: int):
    run = _get_run(request, id, "update")
    return _run_detail(request, services_rewards.restore(request.user, run, patient_id, request=request))


@router.post("/reward-runs/{id}/paid", response={200: RewardRunDetail, 403: Problem, 409: Problem},
             summary="标记已发放（此后不再重算）")
def mark_paid(request, id: int):
    run = _get_run(request, id, "update")
    return _run_detail(request, services_rewards.mark_paid(request.user, run, request=request))


# ---- liability insurance ---------------------------------------------------------------------------

class InsuredOut(Schema):
    patient_id: int
    name: str
    village_code: str
    status: str
    registered_on: dt.date


class InsuranceOut(Schema):
    township_code: str
    year: int
    profile: str
    defined: bool = Field(..., description="本地区政策配置是否规定了监护人责任保险")
    cite: str
    premium_per_person: Decimal | None
    township_share_per_person: Decimal | None
    count: int
    total: Decimal | None
    township_total: Decimal | None
    district_total: Decimal | None
    items: list[InsuredOut]


class InsuranceQuery(Schema):
    township_code: str = Field(..., max_length=12, description="乡镇（街道）12位区划代码")
    year: int = Field(..., ge=2000, le=2100)
    page: api_support.Page = None
    page_size: api_support.PageSize = None


@router.get("/liability-insurance", response={200: InsuranceOut, 403: Problem}, summary="监护人责任保险年度名册")
def insurance(request, q: Query[InsuranceQuery]):
    """乡镇辖区内登记在册的全部患者，每人保费与乡镇承担部分（取自政策配置）。"""
    township_code, year = q.township_code, q.year
    township = selectors.get_township_for(request, township_code)
    need(request, permissions.INSURANCE_VIEW, f"insurance:{township.code}")
    d = services_rewards.insurance_roster(request.user, township.code, year)
    audit.record_request(request, "list", target=f"insurance:{township.code}", detail={"count": d["count"]})
    ins = d["insurance"]
    return {"township_code": township.code, "year": year, "profile": d["profile"].name, "defined": ins is not None,
            "cite": ins.cite if ins else "", "premium_per_person": d["premium"],
            "township_share_per_person": d["township_share"], "count": d["count"], "total": d["total"],
            "township_total": d["township_total"], "district_total": d["district_total"],
            "items": [{"patient_id": p.pk, "name": p.name, "village_code": p.region_id, "status": p.status,
                       "registered_on": p.registered_on}
                      for p in api_support.page_of(list(d["patients"]), q.page, q.page_size)]}


# ---- benefits ---------------------------------------------------------------------------------------

BenefitKind = Literal[tuple(vocab.BENEFIT_KINDS)]


class BenefitIn(Closed):
    kind: BenefitKind
    since: dt.date
    until: dt.date | None = None
    scheme: Literal["", "resident", "employee"] = Field("", description="参保类型（仅基本医疗保险）")
    grade: int | None = Field(None, ge=1, le=4, description="残疾等级（仅残疾人证，必填）")
    extreme_poverty: bool = Field(False, description="特别困难（仅低保）")
    amount_yuan: Decimal | None = Field(None, ge=0, max_digits=12, decimal_places=2)
    note: str = Field("", max_length=200)


class BenefitPatch(Closed):
    since: dt.date | None = None
    until: dt.date | None = None
    scheme: Literal["", "resident", "employee"] | None = None
    grade: int | None = Field(None, ge=1, le=4)
    extreme_poverty: bool | None = None
    amount_yuan: Decimal | None = Field(None, ge=0, max_digits=12, decimal_places=2)
    note: str | None = Field(None, max_length=200)


class BenefitOut(Schema):
    id: int
    patient_id: int
    kind: str
    kind_label: str
    since: dt.date
    until: dt.date | None
    active: bool
    scheme: str
    grade: int | None
    extreme_poverty: bool
    amount_yuan: Decimal | None
    note: str
    updated_at: dt.datetime


def _benefit(b) -> dict:
    return {"id": b.pk, "patient_id": b.patient_id, "kind": b.kind, "kind_label": b.get_kind_display(),
            "since": b.since, "until": b.until, "active": b.active_on(clock.today()), "scheme": b.scheme,
            "grade": b.grade, "extreme_poverty": b.extreme_poverty, "amount_yuan": b.amount_yuan, "note": b.note,
            "updated_at": b.updated_at}


def _form_data(values: dict) -> dict:
    out = {k: ("" if v is None else (v.isoformat() if isinstance(v, dt.date) else v)) for k, v in values.items()}
    out["extreme_poverty"] = "on" if values.get("extreme_poverty") else ""
    return out


@router.get("/patients/{id}/benefits", response=list[BenefitOut], summary="患者的救助帮扶待遇")
def list_benefits(request, id: int):
    patient = patient_selectors.get_patient_for(request, id)
    return [_benefit(b) for b in patient.benefits.all()]


@router.post("/patients/{id}/benefits", response={201: BenefitOut, 403: Problem, 422: Problem}, summary="登记待遇")
def create_benefit(request, id: int, body: BenefitIn):
    """各项待遇由主管角色登记（如低保、五保/特困由民政，残疾人证由残联，免费服药由乡镇精防人员）。"""
    patient = patient_selectors.get_patient_for(request, id, action="update", audit_success=False)
    b = benefits.save_benefit(request.user, patient, _form_data(body.model_dump()), request=request)
    return Status(201, _benefit(b))


@router.patch("/benefits/{id}", response={200: BenefitOut, 403: Problem, 422: Problem}, summary="修改待遇")
def update_benefit(request, id: int, body: BenefitPatch):
    b = selectors.get_benefit_by_id(request, id)
    current = {f: getattr(b, f) for f in ("kind", "since", "until", "scheme", "grade", "extreme_poverty",
                                          "amount_yuan", "note")}
    current.update(body.model_dump(exclude_unset=True))
    b = benefits.save_benefit(request.user, b.patient, _form_data(current), b, request=request)
    return _benefit(b)


@router.delete("/benefits/{id}", response={204: None, 403: Problem}, summary="删除登记错误的待遇")
def delete_benefit(request, id: int):
    b = selectors.get_benefit_by_id(request, id)
    benefits.delete_benefit(request.user, b, request=request)
    return Status(204, None)


class GapOut(Schema):
    code: str
    text: str


class GapRow(Schema):
    patient_id: int
    name: str
    region_code: str
    gaps: list[GapOut]


class GapPage(Schema):
    count: int
    items: list[GapRow]


@router.get("/benefit-gaps", response={200: GapPage, 403: Problem}, summary="应享未享待遇的患者")
def benefit_gaps(request, region_code: str = "",
                 gap: Annotated[str, WithJsonSchema({"type": "string", "enum": ["", *benefits.GAP_RULES]})] = "", page: api_support.Page = None,
                 page_size: api_support.PageSize = None):
    """“正在服药未享受免费服药”一项只对卫生健康角色计算。"""
    need(request, permissions.GAPS_VIEW, "benefit_gaps")
    if gap and gap not in benefits.visible_gap_codes(request.user.role):
        raise api_support.invalid("gap", f"应为 {'、'.join(benefits.visible_gap_codes(request.user.role))} 之一")
    rows = benefits.gap_rows(request.user, region_code=region_code, gap=gap)
    p, size = api_support.page_bounds(page, page_size)
    audit.record_request(request, "list", target="benefit_gaps", detail={"count": len(rows)})
    chunk = rows[(p - 1) * size: p * size]
    return {"count": len(rows), "items": [
        {"patient_id": r["p"].pk, "name": r["p"].name, "region_code": r["p"].region_id,
         "gaps": [{"code": c, "text": t} for c, t in zip(r["codes"], r["texts"], strict=True)]} for r in chunk]}
