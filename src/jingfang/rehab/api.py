"""API: community rehabilitation (薛城区2016 一（二）2, 二（一）2, 二（二）): facilities, the multi-function
team, patients' enrolment and monthly attendance, and the KPIs.

Facilities and teams are not patient data (jurisdiction-scoped); enrolments are, read through the
jurisdiction gate and audited, and narrowed to the programmes the caller's department runs (health staff:
all; the DPF: home rehabilitation training and DPF facilities; civil affairs: its facilities). Something
outside answers 404 like a missing one, audited; a role without the duty gets 403, audited.
"""

import datetime as dt
from typing import Literal

from django.http import Http404
from ninja import Field, Query, Router, Schema, Status

from jingfang.audit import log as audit
from jingfang.core import api_support, errors
from jingfang.exports import volume
from jingfang.regions import codes
from jingfang.regions.models import Region
from jingfang.registry import selectors as patient_selectors

from . import compute, permissions, selectors, services, vocab

router = Router(tags=["社区康复"])
Closed, Problem = api_support.ClosedSchema, api_support.Problem
FacilityKind = Literal[tuple(vocab.FACILITY_KINDS)]
Operator = Literal[tuple(vocab.OPERATORS)]
Status_ = Literal[tuple(vocab.FACILITY_STATUSES)]
TeamRole = Literal[tuple(vocab.TEAM_ROLES)]
Programme = Literal[tuple(vocab.PROGRAMMES)]
EndReason = Literal[tuple(vocab.END_REASONS)]
SOURCE = "《薛城区精神卫生综合管理试点工作实施方案》"


def _words(d: dict) -> str:
    return "；".join(f"{k} {v}" for k, v in d.items())


class RehabFigureOut(Schema):
    key: str
    name: str
    definition: str
    numerator: float
    denominator: float
    value: float | None
    display: str
    target: float | None = Field(..., description="政策配置 [targets] 的目标值（%）；未设置为null")
    target_text: str
    met: bool | None
    basis: str
    parts: dict[str, int] = Field(..., description="参与率分子的来源：康复登记、随访康复措施、两者均有")


class RehabAreaOut(Schema):
    code: str
    name: str
    facilities: int | None = Field(..., description="统计期末运营中的机构数（按乡镇统计时）；按村统计为null")
    participants: int
    at_home: int
    percent: float | None


class RehabKPIsOut(Schema):
    region_code: str
    region_name: str
    start: dt.date
    end: dt.date
    kpis: list[RehabFigureOut]
    uncovered: list[str] = Field(..., description="无运营中社区康复机构的镇街")
    rows: list[RehabAreaOut] = Field(..., description="按乡镇（县级以上）或按村（乡镇）")


class RehabFacilityOut(Schema):
    id: int
    township_code: str
    township_name: str
    name: str
    kind: str = Field(..., description=_words(vocab.FACILITY_KINDS))
    kind_label: str
    operator: str = Field(..., description=_words(vocab.OPERATORS))
    operator_name: str
    address: str
    places: int
    opened_on: dt.date
    status: str = Field(..., description=_words(vocab.FACILITY_STATUSES))
    closed_on: dt.date | None
    note: str
    version: int


class RehabFacilityIn(Closed):
    region_code: str = Field(..., max_length=12, description="所在乡镇（街道）12位区划代码")
    name: str = Field(..., min_length=1, max_length=100)
    kind: FacilityKind
    kind_other: str = Field("", max_length=50, description="kind 为 other 时必填")
    operator: Operator
    operator_name: str = Field("", max_length=100)
    address: str = Field(..., min_length=1, max_length=200)
    places: int = Field(..., ge=1, le=10000)
    opened_on: dt.date
    status: Status_ = "operating"
    closed_on: dt.date | None = None
    note: str = Field("", max_length=200)


class RehabFacilityPatch(Closed):
    version: int | None = Field(None, ge=1, le=2**31 - 1, description="读取时的版本；他人已修改则409")
    name: str | None = Field(None, min_length=1, max_length=100)
    kind: FacilityKind | None = None
    kind_other: str | None = Field(None, max_length=50)
    operator: Operator | None = None
    operator_name: str | None = Field(None, max_length=100)
    address: str | None = Field(None, min_length=1, max_length=200)
    places: int | None = Field(None, ge=1, le=10000)
    opened_on: dt.date | None = None
    status: Status_ | None = None
    closed_on: dt.date | None = None
    note: str | None = Field(None, max_length=200)


