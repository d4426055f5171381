"""API: the workforce register (institutions, staff, training records) and its KPIs.

The county supervisor keeps the register; the township doctor reads their township's; the township
office reads the KPIs and shortfalls only. An institution or staff member outside the caller's region
answers 404 like a missing one, audited; every read of staff names is audited.
"""

import datetime as dt
from decimal import Decimal
from typing import Literal

from django.http import Http404
from ninja import Field, Query, Router, Schema, Status

from jingfang.audit import log as audit
from jingfang.core import api_support, errors
from jingfang.stats import permissions as stats_permissions

from . import compute, permissions, selectors, services, vocab

router = Router(tags=["精神卫生人员"])
InstitutionKind = Literal[tuple(vocab.INSTITUTION_KINDS)]
StaffKind = Literal[tuple(vocab.STAFF_KINDS)]
Employment = Literal[tuple(vocab.EMPLOYMENT)]
Closed = api_support.ClosedSchema
Problem = api_support.Problem


class ShortfallOut(Schema):
    township_code: str
    township_name: str
    lacks: list[str]


class FigureOut(Schema):
    key: str
    name: str
    definition: str
    numerator: float
    denominator: float
    value: float | None
    display: str
    unit: str
    target: float | None = Field(..., description="政策配置 [targets] 的目标值；未设置为null")
    target_text: str
    met: bool | None
    basis: str


class WorkforceKPIsOut(Schema):
    region_code: str
    region_name: str
    on: dt.date
    institutions: int
    counts: dict[str, int] = Field(..., description="在岗人数：psychiatrist 精神科执业（助理）医师，prevention 精防人员，"
                                                    "gp_psych 加注精神卫生执业范围的全科医生")
    kpis: list[FigureOut]
    shortfalls: list[ShortfallOut] = Field(..., description="未配齐的镇街及其缺口")


class InstitutionOut(Schema):
    id: int
    name: str
    kind: str = Field(..., description="township_hc 镇街卫生院（社区卫生服务中心）；county_mh 县级精神卫生专业机构；"
                                       "county_general 县级综合医院；other 其他")
    kind_label: str
    region_code: str
    region_name: str


class InstitutionIn(Closed):
    region_code: str = Field(..., max_length=12, description="镇街卫生院登记在乡镇（街道），县级机构登记在县（区）")
    name: str = Field(..., min_length=1, max_length=100)
    kind: InstitutionKind


class TrainingOut(Schema):
    id: int
    course: str
    hours: Decimal
    date: dt.date
    certificate: str
    passed: bool


class TrainingIn(Closed):
    course: str = Field(..., min_length=1, max_length=100)
    hours: Decimal = Field(..., gt=0, le=Decimal("99999.9"), description="学时（最多1位小数）")
    date: dt.date
    certificate: str = Field("", max_length=50)
    passed: bool = True


class StaffOut(Schema):
    id: int
    institution_id: int
    institution_name: str
    name: str
    kind: str = Field(..., description="psychiatrist 精神科执业（助理）医师；prevention 精防人员；"
                                       "gp_psych 加注精神卫生执业范围的全科医生")
    kind_label: str
    employment: str = Field(..., description="full_time 专职；part_time 兼职")
    title: str
    licence_no: str
    started: dt.date | None
    left_on: dt.date | None
    note: str
    trainings: list[TrainingOut]


class StaffIn(Closed):
    name: str = Field(..., min_length=1, max_length=50)
    kind: StaffKind
    employment: Employment = "full_time"
    title: str = Field("", max_length=50)
    licence_no: str = Field("", max_length=50)
    started: dt.date | None = None
    left_on: dt.date | None = None
    note: str = Field("", max_length=200)


class StaffPatch(Closed):
    name: str | None = Field(None, min_length=1, max_length=50)
    kind: StaffKind | None = None
    employment: Employment | None = None
    title: str | None = Field(None, max_length=50)
    licence_no: str | None = Field(None, max_length=50)
    started: dt.date | None = None
    left_on: dt.date | None = None
    note: str | None = Field(None, max_length=200)


class StaffPage(Schema):
    count: int
    items: list[StaffOut]


class StaffFilters(Schema):
    institution_id: int | None = Field(None, ge=1, le=2**31 - 1)
    page: api_support.Page = None
    page_size: api_support.PageSize = None


def _require(request, check, message: str) -> None:
    if not check(request.user):
        audit.record_request(request, "view", outcome="denied", target="workforce")
        raise errors.Forbidden(message)


def _institution(i) -> dict:
    return {"id": i.pk, "name": i.name, "kind": i.kind, "kind_label": vocab.INSTITUTION_KINDS.get(i.kind, i.kind),
            "region_code": i.region_id, "region_name": i.region.name}


def _staff(s) -> dict:
    return {"id": s.pk, "institution_id": s.institution_id, "institution_name": s.institution.name, "name": s.name,
            "kind": s.kind, "kind_label": vocab.STAFF_KINDS.get(s.kind, s.kind), "employment": s.employment,
            "title": s.title, "licence_no": s.licence_no, "started": s.started, "left_on": s.left_on, "note": s.note,
            "trainings": [{"id": t.pk, "course": t.course, "hours": t.hours, "date": t.date,
                           "certificate": t.certificate, "passed": t.passed} for t in s.trainings.all()]}


