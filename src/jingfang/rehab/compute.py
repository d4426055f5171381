"""The rehabilitation KPIs of a region over a period, from the database (the rules are in rehab.rules):
coverage of townships by operating facilities on the last day, and participation of at-home patients
(enrolments, and 康复措施 recorded on follow-ups: never typed twice), per township or per village."""

import datetime as dt
from dataclasses import dataclass

from jingfang.core import clock
from jingfang.followups import engine
from jingfang.followups.models import FollowUp
from jingfang.regions import codes
from jingfang.regions.models import Region
from jingfang.registry.models import Patient

from . import rules
from .models import Enrolment, Facility

TOWNSHIP_ROWS, VILLAGE_ROWS = "乡镇（街道）", "村（社区）"


@dataclass(frozen=True)
class Row:
    code: str
    name: str
    facilities: int  # operating on the last day (townships; villages: None)
    participants: int
    at_home: int

    @property
    def percent(self) -> float | None:
        return self.participants * 100 / self.at_home if self.at_home else None

    @property
    def display(self) -> str:
        p = self.percent
        return "—" if p is None else f"{p:.1f}".rstrip("0").rstrip(".") + "%"


@dataclass(frozen=True)
class Board:
    region: Region
    start: dt.date
    end: dt.date
    coverage: rules.Figure
    participation: rules.Figure
    rows: list  # per township (a county or above) or per village (a township)
    row_level: str
    facilities: int  # registered in the region
    places: int  # places of the facilities operating on the last day

    @property
    def by_township(self) -> bool:
        return self.row_level == TOWNSHIP_ROWS


def period_of(year: int | None, today: dt.date | None = None) -> tuple[dt.date, dt.date]:
    """A calendar year, up to today for the current one."""
    today = today or clock.today()
    year = year or today.year
    return dt.date(year, 1, 1), min(dt.date(year, 12, 31), today)


def board(region: Region, year: int | None = None) -> Board:
    start, end = period_of(year)
    lo, hi = region.code_range
    targets = engine.profile_for(region.code).targets
    coverage_target = targets.community_rehab_coverage_percent if targets else None
    participation_target = targets.home_rehab_participation_percent if targets else None

    facility_rows = list(Facility.objects.filter(region_id__gte=lo, region_id__lte=hi)
                         .values_list("region_id", "opened_on", "status", "closed_on", "places"))
    facts = [rules.FacilityFact(code, opened, status, closed) for code, opened, status, closed, _ in facility_rows]
    places = sum(p for (_c, o, s, c, p), f in zip(facility_rows, facts, strict=True) if f.operating(end))
    if region.level >= codes.TOWNSHIP:
        township = codes.township_of(region.code) if region.level > codes.TOWNSHIP else region.code
        towns = list(Region.objects.filter(code=township))
    else:
        towns = list(Region.objects.filter(code__gte=lo, code__lte=hi, level=codes.TOWNSHIP).order_by("code"))
    cover = rules.coverage([rules.Township(t.code, t.name) for t in towns], facts, end, coverage_target)

    patients = [rules.PatientFact(*row) for row in Patient.objects.filter(
        region_id__gte=lo, region_id__lte=hi, registered_on__lte=end).values_list(
        "id", "region_id", "registered_on", "status", "status_since")]
    in_range = {"patient__region_id__gte": lo, "patient__region_id__lte": hi}
    enrolments = [rules.EnrolmentFact(*row) for row in Enrolment.objects.filter(**in_range, start__lte=end)
                  .values_list("patient_id", "start", "end")]
    followups = [rules.FollowupFact(pid, day, tuple(measures or ())) for pid, day, measures in FollowUp.objects.filter(
        **in_range, date__gte=start, date__lte=end).exclude(rehab_measures=[]).values_list(
        "patient_id", "date", "rehab_measures")]
    sets = rules.participation_sets(patients, enrolments, followups, start, end)
    figure = rules.participation_figure(sets, participation_target)

    if region.level < codes.TOWNSHIP:
        children, area = towns, codes.township_of
        operating = {}
        for f in facts:
            if f.operating(end):
                operating[f.township_code] = operating.get(f.township_code, 0) + 1
        level = TOWNSHIP_ROWS
    else:
        children = list(Region.objects.filter(code__gte=lo, code__lte=hi, level=codes.VILLAGE).order_by("code"))
        area, operating, level = (lambda code: code), None, VILLAGE_ROWS
    counts = rules.by_area(patients, sets, area)
    rows = [Row(c.code, c.name, operating.get(c.code, 0) if operating is not None else None,
                *counts.get(c.code, (0, 0))) for c in children]
    return Board(region, start, end, cover, figure, rows, level, len(facility_rows), places)
