"""KPI counts per township, computed ahead (nightly, or by `jingfang stats_snapshot`) for the usual
periods, so that the KPI table of a county, a city or a province adds up a few rows instead of
loading the history of every patient below it (a province of a million patients: minutes).

Every KPI is a count of patients (or a sum of money) over patients who each live in one township, so
a region's numerator and denominator are the sums of its townships'. The table says how old the
figures are; a period with no complete snapshot is computed live for a county and, above county
level, answered from the latest snapshot of the same start (with a notice naming its end) when there
is one. Lists of the patients behind a figure are always computed live (stats.views.kpi_patients).
"""

import datetime as dt
import logging
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from jingfang.core import clock
from jingfang.regions import codes
from jingfang.regions.models import Region

from . import compute
from .kpis import KEYS, KPI, Period, _kpi, texts
from .models import KpiSnapshot
from .periods import add_months, monthly_periods

log = logging.getLogger(__name__)
SCALE = {"prevalence": 1000}


def standard_periods(end: dt.date) -> list[Period]:
    """What the nightly run computes: the year to date, each of the last twelve calendar months (the
    current one to date), the quarter to date, the last whole quarter and the last whole year."""
    quarter_start = dt.date(end.year, 3 * ((end.month - 1) // 3) + 1, 1)
    last_quarter_start = add_months(quarter_start, -3)
    periods = [Period(dt.date(end.year, 1, 1), end), *monthly_periods(end, 12, 1), Period(quarter_start, end),
               Period(last_quarter_start, quarter_start - dt.timedelta(days=1)),
               Period(dt.date(end.year - 1, 1, 1), dt.date(end.year - 1, 12, 31))]
    return list(dict.fromkeys(periods))


def counts_of(kpis: list[KPI]) -> dict:
    return {k.key: [k.numerator, k.denominator, len(k.numerator_ids), bool(k.available)] for k in kpis}


def build(end: dt.date, periods: list[Period] | None = None, *, counties: list[str] | None = None,
          progress=None) -> int:
    """Compute and store every township's counts for ``periods`` (default: standard_periods(end)),
    one county at a time (its data loaded once). Returns the number of rows written."""
    periods = periods or standard_periods(end)
    qs = Region.objects.filter(level=codes.COUNTY).order_by("code")
    if counties:
        qs = qs.filter(code__in=counties)
    county_list = list(qs)
    written = 0
    for n, county in enumerate(county_list, start=1):
        engine = compute.Engine(county, max(p.end for p in periods))
        now = timezone.now()
        rows = []
        for township in Region.objects.filter(parent=county, level=codes.TOWNSHIP).order_by("code"):
            patients = engine.dataset.within(*township.code_range)  # once for all periods
            residents, targets = compute.residents(township, engine.villages), compute.targets_for(township)
            rules, benefits = compute.rules_for(township), compute.benefits_for(township)
            for period in periods:
                kpis = engine.dataset.kpis(period, residents, rules, targets, patients, benefits=benefits)
                rows.append(KpiSnapshot(township_id=township.code, start=period.start, end=period.end,
                                        computed_at=now, counts=counts_of(kpis)))
        with transaction.atomic():
            KpiSnapshot.objects.filter(township__parent=county, start__in={p.start for p in periods},
                                       end__in={p.end for p in periods}).delete()
            KpiSnapshot.objects.bulk_create(rows, batch_size=1000)
        written += len(rows)
        if progress:
            progress(n, len(county_list))
    return written


@dataclass
class Answer:
    kpis: list[KPI]
    computed_at: dt.datetime | None  # None: computed now, from the live data
    period: Period  # the period the figures are for (may end earlier than the one asked for)

    @property
    def notice(self) -> str:
        if self.computed_at is None:
            return ""
        at = timezone.localtime(self.computed_at)
        return f"县级以上区划的指标为预先汇总的数据，统计截至{at:%Y-%m-%d %H:%M}（每日夜间更新）"


def _complete(region: Region, period: Period) -> list[KpiSnapshot] | None:
    lo, hi = region.code_range
    rows = list(KpiSnapshot.objects.filter(township_id__gte=lo, township_id__lte=hi, start=period.start,
                                           end=period.end))
    expected = Region.objects.filter(level=codes.TOWNSHIP, code__gte=lo, code__lte=hi).count()
    return rows if rows and len(rows) == expected else None


def _summed(region: Region, rows: list[KpiSnapshot], period: Period) -> Answer:
    totals = {key: [0, 0, 0, False] for key in KEYS}
    for row in rows:
        for key, (num, den, ids, available) in row.counts.items():
            if key in totals:
                t = totals[key]
                t[0], t[1], t[2], t[3] = t[0] + num, t[1] + den, t[2] + ids, t[3] or available
    residents = compute.residents(region)
    targets, benefits = compute.targets_for(region), compute.benefits_for(region)
    words = texts(compute.rules_for(region))
    kpis = []
    for key in KEYS:
        num, den, ids, available = totals[key]
        if key == "prevalence":
            den = residents
        if key in ("poor_self_paid", "inpatient_insurance"):
            available = available and ids > 0
        kpis.append(_kpi(key, words[key], targets, num, den, frozenset(), frozenset(), scale=SCALE.get(key, 100),
                         available=available, lists_denominator=key != "prevalence", benefits=benefits))
    return Answer(kpis, min(r.computed_at for r in rows), period)


def kpis_for_table(region: Region, period: Period) -> Answer:
    """The KPI table's figures: summed snapshots for a county or above when complete for the period,
    otherwise live (above county level, the latest snapshot of the same start, if any, before that)."""
    if region.level <= codes.COUNTY:
        rows = _complete(region, period)
        if rows:
            return _summed(region, rows, period)
        if region.level < codes.COUNTY:
            ends = (KpiSnapshot.objects.filter(start=period.start, end__lt=period.end).order_by("-end")
                    .values_list("end", flat=True).distinct()[:5])
            for end in ends:
                earlier = Period(period.start, end)
                rows = _complete(region, earlier)
                if rows:
                    return _summed(region, rows, earlier)
    return Answer(compute.kpis_for(region, period), None, period)


def run_job(job, report) -> dict:
    """The nightly job (jobs.schedule queues it after the schedules' recomputation): every county."""

    end = clock.today()
    report.phase("正在汇总各乡镇（街道）工作指标")
    rows = build(end, progress=lambda done, total: report(done, total))
    return {"message": f"已汇总截至{end.isoformat()}的工作指标（{rows}条乡镇记录）",
            "summary": [["截止日期", end.isoformat()], ["乡镇记录", rows]]}
