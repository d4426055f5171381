"""Accountability pages: the list of measures (paged, filters, the 按期整改率), issuing one (also from an
incident's retrospective review, pre-linked), a measure with its facts and closing it (销号), the register
as xlsx; and the joint consultation's record on the meeting's page (care.hooks panel), its xlsx and its
regeneration."""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from jingfang.accounts import roles
from jingfang.audit import log as audit
from jingfang.care import selectors as care_selectors
from jingfang.core import clock, errors
from jingfang.core import ids as core_ids
from jingfang.core.listing import audit_list, status_for
from jingfang.core.paging import paginate, querystring_without_page
from jingfang.core.vocab import DANGEROUS_ACTS
from jingfang.exports import guard
from jingfang.followups import engine
from jingfang.regions import codes
from jingfang.regions import selectors as region_selectors
from jingfang.stats import permissions as stats_permissions

from . import consultation, export, permissions, rules, selectors, services, vocab
from .forms import CloseForm, MeasureForm
from .models import ConsultationRecord, Measure

MAX_CHOICES = 50
STATE_FILTERS = {"open": "未销号", "overdue": "已逾期", "closed": "已销号"}


def page_guard(check, message: str):
    def decorate(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not check(request.user):
                action = "export" if request.path.endswith(".xlsx") else ("create" if request.method == "POST" else "view")
                audit.record_request(request, action, outcome="denied", target=f"page:{request.path[:100]}")
                raise PermissionDenied(message)
            return view(request, *args, **kwargs)

        return wrapped

    return decorate


viewer_required = page_guard(permissions.can_view, "您的角色无权查看督办问责")
issuer_required = page_guard(permissions.can_issue, "只有乡镇综治中心和县级督导可以下达通报、约谈、挂牌督办和责任追究")


def _who(user) -> str:
    return f"{user.get_full_name() or user.username}（{user.role_label}）"


def issuer_label(m: Measure) -> str:
    role = "县级督导" if codes.level_of(m.issuer_region_id) <= codes.COUNTY else "综治中心"
    return f"{m.issuer_region.name}{role}"


def _filters(request) -> dict:
    kind, state = request.GET.get("kind", ""), request.GET.get("state", "")
    region = request.GET.get("region", "").strip()[:12]
    return {"kind": kind if kind in vocab.KINDS else "", "state": state if state in STATE_FILTERS else "",
            "region_code": region if region and codes.is_valid_code(region) and codes.is_within(region, request.user.region_id) else ""}


def _rows(qs) -> list[rules.Row]:
    return [rules.Row(*r) for r in qs.values_list("kind", "issued_on", "deadline", "closed_on")]


@require_GET
@viewer_required
def measure_list(request):
    today = clock.today()
    filters = _filters(request)
    qs = selectors.measures_for(request.user, on=today, **filters)
    page = paginate(request, qs)
    for m in page.object_list:
        m.state = m.state_on(today)
    audit_list(request, filters, page.paginator.count, "accountability_measures")
    unfiltered = selectors.measures_for(request.user, kind=filters["kind"], region_code=filters["region_code"])
    summary = rules.summary(_rows(unfiltered), today)
    return render(request, "accountability/measure_list.html", {
        "kind_counts": [(label, summary.by_kind[k]) for k, label in vocab.KINDS.items()],
        "page": page, "filters": filters, "qs": querystring_without_page(request), "kinds": vocab.KINDS,
        "states": STATE_FILTERS, "state_labels": vocab.STATES, "regions": region_selectors.subregions_for(request.user),
        "summary": summary, "cite": vocab.CITE, "today": today,
        "can_issue": permissions.can_issue(request.user), "can_export": permissions.can_export(request.user),
    })


def _targets(user) -> list[tuple[str, str, int]]:
    regions = [user.region, *region_selectors.subregions_for(user)]
    seen, out = set(), []
    for r in regions:
        if r.level in (codes.TOWNSHIP, codes.VILLAGE) and r.code not in seen:
            seen.add(r.code)
            out.append((r.code, r.name, r.level))
    return sorted(out)


def _choices(request, data: dict) -> tuple[list, list]:
    """Incidents and inspection reports the issuer may link: the latest in the user's region, and those
    already chosen (the service checks each against the target's township)."""
    user = request.user
    chosen_inc = {pk for pk in map(core_ids.parse, data.get("incident_ids") or []) if pk is not None}
    incidents = list(care_selectors.incidents_for(user)[:MAX_CHOICES])
    have = {i.pk for i in incidents}
    incidents += list(care_selectors.incidents_for(user).filter(pk__in=chosen_inc - have))
    chosen_ins = {pk for pk in map(core_ids.parse, data.get("inspection_ids") or []) if pk is not None}
    reports = list(selectors.inspections_in(user, user.region_id).order_by("-year", "-quarter", "township_id")[:MAX_CHOICES])
    inc = [{"id": i.pk, "label": f"{i.date:%Y-%m-%d} {i.patient.region.name} {DANGEROUS_ACTS.get(i.kind, i.kind)}"
                                  f"（{'已倒查' if i.reviewed_at else '未倒查'}）", "checked": i.pk in chosen_inc}
           for i in incidents]
    ins = [{"id": r.pk, "label": r.title, "checked": r.pk in chosen_ins} for r in reports]
    return inc, ins


def _posted(post) -> dict:
    data = {k: post.get(k, "").strip() for k in MeasureForm.base_fields}
    data["incident_ids"] = post.getlist("incident_ids")[:MAX_CHOICES]
    data["inspection_ids"] = post.getlist("inspection_ids")[:MAX_CHOICES]
    return data


def _from_incident(request, pk) -> dict:
    """Pre-filled from an incident's retrospective review: its village committee, the incident linked."""
    incident = care_selectors.get_incident_for(request, pk)
    village = incident.patient.region
    kind = DANGEROUS_ACTS.get(incident.kind, incident.kind)
    reviewed = (f"，倒查于{timezone.localtime(incident.reviewed_at):%Y-%m-%d}完成" if incident.reviewed_at
                else "，倒查尚未完成")
    return {"kind": "liability" if incident.reviewed_at else "interview", "target_region_code": village.code,
            "target_unit": "village_committee",
            "reason": f"{incident.date:%Y年%m月%d日}{village.name}发生{kind}事件{reviewed}。",
            "incident_ids": [str(incident.pk)]}


def _defaults_text(region_code: str) -> str:
    acc = engine.profile_for(region_code).accountability
    if acc is None:
        return "策略配置未设默认整改期限，请填写"
    days = "、".join(f"{label}{acc.deadline_days(k)}天" for k, label in vocab.KINDS.items())
    return f"不填则按默认期限：{days}（{acc.cite}）"


@issuer_required
def measure_create(request):
    problem = None
    if request.method == "POST":
        data = _posted(request.POST)
        try:
            measure = services.issue(request.user, data=data, request=request)
        except errors.ServiceError as exc:
            problem = exc
        else:
            messages.success(request, f"已下达{vocab.KINDS[measure.kind]}：{measure.target_name}")
            return HttpResponseRedirect(reverse("accountability:measure", args=[measure.pk]))
    elif core_ids.parse(request.GET.get("incident", "")) is not None:
        data = _from_incident(request, core_ids.parse(request.GET["incident"]))
    else:
        data = {"kind": "notice", "target_unit": "village_committee"}
    form = MeasureForm(initial={k: v for k, v in data.items() if k in MeasureForm.base_fields})
    if problem is not None:
        form = MeasureForm(data={k: v for k, v in data.items() if k in MeasureForm.base_fields})
        form.is_valid()
    incidents, inspections = _choices(request, data)
    return render(request, "accountability/measure_form.html", {
        "form": form, "problem": problem, "data": data, "targets": _targets(request.user), "units": vocab.UNIT_LABELS,
        "incidents": incidents, "inspections": inspections, "cite": vocab.CITE,
        "defaults_text": _defaults_text(request.user.region_id), "kind_cites": vocab.KIND_CITES,
    }, status=status_for(problem))


def _detail_context(request, measure: Measure, close_form=None, problem=None) -> dict:
    today = clock.today()
    return {
        "m": measure, "state": measure.state_on(today), "state_labels": vocab.STATES, "today": today,
        "incidents": selectors.incident_rows(measure), "inspections": list(measure.inspections.select_related("township")),
        "can_close": permissions.can_close(request.user, measure), "issuer": issuer_label(measure),
        "sees_reports": request.user.role in stats_permissions.CLOSER_ROLES,
        "close_form": close_form or CloseForm(initial={"closed_on": today, "version": measure.version}),
        "problem": problem, "kind_cite": vocab.KIND_CITES[measure.kind], "unit": vocab.UNIT_LABELS[measure.target_unit],
    }


@require_GET
@viewer_required
def measure_detail(request, pk):
    measure = selectors.get_measure_for(request, pk)
    audit.record_request(request, "view", target=f"accountability:{measure.pk}")
    return render(request, "accountability/measure_detail.html", _detail_context(request, measure))


@require_POST
@viewer_required
def measure_close(request, pk):
    measure = selectors.get_measure_for(request, pk, action="update")
    try:
        services.close(request.user, measure=measure, data=request.POST, request=request)
    except errors.Forbidden as exc:
        raise PermissionDenied(exc.errors[0].message) from None
    except errors.ServiceError as exc:
        form = CloseForm(data=request.POST)
        form.is_valid()
        measure.refresh_from_db()
        return render(request, "accountability/measure_detail.html",
                      _detail_context(request, measure, form, exc), status=exc.status)
    messages.success(request, f"已销号：{measure.target_name}")
    return HttpResponseRedirect(reverse("accountability:measure", args=[measure.pk]))


@require_GET
@viewer_required
@guard.export_view
def measure_export(request):
    if not permissions.can_export(request.user):
        audit.record_request(request, "export", outcome="denied", target=f"page:{request.path[:100]}")
        raise PermissionDenied("您的角色无权导出")
    today = clock.today()
    filters = _filters(request)
    measures = list(selectors.measures_for(request.user, on=today, **filters).select_related("issuer_region")
                    .prefetch_related("inspections__township").order_by("issued_on", "id"))
    for m in measures:
        m.incident_rows = selectors.incident_rows(m)
    region = request.user.region
    line = f"区划：{region.name}　截至：{today:%Y年%m月%d日}　共{len(measures)}条"
    return guard.send(request, count=len(measures), target="accountability.xlsx", personal=False,
                      filename=f"督办问责台账-{region.name}-{today:%Y%m%d}.xlsx", detail={"filters": sorted(k for k, v in filters.items() if v)},
                      build=lambda: export.register(f"{region.name}通报、约谈、挂牌督办、责任追究台账", line, measures, today,
                                                    _who(request.user), issuer_label))


# The joint consultation's record -----------------------------------------------------------------------
def _record_for(request, pk, action: str = "view"):
    meeting = care_selectors.get_meeting_for(request, pk, action=action, audit_success=False)
    if meeting.kind != consultation.KIND:
        audit.record_request(request, action, outcome="not_found", target=f"consultation:{meeting.pk}")
        raise Http404("该会议不是联合会商")
    return meeting, ConsultationRecord.objects.filter(meeting=meeting).first()


def consultation_panel(request, meeting):
    """care.hooks meeting panel: the joint consultation's frozen indicators and shortcomings."""
    if meeting.kind != consultation.KIND:
        return None
    record = ConsultationRecord.objects.filter(meeting=meeting).first()
    snap = consultation.visible(request.user, record.snapshot) if record else {}
    return "accountability/_consultation_panel.html", {
        "record": record, "snap": snap, "meeting": meeting, "cite": vocab.CONSULTATION_CITE,
        "can_regenerate": consultation.may_regenerate(request.user, meeting),
        "can_export": roles.can(request.user.role, roles.EXPORT),
        "can_issue": permissions.can_issue(request.user), "state_labels": vocab.STATES,
    }


def incident_action(request, incident) -> list[tuple[str, str]]:
    """care.hooks incident action: open a measure pre-linked to this incident (issuers only)."""
    if not permissions.can_issue(request.user):
        return []
    return [(f"{reverse('accountability:measure_create')}?incident={incident.pk}", "据此下达通报/约谈/督办/追责")]


@require_POST
def consultation_regenerate(request, pk):
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    meeting, _record = _record_for(request, pk, "update")
    try:
        consultation.regenerate(request.user, meeting, request=request)
    except errors.Forbidden as exc:
        raise PermissionDenied(exc.errors[0].message) from None
    messages.success(request, "会商材料已按会议日期的数据重新生成")
    return HttpResponseRedirect(reverse("care:meeting", args=[meeting.pk]))


@require_GET
@guard.export_view
def consultation_export(request, pk):
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not roles.can(request.user.role, roles.EXPORT) or not roles.can(request.user.role, roles.VIEW_PATIENTS):
        audit.record_request(request, "export", outcome="denied", target=f"page:{request.path[:100]}")
        raise PermissionDenied("您的角色无权导出")
    meeting, record = _record_for(request, pk, "export")
    snap = consultation.visible(request.user, record.snapshot) if record else {}
    attendees = list(meeting.attendees.all())
    tasks = list(meeting.tasks.select_related("owner"))
    return guard.send(request, count=1, target=f"consultation:{meeting.pk}", personal=False,
                      filename=f"联合会商调度记录-{meeting.region.name}-{meeting.date:%Y%m%d}.xlsx",
                      build=lambda: export.consultation(meeting, attendees, tasks, snap, _who(request.user)))
