"""Where the KPI engine meets the database: load a region's plain data once (a handful of values()
queries over the region's code range) and compute KPIs for a period, a monthly trend and the ranking of
child regions from it.

These functions read aggregate data for a region and are not scoped to a user: the views and the API
check the region against the user first (permissions.region_for), and drill-down lists of patients go
through registry.selectors.patients_for.
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.apps import apps
from django.utils import timezone

from jingfang.followups import engine
from jingfang.followups.models import FollowUp, IndividualPlan, SearchAttempt
from jingfang.regions import codes
from jingfang.regions.models import Region
from jingfang.registry.models import Patient, StatusChange

from .kpis import KPI, OUT_OF_REGISTER, Dataset, PatientFacts, Period, Relief, Rules, Visit
from .periods import monthly_periods


def relief_model():
    """support.ReliefApplication when that app is installed and has the amounts; else None."""
    if not apps.is_installed("jingfang.support"):
        return None
    try:
        from jingfang.support.models import ReliefApplication
    except ImportError:
        return None
    names = {f.name for f in ReliefApplication._meta.get_fields()}
    return ReliefApplication if {"total_cost", "self_paid", "admission_date", "patient"} <= names else None


def _local_date(value) -> dt.date:
    return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()


def load(lo: str, hi: str, end: dt.date) -> Dataset:
    """Everyone registered by ``end`` living in villages lo..hi, with their history up to ``end``."""
    in_range = {"patient__region_id__gte": lo, "patient__region_id__lte": hi}
    patients = list(Patient.objects.filter(region_id__gte=lo, region_id__lte=hi, registered_on__lte=end)
                    .values_list("id", "region_id", "registered_on", "economic_status", "status", "status_since"))
    history = defaultdict(list)
    for pid, since, status in (StatusChange.objects.filter(**in_range, since__lte=end)
                               .values_list("patient_id", "since", "status")):
        history[pid].append((since, status))
    plans = defaultdict(list)
    for pid, created, active, updated in (IndividualPlan.objects.filter(**in_range)
                                          .values_list("patient_id", "created_at", "active", "updated_at")):
        plans[pid].append((_local_date(created), None if active else _local_date(updated)))
    found = defaultdict(list)
    for pid, day in (SearchAttempt.objects.filter(**in_range, result="found", date__lte=end)
                     .values_list("patient_id", "date")):
        found[pid].append(day)
    facts = []
    for pid, region_code, registered_on, economic, status, since in patients:
        statuses = history.get(pid)
        if not statuses:  # no recorded history: the current status, from when it began if that is known
            statuses = [(registered_on, status)]
            if status in OUT_OF_REGISTER and since and since > registered_on:
                statuses = [(registered_on, "at_home"), (since, status)]
        facts.append(PatientFacts(pid, region_code, registered_on, tuple(statuses), economic or "",
                                  tuple(plans.get(pid, ())), tuple(found.get(pid, ()))))
    visits = [Visit(*row) for row in (
        FollowUp.objects.filter(**in_range, date__lte=end).order_by("date", "id")
        .values_list("patient_id", "date", "mode", "seen", "condition", "adherence", "hospital"))]
    reliefs = None
    model = relief_model()
    if model is not None:
        reliefs = cost_records(in_range, end)
    return Dataset(facts, visits, reliefs)


def cost_records(in_range: dict, end: dt.date) -> list[Relief]:
    """The cost episodes begun by ``end`` (support.CostEpisode) and the admitted relief cases that no
    episode records, each with whether the patient was poor on its date (support.costs.poor_on)."""
    from jingfang.support import costs

    model = relief_model()
    rows = list(costs.episode_facts(in_range, end))
    poor = costs.poor_days([r["patient_id"] for r in rows] + list(
        model.objects.filter(**in_range).values_list("patient_id", flat=True).distinct()))
    out = [Relief(r["patient_id"], r["start"], r["total"], r["self_paid"], costs.poor_on(poor, r["patient_id"], r["start"]),
                  r["inpatient"], r["policy_cost"], r["insured"]) for r in rows]
    for pid, day, total, self_paid in (
            model.objects.filter(**in_range, admission_date__lte=end, total_cost__isnull=False,
                                 self_paid__isnull=False, cost_episode__isnull=True)
            .values_list("patient_id", "admission_date", "total_cost", "self_paid")):
        out.append(Relief(pid, day, total, self_paid, costs.poor_on(poor, pid, day)))
    return out


def residents(region: Region, village_population: dict[str, int] | None = None) -> int:
    """The region's resident population; when it is not set, the sum over its villages."""
    if region.population:
        return region.population
    lo, hi = region.code_range
    if village_population is None:
        village_population = dict(Region.objects.filter(code__gte=lo, code__lte=hi, level=codes.VILLAGE)
                                  .values_list("code", "population"))
    return sum(p for code, p in village_population.items() if lo <= code <= hi)


def targets_for(region: Region):
    return engine.profile_for(region.code).targets


def benefits_for(region: Region):
    """The profile's ``[benefits]`` (the inpatient insurance share's target)."""
    return engine.profile_for(region.code).benefits


def rules_for(region: Region) -> Rules:
    """How the region's policy profile counts its indicators (and words their definitions)."""
    return Rules.of(engine.profile_for(region.code))


@dataclass
class Board:
    """Everything the dashboard shows for one region: the period's KPIs, the trend and the ranking."""

    region: Region
    period: Period
    kpis: list[KPI]
    trend: list[tuple[Period, list[KPI]]]
    ranking: list[tuple[Region, list[KPI]]]
    window: int = 1


class Engine:
    """One region's data, loaded once, from which any number of periods and child regions are computed."""

    def __init__(self, region: Region, end: dt.date):
        self.region = region
        self.profile = engine.profile_for(region.code)
        lo, hi = region.code_range
        self.dataset = load(lo, hi, end)
        self.villages = dict(Region.objects.filter(code__gte=lo, code__lte=hi, level=codes.VILLAGE)
                             .values_list("code", "population"))

    def kpis(self, period: Period, region: Region | None = None) -> list[KPI]:
        region = region or self.region
        patients = None if region is self.region else self.dataset.within(*region.code_range)
        profile = self.profile if region is self.region else engine.profile_for(region.code)
        return self.dataset.kpis(period, residents(region, self.villages), Rules.of(profile), profile.targets,
                                 patients, benefits=profile.benefits)

    def trend(self, end: dt.date, months: int = 12, window: int = 1) -> list[tuple[Period, list[KPI]]]:
        return [(p, self.kpis(p)) for p in monthly_periods(end, months, window)]

    def ranking(self, period: Period) -> list[tuple[Region, list[KPI]]]:
        children = list(Region.objects.filter(parent=self.region).order_by("code"))
        return [(child, self.kpis(period, child)) for child in children]


def kpis_for(region: Region, period: Period) -> list[KPI]:
    return Engine(region, period.end).kpis(period)


def trend_for(region: Region, end: dt.date, months: int = 12, window: int = 1):
    return Engine(region, end).trend(end, months, window)


def ranking_for(region: Region, period: Period):
    return Engine(region, period.end).ranking(period)


def board(region: Region, period: Period, *, trend_end: dt.date | None = None, months: int = 12,
          window: int = 1) -> Board:
    trend_end = trend_end or period.end
    eng = Engine(region, max(period.end, trend_end))
    return Board(region, period, eng.kpis(period), eng.trend(trend_end, months, window), eng.ranking(period),
                 window)


def by_key(kpis: list[KPI]) -> dict[str, KPI]:
    return {k.key: k for k in kpis}
