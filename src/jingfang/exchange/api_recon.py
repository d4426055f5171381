"""API: a department's own list checked against ours (reconciliation); exchange.api.router includes its router.

Department users (police, civil affairs, DPF, judicial) read only their own department's runs; the
township's governance office reads all of its township's. Others: 404 identical to a missing run.
"""

import datetime as dt
import json
from typing import Literal

from ninja import Field, File, Form, Query, Router, Schema, Status, UploadedFile

from jingfang.audit import log as audit
from jingfang.core import api_support, errors

from . import permissions as perms
from . import selectors, serializers, services_recon, sheet
from .api_common import forbid_unless
from .models import LIST_DEPARTMENTS, OUR_FIELDS, RESOLUTIONS

router = Router()  # tagged by exchange.api.router, which includes it
Closed, Problem, Detail = api_support.ClosedSchema, api_support.Problem, api_support.Detail


class RunFilters(Schema):
    township: str = Field("", max_length=12)
    department: Literal[("", *LIST_DEPARTMENTS)] = Field("", description="部门（部门用户只能看到本部门的）")
    page: api_support.Page = None
    page_size: api_support.PageSize = None


class RunSummary(Schema):
    id: int
    township_code: str
    township_name: str
    department: str
    department_label: str
    state: Literal["mapping", "done"] = Field(..., description="mapping 待确认列对应；done 已核对")
    state_label: str
    filename: str
    uploaded_at: dt.datetime
    uploaded_by: str
    row_count: int
    counts: dict[str, int] = Field(..., description="rows 对方人数、agree 一致、theirs_only、ours_only、mismatch")
    completed_at: dt.datetime | None


class RunPage(Schema):
    count: int
    items: list[RunSummary]


class ResolutionOut(Schema):
    action: str
    action_label: str
    note: str
    patient_id: int | None
    lead_id: int | None
    resolved_by: str
    resolved_at: dt.datetime


class LineOut(Schema):
    id: int
    kind: Literal["theirs_only", "ours_only", "mismatch"]
    kind_label: str
    row_number: int | None = Field(..., description="对方表格中的行号")
    patient_id: int | None
    theirs: dict = Field(..., description="对方名单中的信息（身份证号仅脱敏）")
    ours: dict = Field(..., description="我方档案中的信息（非临床字段，身份证号脱敏）")
    diffs: list[dict] = Field(..., description="不一致的字段：field、label、ours、theirs")
    warnings: list[str]
    resolution: str | None
    resolution_label: str | None
    resolutions: list[ResolutionOut] = Field(..., description="处理记录，最新在前，全部保留")


class RunDetail(RunSummary):
    sheet: str
    header_rows: list[int]
    headers: list[str]
    mapping: dict[str, str]
    warnings: list[str]
    lines: list[LineOut]
    suggested_mapping: dict[str, str] = Field(..., description="state 为 mapping 时系统猜测的列对应")


class MappingIn(Closed):
    mapping: dict[str, str] = Field(..., description="我方字段 → 对方列标题；字段：" + "、".join(
        f"{k} {v}" for k, v in OUR_FIELDS.items()))


class ResolveIn(Closed):
    action: Literal[tuple(RESOLUTIONS)] = Field(..., description="link 关联到我方患者；lead 转为疑似线索；note 核实说明")
    note: str = Field("", max_length=300)
    patient_id: int | None = Field(None, description="link：本乡镇患者编号")
    signs: list[int] = Field([], max_length=9, description="lead：异常表现（识别清单①-⑨的编号）")
    region_code: str = Field("", max_length=12, description="lead：所在村（社区）；默认对方名单中的村")
    sex: Literal["", "M", "F"] = Field("", description="lead：无可用身份证号时必填")
    birth_date: dt.date | None = Field(None, description="lead：无可用身份证号时必填")
    dangerous: bool = False
    allow_duplicates: bool = Field(False, description="lead：确认不是重复线索时为 true")


