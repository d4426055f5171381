"""Care-team pages: the list of teams with incomplete ones flagged, one patient's team (members by
role, each role's duties, contacts), and the contact directory of a village or township.

Thin: patients are read through registry.selectors, teams through care.selectors, written through
care.services; every read of personal data is audited.
"""

from collections import Counter

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_POST

from jingfang.accounts import roles
from jingfang.accounts.decorators import permission_required
from jingfang.audit import log as audit
from jingfang.core import errors
from jingfang.core.paging import paginate
from jingfang.registry import selectors as patient_selectors

from . import permissions, selectors, services, team_rule, vocab
from .models import CareTeam, missing_roles
from .views_common import (
    base_context,
    colleagues,
    int_or_none,
    list_audit,
    region_param,
    require_page,
    rows_from_post,
    status_for,
    user_label,
)

BLANK_ROWS = 3
MAX_ROWS = 40
MEMBER_FIELDS = ("id", "role", "name", "phone", "unit", "user_id", "is_leader")


@permission_required(roles.VIEW_PATIENTS)
def team_list(request):
    filters = {"region_code": region_param(request), "incomplete": request.GET.get("incomplete") == "1"}
    page = paginate(request, selectors.teams_overview(request.user, **filters))
    rows = [{"p": p, "missing": [vocab.MEMBER_ROLES[r] for r in selectors.missing_from_row(p)]}
            for p in page.object_list]
    incomplete = selectors.teams_overview(request.user, incomplete=True)
    by_village = Counter(incomplete.values_list("region_id", "region__name"))
    villages = [{"code": c, "name": n, "n": k} for (c, n), k in sorted(by_village.items())]
    list_audit(request, filters, page.paginator.count, "care_teams")
    rule = team_rule.rule_for(filters["region_code"] or request.user.region_id)  # the rule where the user stands
    context = {**base_context(request, filters), "page": page, "rows": rows, "villages": villages,
               "incomplete_total": sum(by_village.values()),
               "required": [vocab.MEMBER_ROLES[r] for r in rule.required_roles], "required_cite": rule.cite}
    template = "care/_team_rows.html" if request.htmx else "care/team_list.html"
    return render(request, template, context)


def _edit_rows(team, posted, patient) -> list[dict]:
    if posted is not None:
        rows = posted
    elif team is not None:
        rows = [{"id": m.pk, "role": m.role, "name": m.name, "phone": "", "phone_masked": m.phone, "unit": m.unit,
                 "user_id": m.user_id or "", "is_leader": m.is_leader} for m in team.members.all()]
    else:  # a new team: one row for each required role, the registered primary guardian's name filled in
        guardian = patient.primary_guardian
        rows = [{"role": r, "name": guardian.name if r == "guardian" and guardian else "",
                 "is_leader": r == "leader"} for r in team_rule.rule_for(patient.region_id).required_roles]
    return [*rows, *({"role": "", "name": ""} for _ in range(BLANK_ROWS))]


def _team_context(request, patient, *, problem=None, posted=None, revealed=None) -> dict:
    team = CareTeam.objects.filter(patient=patient).select_related("updated_by").first()
    members = list(team.members.select_related("user__region")) if team else []
    rule = team_rule.rule_for(patient.region_id)
    signed = team_rule.guardian_signed(patient)
    missing = missing_roles(members, rule.required_roles, guardian_signed=signed)
    present = {m.role for m in members} | ({"guardian"} if signed else set())
    duties = [{"role": r, "label": label, "text": vocab.DUTIES[r][0], "cite": vocab.DUTIES[r][1],
               "present": r in present or (r == "leader" and any(m.is_leader for m in members)),
               "required": r in rule.required_roles} for r, label in vocab.MEMBER_ROLES.items()]
    users = list(colleagues(request.user)) if permissions.can(request.user, permissions.MANAGE_TEAM) else []
    return {
        **base_context(request), "p": patient, "team": team, "members": members, "revealed": revealed,
        "missing": [vocab.MEMBER_ROLES[r] for r in missing], "duties": duties, "problem": problem,
        "required_cite": rule.cite, "guardian_signed": signed,
        "recommended": [vocab.MEMBER_ROLES[r] for r in rule.recommended_roles
                        if r not in present and r not in rule.required_roles],
        "edit_rows": _edit_rows(team, posted, patient) if users else [],
        "role_choices": list(vocab.MEMBER_ROLES.items()),
        "user_choices": [(u.pk, user_label(u)) for u in users],
        "agreements": services.current_agreements(patient),
        "incidents": patient.incidents.order_by("-date")[:5],
        "joint": services.joint_visit_minimum(patient),
    }


