"""The record of a quarterly joint consultation (联合会商调度, 齐云山镇2024 四、2: 分析工作形势，找准问题短板和薄弱
环节，明确整改举措和要求).

When a care meeting of kind ``joint_consultation_quarterly`` is recorded (care.hooks.meeting_saved, in the
meeting's transaction), its township's indicators for the consultation's period and the shortcomings are
frozen in a ConsultationRecord; changing the meeting's date or region freezes them again, and a recorder may
regenerate them (audited). The period is the calendar period of the profile's ``[cadences.joint_consultation]``
(齐云山镇2024: a quarter) containing the meeting's date, up to that date; where the profile sets no such
cadence, of ``[accountability] consultation_period``. Everything is as it stood on the meeting's date:

- ``kpis``: the period's indicators (stats.compute; no patient ids), ``below_target``: those short of the
  profile's target;
- ``rectifications``: inspection rectification items of the township open and past their deadline;
- ``measures``: accountability measures on targets in the township still open (overdue flagged);
- ``incidents``: incidents in the period and how many still lack their retrospective review;
- ``tasks_overdue``: tasks of earlier meetings in the township not done by their deadline.

Counts and non-clinical words only; ``visible`` withholds the indicators counted from clinical fields from
non-health roles (stats.permissions.visible_snapshot).
"""

import datetime as dt

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from jingfang.accounts import roles
from jingfang.audit import log as audit
from jingfang.care import permissions as care_permissions
from jingfang.care import selectors as care_selectors
from jingfang.care.models import Incident, Meeting, MeetingTask
from jingfang.core import clock, errors
from jingfang.followups import engine
from jingfang.policies.profiles import Interval
from jingfang.regions.models import Region
from jingfang.stats import compute
from jingfang.stats import permissions as stats_permissions
from jingfang.stats.kpis import Period
from jingfang.stats.models import RectificationItem

from . import rules, vocab
from .models import ConsultationRecord, Measure

KIND = "joint_consultation_quarterly"


def calendar_period(day: dt.date, every: Interval) -> Period:
    """The calendar period of ``every`` containing ``day``, up to ``day`` (a quarter: its first day to
    ``day``); an interval that does not divide the year: the interval ending on ``day``."""
    if every.months and not every.days and 12 % every.months == 0:
        first_month = (day.month - 1) // every.months * every.months + 1
        return Period(dt.date(day.year, first_month, 1), day)
    start = day - dt.timedelta(days=every.approx_days - 1)
    return Period(start, day)


def period_rule(region_code: str) -> tuple[Interval, str] | None:
    """(interval, cite) of the consultation's period in the region's profile, or None when none is set."""
    profile = engine.profile_for(region_code)
    cadence = profile.cadence("joint_consultation")
    if cadence is not None:
        return cadence.every, cadence.cite
    if profile.accountability is not None:
        return profile.accountability.consultation_period, profile.accountability.cite
    return None


