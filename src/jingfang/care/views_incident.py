"""Incident pages (肇事肇祸, 中梁乡2022 三、5): list, record, detail, and the retrospective review (倒查,
齐云山镇2024 四、3) with its 12-month timeline and findings."""

from django.contrib import messages
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse

from jingfang.accounts import roles
from jingfang.accounts.decorators import permission_required
from jingfang.core import clock, errors, picker
from jingfang.core.paging import paginate
from jingfang.core.vocab import DANGEROUS_ACTS
from jingfang.registry import picker as patient_picker
from jingfang.registry import selectors as patient_selectors

from . import hooks, permissions, selectors, services, timeline, vocab
from .forms import IncidentForm, ReviewForm
from .views_common import base_context, int_or_none, list_audit, region_param, require_page, status_for


@permission_required(roles.VIEW_PATIENTS)
def incident_list(request):
    kind = request.GET.get("kind", "")
    filters = {"region_code": region_param(request), "kind": kind if kind in DANGEROUS_ACTS else "",
               "unreviewed": request.GET.get("unreviewed") == "1"}
    patient_id = int_or_none(request.GET.get("patient"))
    patient = patient_selectors.get_patient_for(request, patient_id, audit_success=False) if patient_id else None
    page = paginate(request, selectors.incidents_for(request.user, patient_id=patient_id, **filters))
    list_audit(request, {**filters, "patient": patient_id}, page.paginator.count, "incidents")
    return render(request, "care/incident_list.html", {
        **base_context(request, filters), "page": page, "kinds": DANGEROUS_ACTS, "patient": patient,
        "definitions": vocab.INCIDENT_DEFINITIONS, "cite": vocab.INCIDENT_CITE,
    })


@permission_required(roles.VIEW_PATIENTS)
def incident_create(request):
    require_page(request, permissions.RECORD_INCIDENT, "create")
    posting = request.method == "POST"
    finding = posting and picker.finding(request.POST) == "patient"  # the 查找 button without JavaScript
    chosen = int_or_none(request.POST.get("patient") if posting else request.GET.get("patient"))
    patient = None
    if chosen:
        patient = patient_selectors.get_patient_for(request, chosen, action="create" if posting and not finding else "view",
                                                    audit_success=not posting or finding)
    form = IncidentForm(initial={"date": clock.today()})
    problem = None
    if finding:
        form = IncidentForm(initial=request.POST.dict())
    elif posting:
        form = IncidentForm(data=request.POST)
        if patient is None:
            problem = errors.Invalid([errors.FieldError("patient", "请选择患者")])
            form.is_valid()
        else:
            try:
                incident = services.record_incident(request.user, patient, request.POST.dict(), request=request)
            except errors.ServiceError as exc:
                problem = exc
                form.is_valid()
            else:
                messages.success(request, "事件已登记，患者既往危险行为已累加")
                return HttpResponseRedirect(reverse("care:incident", args=[incident.pk]))
    q = request.POST.get("patient_q", "") if posting else ""
    # the search typed before submitting, answered again (or for the first time without JavaScript)
    options, hint = patient_picker.options_with_chosen(request, patient, q, target="incident_form")
    return render(request, "care/incident_form.html", {
        **base_context(request), "form": form, "p": None if finding else patient,
        "problem": problem, "picked": patient, "options": options, "hint": hint, "q": q,
        "pick_invalid": posting and not finding and patient is None,
        "definitions": vocab.INCIDENT_DEFINITIONS, "cite": vocab.INCIDENT_CITE,
    }, status=status_for(problem))


@permission_required(roles.VIEW_PATIENTS)
def incident_detail(request, pk):
    incident = selectors.get_incident_for(request, pk)
    return render(request, "care/incident_detail.html", {
        **base_context(request), "i": incident, "p": incident.patient, "cite": vocab.INCIDENT_CITE,
    })


@permission_required(roles.VIEW_PATIENTS)
def incident_review(request, pk):
    posting = request.method == "POST"
    incident = selectors.get_incident_for(request, pk, action="update" if posting else "view",
                                          audit_success=not posting)
    form = ReviewForm(initial={"review_findings": incident.review_findings})
    problem = None
    if posting:
        require_page(request, permissions.REVIEW_INCIDENT, "update", incident.patient_id)
        try:
            services.save_review(request.user, incident, request.POST.get("review_findings", ""), request=request)
        except errors.ServiceError as exc:
            problem = exc
            form = ReviewForm(data=request.POST)
            form.is_valid()
        else:
            messages.success(request, "倒查结论已保存")
            return HttpResponseRedirect(reverse("care:incident_review", args=[incident.pk]))
    data = timeline.timeline(incident, request.user)
    return render(request, "care/incident_review.html", {
        **base_context(request), "i": incident, "p": incident.patient, "t": data, "form": form, "problem": problem,
        "categories": timeline.CATEGORIES, "months": vocab.REVIEW_MONTHS,
        "actions": hooks.incident_actions(request, incident),
    }, status=status_for(problem))
