"""Pages of list reconciliation: upload a department's list, confirm its columns once, read the
differences, resolve each line."""

import re

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_POST

from jingfang.audit import log as audit
from jingfang.core import errors
from jingfang.core.masking import mask_id_number
from jingfang.core.paging import paginate, querystring_without_page
from jingfang.regions import codes
from jingfang.regions.models import Region
from jingfang.registry.selectors import patients_for

from . import permissions as perms
from . import selectors, serializers, services_recon, sheet
from .forms import MappingForm, ResolveForm, UploadForm
from .models import LINE_KINDS, LIST_DEPARTMENTS

RECON_RULE = (
    "依据：每月信息交换时跟踪核实患者住院、出院等信息，确保卫生计生、综治、公安、民政、残联等部门信息一致"
    "（中梁乡2022，三6）；各成员单位附送本单位掌握的患者个案信息（齐云山镇2024，三（六）2）；"
    "加强信息核查（平桥区2025，一（二））。"
)


def preview(value):
    """A cell of their sheet as shown on the mapping page: anything that looks like an ID number masked."""
    if isinstance(value, int | float) and abs(value) >= 1e14:
        return mask_id_number(format(value, ".0f"))
    text = sheet.fold(value) if isinstance(value, str) else value
    if isinstance(text, str) and re.search(r"\d{14,}", text):
        return re.sub(r"\d{14,}[\dXx]?", lambda m: mask_id_number(m.group(0)), text)
    return value


def context(request, **extra) -> dict:
    return {"rule": RECON_RULE, "section": "runs", **perms.flags(request.user), **extra}


def _redirect(request, url: str):
    if request.htmx:
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return HttpResponseRedirect(url)


def _after_upload_url(run) -> str:
    name = "exchange:run_mapping" if run.state == "mapping" else "exchange:run"
    return reverse(name, args=[run.pk])


