"""Guardianship pages: a patient's agreements (监护管理协议 / 有奖监护协议) with their history, drawing
one up, revoking one with a reason, and replacing the guardian (齐云山镇2024 三（七）; 中梁乡2022 三、4)."""

from django.contrib import messages
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse

from jingfang.accounts import roles
from jingfang.accounts.decorators import permission_required
from jingfang.core import clock, errors
from jingfang.registry import selectors as patient_selectors

from . import permissions, selectors, services, vocab
from .forms import AgreementForm, RevokeForm
from .views_common import base_context, require_page, status_for

AGREEMENT_FIELDS = ("guardian", "type", "start", "end", "duties", "signed", "signed_on")


def _agreement_data(post, prefix: str = "") -> dict:
    data = {k: post.get(prefix + k, "").strip() for k in AGREEMENT_FIELDS}
    data["signed"] = post.get(prefix + "signed") == "on"
    data["guardian_id"] = data.pop("guardian") or None
    return data


@permission_required(roles.VIEW_PATIENTS)
def guardianship_page(request, pk):
    posting = request.method == "POST"
    patient = patient_selectors.get_patient_for(request, pk, action="create" if posting else "view",
                                                audit_success=not posting)
    form = AgreementForm(patient=patient, initial={"start": clock.today(), "type": "management",
                                                   "guardian": getattr(patient.primary_guardian, "pk", None)})
    problem = None
    if posting:
        require_page(request, permissions.MANAGE_AGREEMENT, "create", patient.pk)
        try:
            services.create_agreement(request.user, patient, _agreement_data(request.POST), request=request)
        except errors.ServiceError as exc:
            problem = exc
            form = AgreementForm(data=request.POST, patient=patient)
            form.is_valid()
        else:
            messages.success(request, "监护协议已登记")
            return HttpResponseRedirect(reverse("care:guardianship", args=[patient.pk]))
    today = clock.today()
    agreements = list(selectors.agreements_of(patient))
    for a in agreements:
        a.state_now = a.state_on(today)
        a.state_now_label = vocab.AGREEMENT_STATES[a.state_now]
    return render(request, "care/guardianship.html", {
        **base_context(request), "p": patient, "agreements": agreements, "form": form, "problem": problem,
        "has_guardian": patient.guardians.exists(), "today": today,
    }, status=status_for(problem))


@permission_required(roles.VIEW_PATIENTS)
def agreement_revoke(request, pk):
    posting = request.method == "POST"
    agreement = selectors.get_agreement_for(request, pk, action="update" if posting else "view",
                                            audit_success=not posting)
    patient = agreement.patient
    require_page(request, permissions.REVOKE_AGREEMENT, "update", patient.pk)
    revoke_form = RevokeForm(initial={"date": clock.today()})
    new_form = AgreementForm(patient=patient, exclude_guardian=agreement.guardian_id, prefix="new",
                             initial={"type": agreement.type, "duties": agreement.duties, "start": clock.today()})
    problem = None
    replace = request.POST.get("replace") == "on" if posting else request.GET.get("replace") == "1"
    if posting:
        reason, on = request.POST.get("reason", ""), request.POST.get("date", "") or None
        try:
            if replace:
                new = services.replace_guardian(request.user, agreement, reason, _agreement_data(request.POST, "new-"),
                                                on, request=request)
            else:
                services.revoke_agreement(request.user, agreement, reason, on, request=request)
        except errors.ServiceError as exc:
            problem = exc
            revoke_form = RevokeForm(data=request.POST)
            revoke_form.is_valid()
            if replace:
                new_form = AgreementForm(data=request.POST, patient=patient, exclude_guardian=agreement.guardian_id,
                                         prefix="new")
                new_form.is_valid()
        else:
            messages.success(request, f"已更换监护人为{new.guardian_name}" if replace else "监护协议已撤销")
            return HttpResponseRedirect(reverse("care:guardianship", args=[patient.pk]))
    return render(request, "care/agreement_revoke.html", {
        **base_context(request), "a": agreement, "p": patient, "revoke_form": revoke_form, "new_form": new_form,
        "replace": replace, "problem": problem,
        "other_guardians": patient.guardians.exclude(pk=agreement.guardian_id).exists(),
    }, status=status_for(problem))
