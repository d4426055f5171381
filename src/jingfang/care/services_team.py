"""Writes and checks of care teams: one function per action; each validates fully, writes in one
transaction and audits (never a name or phone in the audit detail)."""

from django.contrib.auth import get_user_model
from django.db import transaction

from jingfang.accounts import roles
from jingfang.audit import log as audit
from jingfang.core import errors
from jingfang.followups import engine
from jingfang.regions import codes

from . import permissions, team_rule
from .forms import MemberForm
from .models import CareTeam, TeamMember
from .selectors import county_of


def require(actor, action: str, audit_action: str, *, request=None, patient_id=None, target: str = "") -> None:
    """Refuse (403, audited) unless the actor's role may perform the care ``action``."""
    if not permissions.can(actor, action):
        audit.record(actor, audit_action, request=request, outcome="denied", patient_id=patient_id, target=target)
        raise errors.Forbidden(f"您的角色无权{permissions.LABELS.get(action, '执行此操作')}")


def joint_visit_minimum(patient) -> dict:
    """The patient's profile's minimum attendance at a visit: {"minimum", "profile"}."""
    profile = engine.profile_for(patient.region_id)
    return {"minimum": profile.followup.min_members, "profile": profile.title}


def joint_visit_problem(patient, attendee_count: int) -> str:
    """The problem, in Chinese, when a joint visit had fewer team members than the patient's policy
    profile requires (profile.followup.min_members; 中梁乡2022 三、2: 3 or more); "" when it is fine."""
    profile = engine.profile_for(patient.region_id)
    minimum = profile.followup.min_members
    if attendee_count < minimum:
        return (f"联合随访至少应有{minimum}名小组成员参加（{profile.title}），"
                f"本次仅{attendee_count}人，请补充参加人员")
    return ""


def attendee_choices(patient) -> list[str]:
    """The patient's team members as "姓名（角色）", for a follow-up form's list of joint-visit attendees."""
    team = CareTeam.objects.filter(patient=patient).first()
    return [f"{m.name}（{m.get_role_display()}）" for m in team.members.all()] if team else []


def linked_user_problem(user_id, patient_region: str):
    """(user, problem): a linked account must exist, be active and belong inside the patient's county."""
    if not user_id:
        return None, ""
    user = get_user_model().objects.filter(pk=user_id, is_active=True).select_related("region").first()
    if user is None or not codes.is_within(user.region_id, county_of(patient_region)):
        return None, "关联账号不存在或不属于患者所在县（区）"
    if not roles.can(user.role, roles.VIEW_PATIENTS):
        return None, "关联账号的角色不能查看患者信息"
    return user, ""


def _validate_members(team: CareTeam | None, patient, members: list[dict]) -> tuple[list[dict], list]:
    existing = {m.pk: m for m in team.members.all()} if team else {}
    rows, problems = [], []
    for i, raw in enumerate(members):
        data = {k: v for k, v in raw.items() if v is not None}
        form = MemberForm(data=data)
        where = f"第{i + 1}名成员"
        if not form.is_valid():
            problems += [errors.FieldError(f"members.{i}.{e.field}" if e.field else f"members.{i}", f"{where}：{e.message}")
                         for e in errors.from_form(form)]
            continue
        cd = dict(form.cleaned_data)
        if cd["id"] and cd["id"] not in existing:
            problems.append(errors.FieldError(f"members.{i}.id", f"{where}：成员编号不属于该小组"))
            continue
        if raw.get("phone") is None and cd["id"]:
            cd["phone"] = existing[cd["id"]].phone  # left blank on the page: keep the stored number
        user, problem = linked_user_problem(cd["user_id"], patient.region_id)
        if problem:
            problems.append(errors.FieldError(f"members.{i}.user_id", f"{where}：{problem}"))
        cd["user"] = user
        cd["is_leader"] = cd["is_leader"] or cd["role"] == "leader"
        rows.append(cd)
    if sum(1 for r in rows if r["is_leader"]) > 1:
        problems.append(errors.FieldError("members", "一个小组只能有一名组长"))
    return rows, problems


def save_team(actor, patient, members: list[dict], *, note: str | None = None, request=None) -> CareTeam:
    """Set the patient's care team to ``members`` (each: role, name, phone, unit, user_id, is_leader,
    and id for a member kept from before; a kept member whose phone is None keeps its number).
    Members not listed are removed."""
    team = CareTeam.objects.filter(patient=patient).first()
    require(actor, permissions.MANAGE_TEAM, "update", request=request, patient_id=patient.pk,
            target=f"care_team:{team.pk if team else 'new'}")
    rows, problems = _validate_members(team, patient, members)
    if note is not None and len(note) > 200:
        problems.append(errors.FieldError("note", "备注不能超过200个字符"))
    if problems:
        audit.record(actor, "update", request=request, outcome="invalid", patient_id=patient.pk, target="care_team",
                     detail={"fields": sorted({p.field.split(".")[-1] for p in problems})})
        raise errors.Invalid(problems)
    created = team is None
    with transaction.atomic():
        if team is None:
            team = CareTeam.objects.create(patient=patient, updated_by=actor, note=note or "")
        else:
            team.updated_by = actor
            if note is not None:
                team.note = note
            team.save()
        keep = {r["id"] for r in rows if r["id"]}
        team.members.exclude(pk__in=keep).delete()
        for r in rows:
            values = {k: r[k] for k in ("role", "name", "phone", "unit", "user", "is_leader")}
            if r["id"]:
                TeamMember.objects.filter(pk=r["id"], team=team).update(**values)
            else:
                TeamMember.objects.create(team=team, **values)
        missing = team_rule.missing_for(patient, team.members.all())
        audit.record(actor, "create" if created else "update", request=request, patient_id=patient.pk,
                     target=f"care_team:{team.pk}", detail={"members": len(rows), "missing": missing})
    return team


def team_missing(patient) -> list[str]:
    team = CareTeam.objects.filter(patient=patient).first()
    return team_rule.missing_for(patient, team.members.all() if team else [])


def reveal_team_phones(actor, patient, *, request=None) -> dict[int, str]:
    """Full phone numbers of the patient's team members, for roles allowed to see them; audited."""
    if not actor.can(roles.REVEAL_IDENTIFIERS):
        audit.record(actor, "reveal", request=request, outcome="denied", patient_id=patient.pk, target="care_team")
        raise errors.Forbidden("您的角色无权查看完整电话")
    team = CareTeam.objects.filter(patient=patient).first()
    phones = dict(team.members.values_list("pk", "phone")) if team else {}
    audit.record(actor, "reveal", request=request, patient_id=patient.pk, target=f"care_team:{team.pk if team else ''}",
                 detail={"count": len(phones)})
    return phones


def reveal_directory_phones(actor, region_code: str, rows: list[dict], *, request=None) -> list[dict]:
    """The directory rows with full phones, for roles allowed to see them; audited as one deliberate act."""
    if not actor.can(roles.REVEAL_IDENTIFIERS):
        audit.record(actor, "reveal", request=request, outcome="denied", target=f"directory:{region_code}")
        raise errors.Forbidden("您的角色无权查看完整电话")
    audit.record(actor, "reveal", request=request, target=f"directory:{region_code}", detail={"count": len(rows)})
    return [{**r, "revealed": True} for r in rows]
