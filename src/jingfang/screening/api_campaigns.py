"""API: screening campaigns (摸排, 当阳乡2022). Scoped like the pages: a campaign outside the caller's
jurisdiction is a 404 identical to a missing one, audited; each caller sees only their villages' persons."""

import datetime as dt
from typing import Literal

from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import HttpError

from jingfang.audit import log as audit
from jingfang.core import api_support, masking
from jingfang.core import vocab as core_vocab
from jingfang.exports import guard, volume

from . import selectors, services_campaigns, vocab
from .api_leads import form_data, one_of, require_view
from .permissions import EXPORT, can
from .views_campaigns import phase_rows

router = Router(tags=["摸排筛查：摸排行动"])
Closed = api_support.ClosedSchema
Problem = api_support.Problem


class PhaseIn(Closed):
    phase: one_of(vocab.PHASES) = Field(..., description="plan 制定方案 / implement 组织实施 / fill_gaps 查漏补缺 / consolidate 巩固提升")
    start: dt.date
    end: dt.date


class CampaignIn(Closed):
    name: str = Field(..., max_length=100)
    risk_since: dt.date = Field(..., description="第一类对象：此日期以来危险性评估曾在3级（含）以上的")
    notes: str = Field("", max_length=2000)
    phases: list[PhaseIn] = Field(..., min_length=4, max_length=4, description="四个阶段，按顺序且不重叠")


class ListingIn(Closed):
    group: one_of(vocab.GROUPS) = Field(..., description="六类摸排对象之一")
    name: str = Field(..., max_length=50)
    id_number: str = Field("", max_length=30, description="有则按身份证号去重")
    sex: one_of(core_vocab.SEXES, blank=True) = ""
    birth_date: dt.date | None = Field(None, description="无身份证号时必填（按姓名+出生日期+村去重）")
    region_code: str = Field(..., max_length=12, description="所在村（社区），须在调用者辖区和摸排范围内")
    address: str = Field("", max_length=200)
    whereabouts: one_of(core_vocab.STATUSES, blank=True) = Field("", description="去向分类")
    whereabouts_detail: str = Field("", max_length=32, description="去向细分")
    note: str = Field("", max_length=200)


class ImportIn(Closed):
    group: one_of(vocab.GROUPS)


class PersonIn(Closed):
    """Only the given keys change."""

    whereabouts: one_of(core_vocab.STATUSES, blank=True) = ""
    whereabouts_detail: str = Field("", max_length=32)
    assessment_result: one_of(vocab.ASSESSMENT_RESULTS, blank=True) = Field("", description="诊断评估结果")
    assessed_on: dt.date | None = None


class PersonFilters(Schema):
    region_code: str = Field("", max_length=12)
    group: one_of(vocab.GROUPS, blank=True) = ""
    department: one_of(vocab.DEPARTMENTS, blank=True) = ""
    whereabouts: Literal["", "none", *core_vocab.STATUSES] = ""
    progress: Literal["", "not_assessed", "to_enter", "entered"] = ""
    page: api_support.Page = None
    page_size: api_support.PageSize = None


class PhaseOut(Schema):
    phase: str
    label: str
    start: dt.date
    end: dt.date
    state: Literal["done", "current", "future"]


class Counts(Schema):
    listed: int
    assessed: int
    confirmed: int
    entered: int


class VillageProgress(Counts):
    code: str
    name: str


class Progress(Schema):
    villages: list[VillageProgress]
    totals: Counts


class CampaignSummary(Schema):
    id: int
    name: str
    region_code: str
    region_name: str
    risk_since: dt.date
    phases: list[PhaseOut]
    current_phase: str | None


class CampaignDetail(CampaignSummary):
    notes: str
    groups: dict[str, str]
    progress: Progress


