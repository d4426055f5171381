"""API of the offline field app (docs/offline.md): the package, the sync, the outcomes of held visits,
and the township doctor's review of them."""

import datetime as dt
from typing import Literal

from django.http import JsonResponse
from django.utils import timezone
from ninja import Field, Query, Router, Schema

from jingfang.accounts import roles
from jingfang.audit import log as audit
from jingfang.core import api_support, errors
from jingfang.core.middleware import MAX_ID_DIGITS
from jingfang.policies.schema import OFFLINE_DAYS

from . import package, paper, rules, selectors, services
from .models import OfflineEntry

router = Router(tags=["离线随访"])
Closed, Problem, Detail = api_support.ClosedSchema, api_support.Problem, api_support.Detail


def _require(request, action: str, target: str) -> None:
    if not roles.can(request.user.role, action):
        audit.record_request(request, "list", outcome="denied", target=target)
        raise errors.Forbidden("您的角色无权使用离线随访")


class PackageQuery(Schema):
    days: int | None = Field(None, ge=1, le=OFFLINE_DAYS["max"],
                             description="下载未来多少天的到期事项；默认取策略配置 [offline] package_days，"
                                         "超过 max_package_days 时按 max_package_days（答复的 window_days）")


@router.get("/package", response={200: dict, 403: Problem, 422: Problem}, summary="离线包：本人到期事项与随访表定义")
def get_package(request, q: Query[PackageQuery]):
    """村医、乡镇精防人员本人未来若干天的到期事项，每位患者只含上门随访所需的最少信息（不含身份证号与电话），
    以及随访表定义（字段、校验与必填规则，与服务器校验同源）。审计一次，列出包内全部患者。答复不缓存（no-store）。"""
    _require(request, roles.OFFLINE_FIELD, "offline_package")
    body = package.build(request.user, q.days, request=request)
    response = JsonResponse(body, json_dumps_params={"ensure_ascii": False})
    response["Cache-Control"] = "no-store"
    return response


class VisitIn(Closed):
    client_id: str = Field(..., pattern=rules.CLIENT_ID_PATTERN, description="手机生成的编号（如UUID），每条记录唯一")
    patient_id: int = Field(..., ge=1, le=10**MAX_ID_DIGITS)
    form: dict = Field(..., description="与 POST /api/v1/patients/{id}/followups 的请求体相同；逐条校验")
    recorded_at: dt.datetime | None = None


class RollCallIn(Closed):
    client_id: str = Field(..., pattern=rules.CLIENT_ID_PATTERN)
    patient_id: int = Field(..., ge=1, le=10**MAX_ID_DIGITS)
    date: str = Field(..., max_length=10, description="点名日期 YYYY-MM-DD")
    result: Literal["present", "absent", "unreachable"]
    note: str = Field("", max_length=200)


class SyncIn(Closed):
    visits: list[VisitIn] = Field([], max_length=rules.MAX_ENTRIES)
    roll_calls: list[RollCallIn] = Field([], max_length=rules.MAX_ENTRIES)


class ErrorItem(Schema):
    field: str
    message: str


class DueOut(Schema):
    kind: str
    due_date: dt.date
    mode: str
    reason: str
    state: str


class ResultOut(Schema):
    client_id: str
    kind: Literal["visit", "roll_call"]
    status: Literal["applied", "held", "refused"]
    message: str
    errors: list[ErrorItem]
    followup_id: int | None
    next_due_date: dt.date | None
    due: list[DueOut]


class SyncOut(Schema):
    synced_at: dt.datetime
    results: list[ResultOut]


@router.post("/sync", response={200: SyncOut, 403: Problem, 422: Problem}, summary="离线同步：上传随访与点名")
def sync(request, body: SyncIn):
    """逐条处理（每条一个事务）：applied 已录入；held 已暂存待乡镇精防人员审核（患者已不在本人辖区、死亡后的日期等）；
    refused 内容有误，未保存，可修改后用同一 client_id 重发。同一用户的同一 client_id 只处理一次，重发得到首次的答复。"""
    _require(request, roles.OFFLINE_FIELD, "offline_sync")
    if len(body.visits) + len(body.roll_calls) > rules.MAX_ENTRIES:
        raise api_support.invalid("visits", f"每次最多同步{rules.MAX_ENTRIES}条（随访与点名合计），请分批同步")
    user = request.user
    results = [services.sync_visit(user, services.Visit(v.client_id, v.patient_id, v.form, v.recorded_at),
                                   request=request) for v in body.visits]
    results += [services.sync_roll_call(user, services.RollCallIn(c.client_id, c.patient_id, c.date, c.result, c.note),
                                        request=request) for c in body.roll_calls]
    return {"synced_at": timezone.now(), "results": results}


OUTCOME_WORDS = {
    "pending": "待乡镇精防人员审核",
    "applied": "审核后已录入",
    "dismissed": "审核后不予录入",
}


class OutcomeOut(Schema):
    client_id: str
    patient_id: int
    patient_name: str
    visit_date: dt.date | None
    synced_at: dt.datetime
    status: Literal["held", "applied", "dismissed"]
    message: str
    followup_id: int | None


class OutcomesOut(Schema):
    count: int
    items: list[OutcomeOut]


class OutcomesQuery(Schema):
    page: api_support.Page = None
    page_size: api_support.PageSize = None


def outcome_data(e: OfflineEntry) -> dict:
    state = e.review_state or "pending"
    message = OUTCOME_WORDS[state] + (f"：{e.review_note}" if state == "dismissed" and e.review_note else "")
    return {"client_id": e.client_id, "patient_id": e.patient_id, "patient_name": e.patient_name,
            "visit_date": e.visit_date, "synced_at": e.synced_at,
            "status": "held" if state == "pending" else state, "message": message,
            "followup_id": e.followup_id if state == "applied" else None}


@router.get("/outcomes", response={200: OutcomesOut, 403: Problem, 422: Problem}, summary="离线随访：本人暂存记录的审核结果")
def outcomes(request, q: Query[OutcomesQuery]):
    """本人同步后被暂存（held）的随访及其审核结果：待审核、已录入、不予录入（附理由）。不透露患者现在何处。"""
    _require(request, roles.OFFLINE_FIELD, "offline_outcomes")
    count, rows = api_support.paginate(selectors.outcomes_for(request.user), q.page, q.page_size)
    audit.record_request(request, "list", target="offline_outcomes", detail={"count": count})
    return {"count": count, "items": [outcome_data(e) for e in rows]}


class PaperIn(Closed):
    code: str = Field(..., max_length=40, description="纸质随访表上的编号（10位，可含连字符与空格），或扫描二维码所得文字（JF:开头）")


class PaperOut(Schema):
    code: str = Field(description="规范化的编号")
    patient: dict = Field(description="与离线包 patients 中的一项相同：打开随访表所需的最少信息（不含身份证号与电话）")


@router.post("/paper/resolve", response={200: PaperOut, 404: Problem, 422: Problem, 429: Problem},
             summary="纸质随访表：按编号打开患者随访表")
def resolve_paper(request, body: PaperIn):
    """扫描或输入纸质随访表上的编号：编号须为本人所在乡镇签发、未过期，且患者在本人辖区内，才返回该患者（与离线包中的一项相同）。
    编号格式或校验位有误时422（不查询）；其余一律404，未知、过期、他乡镇、辖区外、非村医/乡镇精防人员的答复完全相同。
    每位用户24小时内查无结果的次数有上限（JINGFANG_PAPER_MISSES_PER_DAY），超过后429。均审计。"""
    return paper.resolve(request.user, body.code, request=request)
