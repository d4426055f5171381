"""Benefits (救助帮扶待遇): per patient, and the lists of patients eligible but not covered."""

from django.contrib import messages
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse

from jingfang.accounts import roles
from jingfang.audit import log as audit
from jingfang.core import clock, errors
from jingfang.core.paging import paginate, querystring_without_page
from jingfang.exports import guard
from jingfang.followups import engine
from jingfang.regions import selectors as region_selectors
from jingfang.registry import selectors as patient_selectors

from . import benefits, permissions, vocab
from . import selectors as support_selectors
from .forms import BenefitForm
from .views_common import deny, export, login_needed, roles_required, status_of

BENEFIT_FIELDS = ("kind", "since", "until", "scheme", "grade", "extreme_poverty", "amount_yuan", "note")


def _data(post) -> dict:
    return {k: post.get(k, "") for k in BENEFIT_FIELDS if k != "extreme_poverty"} | (
        {"extreme_poverty": "on"} if post.get("extreme_poverty") else {})


@login_needed
def patient_benefits(request, pk):
    writing = request.method == "POST"
    patient = patient_selectors.get_patient_for(request, pk, action="update" if writing else "view",
                                                audit_success=not writing)
    user = request.user
    kinds = permissions.editable_benefit_kinds(user)
    form, problem = BenefitForm(kinds=kinds), None
    if writing:
        if not kinds:
            deny(request, "update", patient.pk, "您的角色无权登记待遇")
        try:
            benefits.save_benefit(user, patient, _data(request.POST), request=request)
        except errors.ServiceError as exc:
            problem = exc
            form = BenefitForm(data=request.POST, kinds=kinds)
            form.is_valid()
        else:
            messages.success(request, "待遇已登记")
            return HttpResponseRedirect(reverse("support:patient_benefits", args=[patient.pk]))
    rows = benefits.patient_benefits(patient)
    min_risk = engine.profile_for(patient.region_id).key_person.risk_threshold
    medicated = roles.sees_clinical(user.role) and bool(benefits.on_medication([patient.pk]))
    facts = benefits.facts_of(patient, [r["b"] for r in rows], medicated, clock.today())
    allowed = benefits.visible_gap_codes(user.role)
    gaps = [benefits.gap_text(c, min_risk=min_risk) for c in benefits.gaps(facts, min_risk=min_risk) if c in allowed]
    context = {"p": patient, "rows": rows, "form": form, "problem": problem, "kinds": kinds, "gaps": gaps,
               "editable": set(kinds), "all_kinds": vocab.BENEFIT_KINDS}
    return render(request, "support/patient_benefits.html", context, status=status_of(problem))


@login_needed
def benefit_edit(request, pk, bid):
    writing = request.method == "POST"
    patient = patient_selectors.get_patient_for(request, pk, action="update" if writing else "view",
                                                audit_success=not writing)
    benefit = support_selectors.get_benefit_for(request, patient, bid, action="update" if writing else "view")
    user = request.user
    if not permissions.may_edit_benefit(user, benefit.kind):
        deny(request, "update" if writing else "view", patient.pk, "您的角色无权修改此项待遇")
    kinds = [benefit.kind]
    form, problem = BenefitForm(instance=benefit, kinds=kinds), None
    if writing:
        try:
            if request.POST.get("delete"):
                benefits.delete_benefit(user, benefit, request=request)
                messages.success(request, "待遇记录已删除")
            else:
                benefits.save_benefit(user, patient, _data(request.POST), benefit, request=request)
                messages.success(request, "待遇已保存")
        except errors.ServiceError as exc:
            problem = exc
            form = BenefitForm(data=request.POST, instance=benefit, kinds=kinds)
            form.is_valid()
        else:
            return HttpResponseRedirect(reverse("support:patient_benefits", args=[patient.pk]))
    return render(request, "support/benefit_edit.html", {"p": patient, "b": benefit, "form": form, "problem": problem},
                  status=status_of(problem))


# ---- eligible but not covered ----------------------------------------------------------------------

def _gap_filters(request) -> dict:
    gap = request.GET.get("gap", "")
    return {"region_code": request.GET.get("region", "").strip()[:12],
            "gap": gap if gap in benefits.visible_gap_codes(request.user.role) else ""}


@roles_required(permissions.GAPS_VIEW)
def benefit_gaps(request):
    filters = _gap_filters(request)
    rows = benefits.gap_rows(request.user, **filters)
    page = paginate(request, rows)
    used = sorted(k for k, v in filters.items() if v)
    audit.record_request(request, "search" if used else "list", target="benefit_gaps",
                         detail={"count": len(rows), "filters": used})
    min_risk = engine.profile_for(request.user.region_id).key_person.risk_threshold
    context = {
        "page": page, "filters": filters, "qs": querystring_without_page(request),
        "regions": region_selectors.subregions_for(request.user),
        "villages": benefits.counts_by_village(rows) if not filters["region_code"] else [],
        "gap_choices": [(c, benefits.gap_text(c, min_risk=min_risk), benefits.GAP_RULES[c][1])
                        for c in benefits.visible_gap_codes(request.user.role)],
        "total": len(rows), "can_export": request.user.can(roles.EXPORT),
    }
    template = "support/gap_rows.html" if request.htmx else "support/gaps.html"
    return render(request, template, context)


@roles_required(permissions.GAPS_VIEW)
@guard.export_view
def benefit_gaps_export(request):
    if not request.user.can(roles.EXPORT):
        deny(request, "export")
    filters = _gap_filters(request)
    rows = benefits.gap_rows(request.user, **filters)
    risk = roles.sees_risk(request.user.role)  # no column at all for the others (accounts.roles.RISK_ROLES)
    headers = ["村（社区）", "患者姓名", "性别", "经济状况", *(["危险性等级"] if risk else []), "应享未享待遇"]
    out = [[r["p"].region.name, r["p"].name, r["p"].get_sex_display(), r["p"].get_economic_status_display(),
            *([r["p"].risk_level if r["p"].risk_level is not None else ""] if risk else []), "；".join(r["texts"])]
           for r in rows]
    return export(request, "应享未享救助帮扶待遇名单", "应享未享待遇名单.xlsx", headers, out,
                  detail={"filters": sorted(k for k, v in filters.items() if v)})
