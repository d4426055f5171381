"""Guardian rewards (以奖代补) and the liability-insurance roster (责任险): pages and exports."""

from django.contrib import messages
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_POST

from jingfang.accounts import roles
from jingfang.audit import log as audit
from jingfang.core import clock, errors
from jingfang.core.paging import paginate, querystring_without_page
from jingfang.exports import guard
from jingfang.regions import codes

from . import facts_rewards, permissions, rewards, selectors, services_rewards
from .views_common import export, int_param, login_needed, require, roles_required, status_of


def _rule_context(code: str, role: str) -> dict:
    profile, rule = services_rewards.rule_for(code) if code else (None, None)
    # the condition class is named to health roles only (as each line's grounds)
    sees = roles.sees_clinical(role)
    criteria = rewards.grounds_text(rule.eligibility, rule_min_risk=rule.min_risk, sees_clinical=sees) if rule else ""
    return {"profile": profile, "rule": rule, "criteria": criteria}


@roles_required(permissions.REWARD_VIEW)
def reward_runs(request, problem=None):
    user = request.user
    towns = selectors.townships_for(user)
    # A township office sees its own township's rule; a county user the county's own profile until a
    # township is picked (its townships may run profiles of their own).
    own = user.region_id if user.region_id and user.region.level < codes.TOWNSHIP else ""
    chosen = request.POST.get("township") or request.GET.get("township") or own or (towns[0].code if towns else "")
    if chosen not in {t.code for t in towns} and chosen != own:
        chosen = own or (towns[0].code if towns else "")
    today = clock.today()
    page = paginate(request, selectors.runs_for(user))
    audit.record_request(request, "list", target="reward_runs", detail={"count": page.paginator.count})
    context = {
        "page": page, "townships": towns, "chosen": chosen, "problem": problem,
        "year": int_param(request, "year", today.year, 2000, 2100),
        "month": int_param(request, "month", today.month, 1, 12),
        "can_manage": permissions.has(user, permissions.REWARD_MANAGE),
        "care_available": facts_rewards.care_available(),
        "own": own, "own_name": user.region.name if own else "",
        "chosen_name": next((t.name for t in towns if t.code == chosen), user.region.name if own else ""),
        **_rule_context(chosen, user.role),
    }
    return render(request, "support/reward_runs.html", context, status=status_of(problem))


@require_POST
@login_needed
def reward_compute(request):
    require(request, permissions.REWARD_MANAGE, "update")
    data = {k: request.POST.get(k, "") for k in ("township", "year", "month")}
    try:
        run = services_rewards.compute_run(request.user, data, request=request)
    except errors.ServiceError as exc:
        return reward_runs.__wrapped__(request, problem=exc)
    messages.success(request, f"已计算{run.township.name}{run.period_label}的监护人以奖代补")
    return HttpResponseRedirect(reverse("support:reward_run", args=[run.pk]))


def _line_rows(run, role: str) -> list[dict]:
    sees = roles.sees_clinical(role)
    villages = services_rewards.village_names(line.village_code for line in run.lines.all())
    withheld = dict(run.withholds.values_list("patient_id", "reason"))
    min_risk = services_rewards.min_risk_of(run.township_id)
    return [{"line": line, "village": villages.get(line.village_code, line.village_code),
             "grounds": rewards.grounds_text(line.grounds, rule_min_risk=min_risk, sees_clinical=sees),
             "withheld": withheld.get(line.patient_id)} for line in run.lines.all()]


@login_needed
def reward_run(request, pk, problem=None):
    run = selectors.get_run_for(request, pk)
    require(request, permissions.REWARD_VIEW)
    rows = _line_rows(run, request.user.role)
    audit.record_request(request, "list", target=f"reward_run:{run.pk}", detail={"count": len(rows)})
    context = {
        "run": run, "problem": problem,
        "eligible": [r for r in rows if r["line"].eligible],
        "ineligible": [r for r in rows if not r["line"].eligible],
        "can_manage": permissions.has(request.user, permissions.REWARD_MANAGE) and not run.paid,
        "care_available": facts_rewards.care_available(),
    }
    return render(request, "support/reward_run.html", context, status=status_of(problem))


@require_POST
@login_needed
def reward_run_action(request, pk, op):
    run = selectors.get_run_for(request, pk, action="update")
    require(request, permissions.REWARD_MANAGE, "update")
    user = request.user
    try:
        if op == "recompute":
            services_rewards.recompute(user, run, request=request)
            messages.success(request, "已按最新数据重新计算")
        elif op == "withhold":
            services_rewards.withhold(user, run, request.POST.dict(), request=request)
            messages.success(request, "已停发该监护人本期奖补")
        elif op == "restore":
            services_rewards.restore(user, run, int_or_404(request.POST.get("patient")), request=request)
            messages.success(request, "已恢复该监护人本期奖补")
        elif op == "paid":
            services_rewards.mark_paid(user, run, request=request)
            messages.success(request, "已标记为已发放，本批次不再重算")
        else:
            raise Http404("操作不存在")
    except errors.ServiceError as exc:
        return reward_run.__wrapped__(request, pk, problem=exc)
    return HttpResponseRedirect(reverse("support:reward_run", args=[run.pk]))


def int_or_404(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise Http404("患者不存在") from None


@login_needed
@guard.export_view
def reward_roster(request, pk):
    run = selectors.get_run_for(request, pk, action="export")
    require(request, permissions.REWARD_VIEW, "export")
    title, headers, rows = services_rewards.payment_roster(run)
    return export(request, title, f"以奖代补发放花名册-{run.township.name}-{run.period_label}.xlsx", headers, rows,
                  count=run.eligible_count, detail={"run": run.pk})


# ---- liability insurance ---------------------------------------------------------------------------

def _insurance(request, action: str):
    user = request.user
    code = request.GET.get("township", "")
    if not code:
        default = selectors.default_township(user)
        if default is None:  # no township of their own (an administrator): refused as a role first
            require(request, permissions.INSURANCE_VIEW, action)
            audit.record_request(request, action, outcome="not_found", target="insurance")
            raise Http404("乡镇不存在")
        code = default.code
    township = selectors.get_township_for(request, code, action=action)  # outside: 404 like missing
    require(request, permissions.INSURANCE_VIEW, action)
    year = int_param(request, "year", clock.today().year, 2000, 2100)
    return township, services_rewards.insurance_roster(user, township.code, year)


@login_needed
def insurance(request):
    township, data = _insurance(request, "list")
    page = paginate(request, data["patients"])
    audit.record_request(request, "list", target=f"insurance:{township.code}", detail={"count": data["count"]})
    context = {"township": township, "d": data, "page": page, "townships": selectors.townships_for(request.user),
               "qs": querystring_without_page(request),
               "years": range(clock.today().year + 1, clock.today().year - 5, -1)}
    return render(request, "support/insurance.html", context)


@login_needed
@guard.export_view
def insurance_export(request):
    township, data = _insurance(request, "export")
    headers, rows = services_rewards.insurance_rows(data)
    ins = data["insurance"]
    title = f"{township.name}{data['year']}年度监护人责任保险参保名册"
    if ins is None:
        rows = [["本地区政策配置未规定监护人责任保险"]]
    return export(request, title, f"责任保险名册-{township.name}-{data['year']}.xlsx", headers, rows,
                  count=data["count"])
