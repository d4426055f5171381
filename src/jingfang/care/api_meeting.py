"""API: meetings (monthly team / township group meetings, quarterly joint consultation) and their tasks."""

import datetime as dt
from typing import Literal

from django.http import Http404
from ninja import Field, Query, Router, Schema, Status

from jingfang.audit import log as audit
from jingfang.core import api_support
from jingfang.core.api_support import OptionalBool

from . import selectors, services, vocab

router = Router(tags=["会议"])
Closed = api_support.ClosedSchema
Problem = api_support.Problem
MeetingKind = Literal[tuple(vocab.MEETING_KINDS)]


class AttendeeIn(Closed):
    name: str = Field("", max_length=50, description="姓名；给出 user_id 时可省略")
    unit: str = Field("", max_length=100)
    user_id: int | None = None


class TaskIn(Closed):
    id: int | None = Field(None, description="修改会议时保留已有任务给出其编号")
    text: str = Field(..., max_length=200)
    owner_id: int = Field(..., description="责任人账号（会议所属区划或其上级的工作人员）")
    due_date: dt.date


class MeetingIn(Closed):
    kind: MeetingKind = Field(..., description="team_monthly 关爱帮扶小组例会（村）；township_group_monthly 乡镇综合管理"
                                                "小组例会；joint_consultation_quarterly 联合会商（乡镇）")
    region_code: str = Field(..., max_length=12, description="村（社区）或乡镇代码，须在调用者辖区内")
    date: dt.date
    place: str = Field("", max_length=100)
    minutes: str = Field("", max_length=10000)
    decisions: str = Field("", max_length=5000)
    patient_ids: list[int] = Field([], max_length=500, description="研究的患者（须在辖区及会议所属区划内）")
    attendees: list[AttendeeIn] = Field(..., max_length=50)
    tasks: list[TaskIn] = Field([], max_length=50)


class TaskOut(Schema):
    id: int
    text: str
    owner_id: int
    owner_name: str
    due_date: dt.date
    done: bool
    done_at: dt.datetime | None


class AttendeeOut(Schema):
    name: str
    unit: str
    user_id: int | None


class PatientRef(Schema):
    id: int
    name: str
    region_code: str


class MeetingSummary(Schema):
    id: int
    kind: str
    kind_label: str
    region_code: str
    region_name: str
    date: dt.date
    open_tasks: int


class MeetingOut(MeetingSummary):
    place: str
    minutes: str
    decisions: str
    attendees: list[AttendeeOut]
    patients: list[PatientRef]
    other_patients: int = Field(..., description="研究的患者中不在调用者辖区内的人数")
    tasks: list[TaskOut]


class MeetingPage(Schema):
    count: int
    items: list[MeetingSummary]


class MeetingFilters(Schema):
    kind: MeetingKind | Literal[""] = ""
    region_code: str = Field("", max_length=12)
    mine: OptionalBool = Field(None, description="true 只看有调用者未办结任务的会议")
    page: api_support.Page = None
    page_size: api_support.PageSize = None


def _summary(m) -> dict:
    return {"id": m.pk, "kind": m.kind, "kind_label": m.get_kind_display(), "region_code": m.region_id,
            "region_name": m.region.name, "date": m.date, "open_tasks": m.tasks.filter(done=False).count()}


def _task(t) -> dict:
    return {"id": t.pk, "text": t.text, "owner_id": t.owner_id, "owner_name": t.owner.get_full_name() or t.owner.username,
            "due_date": t.due_date, "done": t.done, "done_at": t.done_at}


def meeting_data(request, m) -> dict:
    patients, others = selectors.discussed_patients(request.user, m)
    return {**_summary(m), "place": m.place, "minutes": m.minutes, "decisions": m.decisions,
            "attendees": [{"name": a.name, "unit": a.unit, "user_id": a.user_id} for a in m.attendees.all()],
            "patients": [{"id": p.pk, "name": p.name, "region_code": p.region_id} for p in patients],
            "other_patients": others, "tasks": [_task(t) for t in m.tasks.select_related("owner")]}


@router.get("/meetings", response=MeetingPage, summary="会议列表")
def list_meetings(request, q: Query[MeetingFilters]):
    """调用者辖区内召开的会议，以及含有调用者所负责任务的会议。"""
    filters = {"kind": q.kind, "region_code": q.region_code.strip(), "mine": bool(q.mine)}
    count, items = api_support.paginate(selectors.meetings_for(request.user, **filters), q.page, q.page_size)
    used = sorted(k for k, v in filters.items() if v)
    audit.record_request(request, "search" if used else "list", target="meetings",
                         detail={"count": count, "filters": used})
    return {"count": count, "items": [_summary(m) for m in items]}


@router.post("/meetings", response={201: MeetingOut, 403: Problem, 422: Problem}, summary="登记会议")
def create_meeting(request, payload: MeetingIn):
    """任务进入责任人的工作台（kind=deadline）。"""
    meeting = services.save_meeting(request.user, payload.model_dump(), request=request)
    return Status(201, meeting_data(request, meeting))


@router.get("/meetings/{id}", response=MeetingOut, summary="会议记录")
def get_meeting(request, id: int):
    """辖区外与不存在的会议一样返回404，并记入审计。"""
    return meeting_data(request, selectors.get_meeting_for(request, id))


@router.put("/meetings/{id}", response={200: MeetingOut, 403: Problem, 422: Problem}, summary="修改会议记录")
def update_meeting(request, id: int, payload: MeetingIn):
    """整体替换；未列出的未办结任务被删除，已办结任务保留。"""
    meeting = selectors.get_meeting_for(request, id, action="update", audit_success=False)
    meeting = services.save_meeting(request.user, payload.model_dump(), meeting=meeting, request=request)
    return meeting_data(request, meeting)


@router.post("/meetings/{id}/tasks/{task_id}/done", response={200: TaskOut, 403: Problem, 422: Problem},
             summary="办结会议任务")
def complete_task(request, id: int, task_id: int):
    """任务责任人或会议所属区划的会议登记人员可以办结。"""
    meeting = selectors.get_meeting_for(request, id, action="update", audit_success=False)
    task = meeting.tasks.select_related("owner").filter(pk=task_id).first()
    if task is None:
        raise Http404("任务不存在")
    return _task(services.complete_task(request.user, task, request=request))
