"""Treatment cost burden (医疗费用负担, 薛城区2016 一（二）3 and 二（三）1): the ledger of episodes, a patient's
episodes, one episode, and the poor patients with the highest burden for civil affairs."""

from django.contrib import messages
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse

from jingfang.accounts import roles
from jingfang.audit import log as audit
from jingfang.core import clock, errors
from jingfang.core.paging import paginate, querystring_without_page
from jingfang.exports import guard
from jingfang.regions import selectors as region_selectors
from jingfang.registry import selectors as patient_selectors

from . import cost_rules, costs, permissions, vocab
from . import selectors as support_selectors
from .forms import CostEpisodeForm
from .models import ReliefApplication
from .views_common import deny, export, int_param, login_needed, require, roles_required, status_of

FIELDS = ("kind", "hospital", "start", "end", "total_cost", "policy_cost", "insurance_paid", "serious_illness_paid",
          "assistance_paid", "own_relief_paid", "dpf_paid", "other_paid", "note")


def _data(post) -> dict:
    data = {k: post.get(k, "") for k in FIELDS}
    if post.get("relief_id"):
        data["relief_id"] = post.get("relief_id")
    return data


def _filters(request) -> dict:
    kind = request.GET.get("kind", "")
    return {"region_code": request.GET.get("region", "").strip()[:12],
            "year": int_param(request, "year", clock.today().year, 2000, 2100),
            "kind": kind if kind in vocab.EPISODE_KINDS else ""}


@roles_required(permissions.COSTS_VIEW)
def cost_list(request):
    user = request.user
    filters = _filters(request)
    qs = costs.filter_episodes(costs.episodes_for(user), **filters)
    episodes = list(qs)
    page = paginate(request, episodes)
    _mark_poor(page.object_list)
    audit.record_request(request, "list", target="costs",
                         detail={"count": len(episodes), "filters": sorted(k for k, v in filters.items() if v)})
    pending = list(costs.reliefs_to_record(user)[:20])
    context = {
        "page": page, "filters": filters, "qs": querystring_without_page(request),
        "regions": region_selectors.subregions_for(user), "kinds": vocab.EPISODE_KINDS,
        "townships": costs.township_shares(episodes), "targets": costs.targets_of(user.region_id),
        "pending": pending, "can_edit": permissions.has(user, permissions.COSTS_EDIT),
        "details": permissions.sees_cost_details(user),
        "can_export": user.can(roles.EXPORT), "years": range(clock.today().year, clock.today().year - 6, -1),
        "cite_share": cost_rules.CITE_SHARE, "cite_insurance": cost_rules.CITE_INSURANCE,
    }
    return render(request, "support/cost_list.html", context)


def _mark_poor(episodes) -> None:
    poor = costs.poor_flags(episodes)
    for e in episodes:
        e.is_poor = poor[e.pk]


def _rows(episodes, poor, details: bool) -> list[list]:
    out = []
    for e in episodes:
        p = e.payments()
        out.append([e.patient.region.name, e.patient.name, "是" if poor[e.pk] else "否", e.get_kind_display(),
                    *([e.hospital] if details else []), e.start.isoformat(), e.end.isoformat() if e.end else "", e.total_cost,
                    e.policy_cost if e.policy_cost is not None else "", p["insurance_paid"], p["serious_illness_paid"],
                    p["assistance_paid"], p["relief_paid"], p["dpf_paid"], p["other_paid"], e.self_paid,
                    e.self_paid_percent if e.self_paid_percent is not None else "",
                    f"住院救助申请{e.relief_id}" if e.relief_id else ""])
    return out


COST_HEADERS = ["村（社区）", "患者姓名", "贫困患者", "类别", "医疗机构", "就诊（入院）日期", "出院日期", "总费用（元）",
                "政策范围内费用（元）", "基本医保（元）", "大病保险（元）", "民政医疗救助（元）", "救助基金（元）",
                "残联补助（元）", "其他支付（元）", "个人自付（元）", "自付比例（%）", "关联"]


@roles_required(permissions.COSTS_VIEW)
@guard.export_view
def cost_export(request):
    if not request.user.can(roles.EXPORT):
        deny(request, "export")
    filters = _filters(request)
    episodes = list(costs.filter_episodes(costs.episodes_for(request.user), **filters).order_by("patient__region_id",
                                                                                              "start", "id"))
    details = permissions.sees_cost_details(request.user)  # no 医疗机构 column at all for civil affairs
    rows = _rows(episodes, costs.poor_flags(episodes), details)
    headers = COST_HEADERS if details else [h for h in COST_HEADERS if h != "医疗机构"]
    title = f"严重精神障碍患者医疗费用负担台账（{filters['year']}年）"
    return export(request, title, f"医疗费用负担台账{filters['year']}.xlsx", headers, rows,
                  detail={"filters": sorted(k for k, v in filters.items() if v)})