def build(meeting: Meeting, today: dt.date | None = None) -> dict | None:
    today = today or clock.today()
    rule = period_rule(meeting.region_id)
    if rule is None:
        return None
    every, cite = rule
    on = min(meeting.date, today)
    period = calendar_period(on, every)
    township = Region.objects.get(code=meeting.region_id)
    lo, hi = township.code_range
    kpis = compute.Engine(township, period.end).kpis(period)
    below = [{"key": k.key, "name": k.name, "display": k.display, "target_text": k.target_text}
             for k in kpis if k.met is False]
    items = (RectificationItem.objects.filter(report__township_id__gte=lo, report__township_id__lte=hi,
                                              due_date__lt=on, created_at__date__lte=on)
             .filter(Q(status="open") | Q(closed_at__date__gt=on)).select_related("report__township")
             .order_by("due_date", "id"))
    measures = (Measure.objects.filter(target_region_id__gte=lo, target_region_id__lte=hi, issued_on__lte=on)
                .filter(Q(closed_on__isnull=True) | Q(closed_on__gt=on)).order_by("deadline", "id"))
    incidents = Incident.objects.filter(patient__region_id__gte=lo, patient__region_id__lte=hi,
                                        date__gte=period.start, date__lte=period.end)
    tasks = (MeetingTask.objects.filter(meeting__region_id__gte=lo, meeting__region_id__lte=hi, due_date__lt=on)
             .exclude(meeting=meeting).filter(Q(done=False) | Q(done_at__date__gt=on)))
    return {
        "region": {"code": township.code, "name": township.name},
        "period": {"start": period.start.isoformat(), "end": period.end.isoformat(), "every": every.label,
                   "cite": cite},
        "as_of": on.isoformat(),
        "kpis": [k.as_dict() for k in kpis],
        "below_target": below,
        "rectifications": [{"id": r.pk, "text": r.text, "owner": r.owner, "due_date": r.due_date.isoformat(),
                            "report_id": r.report_id, "report": r.report.title} for r in items],
        "measures": [{"id": m.pk, "kind": m.kind, "kind_label": vocab.KINDS[m.kind], "target_name": m.target_name,
                      "issued_on": m.issued_on.isoformat(), "deadline": m.deadline.isoformat(),
                      "state": rules.state_on(m.deadline, None, on)} for m in measures],
        "incidents": {"count": incidents.count(), "unreviewed": incidents.filter(
            Q(reviewed_at__isnull=True) | Q(reviewed_at__date__gt=on)).count()},
        "tasks_overdue": tasks.count(),
    }


def freeze(actor, meeting: Meeting, *, request=None) -> ConsultationRecord | None:
    """Build and store the meeting's record with its audit row (inside the caller's transaction when there
    is one: the meeting's); None when the profile sets no consultation period."""
    snap = build(meeting)
    if snap is None:
        ConsultationRecord.objects.filter(meeting=meeting).delete()
        return None
    with transaction.atomic():  # the record and its audit row together or not at all
        record, _ = ConsultationRecord.objects.update_or_create(meeting=meeting, defaults={
            "period_start": snap["period"]["start"], "period_end": snap["period"]["end"], "snapshot": snap,
            "generated_at": timezone.now(), "generated_by": actor})
        audit.record(actor, "update", request=request, target=f"consultation:{meeting.pk}",
                     detail={"period": [snap["period"]["start"], snap["period"]["end"]],
                             "below_target": len(snap["below_target"]), "measures": len(snap["measures"]),
                             "rectifications": len(snap["rectifications"])})
    return record


def may_regenerate(user, meeting: Meeting) -> bool:
    """Those who record meetings in the meeting's region (care.permissions RECORD_MEETING)."""
    return (care_permissions.can(user, care_permissions.RECORD_MEETING)
            and care_selectors.in_meeting_region(user, meeting))


def regenerate(actor, meeting: Meeting, *, request=None) -> ConsultationRecord | None:
    """Freeze the record again from the data as it stood on the meeting's date (e.g. after a measure or an
    inspection dated before it was entered late): one transaction with its audit row."""
    if meeting.kind != KIND or not may_regenerate(actor, meeting):
        audit.record(actor, "update", request=request, outcome="denied", target=f"consultation:{meeting.pk}")
        raise errors.Forbidden("只有会议所属区划的会议登记人员可以重新生成联合会商的会商材料")
    with transaction.atomic():
        return freeze(actor, meeting, request=request)


def on_meeting_saved(sender, *, actor, meeting, created, moved, request=None, **kwargs) -> None:
    """care.hooks.meeting_saved: a joint consultation recorded, moved to another date or region, or one
    without a record gets its record frozen; a meeting no longer a joint consultation loses it."""
    if meeting.kind != KIND:
        ConsultationRecord.objects.filter(meeting=meeting).delete()
        return
    if created or moved or not ConsultationRecord.objects.filter(meeting=meeting).exists():
        freeze(actor, meeting, request=request)


def visible(user, snap: dict) -> dict:
    """The record as the user may read it: indicators counted from clinical fields lose their figures for
    non-health roles, and are not listed among those below target."""
    if not snap:
        return snap
    out = stats_permissions.visible_snapshot(user, snap)
    if not roles.sees_clinical(user.role):
        out["below_target"] = [k for k in snap.get("below_target") or []
                               if k.get("key") not in stats_permissions.CLINICAL_KPIS]
    return out