class RehabMemberOut(Schema):
    id: int
    name: str
    role: str = Field(..., description=_words(vocab.TEAM_ROLES))
    role_label: str
    unit: str
    joined_on: dt.date | None
    left_on: dt.date | None


class RehabMemberIn(Closed):
    name: str = Field(..., min_length=1, max_length=50)
    role: TeamRole
    unit: str = Field("", max_length=100)
    joined_on: dt.date | None = None
    left_on: dt.date | None = None


class RehabTeamOut(Schema):
    id: int
    region_code: str
    region_name: str
    name: str
    host: str
    formed_on: dt.date
    note: str
    members: list[RehabMemberOut]
    missing_roles: list[str] = Field(..., description="五类人员（精神科医生、护士、心理治疗师、康复师、社会工作者）中尚无在队成员的")


class RehabTeamIn(Closed):
    region_code: str = Field(..., max_length=12, description="服务区划：县（区）或乡镇（街道）")
    name: str = Field(..., min_length=1, max_length=100)
    host: str = Field(..., min_length=1, max_length=100, description="依托机构，如区精神病防治院")
    formed_on: dt.date
    note: str = Field("", max_length=200)


class RehabAttendanceOut(Schema):
    month: str = Field(..., description="YYYY-MM")
    days: int
    note: str


class RehabEnrolmentOut(Schema):
    id: int
    patient_id: int
    patient_name: str
    region_code: str
    programme: str = Field(..., description=_words(vocab.PROGRAMMES))
    facility_id: int | None
    facility_name: str
    start: dt.date
    end: dt.date | None
    end_reason: str = Field(..., description=_words(vocab.END_REASONS) + "；未结束为空")
    note: str
    version: int
    attendance: list[RehabAttendanceOut]


class RehabEnrolmentIn(Closed):
    patient_id: int = Field(..., ge=1, le=2**63 - 1)
    programme: Programme
    facility_id: int | None = Field(None, ge=1, le=2**31 - 1, description="programme 为 facility 时必填")
    start: dt.date
    note: str = Field("", max_length=200)


class RehabAttendanceIn(Closed):
    month: str = Field(..., max_length=7, description="YYYY-MM；同月再次提交覆盖")
    days: int = Field(..., ge=0, le=31)
    note: str = Field("", max_length=200)


class RehabEndIn(Closed):
    version: int | None = Field(None, ge=1, le=2**31 - 1, description="读取时的版本；他人已修改则409")
    end: dt.date
    end_reason: EndReason
    note: str = Field("", max_length=200)


class RehabEnrolmentPage(Schema):
    count: int
    items: list[RehabEnrolmentOut]


class RehabEnrolmentFilters(Schema):
    region_code: str = Field("", max_length=12)
    programme: Programme | None = None
    current: bool = Field(True, description="只列正在参加的（默认）")
    page: api_support.Page = None
    page_size: api_support.PageSize = None


def _need(request, role_set, what: str, message: str = "您的角色无权访问社区康复") -> None:
    if not permissions.has(request.user, role_set):
        audit.record_request(request, "view" if request.method == "GET" else "create", outcome="denied", target=what)
        raise errors.Forbidden(message)


def _figure(f) -> dict:
    return {"key": f.key, "name": f.name, "definition": f.definition, "numerator": f.numerator,
            "denominator": f.denominator, "value": f.value, "display": f.display, "target": f.target,
            "target_text": f.target_text, "met": f.met, "basis": f"{SOURCE}{f.cite}", "parts": dict(f.parts)}


def _facility(f) -> dict:
    return {"id": f.pk, "township_code": f.region_id, "township_name": f.region.name, "name": f.name, "kind": f.kind,
            "kind_label": f.kind_label, "operator": f.operator, "operator_name": f.operator_name, "address": f.address,
            "places": f.places, "opened_on": f.opened_on, "status": f.status, "closed_on": f.closed_on,
            "note": f.note, "version": f.version}


def _team(t) -> dict:
    from . import rules

    members = list(t.members.all())
    return {"id": t.pk, "region_code": t.region_id, "region_name": t.region.name, "name": t.name, "host": t.host,
            "formed_on": t.formed_on, "note": t.note,
            "members": [{"id": m.pk, "name": m.name, "role": m.role, "role_label": vocab.TEAM_ROLES.get(m.role, ""),
                         "unit": m.unit, "joined_on": m.joined_on, "left_on": m.left_on} for m in members],
            "missing_roles": list(rules.team_gaps((m.role for m in members if m.left_on is None),
                                                  vocab.REQUIRED_TEAM_ROLES))}