def _posted_members(post) -> list[dict]:
    count = min(int_or_none(post.get("rows")) or 0, MAX_ROWS)
    members = []
    for r in rows_from_post(post, "m", MEMBER_FIELDS, count):
        if not r["name"]:
            continue  # a cleared name removes the member (the role select keeps its value)
        member_id = int_or_none(r["id"])
        members.append({
            "id": member_id, "role": r["role"], "name": r["name"], "unit": r["unit"],
            "phone": (r["phone"] or None) if member_id else r["phone"],  # blank on a kept member: keep
            "user_id": int_or_none(r["user_id"]), "is_leader": r["is_leader"] == "on",
        })
    return members


@permission_required(roles.VIEW_PATIENTS)
def team_page(request, pk):
    posting = request.method == "POST"
    patient = patient_selectors.get_patient_for(request, pk, action="update" if posting else "view",
                                                audit_success=not posting)
    problem, posted = None, None
    if posting:
        require_page(request, permissions.MANAGE_TEAM, "update", patient.pk)
        members = _posted_members(request.POST)
        try:
            services.save_team(request.user, patient, members, note=request.POST.get("note", "").strip(),
                               request=request)
        except errors.ServiceError as exc:
            problem = exc
            posted = [{**m, "phone": m["phone"] or "", "user_id": m["user_id"] or ""} for m in members]
        else:
            messages.success(request, "关爱帮扶小组已保存")
            return HttpResponseRedirect(reverse("care:team", args=[patient.pk]))
    context = _team_context(request, patient, problem=problem, posted=posted)
    return render(request, "care/team.html", context, status=status_for(problem))


@require_POST
@permission_required(roles.REVEAL_IDENTIFIERS, audit_action="reveal")
def team_reveal(request, pk):
    patient = patient_selectors.get_patient_for(request, pk, action="reveal", audit_success=False)
    phones = services.reveal_team_phones(request.user, patient, request=request)
    team = CareTeam.objects.filter(patient=patient).first()
    members = list(team.members.select_related("user__region")) if team else []
    for m in members:
        m.full_phone = phones.get(m.pk, "")
    return render(request, "care/_team_members.html", {"p": patient, "members": members, "revealed": True,
                                                        **permissions.flags(request.user)})


def _directory_region(request, action: str):
    return selectors.region_for(request, region_param(request) or request.user.region_id, action=action)


@permission_required(roles.VIEW_PATIENTS)
def directory_page(request):
    region = _directory_region(request, "list")
    rows = selectors.directory(request.user, region.code)
    page = Paginator(rows, 100).get_page(request.GET.get("page"))
    audit.record_request(request, "list", target=f"directory:{region.code}", detail={"count": len(rows)})
    context = {**base_context(request, {"region_code": region.code}), "region": region, "page": page,
               "rows": page.object_list, "region_full": region.full_name()}
    return render(request, "care/directory.html", context)


@require_POST
@permission_required(roles.REVEAL_IDENTIFIERS, audit_action="reveal")
def directory_reveal(request):
    region = _directory_region(request, "reveal")
    rows = selectors.directory(request.user, region.code)
    page = Paginator(rows, 100).get_page(request.GET.get("page"))
    shown = services.reveal_directory_phones(request.user, region.code, list(page.object_list), request=request)
    return render(request, "care/_directory_rows.html", {"rows": shown, "region": region, "revealed": True,
                                                          **permissions.flags(request.user)})