@login_needed
def patient_costs(request, pk):
    writing = request.method == "POST"
    patient = patient_selectors.get_patient_for(request, pk, action="create" if writing else "view",
                                                audit_success=False)
    user = request.user
    if not permissions.has(user, permissions.COSTS_VIEW):
        deny(request, "create" if writing else "view", patient.pk, "您的角色无权查看医疗费用")
    if not writing:
        audit.record_request(request, "view", patient_id=patient.pk, target=f"patient:{patient.pk}")
    can_edit = permissions.has(user, permissions.COSTS_EDIT)
    relief = None
    relief_id = request.POST.get("relief_id") if writing else request.GET.get("relief", "")
    if relief_id and str(relief_id).isdigit():
        relief = ReliefApplication.objects.filter(pk=int(relief_id), patient=patient).first()
    initial = {}
    if relief is not None:
        initial = {"kind": "inpatient", "hospital": relief.hospital, "start": relief.admission_date,
                   "total_cost": relief.total_cost, "insurance_paid": relief.insurance_paid}
    details = permissions.sees_cost_details(user)
    if not details:
        initial.pop("hospital", None)
    form, problem = CostEpisodeForm(initial=initial, relief=relief, details=details), None
    if writing:
        try:
            costs.save_episode(user, patient, _data(request.POST), request=request)
        except errors.ServiceError as exc:
            problem = exc
            form = CostEpisodeForm(data=request.POST, relief=relief, details=details)
            form.is_valid()
        else:
            messages.success(request, "医疗费用已登记")
            return HttpResponseRedirect(reverse("support:patient_costs", args=[patient.pk]))
    episodes = list(patient.cost_episodes.select_related("relief", "recorded_by", "updated_by"))
    for e in episodes:
        e.patient = patient
    pending = [a for a in costs.reliefs_to_record(user) if a.patient_id == patient.pk]
    _mark_poor(episodes)
    context = {"p": patient, "episodes": episodes, "form": form, "details": details,
               "problem": problem, "can_edit": can_edit, "relief": relief, "pending": pending}
    return render(request, "support/patient_costs.html", context, status=status_of(problem))


@login_needed
def cost_edit(request, pk):
    writing = request.method == "POST"
    action = "update" if writing else "view"
    episode = support_selectors.get_episode_for(request, pk, action=action, audit_success=False)
    user = request.user
    require(request, permissions.COSTS_VIEW, action, episode.patient_id)
    if not writing:
        audit.record_request(request, "view", patient_id=episode.patient_id, target=f"cost:{episode.pk}")
    can_edit = permissions.has(user, permissions.COSTS_EDIT)
    if writing and not can_edit:
        deny(request, "update", episode.patient_id, "您的角色无权修改医疗费用")
    details = permissions.sees_cost_details(user)
    form, problem = CostEpisodeForm(instance=episode, relief=episode.relief, details=details), None
    if writing:
        try:
            if request.POST.get("delete"):
                costs.delete_episode(user, episode, request=request)
                messages.success(request, "医疗费用记录已删除")
            else:
                costs.save_episode(user, episode.patient, _data(request.POST), episode, request=request)
                messages.success(request, "医疗费用已保存")
        except errors.ServiceError as exc:
            problem = exc
            form = CostEpisodeForm(data=request.POST, instance=episode, relief=episode.relief, details=details)
            form.is_valid()
        else:
            return HttpResponseRedirect(reverse("support:patient_costs", args=[episode.patient_id]))
    return render(request, "support/cost_edit.html", {"e": episode, "p": episode.patient, "form": form,
                                                      "problem": problem, "can_edit": can_edit, "details": details},
                  status=status_of(problem))


def _burden_filters(request) -> dict:
    return {"region_code": request.GET.get("region", "").strip()[:12],
            "year": int_param(request, "year", clock.today().year, 2000, 2100)}


@roles_required(permissions.COSTS_VIEW)
def cost_burden(request):
    filters = _burden_filters(request)
    rows = costs.burden_rows(request.user, **filters)
    audit.record_request(request, "list", target="cost_burden", detail={"count": len(rows)})
    context = {"rows": rows, "filters": filters, "qs": querystring_without_page(request),
               "regions": region_selectors.subregions_for(request.user), "can_export": request.user.can(roles.EXPORT),
               "targets": costs.targets_of(request.user.region_id), "years": range(clock.today().year, clock.today().year - 6, -1),
               "cite_share": cost_rules.CITE_SHARE}
    return render(request, "support/cost_burden.html", context)


@roles_required(permissions.COSTS_VIEW)
@guard.export_view
def cost_burden_export(request):
    if not request.user.can(roles.EXPORT):
        deny(request, "export")
    filters = _burden_filters(request)
    rows = costs.burden_rows(request.user, **filters)
    headers = ["序号", "村（社区）", "患者姓名", "费用记录数", "总费用（元）", "个人自付（元）", "自付比例（%）"]
    out = [[n, r["p"].region.name, r["p"].name, r["episodes"], r["total"], r["self_paid"],
            r["percent"] if r["percent"] is not None else ""] for n, r in enumerate(rows, start=1)]
    return export(request, f"贫困患者医疗费用负担较重名单（{filters['year']}年）", f"贫困患者费用负担名单{filters['year']}.xlsx",
                  headers, out)
