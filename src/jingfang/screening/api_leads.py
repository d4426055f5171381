"""API: suspected cases (疑似患者线索). Reads through screening.selectors, writes through services_leads.

Out of jurisdiction is a 404 identical to a missing lead, and audited. Illegal workflow steps are 409
with a Chinese message; bad input 422 ``{"errors": [{field, message}]}``.
"""

import datetime as dt
from typing import Annotated, Literal

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import HttpError

from jingfang.accounts import roles
from jingfang.audit import log as audit
from jingfang.core import api_support, masking
from jingfang.core import vocab as core_vocab
from jingfang.core.formdata import to_form_data
from jingfang.exports import volume
from jingfang.registry.api import PatientFields

from . import selectors, services_leads, vocab
from .permissions import VIEW_SCREENING, can

router = Router(tags=["摸排筛查：疑似线索"])
Closed = api_support.ClosedSchema
Problem = api_support.Problem
Sign = Annotated[int, Field(ge=1, le=9)]


def one_of(mapping: dict, blank: bool = False):
    keys = tuple(mapping)
    return Literal[("", *keys)] if blank else Literal[keys]


def require_view(request: HttpRequest, target: str) -> None:
    if not can(request.user, VIEW_SCREENING):
        audit.record_request(request, "list", outcome="denied", target=target)
        raise HttpError(403, "您的角色无权访问摸排筛查")


class LeadIn(Closed):
    name: str = Field(..., max_length=50, description="姓名")
    id_number: str = Field("", max_length=30, description="身份证号（选填；填写则校验并推算出生日期、性别）")
    sex: one_of(core_vocab.SEXES, blank=True) = Field("", description="性别（无身份证号时必填）")
    birth_date: dt.date | None = Field(None, description="出生日期（无身份证号时必填，可估计）")
    phone: str = Field("", max_length=20)
    region_code: str = Field(..., max_length=12, description="所在村（社区）12位区划代码，须在调用者辖区内")
    address: str = Field("", max_length=200)
    guardian_name: str = Field("", max_length=50)
    guardian_relation: one_of(core_vocab.GUARDIAN_RELATIONS, blank=True) = ""
    guardian_phone: str = Field("", max_length=20)
    signs: list[Sign] = Field(..., min_length=1, max_length=9,
                              description="精神行为异常识别清单①-⑨的编号（齐云山镇2024，三（二）），至少一项")
    source: one_of(vocab.SOURCES) = Field(..., description="发现途径")
    dangerous: bool = Field(False, description="有伤害自身或危害他人安全的行为（公安机关制止并送医诊断）")
    found_on: dt.date | None = Field(None, description="发现日期，默认今天")
    reporter_name: str = Field("", max_length=50, description="报告人姓名，默认调用者")
    reporter_unit: str = Field("", max_length=100)
    notes: str = Field("", max_length=2000)
    allow_duplicates: bool = Field(False, description="已核对可能重复的档案/线索后仍要登记（否则返回409及重复清单）")


class ReferIn(Closed):
    referred_to: str = Field(..., max_length=100, description="转诊的精神卫生医疗机构")
    referred_on: dt.date | None = Field(None, description="转诊日期，默认今天")
    referral_note: str = Field("", max_length=200)


class ExcludeIn(Closed):
    exclusion_reason: str = Field(..., max_length=200, description="排除原因")
    concluded_on: dt.date | None = Field(None, description="排除日期，默认今天")


class LeadFilters(Schema):
    state: Literal["", "open", *vocab.LEAD_STATES] = Field("", description="状态；open 为未办结")
    region_code: str = Field("", max_length=12)
    source: one_of(vocab.SOURCES, blank=True) = ""
    dangerous: api_support.OptionalBool = None
    page: api_support.Page = None
    page_size: api_support.PageSize = None


class LeadSummary(Schema):
    id: int
    name: str
    sex: str
    birth_date: dt.date | None
    id_number_masked: str
    region_code: str
    region_name: str
    signs: list[int]
    source: str
    source_label: str
    dangerous: bool
    found_on: dt.date
    state: str
    state_label: str
    referred_on: dt.date | None
    patient_id: int | None


class LeadDetail(LeadSummary):
    phone_masked: str
    address: str
    guardian_name: str
    guardian_relation: str
    guardian_phone_masked: str
    sign_labels: list[str]
    notes: str
    reporter_name: str
    reporter_unit: str
    referred_to: str
    referral_note: str
    concluded_on: dt.date | None
    exclusion_reason: str
    allowed_transitions: list[str]
    alert: str | None = Field(None, description="有危害行为且未办结时的提示")


class LeadPage(Schema):
    count: int
    items: list[LeadSummary]


def summary(lead) -> dict:
    return {
        "id": lead.pk, "name": lead.name, "sex": lead.sex, "birth_date": lead.birth_date,
        "id_number_masked": masking.mask_id_number(lead.id_number), "region_code": lead.region_id,
        "region_name": lead.region.name, "signs": sorted(lead.signs), "source": lead.source,
        "source_label": lead.get_source_display(), "dangerous": lead.dangerous, "found_on": lead.found_on,
        "state": lead.state, "state_label": lead.get_state_display(), "referred_on": lead.referred_on,
        "patient_id": lead.patient_id,
    }


