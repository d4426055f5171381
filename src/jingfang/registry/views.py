"""Patient pages. Thin: read through registry.selectors, write through registry.services."""

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from jingfang.accounts import roles
from jingfang.accounts.decorators import permission_required
from jingfang.audit import log as audit
from jingfang.core import errors, idnumber, picker, vocab, xlsx
from jingfang.exports import guard
from jingfang.regions import selectors as region_selectors

from . import picker as patient_picker
from . import selectors, serializers, services
from .forms import GuardianForm, GuardianFormSet, PatientForm, StatusForm

# The free-text query (a name, or a whole ID or phone number) never travels in a URL: URLs end up
# in browser history, proxy and server logs and Referer headers. The list's search form, its pager
# and the export button all POST it (with the CSRF token); a GET reads only the other filters and
# the page number. A GET that still carries an ID or phone number in ?q= (an old bookmark, a
# hand-typed URL) is not searched, and the page says why; a name there is still searched.
URL_QUERY_NOTICE = "为保护隐私，身份证号、电话号码不能放在网址中查询，已忽略网址中的查询条件。请在上方搜索框中输入后查询。"


def _filters(request) -> tuple[dict, str]:
    """The list's filters from the POST body (the search form) or the query string, and a notice."""
    data = request.POST if request.method == "POST" else request.GET
    kp = data.get("key_person", "")
    q = data.get("q", "").strip()[:50]
    notice = ""
    if request.method != "POST" and q and idnumber.holds_identifier(q):
        q, notice = "", URL_QUERY_NOTICE
    return {
        "q": q,
        "region_code": data.get("region", "").strip()[:12],
        "status": data.get("status", "") if data.get("status", "") in vocab.STATUSES else "",
        "key_person": True if kp == "1" else (False if kp == "0" else None),
    }, notice


def _url_params(filters) -> str:
    """The filters other than ``q`` as a query string (for the address bar)."""
    kp = filters["key_person"]
    params = {
        "region": filters["region_code"],
        "status": filters["status"],
        "key_person": "" if kp is None else ("1" if kp else "0"),
    }
    return urlencode({k: v for k, v in params.items() if v})


def _list_audit(request, filters, count, action=None):
    used = sorted(k for k, v in filters.items() if v not in ("", None))
    audit.record_request(
        request, action or ("search" if used else "list"), detail={"count": count, "filters": used}
    )


@require_http_methods(["GET", "POST"])
@permission_required(roles.VIEW_PATIENTS)
def patient_list(request):
    filters, notice = _filters(request)
    qs = selectors.search(request.user, **filters)
    data = request.POST if request.method == "POST" else request.GET
    page = Paginator(qs, settings.JINGFANG_PAGE_SIZE).get_page(data.get("page"))
    _list_audit(request, filters, page.paginator.count)
    context = {
        "page": page,
        "filters": filters,
        "notice": notice,
        "regions": region_selectors.subregions_for(request.user),
        "statuses": vocab.STATUSES,
        "sees_clinical": roles.sees_clinical(request.user.role),
    }
    template = "registry/_patient_rows.html" if request.htmx else "registry/patient_list.html"
    response = render(request, template, context)
    if request.htmx:
        # The address bar follows the filters, never the query text.
        params = _url_params(filters)
        response["HX-Push-Url"] = reverse("registry:patient_list") + (f"?{params}" if params else "")
    return response


@require_http_methods(["GET", "POST"])
@permission_required(roles.EXPORT, audit_action="export")
@guard.export_view
def patient_export(request):
    """The list's export: the page POSTs its filters (so ``q`` stays out of the URL); GET still
    works for the other filters."""
    filters, _notice = _filters(request)
    qs = selectors.search(request.user, **filters).prefetch_related("guardians")
    headers, rows = serializers.export_rows(qs.iterator(chunk_size=1000), request.user.role)
    rows = list(rows)
    who = f"{request.user.get_full_name() or request.user.username}（{request.user.role_label}）"
    return guard.send(request, count=len(rows), filename="患者名单.xlsx", target="patients.xlsx",
                      build=lambda: xlsx.build_workbook("患者名单", headers, rows, who),
                      detail={"filters": sorted(k for k, v in filters.items() if v not in ("", None))})


@permission_required(roles.VIEW_PATIENTS)
def patient_detail(request, pk):
    patient = selectors.get_patient_for(request, pk, emergency=True)
    role = request.user.role
    # Opened under an emergency grant (outside the jurisdiction): read-only, no link to anything else.
    grant = getattr(request, "emergency_grant", None)
    guardians = list(patient.guardians.all())
    region_full = patient.region.full_name()
    context = {
        "p": patient,
        "region_full": region_full,
        "household_full": (region_full if patient.household_region_id == patient.region_id
                           else patient.household_region.full_name()),
        "status_detail_label": vocab.STATUS_DETAILS.get(patient.status, {}).get(patient.status_detail, ""),
        "sees_clinical": roles.sees_clinical(role),
        "can_edit": roles.can(role, roles.EDIT_PATIENT),
        "can_status": roles.can(role, roles.CHANGE_STATUS),
        "can_reveal": roles.can(role, roles.REVEAL_IDENTIFIERS),
        "guardians": guardians,
        "history": patient.status_history.select_related("recorded_by")[:20],
        "revisions": patient.revisions.select_related("user")[:10],
        "key_reasons": serializers.reasons_for(patient, role, guardians),
    }
    if grant is not None:
        context.update(emergency_grant=grant, can_edit=False, can_status=False)
    return render(request, "registry/patient_detail.html", context)


