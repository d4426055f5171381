"""Screening campaign pages (摸排, 当阳乡2022): list and create, detail (phases, per-village progress,
listed persons with filters, add a listing, import from the files), a person's assessment, and the
confidential upward report.

Thin: read through screening.selectors, write through screening.services_campaigns; audited.
"""

from django.contrib import messages
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_POST

from jingfang.accounts import roles
from jingfang.audit import log as audit
from jingfang.core import clock, errors
from jingfang.core import vocab as core_vocab
from jingfang.core.paging import paginate
from jingfang.exports import guard

from . import selectors, services_campaigns, vocab
from .export import report_workbook
from .forms_campaigns import CampaignForm, ListingForm, PersonForm
from .permissions import EXPORT, MANAGE_CAMPAIGNS, VIEW_SCREENING, require
from .views_common import base_context, list_audit, status_for


def phase_rows(campaign, today=None) -> list[dict]:
    today = today or clock.today()
    rows = []
    for p in sorted(campaign.phases.all(), key=lambda x: list(vocab.PHASES).index(x.phase)):
        state = "done" if p.end < today else ("current" if p.start <= today else "future")
        rows.append({"code": p.phase, "label": vocab.PHASES[p.phase], "start": p.start, "end": p.end, "state": state})
    return rows


@require(VIEW_SCREENING)
def campaign_list(request):
    campaigns = list(selectors.campaigns_for(request.user).prefetch_related("phases"))
    today = clock.today()
    rows = []
    for c in campaigns:
        phases = phase_rows(c, today)
        current = next((p for p in phases if p["state"] == "current"), None)
        rows.append({"c": c, "phases": phases, "current": current,
                     "progress": selectors.progress(request.user, c)["totals"]})
    audit.record_request(request, "list", target="campaigns", detail={"count": len(rows)})
    return render(request, "screening/campaign_list.html", {**base_context(request), "rows": rows})


@require(MANAGE_CAMPAIGNS, audit_action="create")
def campaign_create(request):
    form, problem = CampaignForm(), None
    if request.method == "POST":
        try:
            campaign = services_campaigns.create_campaign(request.user, request.POST, request=request)
        except errors.ServiceError as exc:
            problem = exc
            form = CampaignForm(data=request.POST)
            form.is_valid()
        else:
            messages.success(request, f"摸排行动“{campaign.name}”已创建")
            return HttpResponseRedirect(reverse("screening:campaign_detail", args=[campaign.pk]))
    return render(request, "screening/campaign_form.html", {**base_context(request), "form": form,
                                                            "problem": problem}, status=status_for(problem))


def _person_filters(request) -> dict:
    g, d, w, pr = (request.GET.get(k, "") for k in ("group", "department", "whereabouts", "progress"))
    return {
        "region_code": request.GET.get("region", "").strip()[:12],
        "group": g if g in vocab.GROUPS else "",
        "department": d if d in vocab.DEPARTMENTS else "",
        "whereabouts": w if w in core_vocab.STATUSES or w == "none" else "",
        "progress": pr if pr in ("not_assessed", "to_enter", "entered") else "",
    }


def _person_row(p) -> dict:
    listings = list(p.listings.all())
    return {
        "p": p,
        "groups": [vocab.GROUP_SHORT[g] for g in vocab.GROUPS if any(x.group == g for x in listings)],
        "departments": [vocab.DEPARTMENTS[d] for d in vocab.DEPARTMENTS if any(x.department == d for x in listings)],
    }


def _detail(request, campaign, *, listing_form=None, problem=None, status=200):
    filters = _person_filters(request)
    page = paginate(request, selectors.search_persons(request.user, campaign, **filters))
    context = {
        **base_context(request, filters),
        "campaign": campaign,
        "phases": phase_rows(campaign),
        "progress": selectors.progress(request.user, campaign),
        "page": page,
        "rows": [_person_row(p) for p in page.object_list],
        "listing_form": listing_form or ListingForm(actor=request.user, campaign=campaign),
        "department": vocab.DEPARTMENTS.get(services_campaigns.department_of(request.user), ""),
        "groups": [(k, vocab.GROUP_SHORT[k], vocab.group_label(k, campaign.risk_since)) for k in vocab.GROUPS],
        "group_short": vocab.GROUP_SHORT,
        "importable": vocab.IMPORTABLE,
        "departments": vocab.DEPARTMENTS,
        "statuses": core_vocab.STATUSES,
        "problem": problem,
        "can_reveal": roles.can(request.user.role, roles.REVEAL_IDENTIFIERS),
    }
    list_audit(request, filters, page.paginator.count, f"campaign:{campaign.pk}")
    template = "screening/_person_rows.html" if request.htmx and not problem else "screening/campaign_detail.html"
    return render(request, template, context, status=status)