class ResolveOut(Schema):
    resolution: ResolutionOut
    line: LineOut


def _detail(run, role) -> dict:
    data = serializers.run_detail(run, role=role)
    data["suggested_mapping"] = sheet.guess_mapping(run.headers) if run.state == "mapping" else {}
    return data


@router.get("/reconciliations", response=RunPage, summary="名单核对列表")
def list_runs(request, filters: Query[RunFilters]):
    forbid_unless(request, perms.VIEW_RECONCILIATIONS, target="reconciliations")
    qs = selectors.runs_for(request.user)
    if filters.township:
        qs = qs.filter(township_id=filters.township)
    if filters.department:
        qs = qs.filter(department=filters.department)
    count, rows = api_support.paginate(qs, filters.page, filters.page_size)
    used = sorted(k for k in ("township", "department") if getattr(filters, k))
    audit.record_request(request, "search" if used else "list", target="reconciliations",
                         detail={"count": count, "filters": used})
    return {"count": count, "items": [serializers.run_summary(r) for r in rows]}


@router.post("/reconciliations", response={201: RunDetail, 403: Problem, 422: Problem}, summary="上传部门名单并核对")
def upload(request, file: File[UploadedFile], township: Form[str] = "", mapping: Form[str] = ""):
    """multipart/form-data：file（.xlsx，≤5MB，≤20000行，≤50列）、township（乡镇级用户可不填）、
    mapping（可选，JSON 对象：我方字段 → 对方列标题）。未给出列对应时沿用本部门本乡镇上次确认的列对应；
    都没有时返回 state=mapping 与 suggested_mapping，再调用 POST /reconciliations/{id}/mapping。"""
    given = None
    if mapping.strip():
        try:
            given = json.loads(mapping)
        except ValueError:
            given = None
        if not isinstance(given, dict):
            raise errors.Invalid([errors.FieldError("mapping", "mapping：应为JSON对象（我方字段 → 对方列标题）")])
    run = services_recon.upload(request.user, file, township, mapping=given, request=request)
    return Status(201, _detail(run, request.user.role))


@router.post("/reconciliations/{id}/mapping", response={200: RunDetail, 403: Problem, 404: Detail, 409: Problem,
                                                       422: Problem}, summary="确认名单列对应并核对")
def confirm_mapping(request, id: int, payload: MappingIn):
    """确认后记住本部门本乡镇的列对应，下次上传自动沿用。"""
    run = selectors.get_run_for(request, id, audit_success=False)
    return _detail(services_recon.apply_mapping(request.user, run, payload.mapping, request=request),
                   request.user.role)


@router.get("/reconciliations/{id}", response={200: RunDetail, 404: Detail}, summary="名单核对结果")
def get_run(request, id: int):
    """对方有我方无、我方有对方无、信息不一致（姓名、住址、在管状态、危险性等级），以及每条的处理记录。"""
    return _detail(selectors.get_run_for(request, id), request.user.role)


@router.post("/reconciliations/{id}/lines/{line_id}/resolve",
             response={201: ResolveOut, 403: Problem, 404: Detail, 409: dict, 422: Problem}, summary="处理核对差异")
def resolve_line(request, id: int, line_id: int, payload: ResolveIn):
    """关联到本乡镇患者、转为疑似线索（来源：信息交换；可能重复时409并列出）或填写核实说明。每次处理都保留。"""
    run = selectors.get_run_for(request, id, audit_success=False)
    line = selectors.get_line_for(request, run, line_id)
    data = payload.model_dump()
    data["birth_date"] = data["birth_date"].isoformat() if data["birth_date"] else ""
    resolution = services_recon.resolve(request.user, run, line, data, request=request)
    line.refresh_from_db()
    return Status(201, {"resolution": serializers.resolution_data(resolution), "line": serializers.line_data(line, request.user.role)})
