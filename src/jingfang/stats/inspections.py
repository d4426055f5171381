"""Quarterly township inspection reports (薛城区2016 四（一）: 各镇街每季度督导检查，形成督查报告) and their
rectification items, tracked to closure (齐云山镇2024: 通报、约谈、督促整改).

A report's figures are generated from the data and frozen in ``snapshot`` (regenerate to refresh): the
quarter's KPIs, KPIs by village (villages below a target are marked for notification), outstanding work
overdue at generation (followups.DueItem), patients lost at the quarter end, and — when the care app
provides them — incidents and meetings held in the quarter. Only county supervisors create reports and
items; township users and the supervisor close items. Overdue open items become "deadline" items on
the worklist (``worklist_items``, registered in StatsConfig.ready()).
"""

import datetime as dt
from collections import Counter

from django.apps import apps
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from jingfang.audit import log as audit
from jingfang.core import clock, errors
from jingfang.core import vocab as core_vocab
from jingfang.core.worklist_hub import KIND_LABELS, Item
from jingfang.followups.models import DueItem
from jingfang.regions import codes
from jingfang.regions.models import Region

from . import compute, permissions
from .kpis import Period
from .models import InspectionReport, RectificationItem
from .periods import quarter_period

VILLAGE_KEYS = ("management", "standard_management", "face_to_face", "medication", "stable", "lost")


def care_models():
    """(Incident, Meeting, MEETING_KINDS) from the care app when installed, else (None, None, {})."""
    if not apps.is_installed("jingfang.care"):
        return None, None, {}
    try:
        from jingfang.care.models import Incident, Meeting
        from jingfang.care.vocab import MEETING_KINDS
    except ImportError:
        return None, None, {}
    return Incident, Meeting, MEETING_KINDS


def period_of(year: int, quarter: int, today: dt.date) -> tuple[Period, bool]:
    """The quarter, cut at today while it is still running (then the flag is True)."""
    period = quarter_period(year, quarter)
    if period.end > today:
        return Period(period.start, today), True
    return period, False


def snapshot(township: Region, year: int, quarter: int, today: dt.date | None = None) -> dict:
    today = today or clock.today()
    period, partial = period_of(year, quarter, today)
    lo, hi = township.code_range
    eng = compute.Engine(township, period.end)
    kpis = eng.kpis(period)
    lost = next(k for k in kpis if k.key == "lost")
    villages = []
    for village, vk in eng.ranking(period):
        by = {k.key: k for k in vk}
        below = [by[k].name for k in by if by[k].met is False]
        villages.append({"code": village.code, "name": village.name, "registered": by["prevalence"].numerator,
                         "kpis": {k: by[k].display for k in VILLAGE_KEYS}, "lost": by["lost"].numerator,
                         "below_target": below})
    overdue_rows = DueItem.objects.filter(region_code__gte=lo, region_code__lte=hi, due_date__lt=today)
    overdue = Counter(overdue_rows.values_list("kind", flat=True))
    long_overdue = overdue_rows.filter(due_date__lt=today - dt.timedelta(days=30)).count()
    data = {
        "period": {"start": period.start.isoformat(), "end": period.end.isoformat(), "partial": partial},
        "generated_on": today.isoformat(),
        "kpis": [k.as_dict() for k in kpis],
        "villages": villages,
        "overdue": {"total": sum(overdue.values()), "over_30_days": long_overdue,
                    "by_kind": [{"kind": k, "label": KIND_LABELS.get(k, k), "count": n}
                                for k, n in sorted(overdue.items())]},
        "lost": {"count": lost.numerator, "patient_ids": sorted(lost.numerator_ids)},
        "care_available": False,
    }
    incident_model, meeting_model, meeting_kinds = care_models()
    if incident_model is not None:
        rows = (incident_model.objects.filter(patient__region_id__gte=lo, patient__region_id__lte=hi,
                                              date__gte=period.start, date__lte=period.end)
                .order_by("date", "id").values_list("id", "date", "kind", "patient_id", "patient__region_id"))
        data["incidents"] = [{"id": i, "date": d.isoformat(), "kind": kind,
                              "label": core_vocab.DANGEROUS_ACTS.get(kind, kind), "patient_id": pid,
                              "village": code} for i, d, kind, pid, code in rows]
        held = Counter(meeting_model.objects.filter(region_id__gte=lo, region_id__lte=hi, date__gte=period.start,
                                                    date__lte=period.end).values_list("kind", flat=True))
        data["meetings"] = [{"kind": k, "label": label, "count": held.get(k, 0)} for k, label in meeting_kinds.items()]
        data["care_available"] = True
    return data


# Services ----------------------------------------------------------------------------------------
def _require_inspector(actor, request, target: str) -> None:
    if not permissions.can_inspect(actor):
        audit.record(actor, "create", request=request, outcome="denied", target=target)
        raise errors.Forbidden("只有县级督导可以生成督导检查报告和整改事项")


