"""API: incidents (肇事肇祸) and the retrospective review's timeline (倒查)."""

import datetime as dt
from decimal import Decimal
from typing import Literal

from ninja import Field, Query, Router, Schema, Status

from jingfang.audit import log as audit
from jingfang.core import api_support
from jingfang.core.api_support import OptionalBool, OptionalInt
from jingfang.core.vocab import DANGEROUS_ACTS
from jingfang.exports import volume
from jingfang.registry import selectors as patient_selectors

from . import permissions, selectors, services, timeline, vocab

router = Router(tags=["肇事肇祸"])
Closed = api_support.ClosedSchema
Problem = api_support.Problem
Kind = Literal[tuple(DANGEROUS_ACTS)]
KIND_HELP = "；".join(f"{k}：{v}" for k, v in vocab.INCIDENT_DEFINITIONS.items())


class IncidentIn(Closed):
    patient_id: int
    date: dt.date
    place: str = Field(..., max_length=200)
    kind: Kind = Field(..., description=KIND_HELP)
    description: str = Field("", max_length=5000)
    injuries: int = Field(0, ge=0, le=9999, description="受伤人数")
    deaths: int = Field(0, ge=0, le=9999, description="死亡人数")
    property_loss_yuan: Decimal = Field(Decimal(0), ge=0, max_digits=12, decimal_places=2, description="财产损失（元）")
    harm_note: str = Field("", max_length=300)
    police_response: str = Field("", max_length=5000, description="公安出警处置")
    onsite_handling: str = Field("", max_length=5000, description="现场处置（综治办牵头协调）")
    hospital: str = Field("", max_length=100, description="送医机构")
    compulsory: bool = Field(False, description="强制住院/强制医疗")
    aftermath: str = Field("", max_length=5000, description="善后处理")


class IncidentReviewIn(Closed):
    review_findings: str = Field(..., max_length=5000)


class IncidentOut(Schema):
    id: int
    patient_id: int
    patient_name: str
    region_code: str
    date: dt.date
    place: str
    kind: str
    kind_label: str
    kind_definition: str
    description: str
    injuries: int
    deaths: int
    property_loss_yuan: float
    harm_note: str
    police_response: str
    onsite_handling: str
    hospital: str
    compulsory: bool
    aftermath: str
    recorded_at: dt.datetime
    review_findings: str
    reviewed_at: dt.datetime | None


class IncidentPage(Schema):
    count: int
    items: list[IncidentOut]


class IncidentFilters(Schema):
    region_code: str = Field("", max_length=12)
    kind: Kind | Literal[""] = ""
    patient_id: OptionalInt = None
    unreviewed: OptionalBool = Field(None, description="true 只看尚未倒查的事件")
    page: api_support.Page = None
    page_size: api_support.PageSize = None


class EntryOut(Schema):
    date: dt.date
    category: str
    category_label: str
    title: str
    detail: str
    clinical: bool
    clinical_detail: str
    problem: bool = Field(..., description="应做而未做或不利事项")
    url: str


class TimelineOut(Schema):
    incident_id: int
    start: dt.date
    end: dt.date
    summary: dict
    entries: list[EntryOut]


def incident_data(i, user) -> dict:
    """An incident as ``user`` may read it: the hospital and compulsory flag, and the review's findings,
    only for the roles care.permissions names (empty otherwise)."""
    fields = ("date", "place", "kind", "description", "injuries", "deaths", "harm_note", "police_response",
              "onsite_handling", "hospital", "compulsory", "aftermath", "recorded_at", "review_findings", "reviewed_at")
    data = {"id": i.pk, "patient_id": i.patient_id, "patient_name": i.patient.name, "region_code": i.patient.region_id,
            "kind_label": i.get_kind_display(), "kind_definition": i.definition,
            "property_loss_yuan": float(i.property_loss_yuan), **{f: getattr(i, f) for f in fields}}
    if not permissions.sees_incident_hospital(user):
        data["hospital"], data["compulsory"] = "", False
    if not permissions.sees_review_findings(user):
        data["review_findings"] = ""
    return data


@router.get("/incidents", response=IncidentPage, summary="肇事肇祸事件列表")
def list_incidents(request, q: Query[IncidentFilters]):
    """只返回调用者辖区内患者的事件。"""
    if q.patient_id:
        patient_selectors.get_patient_for(request, q.patient_id, audit_success=False)
    filters = {"region_code": q.region_code.strip(), "kind": q.kind, "patient_id": q.patient_id,
               "unreviewed": bool(q.unreviewed)}
    count, items = api_support.paginate(selectors.incidents_for(request.user, **filters), q.page, q.page_size)
    used = sorted(k for k, v in filters.items() if v)
    volume.check_api_page(request, len(items), action="search" if used else "list", target="incidents")
    audit.record_request(request, "search" if used else "list", target="incidents",
                         detail={"count": count, "filters": used})
    return {"count": count, "items": [incident_data(i, request.user) for i in items]}


@router.post("/incidents", response={201: IncidentOut, 403: Problem, 422: Problem}, summary="登记肇事肇祸事件")
def create_incident(request, payload: IncidentIn):
    """同时将患者既往危险行为（past_dangerous_acts[kind]）加1，据此刷新重点人员判定。"""
    data = payload.model_dump()
    patient = patient_selectors.get_patient_for(request, data.pop("patient_id"), action="create", audit_success=False)
    incident = services.record_incident(request.user, patient, data, request=request)
    return Status(201, incident_data(incident, request.user))


@router.get("/incidents/{id}", response=IncidentOut, summary="事件记录")
def get_incident(request, id: int):
    return incident_data(selectors.get_incident_for(request, id), request.user)


@router.put("/incidents/{id}/review", response={200: IncidentOut, 403: Problem, 422: Problem}, summary="保存倒查结论")
def save_review(request, id: int, payload: IncidentReviewIn):
    incident = selectors.get_incident_for(request, id, action="update", audit_success=False)
    return incident_data(services.save_review(request.user, incident, payload.review_findings, request=request),
                         request.user)


@router.get("/incidents/{id}/timeline", response=TimelineOut, summary="倒查时间线（事件前12个月）")
def get_timeline(request, id: int):
    """随访、逾期未随访、病情与服药（仅卫生健康角色）、研究该患者的会议、监护协议变化、在管状态变化与此前事件，按日期排列。"""
    incident = selectors.get_incident_for(request, id)
    data = timeline.timeline(incident, request.user)
    return {"incident_id": incident.pk, "start": data["start"], "end": data["end"], "summary": data["summary"],
            "entries": timeline.as_dicts(data["entries"])}