@require(VIEW_SCREENING)
def campaign_detail(request, pk):
    campaign = selectors.get_campaign_for(request, pk, audit_success=False)
    return _detail(request, campaign)


@require_POST
@require(VIEW_SCREENING, audit_action="create")
def listing_add(request, pk):
    campaign = selectors.get_campaign_for(request, pk, action="create", audit_success=False)
    try:
        person, created = services_campaigns.add_listing(request.user, campaign, request.POST, request=request)
    except errors.ServiceError as exc:
        form = ListingForm(data=request.POST, actor=request.user, campaign=campaign)
        form.is_valid()
        return _detail(request, campaign, listing_form=form, problem=exc, status=exc.status)
    messages.success(request, f"已列报：{person.name}" if created else
                     f"{person.name}已由其他部门或类别列报，已合并为同一人（不重复入库）")
    return HttpResponseRedirect(reverse("screening:campaign_detail", args=[campaign.pk]) + "#persons")


@require_POST
@require(VIEW_SCREENING, audit_action="import")
def campaign_import(request, pk):
    campaign = selectors.get_campaign_for(request, pk, action="import", audit_success=False)
    group = request.POST.get("group", "")
    try:
        result = services_campaigns.import_from_files(request.user, campaign, group, request=request)
    except errors.ServiceError as exc:
        return _detail(request, campaign, problem=exc, status=exc.status)
    messages.success(request, f"从档案导入“{vocab.GROUP_SHORT[group]}”：新增{result['added']}人，"
                              f"与已列报人员合并{result['merged']}人")
    return HttpResponseRedirect(reverse("screening:campaign_detail", args=[campaign.pk]) + "#persons")


@require(VIEW_SCREENING)
def person_edit(request, pk, person_pk):
    campaign = selectors.get_campaign_for(request, pk, audit_success=False)
    person = selectors.get_person_for(request, campaign, person_pk,
                                      action="view" if request.method == "GET" else "update")
    if request.method == "GET":
        audit.record_request(request, "view", target=f"campaign_person:{person.pk}", patient_id=person.patient_id)
    form, problem = PersonForm(instance=person), None
    if request.method == "POST":
        try:
            services_campaigns.update_person(request.user, campaign, person, request.POST, request=request)
        except errors.ServiceError as exc:
            problem = exc
            form = PersonForm(data=request.POST, instance=selectors.persons_for(request.user, campaign).get(pk=person.pk))
            form.is_valid()
        else:
            messages.success(request, "已保存")
            return HttpResponseRedirect(reverse("screening:campaign_detail", args=[campaign.pk]) + "#persons")
    return render(request, "screening/person_edit.html", {
        **base_context(request), "campaign": campaign, "person": person, "form": form, "problem": problem,
        "row": _person_row(person), "group_labels": [vocab.group_label(x.group, campaign.risk_since)
                                                     for x in person.listings.all()],
    }, status=status_for(problem))


@require(EXPORT, audit_action="export")
@guard.export_view
def campaign_report(request, pk):
    """The upward report (xlsx), grouped by whereabouts class, marked 内部资料 注意保密, audited without names."""
    campaign = selectors.get_campaign_for(request, pk, action="export", audit_success=False)
    full = request.GET.get("full_ids") == "1" and roles.can(request.user.role, roles.REVEAL_IDENTIFIERS)
    groups = services_campaigns.report_groups(request.user, campaign)
    return guard.send(
        request, count=sum(len(g["persons"]) for g in groups), filename=f"摸排名单-{campaign.pk}.xlsx",
        target=f"campaign:{campaign.pk}:report.xlsx", title=f"{campaign.name}摸排名单",
        build=lambda: report_workbook(request.user, campaign, groups, full_ids=full)[0],
        detail={"classes": {(g["status"] or "unclassified") + (f".{g['detail']}" if g["detail"] else ""): len(g["persons"])
                            for g in groups}, "full_ids": full})
