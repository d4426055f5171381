"""KPI counts summed from township snapshots equal the live figures; the table says how old they are;
a period without a complete snapshot is computed live (county) or answered from the latest earlier
snapshot with a notice (above county)."""

import datetime as dt
import io

import pytest
from django.core.management import call_command

from jingfang.regions.models import Region
from jingfang.stats import compute, snapshots
from jingfang.stats.kpis import Period
from jingfang.stats.models import KpiSnapshot

from .conftest import TODAY, YEAR_START, visit

pytestmark = pytest.mark.django_db


def figures(kpis):
    return {k.key: (k.numerator, k.denominator, None if k.value is None else round(k.value, 6), k.met, k.available)
            for k in kpis}


@pytest.mark.parametrize("code", ["990102000000", "990100000000", "990000000000"])
def test_summed_snapshots_equal_the_live_figures(three, county_period, code):
    snapshots.build(TODAY, [county_period])
    region = Region.objects.get(code=code)
    answer = snapshots.kpis_for_table(region, county_period)
    assert answer.computed_at is not None and "统计截至" in answer.notice
    assert figures(answer.kpis) == figures(compute.kpis_for(region, county_period))
    managed = next(k for k in answer.kpis if k.key == "management")
    assert (managed.numerator, managed.denominator) == (2, 3)


def test_standard_periods_cover_the_year_months_and_quarters():
    periods = snapshots.standard_periods(dt.date(2026, 5, 20))
    assert periods[0] == Period(dt.date(2026, 1, 1), dt.date(2026, 5, 20))
    assert Period(dt.date(2026, 5, 1), dt.date(2026, 5, 20)) in periods
    assert Period(dt.date(2025, 6, 1), dt.date(2025, 6, 30)) in periods
    assert Period(dt.date(2026, 4, 1), dt.date(2026, 5, 20)) in periods
    assert Period(dt.date(2026, 1, 1), dt.date(2026, 3, 31)) in periods
    assert Period(dt.date(2025, 1, 1), dt.date(2025, 12, 31)) in periods
    assert len(periods) == len(set(periods)) == 16


def test_a_township_is_always_live(three, county_period):
    snapshots.build(TODAY, [county_period])
    answer = snapshots.kpis_for_table(Region.objects.get(code="990102001000"), county_period)
    assert answer.computed_at is None and answer.notice == ""


def test_figures_are_as_of_the_snapshot_until_the_next_run(users, three, county_period):
    snapshots.build(TODAY, [county_period])
    county = Region.objects.get(code="990102000000")
    visit(users["doctor"], three["王丙"], 1)  # a follow-up recorded after the run
    before = next(k for k in snapshots.kpis_for_table(county, county_period).kpis if k.key == "management")
    assert before.numerator == 2
    snapshots.build(TODAY, [county_period])
    after = next(k for k in snapshots.kpis_for_table(county, county_period).kpis if k.key == "management")
    assert after.numerator == 3 and KpiSnapshot.objects.filter(start=YEAR_START).count() == 3  # 3 townships


def test_incomplete_snapshot_is_not_used_for_a_county(three, county_period):
    snapshots.build(TODAY, [county_period])
    KpiSnapshot.objects.filter(township_id="990102002000").delete()
    answer = snapshots.kpis_for_table(Region.objects.get(code="990102000000"), county_period)
    assert answer.computed_at is None


def test_above_county_an_earlier_end_is_shown_with_its_period(three):
    earlier = Period(YEAR_START, TODAY - dt.timedelta(days=3))
    snapshots.build(TODAY, [earlier])
    asked = Period(YEAR_START, TODAY)
    answer = snapshots.kpis_for_table(Region.objects.get(code="990000000000"), asked)
    assert answer.period == earlier and answer.computed_at is not None


def test_kpi_table_page_says_how_old_the_figures_are(client, users, three):
    call_command("stats_snapshot", "--county", "990102000000", stdout=io.StringIO())
    client.force_login(users["county"])
    r = client.get("/stats/kpis/")  # the default period, this year to date, is one the run computes
    assert r.status_code == 200
    body = r.content.decode()
    assert "统计截至" in body and "管理率" in body


class _Report:
    def phase(self, message, total=None):
        self.message = message

    def __call__(self, done, total=None, message=None, *, force=False):
        self.done = (done, total)


def test_the_nightly_job_builds_every_county(three):
    report = _Report()
    result = snapshots.run_job(None, report)
    year_start = dt.date(TODAY.year, 1, 1)
    assert KpiSnapshot.objects.filter(start=year_start, end=TODAY).count() == 3  # every township, two counties
    assert report.done == (2, 2) and "已汇总" in result["message"]


def test_the_nightly_clock_queues_the_kpi_job_after_the_schedules(settings):
    from zoneinfo import ZoneInfo

    from jingfang.jobs import schedule
    from jingfang.jobs.models import Job

    settings.JINGFANG_NIGHTLY_AT = "02:30"
    now = dt.datetime(2026, 5, 1, 2, 40, tzinfo=ZoneInfo("Asia/Shanghai"))
    schedule.tick(now)
    schedule.tick(now + dt.timedelta(minutes=1))
    assert Job.objects.get(schedule_key="nightly:2026-05-01:stats").kind == "stats_snapshot"
