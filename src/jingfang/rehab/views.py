"""Rehabilitation pages that hold no patient data: the KPI overview (per township or village), the
facilities of each 镇街 and the multi-function team, and the register as an xlsx ledger."""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render

from jingfang.accounts import roles
from jingfang.audit import log as audit
from jingfang.core import clock, errors
from jingfang.exports import guard
from jingfang.regions import codes
from jingfang.regions.models import Region

from . import compute, export, permissions, rules, selectors, services, vocab
from .forms import FacilityForm, MemberForm, TeamForm


def who(user) -> str:
    return f"{user.get_full_name() or user.username}（{user.role_label}）"


def deny(request, action: str = "view", message: str = "您的角色无权查看社区康复", patient_id=None):
    audit.record_request(request, action, outcome="denied", patient_id=patient_id, target=f"page:{request.path[:100]}")
    raise PermissionDenied(message)


def required(role_set):
    """Page guard: signed in, and one of ``role_set``; a refusal is audited."""

    def decorate(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not permissions.has(request.user, role_set):
                deny(request, "export" if request.path.endswith(".xlsx") else "view")
            return view(request, *args, **kwargs)

        return wrapped

    return decorate


def show_errors(request, exc: errors.ServiceError) -> None:
    for e in exc.errors:
        messages.error(request, e.message)


def region_for(request, code: str | None, *, action: str = "view") -> Region:
    """The region asked for (default: the user's), if within the user's region; else 404, audited."""
    code = (code or "").strip()[:12] or request.user.region_id
    region = None
    if codes.is_valid_code(code) and codes.is_within(code, request.user.region_id):
        region = Region.objects.filter(code=code).first()
    if region is None:
        audit.record_request(request, action, outcome="not_found", target=f"region:{code[:12]}")
        raise Http404("区划不存在")
    return region


def year_of(request) -> int:
    today = clock.today()
    try:
        year = int(request.GET.get("year", today.year))
    except (TypeError, ValueError):
        return today.year
    return year if 2000 <= year <= today.year else today.year


def places(user) -> list[Region]:
    """The user's region and the townships within it (region pickers; regions are not personal data)."""
    lo, hi = codes.code_range(user.region_id)
    return list(Region.objects.filter(code__gte=lo, code__lte=hi, level__lte=codes.TOWNSHIP).order_by("code"))


def townships(user) -> list[Region]:
    lo, hi = selectors.place_range(user)
    return list(Region.objects.filter(code__gte=lo, code__lte=hi, level=codes.TOWNSHIP).order_by("code"))


def _nav(user) -> dict:
    return {"can_enrol_view": permissions.has(user, permissions.ENROL_VIEW),
            "can_export": permissions.has(user, permissions.REGISTER_VIEW) and user.can(roles.EXPORT)}


@required(permissions.KPI_VIEW)
def overview(request):
    region = region_for(request, request.GET.get("region"))
    year = year_of(request)
    data = compute.board(region, year)
    today = clock.today()
    return render(request, "rehab/overview.html", {
        "region": region, "board": data, "regions": places(request.user), "year": year,
        "years": range(today.year, today.year - 6, -1), "figures": [data.coverage, data.participation],
        **_nav(request.user)})


@required(permissions.REGISTER_VIEW)
def facilities(request):
    user = request.user
    can_edit = permissions.has(user, permissions.FACILITY_EDIT)
    form = FacilityForm(initial={"status": vocab.OPERATING})
    if request.method == "POST":
        if not can_edit:
            deny(request, "create", f"社区康复机构由{permissions.roles_text(permissions.FACILITY_EDIT)}登记")
        try:
            facility = services.create_facility(user, data=request.POST, request=request)
        except errors.ServiceError as exc:
            show_errors(request, exc)
            form = FacilityForm(request.POST)
        else:
            messages.success(request, f"已登记{facility.name}")
            return redirect("rehab:facility", facility.pk)
    rows = list(selectors.facilities_for(user).order_by("region_id", "name", "id"))
    on = clock.today()
    for f in rows:
        f.operating_now = rules.FacilityFact(f.region_id, f.opened_on, f.status, f.closed_on).operating(on)
    return render(request, "rehab/facilities.html", {
        "facilities": rows, "form": form, "can_edit": can_edit, "townships": townships(user), **_nav(user)})


def _facility(request, pk, action="view"):
    facility = selectors.facilities_for(request.user).filter(pk=pk).first()
    if facility is None:
        audit.record_request(request, action, outcome="not_found", target=f"facility:{str(pk)[:20]}")
        raise Http404("机构不存在")
    return facility


@required(permissions.REGISTER_VIEW)
def facility(request, pk: int):
    user = request.user
    writing = request.method == "POST"
    obj = _facility(request, pk, "update" if writing else "view")
    can_edit = permissions.has(user, permissions.FACILITY_EDIT)
    form = FacilityForm(instance=obj)
    if writing:
        if not can_edit:
            deny(request, "update", "您的角色无权修改社区康复机构")
        try:
            services.update_facility(user, facility=obj, data=request.POST, request=request)
        except errors.ServiceError as exc:
            show_errors(request, exc)
            form = FacilityForm(request.POST, instance=obj)
        else:
            messages.success(request, "已保存")
            return redirect("rehab:facility", obj.pk)
    enrolled = None
    if permissions.may_view_owner(user, obj.operator):
        enrolled = (selectors.enrolments_for(user).filter(facility=obj, end__isnull=True).count())
    return render(request, "rehab/facility.html", {"f": obj, "form": form, "can_edit": can_edit,
                                                    "enrolled": enrolled, **_nav(user)})


@required(permissions.REGISTER_VIEW)
def teams(request):
    user = request.user
    can_edit = permissions.has(user, permissions.TEAM_EDIT)
    form = TeamForm()
    if request.method == "POST":
        if not can_edit:
            deny(request, "create", "多功能服务团队由县级督导维护")
        try:
            team = services.create_team(user, data=request.POST, request=request)
        except errors.ServiceError as exc:
            show_errors(request, exc)
            form = TeamForm(request.POST)
        else:
            messages.success(request, f"已登记{team.name}")
            return redirect("rehab:team", team.pk)
    rows = list(selectors.teams_for(user).prefetch_related("members").order_by("region_id", "name", "id"))
    for t in rows:
        t.gaps = [vocab.TEAM_ROLES[r] for r in rules.team_gaps(
            (m.role for m in t.members.all() if m.left_on is None), vocab.REQUIRED_TEAM_ROLES)]
        t.current = sum(1 for m in t.members.all() if m.left_on is None)
    return render(request, "rehab/teams.html", {"teams": rows, "form": form, "can_edit": can_edit,
                                                "places": places(user), **_nav(user)})


@required(permissions.REGISTER_VIEW)
def team(request, pk: int):
    user = request.user
    obj = selectors.teams_for(user).filter(pk=pk).first()
    if obj is None:
        audit.record_request(request, "view", outcome="not_found", target=f"rehab_team:{str(pk)[:20]}")
        raise Http404("团队不存在")
    can_edit = permissions.has(user, permissions.TEAM_EDIT)
    form = MemberForm()
    if request.method == "POST":
        if not can_edit:
            deny(request, "create", "多功能服务团队由县级督导维护")
        try:
            member = services.add_member(user, team=obj, data=request.POST, request=request)
        except errors.ServiceError as exc:
            show_errors(request, exc)
            form = MemberForm(request.POST)
        else:
            messages.success(request, f"已添加{member.name}")
            return redirect("rehab:team", obj.pk)
    members = list(obj.members.all())
    gaps = [vocab.TEAM_ROLES[r] for r in rules.team_gaps((m.role for m in members if m.left_on is None),
                                                         vocab.REQUIRED_TEAM_ROLES)]
    return render(request, "rehab/team.html", {"team": obj, "members": members, "gaps": gaps, "form": form,
                                               "can_edit": can_edit, **_nav(user)})


@required(permissions.REGISTER_VIEW)
@guard.export_view
def register_export(request):
    user = request.user
    if not user.can(roles.EXPORT):
        deny(request, "export", "您的角色无权导出")
    region = region_for(request, request.GET.get("region"), action="export")
    lo, hi = region.code_range
    year = year_of(request)
    data = compute.board(region, year)
    rows = list(selectors.facilities_for(user).filter(region_id__gte=lo, region_id__lte=hi)
                .order_by("region_id", "name", "id"))
    team_rows = list(selectors.teams_for(user).prefetch_related("members").order_by("region_id", "name", "id"))
    return guard.send(request, count=len(rows), target="rehab:register.xlsx",
                      filename=f"社区康复机构登记表-{region.name}-{data.end:%Y%m%d}.xlsx",
                      build=lambda: export.register_workbook(region, rows, team_rows, data, who(user)),
                      detail={"region": region.code})
