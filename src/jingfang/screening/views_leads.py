"""Lead pages (疑似患者线索): list, export, report a new lead with the duplicate warning, detail with the
workflow buttons, and the confirm page that opens the registry's patient form pre-filled from the lead.

Thin: read through screening.selectors, write through screening.services_leads (which writes the
patient's file through registry.services.create_patient); every read of personal data is audited.
"""

import datetime as dt

from django.contrib import messages
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_POST

from jingfang.audit import log as audit
from jingfang.core import errors, idnumber, xlsx
from jingfang.core.paging import paginate
from jingfang.exports import guard
from jingfang.registry.forms import GuardianForm, PatientForm

from . import selectors, services_leads, vocab
from .export import LEAD_HEADERS, lead_rows, who
from .forms_leads import ExcludeForm, LeadForm, ReferForm
from .permissions import CONFIRM_LEAD, EXPORT, REPORT_LEAD, VIEW_SCREENING, require
from .views_common import base_context, bool_param, list_audit, status_for, used


def _filters(request) -> dict:
    state = request.GET.get("state", "")
    source = request.GET.get("source", "")
    return {
        "state": state if state in vocab.LEAD_STATES or state == "open" else "",
        "region_code": request.GET.get("region", "").strip()[:12],
        "source": source if source in vocab.SOURCES else "",
        "dangerous": bool_param(request.GET.get("dangerous", "")),
    }


@require(VIEW_SCREENING)
def lead_list(request):
    filters = _filters(request)
    page = paginate(request, selectors.search_leads(request.user, **filters))
    list_audit(request, filters, page.paginator.count, "leads")
    context = {**base_context(request, filters), "page": page, "states": vocab.LEAD_STATES,
               "sources": vocab.SOURCES}
    template = "screening/_lead_rows.html" if request.htmx else "screening/lead_list.html"
    return render(request, template, context)


@require(EXPORT, audit_action="export")
@guard.export_view
def lead_export(request):
    filters = _filters(request)
    rows = list(lead_rows(selectors.search_leads(request.user, **filters).iterator()))
    return guard.send(request, count=len(rows), filename="疑似患者线索.xlsx", target="leads.xlsx",
                      build=lambda: xlsx.build_workbook("疑似患者线索", LEAD_HEADERS, rows, who(request.user)),
                      detail={"filters": used(filters)})


@require(REPORT_LEAD, audit_action="create")
def lead_create(request):
    form = LeadForm(actor=request.user)
    problem, duplicates = None, []
    if request.method == "POST":
        try:
            lead = services_leads.create_lead(request.user, request.POST, request=request,
                                              allow_duplicates=request.POST.get("allow_duplicates") == "on")
        except errors.ServiceError as exc:
            problem = exc
            duplicates = exc.extra.get("duplicates", [])
            form = LeadForm(data=request.POST, actor=request.user)
            form.is_valid()
        else:
            messages.success(request, "疑似患者线索已登记" + ("。有危害行为：请立即联系公安机关制止并送医诊断" if lead.dangerous else ""))
            return HttpResponseRedirect(reverse("screening:lead_detail", args=[lead.pk]))
    return render(request, "screening/lead_form.html",
                  {**base_context(request), "form": form, "problem": problem, "duplicates": duplicates},
                  status=status_for(problem))


@require_POST
@require(REPORT_LEAD, audit_action="search")
def lead_duplicates(request):
    """htmx: possible duplicates of the lead being typed (name / ID number / birth date / village)."""
    post = request.POST
    number = idnumber.normalize(post.get("id_number", ""))[:18]
    try:
        birth = dt.date.fromisoformat(post.get("birth_date", ""))
    except ValueError:
        birth = None
    if len(number) == 18 and idnumber.is_valid(number):
        birth = idnumber.parse(number)[1]
    elif len(number) != 18:
        number = ""
    given = {"id_number": number, "name": post.get("name", "").strip()[:50], "birth_date": birth,
             "region_code": post.get("region_code", "").strip()[:12]}
    dups = selectors.lead_duplicates(request.user, **given, request=request) if any(given.values()) else []
    if any(given.values()):
        audit.record_request(request, "search", target="lead_duplicates",
                             detail={"count": len(dups), "filters": used(given)})
    return render(request, "screening/_duplicates.html", {"duplicates": dups, "checked": any(given.values())})


