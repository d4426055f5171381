"""Workforce pages: the overview (KPIs, counts, shortfalls: aggregate, also for the township office),
institutions and their staff, a staff member with training records (names: county supervisor and
township doctor, each look audited), and the register as an xlsx ledger."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from jingfang.audit import log as audit
from jingfang.core import errors
from jingfang.exports import guard
from jingfang.regions import codes
from jingfang.regions.models import Region
from jingfang.stats import permissions as stats_permissions

from . import compute, export, permissions, selectors, services, vocab
from .forms import InstitutionForm, StaffForm, TrainingForm


def _who(user) -> str:
    return f"{user.get_full_name() or user.username}（{user.role_label}）"


def _errors(request, exc: errors.ServiceError) -> None:
    for e in exc.errors:
        messages.error(request, e.message)


def _deny_write(request, target: str):
    audit.record_request(request, "create", outcome="denied", target=target)
    raise PermissionDenied("只有县级督导可以维护精神卫生人员名册")


def _places(user) -> list[Region]:
    """The county (or the user's region) and its townships, where institutions are registered."""
    lo, hi = codes.code_range(user.region_id)
    return list(Region.objects.filter(code__gte=lo, code__lte=hi, level__lte=codes.TOWNSHIP,
                                      level__gte=min(codes.level_of(user.region_id), codes.TOWNSHIP))
                .order_by("code"))


@permissions.required(permissions.can_count)
def overview(request):
    region = stats_permissions.region_for(request, request.GET.get("region"))
    data = compute.board(region)
    regions = [r for r in _places(request.user)]
    return render(request, "workforce/overview.html", {
        "region": region, "board": data, "regions": regions, "kinds": vocab.STAFF_KINDS,
        "figures": [data.psychiatrists, data.staffing], "can_read": permissions.can_read(request.user),
        "can_export": permissions.can_export(request.user)})


@permissions.required(permissions.can_read)
def institutions(request):
    can_write = permissions.can_write(request.user)
    form = InstitutionForm()
    if request.method == "POST":
        if not can_write:
            _deny_write(request, "institution")
        try:
            inst = services.create_institution(request.user, data=request.POST, request=request)
        except errors.ServiceError as exc:
            _errors(request, exc)
            form = InstitutionForm(request.POST)
        else:
            messages.success(request, f"已登记{inst.name}")
            return redirect("workforce:institution", inst.pk)
    rows = list(selectors.institutions_for(request.user).order_by("region_id", "kind", "name"))
    counts = {}
    for inst_id, kind in selectors.staff_for(request.user).filter(left_on__isnull=True).values_list("institution_id",
                                                                                                   "kind"):
        counts.setdefault(inst_id, dict.fromkeys(vocab.STAFF_KINDS, 0))[kind] += 1
    for inst in rows:
        inst.counts = counts.get(inst.pk, dict.fromkeys(vocab.STAFF_KINDS, 0))
    return render(request, "workforce/institutions.html", {
        "institutions": rows, "form": form, "can_write": can_write, "places": _places(request.user),
        "kinds": vocab.STAFF_KINDS, "can_export": permissions.can_export(request.user)})


def _institution(request, pk):
    inst = selectors.institutions_for(request.user).filter(pk=pk).first()
    if inst is None:
        audit.record_request(request, "view", outcome="not_found", target=f"institution:{str(pk)[:20]}")
        raise Http404("机构不存在")
    return inst


def _staff(request, pk, action="view"):
    staff = selectors.staff_for(request.user).filter(pk=pk).first()
    if staff is None:
        audit.record_request(request, action, outcome="not_found", target=f"staff:{str(pk)[:20]}")
        raise Http404("人员不存在")
    return staff


@permissions.required(permissions.can_read)
def institution(request, pk: int):
    inst = _institution(request, pk)
    can_write = permissions.can_write(request.user)
    form = StaffForm()
    if request.method == "POST":
        if not can_write:
            _deny_write(request, f"institution:{inst.pk}")
        try:
            staff = services.create_staff(request.user, institution=inst, data=request.POST, request=request)
        except errors.ServiceError as exc:
            _errors(request, exc)
            form = StaffForm(request.POST)
        else:
            messages.success(request, f"已登记{staff.name}")
            return redirect("workforce:staff", staff.pk)
    staff = list(inst.staff.prefetch_related("trainings"))
    audit.record_request(request, "view", target=f"institution:{inst.pk}", detail={"staff": len(staff)})
    return render(request, "workforce/institution.html", {"institution": inst, "staff": staff, "form": form,
                                                          "can_write": can_write})


@permissions.required(permissions.can_read)
def staff_detail(request, pk: int):
    staff = _staff(request, pk)
    can_write = permissions.can_write(request.user)
    form = StaffForm(instance=staff)
    if request.method == "POST":
        if not can_write:
            _deny_write(request, f"staff:{staff.pk}")
        try:
            services.update_staff(request.user, staff=staff, data=request.POST, request=request)
        except errors.ServiceError as exc:
            _errors(request, exc)
            form = StaffForm(request.POST)
        else:
            messages.success(request, "已保存")
            return redirect("workforce:staff", staff.pk)
    else:
        audit.record_request(request, "view", target=f"staff:{staff.pk}")
    return render(request, "workforce/staff.html", {"staff": staff, "trainings": list(staff.trainings.all()),
                                                    "form": form, "training_form": TrainingForm(),
                                                    "can_write": can_write})


@require_POST
@permissions.required(permissions.can_read)
def training_add(request, pk: int):
    staff = _staff(request, pk, "create")
    if not permissions.can_write(request.user):
        _deny_write(request, f"staff:{staff.pk}")
    try:
        services.add_training(request.user, staff=staff, data=request.POST, request=request)
    except errors.ServiceError as exc:
        _errors(request, exc)
    else:
        messages.success(request, "已添加培训记录")
    return redirect("workforce:staff", staff.pk)


@permissions.required(permissions.can_read)
@guard.export_view
def register_export(request):
    if not permissions.can_export(request.user):
        audit.record_request(request, "export", outcome="denied", target=f"page:{request.path[:100]}")
        raise PermissionDenied("您的角色无权导出")
    region = stats_permissions.region_for(request, request.GET.get("region"), action="export")
    lo, hi = region.code_range
    order = list(vocab.STAFF_KINDS)
    staff = sorted(selectors.staff_for(request.user).filter(institution__region_id__gte=lo, institution__region_id__lte=hi)
                   .prefetch_related("trainings"),
                   key=lambda s: (s.institution.region_id, s.institution.name, order.index(s.kind), s.name, s.pk))
    data = compute.board(region)
    return guard.send(request, count=len(staff), target="workforce:register.xlsx",
                      filename=f"精神卫生人员名册-{region.name}-{data.on:%Y%m%d}.xlsx",
                      build=lambda: export.workbook(region, staff, data, _who(request.user)),
                      detail={"region": region.code})
