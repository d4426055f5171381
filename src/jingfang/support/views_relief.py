"""Hospitalisation relief (住院救助, 平桥区2025 annex): applications, their steps, the printable form,
the fund and its ledger, the quarterly summary."""

from django.contrib import messages
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_POST

from jingfang.accounts import roles
from jingfang.audit import log as audit
from jingfang.core import clock, errors
from jingfang.core.paging import paginate, querystring_without_page
from jingfang.exports import guard
from jingfang.regions import codes
from jingfang.regions import selectors as region_selectors
from jingfang.regions.models import Region
from jingfang.registry import selectors as patient_selectors

from . import permissions, relief, services_relief, vocab, worklist
from . import selectors as sel
from .forms import STEP_FORMS, ReliefForm
from .views_common import export, int_param, login_needed, require, roles_required, status_of

APP_FIELDS = ("guardian", "applicant_name", "applicant_relation", "applicant_phone", "insurance_type", "facts",
              "court_ordered")


def _filters(request) -> dict:
    state = request.GET.get("state", "")
    return {"state": state if state in vocab.RELIEF_STATES else "",
            "region_code": request.GET.get("region", "").strip()[:12], "q": request.GET.get("q", "").strip()[:20]}


@roles_required(permissions.RELIEF_VIEW)
def relief_list(request):
    user, f = request.user, _filters(request)
    qs = sel.applications_for(user)
    if f["state"]:
        qs = qs.filter(state=f["state"])
    if f["region_code"]:
        if codes.is_valid_code(f["region_code"]):
            lo, hi = codes.code_range(f["region_code"])
            qs = qs.filter(patient__region_id__gte=lo, patient__region_id__lte=hi)
        else:
            qs = qs.none()
    if f["q"]:
        qs = qs.filter(patient__name__icontains=f["q"])
    page = paginate(request, qs)
    used = sorted(k for k, v in f.items() if v)
    audit.record_request(request, "search" if used else "list", target="relief", detail={"count": page.paginator.count,
                                                                                         "filters": used})
    mine = [(s, vocab.RELIEF_STATES[s]) for s, (step, _) in worklist.WAITING.items() if permissions.may_step(user, step)]
    today = clock.today()
    context = {"page": page, "filters": f, "qs": querystring_without_page(request), "states": vocab.RELIEF_STATES,
               "regions": region_selectors.subregions_for(user), "mine": mine,
               "can_file": permissions.has(user, permissions.RELIEF_FILE),
               "can_fund": permissions.has(user, permissions.FUND_VIEW),
               "can_summary": permissions.has(user, permissions.SUMMARY_VIEW),
               "year": today.year, "quarter": (today.month - 1) // 3 + 1}
    return render(request, "support/relief_list.html", context)


@login_needed
def relief_new(request):
    user = request.user
    pid = request.GET.get("patient") or request.POST.get("patient")
    if not pid:
        require(request, permissions.RELIEF_FILE)
        q = request.POST.get("q", "").strip()[:50]  # by POST: the query may be an ID number
        found = list(patient_selectors.search(user, q=q)[:20]) if q else []
        if q:
            audit.record_request(request, "search", target="relief_new", detail={"count": len(found)})
        return render(request, "support/relief_pick.html", {"q": q, "found": found})
    writing = request.method == "POST"
    patient = patient_selectors.get_patient_for(request, pid, action="create" if writing else "view",
                                                audit_success=not writing)
    require(request, permissions.RELIEF_FILE, "create" if writing else "view", patient.pk)
    guardians = list(patient.guardians.all())
    problem = None
    first = guardians[0] if guardians else None
    form = ReliefForm(guardians=guardians, initial={"guardian": first.pk if first else None,
                                                    "insurance_type": "resident"})
    if writing:
        try:
            app = services_relief.create(user, patient, _app_data(request.POST), request=request)
            if request.POST.get("and_submit"):
                services_relief.step(user, app, "submit", request=request)
        except errors.ServiceError as exc:
            problem = exc
            form = ReliefForm(data=request.POST, guardians=guardians)
            form.is_valid()
        else:
            messages.success(request, "救助申请已提交，待村委会初审" if request.POST.get("and_submit") else "已保存为草稿")
            return HttpResponseRedirect(reverse("support:relief_detail", args=[app.pk]))
    _, cfg = services_relief.fund_config(patient.region_id)
    context = {"p": patient, "form": form, "problem": problem, "cfg": cfg, "premark": _premark(request.user, patient, False),
               "uninsured_note": services_relief.UNINSURED_NOTE}
    return render(request, "support/relief_form.html", context, status=status_of(problem))


def _premark(user, patient, court_ordered: bool) -> dict:
    marks = services_relief.premark(patient, court_ordered)
    marks["priority_reasons"] = relief.shown_priority_reasons(marks["priority_reasons"], risk=roles.sees_risk(user.role))
    return marks


def _app_data(post) -> dict:
    data = {k: post.get(k, "") for k in APP_FIELDS if k != "court_ordered"}
    if post.get("court_ordered"):
        data["court_ordered"] = "on"
    return data


@login_needed
def relief_edit(request, pk):
    writing = request.method == "POST"
    app = sel.get_application_for(request, pk, action="update" if writing else "view", audit_success=not writing)
    require(request, permissions.RELIEF_FILE, "update" if writing else "view", app.patient_id)
    guardians = list(app.patient.guardians.all())
    form, problem = ReliefForm(instance=app, guardians=guardians, initial={"guardian": app.guardian_id}), None
    if writing:
        try:
            app = services_relief.update_draft(request.user, app, _app_data(request.POST), request=request)
            if request.POST.get("and_submit"):
                services_relief.step(request.user, app, "submit", request=request)
        except errors.ServiceError as exc:
            problem = exc
            form = ReliefForm(data=request.POST, instance=app, guardians=guardians)
            form.is_valid()
        else:
            messages.success(request, "申请已保存")
            return HttpResponseRedirect(reverse("support:relief_detail", args=[app.pk]))
    _, cfg = services_relief.fund_config(app.patient.region_id)
    context = {"p": app.patient, "app": app, "form": form, "problem": problem, "cfg": cfg,
               "premark": _premark(request.user, app.patient, app.court_ordered),
               "uninsured_note": services_relief.UNINSURED_NOTE}
    return render(request, "support/relief_form.html", context, status=status_of(problem))


def _step_forms(app, user, posted_action: str = "", posted=None) -> list[dict]:
    _, cfg = services_relief.fund_config(app.patient.region_id)
    options = cfg.options if cfg else ()
    out = []
    for action in relief.next_actions(app.state, user.role):
        form_class = STEP_FORMS[action]
        kwargs = {"options": options} if action in ("village_review", "approve") else {}
        initial = {}
        if action == "approve":
            full = next((o.code for o in options if o.food_percent == 100 and o.medical_percent == 100), "")
            initial["option"] = (full if app.full_funding else "") or app.village_option
        if form_class is None:
            form = None
        elif action == posted_action and posted is not None:
            form = form_class(data=posted, **kwargs)
            form.is_valid()
        else:
            form = form_class(initial=initial, **kwargs)
        out.append({"action": action, "label": vocab.RELIEF_ACTIONS[action], "form": form})
    return out


@login_needed
def relief_detail(request, pk, problem=None, posted_action=""):
    app = sel.get_application_for(request, pk)
    require(request, permissions.RELIEF_VIEW, "view", app.patient_id)
    user = request.user
    fund = app.fund
    context = {
        "app": app, "p": app.patient, "problem": problem,
        "steps": _step_forms(app, user, posted_action, request.POST if posted_action else None),
        "can_edit": app.state in relief.EDITABLE_STATES and permissions.has(user, permissions.RELIEF_FILE),
        "fund_left": services_relief.remaining(fund) if fund else (
            services_relief.remaining(services_relief.fund_for(app.patient.region_id, clock.today().year))
            if "approve" in relief.next_actions(app.state, user.role) else None),
        "uninsured_note": services_relief.UNINSURED_NOTE,
        "priority_reasons": relief.shown_priority_reasons(app.priority_reasons, risk=roles.sees_risk(user.role)),
        "village_option_label": getattr(services_relief.option_for(app.patient.region_id, app.village_option),
                                        "label", app.village_option),
    }
    return render(request, "support/relief_detail.html", context, status=status_of(problem))


@require_POST
@login_needed
def relief_step(request, pk, action):
    app = sel.get_application_for(request, pk, action="update", audit_success=False)
    if action not in relief.TRANSITIONS:
        return relief_detail.__wrapped__(request, pk, problem=errors.Invalid("未知操作"))
    try:
        app = services_relief.step(request.user, app, action, request.POST.dict(), request=request)
    except errors.ServiceError as exc:
        return relief_detail.__wrapped__(request, pk, problem=exc, posted_action=action)
    messages.success(request, f"已办理：{vocab.RELIEF_ACTIONS[action]}（{app.state_label}）")
    return HttpResponseRedirect(reverse("support:relief_detail", args=[app.pk]))


@login_needed
def relief_print(request, pk):
    app = sel.get_application_for(request, pk, audit_success=False)
    require(request, permissions.RELIEF_VIEW, "view", app.patient_id)
    full = request.user.can(roles.REVEAL_IDENTIFIERS)
    audit.record_request(request, "reveal" if full else "view", patient_id=app.patient_id,
                         target=f"application:{app.pk}", detail={"print": True, "identifiers": full})
    _, cfg = services_relief.fund_config(app.patient.region_id)
    county = Region.objects.filter(code=sel.county_code_of(app.patient.region_id)).first()
    context = {"app": app, "p": app.patient, "full": full, "options": cfg.options if cfg else (),
               "region_full": app.patient.region.full_name(), "cite": cfg.cite if cfg else "",
               "county_name": county.name if county else ""}
    return render(request, "support/relief_print.html", context)


# ---- fund and summary -------------------------------------------------------------------------------

@roles_required(permissions.FUND_VIEW)
def relief_fund(request):
    user = request.user
    county = sel.county_for(request, request.GET.get("county", ""))
    year = int_param(request, "year", clock.today().year, 2000, 2100)
    fund = services_relief.fund_for(county.code, year)
    problem = None
    if request.method == "POST":
        try:
            fund = services_relief.set_budget(user, fund, request.POST.dict(), request=request)
        except errors.ServiceError as exc:
            problem = exc
        else:
            messages.success(request, "年度预算已更新")
            return HttpResponseRedirect(f"{reverse('support:relief_fund')}?county={county.code}&year={year}")
    visible = set(sel.applications_for(user).values_list("pk", flat=True))
    entries = [{"e": e, "shown": e.application_id in visible}
               for e in fund.entries.select_related("application__patient", "by")]
    audit.record_request(request, "list", target=f"fund:{fund.pk}", detail={"count": len(entries)})
    profile = services_relief.fund_config(county.code)[0]  # the county's own targets
    _, cfg = services_relief.county_fund_config(county.code)  # the scheme that sets the budget
    context = {"county": county, "year": year, "fund": fund, "t": services_relief.fund_totals(fund),
               "target": profile.targets.poor_self_paid_max_percent if profile.targets else None,
               "entries": entries, "problem": problem, "cfg": cfg,
               "can_edit": permissions.has(user, permissions.FUND_EDIT)}
    return render(request, "support/relief_fund.html", context, status=status_of(problem))


@roles_required(permissions.SUMMARY_VIEW)
@guard.export_view
def relief_quarterly(request):
    user = request.user
    today = clock.today()
    year = int_param(request, "year", today.year, 2000, 2100)
    quarter = int_param(request, "quarter", (today.month - 1) // 3 + 1, 1, 4)
    start, end = services_relief.quarter_bounds(year, quarter)
    towns = {t.code: t.name for t in sel.townships_for(user)}
    _, cfg = services_relief.fund_config_of_region(user.region_id)
    options = cfg.options if cfg else ()
    rows = services_relief.quarterly(sel.applications_for(user), year, quarter, options)
    headers = ["乡镇（街道）", "申请（件）", "审批同意（件）", "审批金额（元）"]
    for o in options:
        headers += [f"{o.label}（件）", f"{o.label}（元）"]
    headers += ["不予救助（件）", "定点医院办理（件）", "住院总费用（元）", "基金支付（元）"]
    out, total = [], None
    for r in rows:
        line = [towns.get(r["township"], r["township"]), r["filed"], r["approved"], float(r["approved_amount"])]
        for o in options:
            n, amount = r["by_option"].get(o.code, [0, 0])
            line += [n, float(amount)]
        line += [r["rejected"], r["admitted"], float(r["total_cost"]), float(r["paid"])]
        out.append(line)
        total = line[1:] if total is None else [a + b for a, b in zip(total, line[1:], strict=True)]
    out.append(["合计", *(total or [0] * (len(headers) - 1))])
    title = f"{year}年第{quarter}季度困难精神障碍患者住院救助汇总表（{start:%m.%d}—{end:%m.%d}）"
    return export(request, title, f"住院救助季度汇总-{year}Q{quarter}.xlsx", headers, out, count=len(rows),
                  detail={"year": year, "quarter": quarter}, personal=False)