def create_report(actor, township_code: str, year: int, quarter: int, *, request=None) -> InspectionReport:
    _require_inspector(actor, request, "inspection")
    township = Region.objects.filter(code=township_code, level=codes.TOWNSHIP).first()
    if township is None or not codes.is_within(township.code, actor.region_id):
        raise errors.Invalid([errors.FieldError("township_code", "township_code：请选择辖区内的乡镇（街道）")])
    today = clock.today()
    if quarter not in (1, 2, 3, 4):
        raise errors.Invalid([errors.FieldError("quarter", "quarter：季度应为1至4")])
    if not 2000 <= year or quarter_period(year, quarter).start > today:
        raise errors.Invalid([errors.FieldError("year", "year：只能为已开始的季度生成报告")])
    try:
        with transaction.atomic():
            report = InspectionReport.objects.create(
                township=township, year=year, quarter=quarter, snapshot=snapshot(township, year, quarter, today),
                generated_at=timezone.now(), generated_by=actor, created_by=actor)
            audit.record(actor, "create", request=request, target=f"inspection:{report.pk}")
    except IntegrityError:
        existing = InspectionReport.objects.get(township=township, year=year, quarter=quarter)
        raise errors.Conflict([errors.FieldError("", f"{existing.title}已存在")], id=existing.pk) from None
    return report


def regenerate(actor, report: InspectionReport, *, request=None) -> InspectionReport:
    _require_inspector(actor, request, f"inspection:{report.pk}")
    report.snapshot = snapshot(report.township, report.year, report.quarter)
    report.generated_at, report.generated_by = timezone.now(), actor
    with transaction.atomic():  # the report and its audit row together or not at all
        report.save(update_fields=["snapshot", "generated_at", "generated_by"])
        audit.record(actor, "update", request=request, target=f"inspection:{report.pk}",
                     detail={"fields": ["snapshot"]})
    return report


def save_findings(actor, report: InspectionReport, findings: str, *, request=None) -> InspectionReport:
    _require_inspector(actor, request, f"inspection:{report.pk}")
    report.findings = (findings or "").strip()[:10000]
    report.findings_by, report.findings_at = actor, timezone.now()
    with transaction.atomic():  # the findings and their audit row together or not at all
        report.save(update_fields=["findings", "findings_by", "findings_at"])
        audit.record(actor, "update", request=request, target=f"inspection:{report.pk}",
                     detail={"fields": ["findings"]})
    return report


def add_item(actor, report: InspectionReport, text: str, owner: str, due_date: dt.date, *,
             request=None) -> RectificationItem:
    _require_inspector(actor, request, f"inspection:{report.pk}")
    problems = []
    if not (text or "").strip():
        problems.append(errors.FieldError("text", "整改事项：必填"))
    if not (owner or "").strip():
        problems.append(errors.FieldError("owner", "责任单位/责任人：必填"))
    if not isinstance(due_date, dt.date):
        problems.append(errors.FieldError("due_date", "整改期限：应为日期（YYYY-MM-DD）"))
    if problems:
        raise errors.Invalid(problems)
    with transaction.atomic():  # the item and its audit row together or not at all
        item = RectificationItem.objects.create(report=report, text=text.strip()[:300], owner=owner.strip()[:100],
                                                due_date=due_date, created_by=actor)
        audit.record(actor, "create", request=request, target=f"inspection_item:{item.pk}")
    return item


def close_item(actor, item: RectificationItem, note: str, *, request=None) -> RectificationItem:
    if not permissions.can_close(actor, item):
        audit.record(actor, "update", request=request, outcome="denied", target=f"inspection_item:{item.pk}")
        if item.status != "open":
            raise errors.Conflict([errors.FieldError("", "该整改事项已销号")])
        raise errors.Forbidden("您无权销号该整改事项")
    if not (note or "").strip():
        raise errors.Invalid([errors.FieldError("note", "整改情况：销号时须说明整改情况")])
    item.status, item.closing_note = "closed", note.strip()[:500]
    item.closed_by, item.closed_at = actor, timezone.now()
    with transaction.atomic():  # the item and its audit row together or not at all
        item.save(update_fields=["status", "closing_note", "closed_by", "closed_at"])
        audit.record(actor, "update", request=request, target=f"inspection_item:{item.pk}",
                     detail={"fields": ["status"]})
    return item


# Selectors ---------------------------------------------------------------------------------------
def reports_for(user):
    """Reports on townships within the user's region, for the roles that see reports."""
    if not permissions.can_view(user) or user.role not in permissions.CLOSER_ROLES:
        return InspectionReport.objects.none()
    lo, hi = codes.code_range(user.region_id)
    return InspectionReport.objects.filter(township_id__gte=lo, township_id__lte=hi).select_related("township")


def items_for(user):
    lo, hi = codes.code_range(user.region_id) if permissions.can_view(user) else ("1", "0")
    qs = RectificationItem.objects.filter(report__township_id__gte=lo, report__township_id__lte=hi)
    if user.role not in permissions.CLOSER_ROLES:
        qs = qs.none()
    return qs.select_related("report", "report__township", "closed_by")


def worklist_items(user, lo: str, hi: str, on: dt.date) -> list[Item]:
    """Open rectification items past their deadline on ``on``, for the township's users and the supervisor."""
    if user.role not in permissions.CLOSER_ROLES or not permissions.can_view(user):
        return []
    rows = (RectificationItem.objects
            .filter(report__township_id__gte=lo, report__township_id__lte=hi, due_date__lt=on,
                    created_at__date__lte=on)
            .filter(Q(status="open") | Q(closed_at__date__gt=on))
            .select_related("report__township"))
    return [
        Item(None, "", r.report.township_id, r.report.township.name, False, "", "deadline", r.due_date, r.due_date,
             "overdue", f"{r.report.year}年第{r.report.quarter}季度督导检查整改事项，责任：{r.owner}，已逾期",
             "stats:rectification", url=reverse("stats:inspection", args=[r.report_id]), label=f"督导整改：{r.text}")
        for r in rows
    ]
