"""Care work on the worklist (registered with core.worklist_hub in CareConfig.ready()).

- Meeting tasks: each open task is a "deadline" item on its owner's worklist only.
- Meetings due: for every village with a patient under management in the user's range, the monthly
  care-team meeting; for every township in the range, the monthly township group meeting and the
  quarterly joint consultation; each only where the region's policy profile sets the cadence
  (policies/*.toml [cadences.*]) and only for users who record meetings. Periods are calendar
  periods of the cadence (a month, a quarter): the next meeting is due by the end of the period after
  the last one's; with none recorded, by the end of the previous period (or, for a village whose first
  patient was registered in this period, by the end of this one). Once that date passes, it is overdue.
"""

import calendar
import datetime as dt

from django.db.models import Max, Min, Q
from django.urls import reverse

from jingfang.core.worklist_hub import Item
from jingfang.followups import engine
from jingfang.followups.schedule import item_state
from jingfang.policies.profiles import Interval
from jingfang.regions import codes
from jingfang.regions.models import Region
from jingfang.registry import selectors as patient_selectors

from . import permissions, vocab
from .models import Meeting, MeetingTask
from .selectors import ACTIVE_STATUSES_EXCLUDED

TASK_WINDOW_DAYS = 7


def _range_touches(code: str, lo: str, hi: str) -> bool:
    """The region lies within lo..hi, or lo..hi lies within the region (a village user's township meeting)."""
    return lo <= code <= hi or (codes.is_within(lo, code) and codes.is_within(hi, code))


def task_items(user, lo: str, hi: str, on: dt.date) -> list[Item]:
    tasks = (MeetingTask.objects.filter(owner=user, meeting__date__lte=on)
             .filter(Q(done=False) | Q(done_at__date__gt=on)).select_related("meeting__region"))
    items = []
    for t in tasks:
        m = t.meeting
        if not _range_touches(m.region_id, lo, hi):
            continue
        start = max(m.date, t.due_date - dt.timedelta(days=TASK_WINDOW_DAYS))
        start = min(start, t.due_date)
        items.append(Item(
            patient_id=None, patient_name="", region_code=m.region_id, region_name=m.region.name, key_person=False,
            grade="", kind="deadline", due_date=t.due_date, window_start=start,
            state=item_state(on, start, t.due_date),
            reason=f"{vocab.MEETING_KINDS[m.kind]}（{m.date:%Y-%m-%d}）议定，由您负责", rule_id="care:meeting_task",
            url=reverse("care:meeting", args=[m.pk]), label=f"会议任务：{t.text}",
        ))
    return items


def cadence_for(kind: str, region_code: str):
    """(profile, cadence) for a kind of meeting in a region, or (profile, None) when the profile sets none.

    Township group meetings use the profile's `township_group_meeting` cadence; a profile whose
    care-team cadence names the 综合管理小组 too (齐云山镇2024 三（一）1: both groups meet monthly) covers them."""
    profile = engine.profile_for(region_code)
    cadence = profile.cadence(vocab.MEETING_CADENCE[kind])
    if cadence is None and kind == "township_group_monthly":
        team = profile.cadence("care_team_meeting")
        if team is not None and "综合管理小组" in team.label:
            cadence = team
    return profile, cadence


def _period(d: dt.date, months: int) -> tuple[dt.date, dt.date]:
    first = ((d.month - 1) // months) * months + 1
    last = first + months - 1
    return dt.date(d.year, first, 1), dt.date(d.year, last, calendar.monthrange(d.year, last)[1])


def meeting_due(every: Interval, last: dt.date | None, first_registered: dt.date, on: dt.date) -> tuple[dt.date, dt.date]:
    """(due date, window start) of the next meeting."""
    months = every.months if every.months and not every.days and 12 % every.months == 0 else 0
    if not months:
        due = every.after(last or first_registered)
        return due, max(last or first_registered, due - dt.timedelta(days=TASK_WINDOW_DAYS))
    if last is not None:
        anchor = every.after(last)
    else:
        current, _ = _period(on, months)
        previous, _ = _period(current - dt.timedelta(days=1), months)
        anchor = max(first_registered, previous)
    start, end = _period(anchor, months)
    return end, start


def meeting_items(user, lo: str, hi: str, on: dt.date) -> list[Item]:
    if not permissions.can(user, permissions.RECORD_MEETING):
        return []
    villages = dict(
        patient_selectors.patients_for(user)
        .filter(region_id__gte=lo, region_id__lte=hi, registered_on__lte=on)
        .exclude(status__in=ACTIVE_STATUSES_EXCLUDED)
        .order_by().values("region_id").annotate(first=Min("registered_on")).values_list("region_id", "first")
    )
    targets = [("team_monthly", code, first) for code, first in villages.items()]
    townships: dict[str, dt.date] = {}
    for code, first in villages.items():
        t = codes.township_of(code)
        if lo <= t <= hi:
            townships[t] = min(townships.get(t, first), first)
    for code, first in townships.items():
        targets += [("township_group_monthly", code, first), ("joint_consultation_quarterly", code, first)]
    if not targets:
        return []
    wanted = {code for _, code, _ in targets}
    last = {(r["kind"], r["region_id"]): r["last"] for r in
            Meeting.objects.filter(region_id__in=wanted, date__lte=on).order_by().values("kind", "region_id")
            .annotate(last=Max("date"))}
    names = dict(Region.objects.filter(code__in=wanted).values_list("code", "name"))
    items = []
    for kind, code, first in targets:
        profile, cadence = cadence_for(kind, code)
        if cadence is None:
            continue
        previous = last.get((kind, code))
        due, start = meeting_due(cadence.every, previous, first, on)
        held = f"上次会议{previous:%Y-%m-%d}" if previous else "尚无会议记录"
        items.append(Item(
            patient_id=None, patient_name="", region_code=code, region_name=names.get(code, code), key_person=False,
            grade="", kind="deadline", due_date=due, window_start=start, state=item_state(on, start, due),
            reason=f"{cadence.label}：每{cadence.every.label}至少1次（{cadence.cite}）；{held}",
            rule_id=profile.rule_id(vocab.MEETING_CADENCE[kind]),
            url=f"{reverse('care:meeting_create')}?kind={kind}&region={code}",
            label=f"{vocab.MEETING_KINDS[kind]}：{names.get(code, code)}",
        ))
    return items