def _enrolment(e) -> dict:
    return {"id": e.pk, "patient_id": e.patient_id, "patient_name": e.patient.name, "region_code": e.patient.region_id,
            "programme": e.programme, "facility_id": e.facility_id, "facility_name": e.facility.name if e.facility_id else "",
            "start": e.start, "end": e.end, "end_reason": e.end_reason, "note": e.note, "version": e.version,
            "attendance": [{"month": f"{a.month:%Y-%m}", "days": a.days, "note": a.note} for a in e.attendance.all()]}


def _get_facility(request, id: int, action: str):
    f = selectors.facilities_for(request.user).filter(pk=id).first()
    if f is None:
        audit.record_request(request, action, outcome="not_found", target=f"facility:{id}")
        raise Http404("机构不存在")
    return f


def _get_enrolment(request, id: int, action: str):
    e = selectors.enrolments_for(request.user).filter(pk=id).prefetch_related("attendance").first()
    if e is None:
        audit.record_request(request, action, outcome="not_found", target=f"enrolment:{id}")
        raise Http404("康复登记不存在")
    return e


@router.get("/rehab/kpis", response={200: RehabKPIsOut, 403: Problem}, summary="社区康复指标（覆盖率、参与率）")
def get_kpis(request, region_code: str = "", year: api_support.optional_int_within(2000, 2100) = None):
    _need(request, permissions.KPI_VIEW, "rehab")
    year = api_support.checked_year(year)
    code = (region_code or "").strip()[:12] or request.user.region_id
    region = Region.objects.filter(code=code).first() if codes.is_valid_code(code) and codes.is_within(
        code, request.user.region_id) else None
    if region is None:
        audit.record_request(request, "view", outcome="not_found", target=f"region:{code}")
        raise Http404("区划不存在")
    board = compute.board(region, year)
    return {"region_code": region.code, "region_name": region.name, "start": board.start, "end": board.end,
            "kpis": [_figure(board.coverage), _figure(board.participation)],
            "uncovered": [name for _c, name in board.coverage.shortfalls],
            "rows": [{"code": r.code, "name": r.name, "facilities": r.facilities, "participants": r.participants,
                      "at_home": r.at_home, "percent": r.percent} for r in board.rows]}


@router.get("/rehab/facilities", response={200: list[RehabFacilityOut], 403: Problem}, summary="社区康复机构")
def list_facilities(request):
    _need(request, permissions.REGISTER_VIEW, "rehab_facilities")
    return [_facility(f) for f in selectors.facilities_for(request.user).order_by("region_id", "name", "id")]


@router.post("/rehab/facilities", response={201: RehabFacilityOut, 403: Problem, 409: Problem, 422: Problem},
             summary="登记社区康复机构（县级督导、乡镇卫生院精防人员）")
def create_facility(request, body: RehabFacilityIn):
    f = services.create_facility(request.user, data=body.model_dump(), request=request)
    return Status(201, _facility(f))


@router.patch("/rehab/facilities/{id}", response={200: RehabFacilityOut, 403: Problem, 409: Problem, 422: Problem},
              summary="修改社区康复机构（含暂停、关闭）")
def update_facility(request, id: int, body: RehabFacilityPatch):
    _need(request, permissions.REGISTER_VIEW, f"facility:{id}")
    f = _get_facility(request, id, "update")
    f = services.update_facility(request.user, facility=f, data=body.model_dump(exclude_unset=True), request=request)
    f.region = Region.objects.get(code=f.region_id)
    return _facility(f)


@router.get("/rehab/teams", response={200: list[RehabTeamOut], 403: Problem}, summary="多功能服务团队及成员")
def list_teams(request):
    _need(request, permissions.REGISTER_VIEW, "rehab_teams")
    return [_team(t) for t in selectors.teams_for(request.user).prefetch_related("members").order_by("region_id", "id")]


@router.post("/rehab/teams", response={201: RehabTeamOut, 403: Problem, 422: Problem}, summary="登记多功能服务团队（县级督导）")
def create_team(request, body: RehabTeamIn):
    t = services.create_team(request.user, data=body.model_dump(), request=request)
    return Status(201, _team(t))


