"""API: care teams (关爱帮扶小组) and the contact directory. Reads through registry/care selectors, writes
through care.services; phones are masked unless revealed on purpose (audited)."""

import datetime as dt
from typing import Literal

from ninja import Field, Query, Router, Schema

from jingfang.audit import log as audit
from jingfang.core import api_support
from jingfang.core.masking import mask_phone
from jingfang.registry import selectors as patient_selectors

from . import selectors, services, team_rule, vocab
from .models import CareTeam, missing_roles

router = Router(tags=["关爱帮扶小组"])
Closed = api_support.ClosedSchema
Problem = api_support.Problem
MemberRole = Literal[tuple(vocab.MEMBER_ROLES)]


class MemberIn(Closed):
    id: int | None = Field(None, description="保留已有成员时给出其编号；不给则新增")
    role: MemberRole = Field(..., description="角色：" + "、".join(f"{k} {v}" for k, v in vocab.MEMBER_ROLES.items()))
    name: str = Field(..., max_length=50)
    phone: str | None = Field(None, max_length=20, description="电话；保留已有成员时省略（null）则不修改")
    unit: str = Field("", max_length=100, description="单位/职务")
    user_id: int | None = Field(None, description="关联的系统账号（须属于患者所在县区）")
    is_leader: bool = Field(False, description="组长；角色为 leader 时自动为组长")


class TeamIn(Closed):
    members: list[MemberIn] = Field(..., max_length=40, description="小组的全部成员（未列出的已有成员将被移除）")
    note: str | None = Field(None, max_length=200)


class MemberOut(Schema):
    id: int
    role: str
    role_label: str
    name: str
    phone_masked: str
    unit: str
    user_id: int | None
    is_leader: bool


class TeamOut(Schema):
    patient_id: int
    exists: bool
    complete: bool
    required_roles: list[str]
    missing_roles: list[str] = Field(..., description="缺少的必备角色（取自患者所在地区政策配置的关爱帮扶小组要求；已签订监护协议的登记监护人计为监护人）")
    joint_visit_min_members: int = Field(..., description="联合随访最少参加人数（政策配置 followup.min_members）")
    note: str
    updated_at: dt.datetime | None
    members: list[MemberOut]
    duties: dict[str, str] = Field(..., description="各角色职责（含出处）")


class RevealedPhone(Schema):
    id: int
    phone: str


class DirectoryPatient(Schema):
    id: int
    name: str
    region_code: str


class DirectoryRow(Schema):
    role: str
    role_label: str
    name: str
    unit: str
    phone_masked: str
    leader: bool
    user_id: int | None
    patients: list[DirectoryPatient]


class DirectoryOut(Schema):
    region_code: str
    region_name: str
    count: int
    items: list[DirectoryRow]


def team_data(patient) -> dict:
    team = CareTeam.objects.filter(patient=patient).first()
    members = list(team.members.all()) if team else []
    rule = team_rule.rule_for(patient.region_id)
    missing = missing_roles(members, rule.required_roles, guardian_signed=team_rule.guardian_signed(patient))
    return {
        "patient_id": patient.pk, "exists": team is not None, "complete": not missing,
        "required_roles": list(rule.required_roles), "missing_roles": missing,
        "joint_visit_min_members": services.joint_visit_minimum(patient)["minimum"],
        "note": team.note if team else "", "updated_at": team.updated_at if team else None,
        "members": [{"id": m.pk, "role": m.role, "role_label": m.get_role_display(), "name": m.name,
                     "phone_masked": mask_phone(m.phone), "unit": m.unit, "user_id": m.user_id,
                     "is_leader": m.is_leader} for m in members],
        "duties": {r: f"{text}（{cite}）" for r, (text, cite) in vocab.DUTIES.items()},
    }


@router.get("/patients/{id}/care-team", response=TeamOut, summary="患者的关爱帮扶小组")
def get_team(request, id: int):
    """成员按角色列出，电话脱敏；complete=false 时 missing_roles 列出缺少的必备角色。"""
    return team_data(patient_selectors.get_patient_for(request, id))


@router.put("/patients/{id}/care-team", response={200: TeamOut, 403: Problem, 422: Problem}, summary="设置关爱帮扶小组")
def put_team(request, id: int, payload: TeamIn):
    """以 members 整体替换小组成员。已有成员给出 id 保留，省略 phone 则不改电话。"""
    patient = patient_selectors.get_patient_for(request, id, action="update", audit_success=False)
    services.save_team(request.user, patient, [m.model_dump() for m in payload.members], note=payload.note,
                       request=request)
    return team_data(patient)


@router.post("/patients/{id}/care-team/reveal", response={200: list[RevealedPhone], 403: Problem},
             summary="查看小组成员完整电话", openapi_extra=api_support.READ_BY_POST)
def reveal_team(request, id: int):
    """有意为之，逐次审计；无权角色返回403。"""
    patient = patient_selectors.get_patient_for(request, id, action="reveal", audit_success=False)
    phones = services.reveal_team_phones(request.user, patient, request=request)
    return [{"id": k, "phone": v} for k, v in phones.items()]


class DirectoryQuery(Schema):
    region_code: str = Field("", max_length=12, description="村（社区）或乡镇代码；默认调用者所属区划")
    page: api_support.Page = None
    page_size: api_support.PageSize = None


@router.get("/care/directory", response=DirectoryOut, summary="关爱帮扶小组通讯录")
def get_directory(request, q: Query[DirectoryQuery]):
    """区划下所有在管患者小组成员，按人合并，列出其服务的患者；电话脱敏。辖区外或不存在的区划返回404。"""
    region = selectors.region_for(request, q.region_code or request.user.region_id, action="list")
    rows = selectors.directory(request.user, region.code)
    audit.record_request(request, "list", target=f"directory:{region.code}", detail={"count": len(rows)})
    return {"region_code": region.code, "region_name": region.name, "count": len(rows), "items": [
        {**{k: r[k] for k in ("role", "role_label", "name", "unit", "leader")}, "phone_masked": mask_phone(r["phone"]),
         "user_id": r["user"].pk if r["user"] else None,
         "patients": [{"id": p.pk, "name": p.name, "region_code": p.region_id} for p in r["patients"]]}
        for r in api_support.page_of(rows, q.page, q.page_size)]}
