"""API: treatment cost episodes (医疗费用负担, 薛城区2016 一（二）3, 二（三）1) and the poor patients with the
highest burden. Health staff and civil affairs only, within their jurisdiction: an episode or patient
outside it is a 404 like a missing one; other roles get 403."""

import datetime as dt
from decimal import Decimal
from typing import Annotated, Literal

from ninja import Field, Router, Schema, Status
from pydantic import WithJsonSchema

from jingfang.audit import log as audit
from jingfang.core import api_support, clock
from jingfang.exports import volume
from jingfang.regions import codes
from jingfang.registry import selectors as patient_selectors

from . import costs, permissions, selectors, vocab
from .api_rewards import need

router = Router(tags=["医疗费用负担"])
Closed, Problem = api_support.ClosedSchema, api_support.Problem
MONEY = {"ge": 0, "max_digits": 12, "decimal_places": 2}


class CostFields(Closed):
    hospital: str | None = Field(None, max_length=100, description="医疗机构；关联住院救助申请时缺省取自申请")
    start: dt.date | None = Field(None, description="就诊（入院）日期；关联住院救助申请时缺省取自申请")
    end: dt.date | None = Field(None, description="出院日期（住院）")
    total_cost: Decimal | None = Field(None, **MONEY, description="医疗总费用（元）；关联住院救助申请时缺省取自申请")
    policy_cost: Decimal | None = Field(None, **MONEY, description="政策范围内费用（元，仅住院）")
    insurance_paid: Decimal | None = Field(None, **MONEY, description="基本医疗保险支付（元）")
    serious_illness_paid: Decimal | None = Field(None, **MONEY, description="大病保险支付（元）")
    assistance_paid: Decimal | None = Field(None, **MONEY, description="民政医疗救助（元）")
    relief_paid: Decimal | None = Field(None, **MONEY, description="救助基金支付（元）；关联住院救助申请时取自申请，不可填写")
    dpf_paid: Decimal | None = Field(None, **MONEY, description="残联补助（元）")
    other_paid: Decimal | None = Field(None, **MONEY, description="其他（慈善等）支付（元）")
    note: str | None = Field(None, max_length=200)


class CostIn(CostFields):
    patient_id: int
    kind: Literal[tuple(vocab.EPISODE_KINDS)] | None = Field(None, description="门诊 outpatient / 住院 inpatient；关联住院救助申请时为住院")
    relief_id: int | None = Field(None, description="该患者已办理入院的住院救助申请（其费用与救助基金支付不再重复填写）")


class CostPatch(CostFields):
    kind: Literal[tuple(vocab.EPISODE_KINDS)] | None = None


class CostOut(Schema):
    id: int
    patient_id: int
    patient_name: str
    region_code: str
    kind: str
    kind_label: str
    relief_id: int | None
    hospital: str | None = Field(None, description="医疗机构；仅卫生健康角色可见（民政不含此键）")
    start: dt.date
    end: dt.date | None
    total_cost: Decimal
    policy_cost: Decimal | None
    insurance_paid: Decimal
    serious_illness_paid: Decimal
    assistance_paid: Decimal
    relief_paid: Decimal
    dpf_paid: Decimal
    other_paid: Decimal
    self_paid: Decimal = Field(..., description="个人自付 = 总费用 − 各项支付（计算所得）")
    self_paid_percent: Decimal | None
    poor: bool = Field(..., description="就诊（入院）时为贫困患者（低保、特困、建档立卡或经济状况为贫困）")
    note: str | None = Field(None, description="说明；仅卫生健康角色可见（民政不含此键）")
    updated_at: dt.datetime


class CostPage(Schema):
    count: int
    items: list[CostOut]


class BurdenRow(Schema):
    patient_id: int
    name: str
    region_code: str
    episodes: int
    total: Decimal
    self_paid: Decimal
    percent: Decimal | None


def _out(e, poor: bool, user) -> dict:
    data = {"id": e.pk, "patient_id": e.patient_id, "patient_name": e.patient.name, "region_code": e.patient.region_id,
            "kind": e.kind, "kind_label": e.get_kind_display(), "relief_id": e.relief_id,
            "start": e.start, "end": e.end, "total_cost": e.total_cost, "policy_cost": e.policy_cost,
            **e.payments(), "self_paid": e.self_paid, "self_paid_percent": e.self_paid_percent, "poor": poor,
            "updated_at": e.updated_at}
    if permissions.sees_cost_details(user):  # never as a key for the others
        data.update({f: getattr(e, f) for f in permissions.COSTS_HEALTH_FIELDS})
    return data


def _one(e, user) -> dict:
    return _out(e, costs.poor_flags([e])[e.pk], user)


def _form_data(values: dict) -> dict:
    out = {}
    for key, value in values.items():
        if key == "relief_paid":
            key = "own_relief_paid"
        if key == "relief_id":
            out[key] = value
        else:
            out[key] = "" if value is None else (value.isoformat() if isinstance(value, dt.date) else str(value))
    return out