@router.post("/rehab/teams/{id}/members", response={201: RehabTeamOut, 403: Problem, 422: Problem},
             summary="添加团队成员（县级督导）")
def add_member(request, id: int, body: RehabMemberIn):
    _need(request, permissions.REGISTER_VIEW, f"rehab_team:{id}")
    t = selectors.teams_for(request.user).filter(pk=id).first()
    if t is None:
        audit.record_request(request, "create", outcome="not_found", target=f"rehab_team:{id}")
        raise Http404("团队不存在")
    services.add_member(request.user, team=t, data=body.model_dump(), request=request)
    return Status(201, _team(t))


@router.get("/rehab/enrolments", response={200: RehabEnrolmentPage, 403: Problem, 422: Problem},
            summary="康复登记与逐月出勤")
def list_enrolments(request, filters: Query[RehabEnrolmentFilters]):
    _need(request, permissions.ENROL_VIEW, "rehab_enrolments")
    qs = selectors.enrolments_for(request.user).prefetch_related("attendance")
    if filters.region_code:
        if not codes.is_valid_code(filters.region_code):
            raise api_support.invalid("region_code", "应为12位区划代码")
        lo, hi = codes.code_range(filters.region_code)
        qs = qs.filter(patient__region_id__gte=lo, patient__region_id__lte=hi)
    if filters.programme:
        qs = qs.filter(programme=filters.programme)
    if filters.current:
        qs = qs.filter(end__isnull=True)
    count, items = api_support.paginate(qs.order_by("patient__region_id", "patient_id", "id"), filters.page,
                                        filters.page_size)
    volume.check_api_page(request, len(items), action="list", target="rehab_enrolments")
    audit.record_request(request, "list", target="rehab_enrolments",
                         detail={"count": count, "patients": sorted({e.patient_id for e in items})})
    return {"count": count, "items": [_enrolment(e) for e in items]}


@router.post("/rehab/enrolments", response={201: RehabEnrolmentOut, 403: Problem, 409: Problem, 422: Problem},
             summary="登记患者参加社区康复")
def create_enrolment(request, body: RehabEnrolmentIn):
    _need(request, permissions.ENROL_EDIT, "rehab_enrolments", "您的角色无权登记康复")
    patient = patient_selectors.get_patient_for(request, body.patient_id, action="create", audit_success=False)
    data = body.model_dump(exclude={"patient_id"})
    data["facility_id"] = "" if body.facility_id is None else str(body.facility_id)
    e = services.enrol(request.user, patient=patient, data=data, request=request)
    return Status(201, _enrolment(_get_enrolment(request, e.pk, "create")))


@router.get("/rehab/enrolments/{id}", response={200: RehabEnrolmentOut, 403: Problem}, summary="康复登记（含逐月出勤）")
def get_enrolment(request, id: int):
    _need(request, permissions.ENROL_VIEW, f"enrolment:{id}")
    e = _get_enrolment(request, id, "view")
    audit.record_request(request, "view", patient_id=e.patient_id, target=f"enrolment:{e.pk}")
    return _enrolment(e)


@router.post("/rehab/enrolments/{id}/attendance", response={200: RehabEnrolmentOut, 403: Problem, 422: Problem},
             summary="记录某月参加天数")
def record_attendance(request, id: int, body: RehabAttendanceIn):
    _need(request, permissions.ENROL_EDIT, f"enrolment:{id}", "您的角色无权记录康复出勤")
    e = _get_enrolment(request, id, "update")
    services.record_attendance(request.user, enrolment=e, data=body.model_dump(), request=request)
    return _enrolment(_get_enrolment(request, id, "update"))


@router.post("/rehab/enrolments/{id}/end", response={200: RehabEnrolmentOut, 403: Problem, 409: Problem, 422: Problem},
             summary="结束康复")
def end_enrolment(request, id: int, body: RehabEndIn):
    _need(request, permissions.ENROL_EDIT, f"enrolment:{id}", "您的角色无权结束康复登记")
    e = _get_enrolment(request, id, "update")
    data = body.model_dump()
    data["version"] = "" if body.version is None else str(body.version)
    services.end_enrolment(request.user, enrolment=e, data=data, request=request)
    return _enrolment(_get_enrolment(request, id, "update"))