@require_GET
@permission_required(roles.VIEW_PATIENTS)
def patient_pick(request):
    """htmx: the options of a patient picker (core/_picker.html) for what was typed in it."""
    name = picker.field_name(request.GET.get("field")) or "patient"
    found, hint = patient_picker.options(request, request.GET.get(f"{name}_q", ""), target="patient_picker")
    return picker.options_response(request, found, chosen=request.GET.get(name, ""), hint_text=hint)


@require_POST
@permission_required(roles.REVEAL_IDENTIFIERS, audit_action="reveal")
def patient_reveal(request, pk):
    patient = selectors.get_patient_for(request, pk, action="reveal", audit_success=False, emergency=True)
    revealed = services.reveal_identifiers(request.user, patient, request=request)
    return render(request, "registry/_identifiers.html", {"p": patient, "revealed": revealed})


@permission_required(roles.CREATE_PATIENT, audit_action="create")
def patient_create(request):
    form = PatientForm(actor=request.user, creating=True, initial={"status": "at_home"})
    gform = GuardianForm(prefix="guardian")
    problem = None
    if request.method == "POST":
        data = _post_values(request.POST, PatientForm(actor=request.user, creating=True))
        guardian = _guardian_values(request.POST)
        try:
            patient = services.create_patient(request.user, data, guardian=guardian, request=request)
        except errors.ServiceError as exc:
            problem = exc
            form = PatientForm(data=request.POST, actor=request.user, creating=True)
            form.is_valid()
            gform = GuardianForm(data=request.POST, prefix="guardian")
            if guardian:
                gform.is_valid()
        else:
            messages.success(request, f"已为{patient.name}建档")
            return HttpResponseRedirect(reverse("registry:patient_detail", args=[patient.pk]))
    return render(
        request, "registry/patient_form.html",
        {"form": form, "gform": gform, "problem": problem, "creating": True},
        status=422 if problem and isinstance(problem, errors.Invalid) else (409 if problem else 200),
    )


def _post_values(post, form) -> dict:
    values = {}
    for name in form.fields:
        if name == "version":
            continue
        if name == "past_symptoms":
            values[name] = post.getlist(name)
        else:
            values[name] = post.get(name, "")
    return values


def _guardian_values(post) -> dict | None:
    values = {k: post.get(f"guardian-{k}", "").strip() for k in ("name", "relation", "phone", "address")}
    return values if any(values.values()) else None


@permission_required(roles.EDIT_PATIENT, audit_action="update")
def patient_edit(request, pk):
    patient = selectors.get_patient_for(request, pk, action="view" if request.method == "GET" else "update",
                                        audit_success=request.method == "GET")
    problem = None
    form = PatientForm(actor=request.user, creating=False, instance=patient, initial={"version": patient.version})
    formset = GuardianFormSet(instance=patient, prefix="guardians")
    if request.method == "POST":
        try:
            version = int(request.POST.get("version", ""))
        except ValueError:
            version = None
        formset = GuardianFormSet(data=request.POST, instance=patient, prefix="guardians")
        try:
            services.update_patient(
                request.user, patient, _post_values(request.POST, form), version,
                guardian_formset=formset, request=request,
            )
        except errors.ServiceError as exc:
            problem = exc
            patient = selectors.patients_for(request.user).get(pk=patient.pk)
            form = PatientForm(data=request.POST, actor=request.user, creating=False, instance=patient)
            form.is_valid()
            if isinstance(exc, errors.Conflict):
                form.data = form.data.copy()
                form.data["version"] = patient.version
        else:
            messages.success(request, "档案已保存")
            return HttpResponseRedirect(reverse("registry:patient_detail", args=[patient.pk]))
    return render(
        request, "registry/patient_form.html",
        {"form": form, "formset": formset, "problem": problem, "creating": False, "p": patient,
         },
        status=409 if isinstance(problem, errors.Conflict) else (422 if problem else 200),
    )


@permission_required(roles.CHANGE_STATUS, audit_action="status")
def patient_status(request, pk):
    patient = selectors.get_patient_for(request, pk, action="view" if request.method == "GET" else "status",
                                        audit_success=request.method == "GET")
    problem = None
    form = StatusForm(patient=patient, initial={"version": patient.version, "status": patient.status})
    if request.method == "POST":
        try:
            services.change_status(request.user, patient, request.POST.dict(), request=request)
        except errors.ServiceError as exc:
            problem = exc
            form = StatusForm(data=request.POST, patient=patient)
            form.is_valid()
        else:
            messages.success(request, "在管状态已更新")
            return HttpResponseRedirect(reverse("registry:patient_detail", args=[patient.pk]))
    return render(
        request, "registry/patient_status.html", {"form": form, "p": patient, "problem": problem},
        status=409 if isinstance(problem, errors.Conflict) else (422 if problem else 200),
    )