@router.get("/cost-episodes", response={200: CostPage, 403: Problem, 422: Problem}, exclude_unset=True,
            summary="医疗费用记录列表")
def list_episodes(request, region_code: str = "", year: api_support.optional_int_within(2000, 2100) = None,
                  kind: Annotated[str, WithJsonSchema({"type": "string", "enum": ["", *vocab.EPISODE_KINDS]})] = "",
                  page: api_support.Page = None, page_size: api_support.PageSize = None):
    need(request, permissions.COSTS_VIEW, "costs")
    year = api_support.checked_year(year)
    if kind and kind not in vocab.EPISODE_KINDS:
        raise api_support.invalid("kind", f"应为 {'、'.join(vocab.EPISODE_KINDS)} 之一")
    if region_code and not codes.is_valid_code(region_code):
        raise api_support.invalid("region_code", "应为12位区划代码")
    qs = costs.filter_episodes(costs.episodes_for(request.user), region_code=region_code, year=year, kind=kind)
    count, items = api_support.paginate(qs, page, page_size)
    volume.check_api_page(request, len(items), action="list", target="costs")
    audit.record_request(request, "list", target="costs", detail={"count": count})
    poor = costs.poor_flags(items)
    return {"count": count, "items": [_out(e, poor[e.pk], request.user) for e in items]}


@router.post("/cost-episodes", response={201: CostOut, 403: Problem, 422: Problem}, exclude_unset=True,
             summary="登记医疗费用")
def create_episode(request, body: CostIn):
    """个人自付由系统计算；各项支付合计超过总费用时返回422并指明字段。"""
    patient = patient_selectors.get_patient_for(request, body.patient_id, action="create", audit_success=False)
    values = body.model_dump(exclude={"patient_id"}, exclude_none=True)
    if body.relief_id is not None and body.relief_paid is not None:
        raise api_support.invalid("relief_paid", "关联住院救助申请时，救助基金支付取自申请，不可填写")
    e = costs.save_episode(request.user, patient, _form_data(values), request=request)
    return Status(201, _one(e, request.user))


@router.get("/cost-episodes/{id}", response={200: CostOut, 403: Problem}, exclude_unset=True, summary="医疗费用记录")
def get_episode(request, id: int):
    e = selectors.get_episode_for(request, id, audit_success=False)
    need(request, permissions.COSTS_VIEW, f"cost:{id}")
    audit.record_request(request, "view", patient_id=e.patient_id, target=f"cost:{e.pk}")
    return _one(e, request.user)


@router.patch("/cost-episodes/{id}", response={200: CostOut, 403: Problem, 422: Problem}, exclude_unset=True,
              summary="修改医疗费用")
def update_episode(request, id: int, body: CostPatch):
    e = selectors.get_episode_for(request, id, action="update", audit_success=False)
    need(request, permissions.COSTS_VIEW, f"cost:{id}")
    changes = body.model_dump(exclude_unset=True)
    if e.relief_id is not None and "relief_paid" in changes:
        raise api_support.invalid("relief_paid", "关联住院救助申请时，救助基金支付取自申请，不可填写")
    current = {f: getattr(e, f) for f in ("kind", "hospital", "start", "end", "total_cost", "policy_cost",
                                          "insurance_paid", "serious_illness_paid", "assistance_paid", "dpf_paid",
                                          "other_paid", "note")}
    current["relief_paid"] = e.own_relief_paid
    current.update(changes)
    e = costs.save_episode(request.user, e.patient, _form_data(current), e, request=request)
    return _one(e, request.user)


@router.delete("/cost-episodes/{id}", response={204: None, 403: Problem}, summary="删除登记错误的医疗费用记录")
def delete_episode(request, id: int):
    e = selectors.get_episode_for(request, id, action="update", audit_success=False)
    need(request, permissions.COSTS_VIEW, f"cost:{id}")
    costs.delete_episode(request.user, e, request=request)
    return Status(204, None)


@router.get("/cost-burden", response={200: list[BurdenRow], 403: Problem, 422: Problem},
            summary="费用负担较重的贫困患者")
def burden(request, year: api_support.optional_int_within(2000, 2100) = None, region_code: str = ""):
    """年度内个人自付金额最高的贫困患者（至多50人），供民政部门跟进救助。"""
    need(request, permissions.COSTS_VIEW, "cost_burden")
    year = api_support.checked_year(year)
    if region_code and not codes.is_valid_code(region_code):
        raise api_support.invalid("region_code", "应为12位区划代码")
    rows = costs.burden_rows(request.user, year=year or clock.today().year, region_code=region_code)
    volume.check_api_page(request, len(rows), action="list", target="cost_burden")
    audit.record_request(request, "list", target="cost_burden", detail={"count": len(rows)})
    return [{"patient_id": r["patient_id"], "name": r["p"].name, "region_code": r["p"].region_id,
             "episodes": r["episodes"], "total": r["total"], "self_paid": r["self_paid"], "percent": r["percent"]}
            for r in rows]