def _detail_context(request, lead, **extra) -> dict:
    return {
        **base_context(request),
        "lead": lead,
        "transitions": services_leads.allowed_transitions(lead, request.user),
        "refer_form": extra.pop("refer_form", None) or ReferForm(lead=lead),
        "exclude_form": extra.pop("exclude_form", None) or ExcludeForm(lead=lead),
        "duplicates": selectors.lead_duplicates(
            request.user, id_number=lead.id_number, name=lead.name, birth_date=lead.birth_date,
            region_code=lead.region_id, exclude_lead=lead.pk, request=request) if lead.is_open else [],
        **extra,
    }


@require(VIEW_SCREENING)
def lead_detail(request, pk):
    lead = selectors.get_lead_for(request, pk)
    return render(request, "screening/lead_detail.html", _detail_context(request, lead))


def _step(request, pk, step, form_class, key: str):
    lead = selectors.get_lead_for(request, pk, action="status", audit_success=False)
    try:
        lead = step(request.user, lead, request.POST, request=request)
    except errors.ServiceError as exc:
        lead = selectors.leads_for(request.user).get(pk=lead.pk)
        bound = form_class(data=request.POST, lead=lead)
        bound.is_valid()
        context = _detail_context(request, lead, problem=exc, **{key: bound})
        return render(request, "screening/lead_detail.html", context, status=exc.status)
    messages.success(request, f"线索已{vocab.LEAD_STATES[lead.state]}")
    return HttpResponseRedirect(reverse("screening:lead_detail", args=[lead.pk]))


@require_POST
@require(VIEW_SCREENING, audit_action="status")
def lead_refer(request, pk):
    return _step(request, pk, services_leads.refer, ReferForm, "refer_form")


@require_POST
@require(VIEW_SCREENING, audit_action="status")
def lead_exclude(request, pk):
    return _step(request, pk, services_leads.exclude, ExcludeForm, "exclude_form")


def _post_values(post, form) -> dict:
    return {name: (post.getlist(name) if name == "past_symptoms" else post.get(name, ""))
            for name in form.fields if name != "version"}


def _guardian_values(post) -> dict | None:
    values = {k: post.get(f"guardian-{k}", "").strip() for k in ("name", "relation", "phone", "address")}
    return values if any(values.values()) else None


@require(CONFIRM_LEAD, audit_action="create")
def lead_confirm(request, pk):
    """确诊建档: the registry's patient form, pre-filled from the lead, saved through create_patient."""
    lead = selectors.get_lead_for(request, pk, action="view" if request.method == "GET" else "status",
                                  audit_success=request.method == "GET")
    try:
        services_leads.check_transition(lead, "confirmed")
    except errors.Conflict as exc:
        return render(request, "screening/lead_detail.html", _detail_context(request, lead, problem=exc), status=409)
    defaults, guardian = services_leads.patient_defaults(lead)
    form = PatientForm(actor=request.user, creating=True, initial=defaults)
    gform = GuardianForm(prefix="guardian", initial=guardian or {})
    problem = None
    if request.method == "POST":
        data = _post_values(request.POST, PatientForm(actor=request.user, creating=True))
        try:
            lead, patient = services_leads.confirm(request.user, lead, data, _guardian_values(request.POST),
                                                   request=request)
        except errors.ServiceError as exc:
            problem = exc
            form = PatientForm(data=request.POST, actor=request.user, creating=True)
            form.is_valid()
            gform = GuardianForm(data=request.POST, prefix="guardian")
        else:
            messages.success(request, f"已确诊建档：{patient.name}；线索已关联到患者档案")
            return HttpResponseRedirect(reverse("registry:patient_detail", args=[patient.pk]))
    return render(request, "screening/lead_confirm.html",
                  {**base_context(request), "lead": lead, "form": form, "gform": gform, "problem": problem},
                  status=status_for(problem))