def detail(lead, user) -> dict:
    return {
        **summary(lead), "phone_masked": masking.mask_phone(lead.phone), "address": lead.address,
        "guardian_name": lead.guardian_name, "guardian_relation": lead.guardian_relation,
        "guardian_phone_masked": masking.mask_phone(lead.guardian_phone), "sign_labels": lead.sign_labels,
        "notes": lead.notes, "reporter_name": lead.reporter_name, "reporter_unit": lead.reporter_unit,
        "referred_to": lead.referred_to, "referral_note": lead.referral_note, "concluded_on": lead.concluded_on,
        "exclusion_reason": lead.exclusion_reason,
        "allowed_transitions": services_leads.allowed_transitions(lead, user),
        "alert": "有伤害自身或危害他人安全的行为：公安机关应予制止并送医诊断" if lead.dangerous and lead.is_open else None,
    }


form_data = to_form_data

@router.get("/leads", response=LeadPage, summary="疑似线索列表")
def list_leads(request, filters: Query[LeadFilters]):
    """只返回调用者辖区内的线索；审计只记筛选项名称与条数。"""
    require_view(request, "leads")
    given = filters.model_dump(exclude={"page", "page_size"})
    given["region_code"] = given["region_code"].strip()
    count, leads = api_support.paginate(selectors.search_leads(request.user, **given), filters.page,
                                        filters.page_size)
    used = sorted(k for k, v in given.items() if v not in ("", None))
    volume.check_api_page(request, len(leads), action="search" if used else "list", target="leads")
    audit.record_request(request, "search" if used else "list", target="leads",
                         detail={"count": count, "filters": used})
    return {"count": count, "items": [summary(lead) for lead in leads]}


@router.post("/leads", response={201: LeadDetail, 403: Problem, 409: dict, 422: Problem}, summary="登记疑似线索")
def create_lead(request, payload: LeadIn):
    """可能重复（同一身份证号的档案或未办结线索，或姓名+出生日期+村相同）时返回409及 duplicates 清单；
    核对后带 allow_duplicates=true 重新提交。辖区外的档案只告知乡镇卫生院精防人员和村医（每日核对额度内，
    只说明“该身份证号已在其他辖区建档”；超出额度为“需县级核实”，不阻止登记），其他角色不告知。"""
    values = payload.model_dump()
    allow = values.pop("allow_duplicates")
    lead = services_leads.create_lead(request.user, form_data(values), allow_duplicates=allow, request=request)
    return Status(201, detail(lead, request.user))


@router.get("/leads/{id}", response=LeadDetail, summary="疑似线索详情")
def get_lead(request, id: int):
    """不存在与不在辖区内一律返回同样的404，并记入审计。"""
    return detail(selectors.get_lead_for(request, id), request.user)


@router.post("/leads/{id}/refer", response={200: LeadDetail, 403: Problem, 409: dict, 422: Problem},
             summary="转诊诊断")
def refer_lead(request, id: int, payload: ReferIn):
    """已报告 → 已转诊。其他状态返回409并说明原因。"""
    lead = selectors.get_lead_for(request, id, action="status", audit_success=False)
    lead = services_leads.refer(request.user, lead, form_data(payload.model_dump()), request=request)
    return detail(lead, request.user)


@router.post("/leads/{id}/exclude", response={200: LeadDetail, 403: Problem, 409: dict, 422: Problem},
             summary="排除")
def exclude_lead(request, id: int, payload: ExcludeIn):
    """已报告或已转诊 → 已排除（须写明原因）。已确诊或已排除的返回409。"""
    lead = selectors.get_lead_for(request, id, action="status", audit_success=False)
    lead = services_leads.exclude(request.user, lead, form_data(payload.model_dump()), request=request)
    return detail(lead, request.user)


@router.post("/leads/{id}/confirm", response={200: LeadDetail, 403: Problem, 409: dict, 422: Problem},
             summary="确诊建档")
def confirm_lead(request, id: int, payload: PatientFields):
    """已转诊 → 已确诊建档：以请求体（字段同 POST /patients）建立患者档案，未给出的姓名、身份证号、电话、村、
    住址、监护人取自线索；成功返回线索及 patient_id。未转诊的返回409。"""
    lead = selectors.get_lead_for(request, id, action="status", audit_success=False)
    defaults, guardian = services_leads.patient_defaults(lead)
    data = {k: v for k, v in defaults.items() if roles.visible(request.user.role, k)}
    body = payload.model_dump(exclude_unset=True)
    guardian = body.pop("guardian", None) or guardian
    acts = body.pop("past_dangerous_acts", None) or {}
    data.update(body)
    data.update({f"acts_{k}": v for k, v in acts.items() if v is not None})
    lead, _ = services_leads.confirm(request.user, lead, data, guardian, request=request)
    return detail(lead, request.user)