class PersonOut(Schema):
    id: int
    name: str
    sex: str
    birth_date: dt.date | None
    id_number_masked: str
    region_code: str
    region_name: str
    groups: list[str]
    departments: list[str]
    whereabouts: str
    whereabouts_detail: str
    whereabouts_label: str
    assessed: bool
    assessment_result: str
    assessed_on: dt.date | None
    entered: bool
    patient_id: int | None


class PersonPage(Schema):
    count: int
    items: list[PersonOut]


class ListingOut(Schema):
    merged: bool = Field(..., description="true：此人已由其他部门或类别列报，已合并为同一人")
    person: PersonOut


class ReportGroup(Schema):
    status: str
    detail: str
    label: str
    count: int
    persons: list[PersonOut]


class CampaignReportOut(Schema):
    campaign_id: int
    campaign_name: str
    confidential: str
    report_to: str
    generated_at: dt.datetime
    total: int
    groups: list[ReportGroup]


def campaign_summary(c) -> dict:
    phases = phase_rows(c)
    current = next((p["code"] for p in phases if p["state"] == "current"), None)
    return {"id": c.pk, "name": c.name, "region_code": c.region_id, "region_name": c.region.name,
            "risk_since": c.risk_since, "current_phase": current,
            "phases": [{"phase": p["code"], **{k: p[k] for k in ("label", "start", "end", "state")}} for p in phases]}


def campaign_detail(request, c) -> dict:
    return {**campaign_summary(c), "notes": c.notes,
            "groups": {k: vocab.group_label(k, c.risk_since) for k in vocab.GROUPS},
            "progress": selectors.progress(request.user, c)}


def person_data(p) -> dict:
    listings = list(p.listings.all())
    return {
        "id": p.pk, "name": p.name, "sex": p.sex, "birth_date": p.birth_date,
        "id_number_masked": masking.mask_id_number(p.id_number), "region_code": p.region_id,
        "region_name": p.region.name,
        "groups": [g for g in vocab.GROUPS if any(x.group == g for x in listings)],
        "departments": [d for d in vocab.DEPARTMENTS if any(x.department == d for x in listings)],
        "whereabouts": p.whereabouts, "whereabouts_detail": p.whereabouts_detail,
        "whereabouts_label": p.whereabouts_label, "assessed": p.assessed, "assessment_result": p.assessment_result,
        "assessed_on": p.assessed_on, "entered": p.entered, "patient_id": p.patient_id,
    }


@router.get("/campaigns", response=list[CampaignSummary], summary="摸排行动列表")
def list_campaigns(request):
    require_view(request, "campaigns")
    campaigns = list(selectors.campaigns_for(request.user).prefetch_related("phases"))
    audit.record_request(request, "list", target="campaigns", detail={"count": len(campaigns)})
    return [campaign_summary(c) for c in campaigns]


@router.post("/campaigns", response={201: CampaignDetail, 403: Problem, 422: Problem}, summary="新建摸排行动")
def create_campaign(request, payload: CampaignIn):
    """范围为调用者所在区划；四个阶段须齐全、按顺序、互不重叠（当阳乡2022，三）。"""
    values = payload.model_dump()
    phases = values.pop("phases")
    data = form_data(values)
    for p in phases:
        data[f"{p['phase']}_start"], data[f"{p['phase']}_end"] = p["start"].isoformat(), p["end"].isoformat()
    campaign = services_campaigns.create_campaign(request.user, data, request=request)
    return Status(201, campaign_detail(request, campaign))


@router.get("/campaigns/{id}", response=CampaignDetail, summary="摸排行动详情（含各村进度）")
def get_campaign(request, id: int):
    """进度只统计调用者辖区内的村。辖区外与不存在一律404，并记入审计。"""
    return campaign_detail(request, selectors.get_campaign_for(request, id))