def _figure(f) -> dict:
    return {"key": f.key, "name": f.name, "definition": f.definition, "numerator": f.numerator,
            "denominator": f.denominator, "value": f.value, "display": f.display, "unit": f.unit, "target": f.target,
            "target_text": f.target_text, "met": f.met, "basis": f"《薛城区精神卫生综合管理试点工作实施方案》{f.cite}"}


def _get_institution(request, id: int, action: str = "view"):
    inst = selectors.institutions_for(request.user).filter(pk=id).first()
    if inst is None:
        audit.record_request(request, action, outcome="not_found", target=f"institution:{id}")
        raise Http404("机构不存在")
    return inst


def _get_staff(request, id: int, action: str = "view"):
    staff = selectors.staff_for(request.user).filter(pk=id).prefetch_related("trainings").first()
    if staff is None:
        audit.record_request(request, action, outcome="not_found", target=f"staff:{id}")
        raise Http404("人员不存在")
    return staff


@router.get("/workforce/kpis", response=WorkforceKPIsOut, summary="精神卫生人才队伍指标与镇街缺口")
def get_kpis(request, region_code: str = ""):
    _require(request, permissions.can_count, "您的角色无权查看精神卫生人员")
    region = stats_permissions.region_for(request, region_code)
    board = compute.board(region)
    return {"region_code": region.code, "region_name": region.name, "on": board.on,
            "institutions": board.institutions, "counts": board.counts,
            "kpis": [_figure(board.psychiatrists), _figure(board.staffing)],
            "shortfalls": [{"township_code": c, "township_name": n, "lacks": list(lacks)}
                           for c, n, lacks in board.staffing.shortfalls]}


@router.get("/workforce/institutions", response=list[InstitutionOut], summary="医疗卫生机构")
def list_institutions(request):
    _require(request, permissions.can_read, "您的角色无权查看精神卫生人员")
    return [_institution(i) for i in selectors.institutions_for(request.user).order_by("region_id", "kind", "name")]


@router.post("/workforce/institutions", response={201: InstitutionOut, 403: Problem, 409: Problem, 422: Problem},
             summary="登记医疗卫生机构（县级督导）")
def create_institution(request, body: InstitutionIn):
    inst = services.create_institution(request.user, data=body.model_dump(), request=request)
    return Status(201, _institution(inst))


@router.get("/workforce/staff", response=StaffPage, summary="精神卫生人员名册（含培训记录）")
def list_staff(request, filters: Query[StaffFilters]):
    _require(request, permissions.can_read, "您的角色无权查看精神卫生人员")
    qs = selectors.staff_for(request.user).prefetch_related("trainings").order_by("institution_id", "kind", "name", "id")
    if filters.institution_id is not None:
        qs = qs.filter(institution_id=filters.institution_id)
    count, rows = api_support.paginate(qs, filters.page, filters.page_size)
    audit.record_request(request, "list", target="workforce:staff",
                         detail={"count": count, "staff": [s.pk for s in rows]})
    return {"count": count, "items": [_staff(s) for s in rows]}


@router.get("/workforce/staff/{id}", response=StaffOut, summary="人员详情（含培训记录）")
def get_staff(request, id: int):
    _require(request, permissions.can_read, "您的角色无权查看精神卫生人员")
    staff = _get_staff(request, id)
    audit.record_request(request, "view", target=f"staff:{staff.pk}")
    return _staff(staff)


@router.post("/workforce/institutions/{id}/staff", response={201: StaffOut, 403: Problem, 422: Problem},
             summary="登记人员（县级督导）")
def create_staff(request, id: int, body: StaffIn):
    _require(request, permissions.can_read, "您的角色无权查看精神卫生人员")
    inst = _get_institution(request, id, "create")
    staff = services.create_staff(request.user, institution=inst, data=body.model_dump(), request=request)
    return Status(201, _staff(staff))


@router.patch("/workforce/staff/{id}", response={200: StaffOut, 403: Problem, 422: Problem},
              summary="修改人员（含离岗）（县级督导）")
def update_staff(request, id: int, body: StaffPatch):
    _require(request, permissions.can_read, "您的角色无权查看精神卫生人员")
    staff = _get_staff(request, id, "update")
    staff = services.update_staff(request.user, staff=staff, data=body.model_dump(exclude_unset=True), request=request)
    return _staff(staff)


@router.post("/workforce/staff/{id}/trainings", response={201: TrainingOut, 403: Problem, 422: Problem},
             summary="添加培训记录（县级督导）")
def add_training(request, id: int, body: TrainingIn):
    _require(request, permissions.can_read, "您的角色无权查看精神卫生人员")
    staff = _get_staff(request, id, "create")
    t = services.add_training(request.user, staff=staff, data=body.model_dump(), request=request)
    return Status(201, {"id": t.pk, "course": t.course, "hours": t.hours, "date": t.date,
                        "certificate": t.certificate, "passed": t.passed})