@perms.required(perms.VIEW_RECONCILIATIONS)
def run_list(request, form=None, problem=None):
    user = request.user
    qs = selectors.runs_for(user)
    department = request.GET.get("department", "")
    if department in LIST_DEPARTMENTS and perms.department_of(user) is None:
        qs = qs.filter(department=department)
    page = paginate(request, qs)
    page.object_list = [serializers.run_summary(r) for r in page.object_list]
    audit.record_request(request, "list", target="reconciliations", detail={"count": page.paginator.count})
    townships = selectors.townships_for(user)
    form = form or UploadForm(townships=townships)
    return render(request, "exchange/run_list.html", context(
        request, page=page, qs=querystring_without_page(request), form=form, problem=problem,
        departments=LIST_DEPARTMENTS, department=department, mine=perms.department_of(user),
        mine_label=LIST_DEPARTMENTS.get(perms.department_of(user) or "", ""),
        limits={"mb": sheet.MAX_BYTES // 1024 // 1024, "rows": sheet.MAX_ROWS, "cols": sheet.MAX_COLS},
    ), status=problem.status if problem and not request.htmx else 200)  # htmx swaps only 2xx answers


@require_POST
@perms.required(perms.UPLOAD_LISTS, audit_action="import")
def run_upload(request):
    townships = selectors.townships_for(request.user)
    form = UploadForm(data=request.POST, files=request.FILES, townships=townships)
    try:
        run = services_recon.upload(request.user, request.FILES.get("file"), request.POST.get("township", ""),
                                    request=request)
    except errors.ServiceError as exc:
        return run_list(request, form=form, problem=exc)
    if run.state == "done":
        messages.success(request, f"已核对：对方名单{run.counts.get('rows', 0)}人（沿用上次确认的列对应）")
    return _redirect(request, _after_upload_url(run))


@perms.signed_in
def run_mapping(request, pk):
    run = selectors.get_run_for(request, pk, audit_success=request.method == "GET")
    if run.state != "mapping":
        return HttpResponseRedirect(reverse("exchange:run", args=[run.pk]))
    if not perms.can(request.user, perms.UPLOAD_LISTS):
        audit.record_request(request, "update", outcome="denied", target=f"reconciliation:{run.pk}")
        raise PermissionDenied("只有上传名单的部门可以确认列对应")
    initial = sheet.guess_mapping(run.headers)
    form = MappingForm(headers=run.headers, initial_mapping=initial)
    problem = None
    if request.method == "POST":
        form = MappingForm(data=request.POST, headers=run.headers, initial_mapping=initial)
        if form.is_valid():
            try:
                services_recon.apply_mapping(request.user, run, form.mapping(), request=request)
            except errors.ServiceError as exc:
                problem = exc
            else:
                messages.success(request, "已记住本部门名单的列对应，下次上传自动沿用")
                return _redirect(request, reverse("exchange:run", args=[run.pk]))
    sample = [{"row": r["row"], "cells": [preview(c) for c in r["cells"]]} for r in run.rows[:5]]
    return render(request, "exchange/run_mapping.html", context(
        request, run=run, form=form, problem=problem, sample=sample,
        department_label=LIST_DEPARTMENTS.get(run.department, run.department)),
        status=problem.status if problem and not request.htmx else 200)


@perms.signed_in
def run_detail(request, pk):
    run = selectors.get_run_for(request, pk)
    if run.state == "mapping" and perms.can(request.user, perms.UPLOAD_LISTS):
        return HttpResponseRedirect(reverse("exchange:run_mapping", args=[run.pk]))
    kind = request.GET.get("kind", "")
    kind = kind if kind in LINE_KINDS else ""
    open_only = request.GET.get("open") == "1"
    lines = run.lines.prefetch_related("resolutions__resolved_by")
    if kind:
        lines = lines.filter(kind=kind)
    if open_only:
        lines = lines.filter(resolution="")
    page = paginate(request, lines)
    page.object_list = [serializers.line_data(ln, request.user.role) for ln in page.object_list]
    resolved = run.lines.exclude(resolution="").count()
    return render(request, "exchange/run_detail.html", context(
        request, run=serializers.run_summary(run), r=run, page=page, qs=querystring_without_page(request),
        kinds=LINE_KINDS, kind=kind, open_only=open_only, resolved=resolved, total=run.lines.count()))


def _villages(run) -> list[tuple[str, str]]:
    lo, hi = codes.code_range(run.township_id)
    return list(Region.objects.filter(level=codes.VILLAGE, code__gte=lo, code__lte=hi)
                .order_by("code").values_list("code", "name"))


def _searches(line) -> bool:
    """Does the resolve page look for candidates (an audited search) for this line?"""
    theirs = line.theirs or {}
    return line.kind == "theirs_only" and bool(theirs.get("name") or theirs.get("birth_date"))


def _candidates(request, run, line) -> list[dict]:
    """Our patients in the township with the same name or birth date, to link a theirs-only line to."""
    theirs = line.theirs or {}
    if not _searches(line):
        return []
    lo, hi = codes.code_range(run.township_id)
    cond = Q(name=theirs["name"]) if theirs.get("name") else Q(pk__in=[])
    if theirs.get("birth_date"):
        cond |= Q(birth_date=theirs["birth_date"])
    qs = patients_for(request.user).filter(cond, region_id__gte=lo, region_id__lte=hi).select_related("region")[:10]
    found = [{"id": p.pk, "name": p.name, "id_number_masked": mask_id_number(p.id_number),
              "village_name": p.region.name} for p in qs]
    audit.record_request(request, "search", target=f"reconciliation_line:{line.pk}",
                         detail={"count": len(found), "filters": ["name", "birth_date"]})
    return found


@perms.signed_in
def line_resolve(request, pk, line_pk):
    run = selectors.get_run_for(request, pk, audit_success=False)
    line = selectors.get_line_for(request, run, line_pk)
    if not perms.can(request.user, perms.RESOLVE_LINES):
        audit.record_request(request, "update", outcome="denied", target=f"reconciliation_line:{line.pk}")
        raise PermissionDenied("您的角色无权处理核对差异")
    if request.method == "GET" and not _searches(line):  # one audit row a page: the search's, else this
        audit.record_request(request, "view", target=f"reconciliation:{run.pk}",
                             detail={"township": run.township_id, "department": run.department})
    form = ResolveForm(kind=line.kind, villages=_villages(run))
    problem = None
    if request.method == "POST":
        form = ResolveForm(data=request.POST, kind=line.kind, villages=_villages(run))
        if form.is_valid():
            try:
                services_recon.resolve(request.user, run, line, form.data_for_service(), request=request)
            except errors.ServiceError as exc:
                problem = exc
            else:
                messages.success(request, "已处理，处理记录已保存")
                return HttpResponseRedirect(reverse("exchange:run", args=[run.pk]) + f"#line-{line.pk}")
        else:
            problem = errors.Invalid(errors.from_form(form))
    return render(request, "exchange/line_resolve.html", context(
        request, run=serializers.run_summary(run), line=serializers.line_data(line, request.user.role), form=form,
        problem=problem,
        candidates=_candidates(request, run, line)),
        status=problem.status if problem else 200)