@router.get("/campaigns/{id}/persons", response=PersonPage, summary="摸排名单")
def list_persons(request, id: int, filters: Query[PersonFilters]):
    campaign = selectors.get_campaign_for(request, id, audit_success=False)
    given = filters.model_dump(exclude={"page", "page_size"})
    count, persons = api_support.paginate(selectors.search_persons(request.user, campaign, **given),
                                          filters.page, filters.page_size)
    used = sorted(k for k, v in given.items() if v)
    volume.check_api_page(request, len(persons), action="search" if used else "list",
                          target=f"campaign:{campaign.pk}")
    audit.record_request(request, "search" if used else "list", target=f"campaign:{campaign.pk}",
                         detail={"count": count, "filters": used})
    return {"count": count, "items": [person_data(p) for p in persons]}


@router.post("/campaigns/{id}/listings", response={200: ListingOut, 201: ListingOut, 403: Problem, 422: Problem},
             summary="列报人员")
def add_listing(request, id: int, payload: ListingIn):
    """以调用者角色对应的部门列报。同一人（身份证号相同，或无身份证号时姓名+出生日期+村相同）只保留一条，
    合并各部门的列报（返回200、merged=true）；新列入返回201。"""
    campaign = selectors.get_campaign_for(request, id, action="create", audit_success=False)
    person, created = services_campaigns.add_listing(request.user, campaign, form_data(payload.model_dump()),
                                                     request=request)
    person = selectors.persons_for(request.user, campaign).get(pk=person.pk)
    return Status(201 if created else 200, {"merged": not created, "person": person_data(person)})


@router.post("/campaigns/{id}/import", response={200: dict, 403: Problem, 422: Problem}, summary="从档案导入")
def import_group(request, id: int, payload: ImportIn):
    """按档案已有信息列出某类对象的候选人员（第四类无档案数据）；返回新增与合并人数。"""
    campaign = selectors.get_campaign_for(request, id, action="import", audit_success=False)
    return services_campaigns.import_from_files(request.user, campaign, payload.group, request=request)


@router.post("/campaigns/{id}/persons/{person_id}", response={200: PersonOut, 403: Problem, 422: Problem},
             summary="记录去向与诊断评估结果")
def update_person(request, id: int, person_id: int, payload: PersonIn):
    campaign = selectors.get_campaign_for(request, id, action="update", audit_success=False)
    person = selectors.get_person_for(request, campaign, person_id, action="update")
    services_campaigns.update_person(request.user, campaign, person, form_data(payload.model_dump(exclude_unset=True)),
                                     request=request)
    return person_data(selectors.persons_for(request.user, campaign).get(pk=person.pk))


@router.get("/campaigns/{id}/report", response={200: CampaignReportOut, 403: Problem, 404: api_support.Detail},
            summary="上报名单（按去向分类）")
@guard.export_view
def report(request, id: int, approval: str = ""):
    """按去向分类汇总的摸排名单（报县司法局、公安机关、卫健部门），内部资料，注意保密；审计不记姓名。
    超过导出审批行数时返回403（approval_required、request_id），经审批后带 ?approval={id} 再取一次。"""
    if not can(request.user, EXPORT):  # as the page's xlsx: the report is an export
        audit.record_request(request, "export", outcome="denied", target=f"campaign:{id}:report")
        raise HttpError(403, "您的角色无权导出摸排名单")
    campaign = selectors.get_campaign_for(request, id, action="export", audit_success=False)
    groups = services_campaigns.report_groups(request.user, campaign)
    total = sum(len(g["persons"]) for g in groups)
    gate = guard.gate(request, count=total, title=f"{campaign.name}摸排名单", api=True,
                      target=f"campaign:{campaign.pk}:report")
    if gate.response is not None or (refusal := gate.finish(f"campaign:{campaign.pk}:report")) is not None:
        return gate.response or refusal
    return {
        "campaign_id": campaign.pk, "campaign_name": campaign.name, "confidential": vocab.CONFIDENTIAL,
        "report_to": vocab.REPORT_TO, "generated_at": timezone.now(), "total": total,
        "groups": [{"status": g["status"], "detail": g["detail"], "label": g["label"], "count": len(g["persons"]),
                    "persons": [person_data(p) for p in g["persons"]]} for g in groups],
    }


