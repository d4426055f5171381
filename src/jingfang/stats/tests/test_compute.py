"""The ORM adapter: follow-ups recorded through followups.services come out as the right KPIs."""

import datetime as dt

import pytest

from jingfang.regions.models import Region
from jingfang.stats import compute
from jingfang.stats.kpis import Period

from .conftest import TODAY, visit

pytestmark = pytest.mark.django_db


def by_key(kpis):
    return {k.key: k for k in kpis}


def test_county_kpis_from_recorded_followups(tree, three, county_period, django_assert_max_num_queries):
    with django_assert_max_num_queries(12):
        k = by_key(compute.kpis_for(tree["county"], county_period))
    ids = {name: p.pk for name, p in three.items()}
    # registered: 甲, 乙, 丙 = 3 of 60,000 residents = 0.05‰
    assert k["prevalence"].numerator_ids == set(ids.values()) and k["prevalence"].value == pytest.approx(0.05)
    # managed: 甲 and 乙 (seen by phone counts) = 2 of 3
    assert k["management"].numerator_ids == {ids["张甲"], ids["李乙"]}
    # face-to-face: 甲 only; 乙 was phoned
    assert k["face_to_face"].numerator_ids == {ids["张甲"]}
    # standard: 甲 (4 visits, gaps 84/90/90/90/10 days); 乙 has 1 of 4 needed
    assert k["standard_management"].numerator_ids == {ids["张甲"]}
    # medication: regular at the latest visit for 甲 and 乙
    assert k["medication"].numerator_ids == {ids["张甲"], ids["李乙"]}
    # stable: both classed stable (risk 0, insight full…); all three at home
    assert k["stable"].denominator == 3 and k["stable"].numerator_ids == {ids["张甲"], ids["李乙"]}


def test_township_and_ranking(tree, three, county_period):
    k = by_key(compute.kpis_for(tree["t1"], county_period))
    assert k["management"].numerator == 2 and k["management"].denominator == 2
    rows = compute.ranking_for(tree["county"], county_period)
    assert [r.code for r, _ in rows] == ["990102001000", "990102002000"]
    management = {r.name: by_key(ks)["management"].value for r, ks in rows}
    assert management == {"东镇": 100.0, "西镇": 0.0}


def test_lost_after_three_failed_attempts_and_monthly_trend(users, tree, three):
    for days in (40, 30, 20):
        visit(users["doctor"], three["李乙"], days, seen=False)
    k = by_key(compute.kpis_for(tree["t1"], Period(TODAY - dt.timedelta(days=60), TODAY)))
    assert k["lost"].numerator_ids == {three["李乙"].pk}
    trend = compute.trend_for(tree["t1"], TODAY, months=3)
    assert len(trend) == 3 and trend[-1][0].end == TODAY
    assert by_key(trend[-1][1])["prevalence"].numerator == 2


def test_a_patient_moved_out_before_the_period_is_not_registered(users, tree, three):
    from jingfang.registry.models import StatusChange

    p = three["王丙"]
    StatusChange.objects.filter(patient=p).update(since=TODAY - dt.timedelta(days=400))
    StatusChange.objects.create(patient=p, status="moved_out", since=TODAY - dt.timedelta(days=200))
    k = by_key(compute.kpis_for(tree["t2"], Period(TODAY - dt.timedelta(days=100), TODAY)))
    assert k["prevalence"].numerator == 0
    k = by_key(compute.kpis_for(tree["t2"], Period(TODAY - dt.timedelta(days=300), TODAY)))
    assert k["prevalence"].numerator == 1


def test_targets_come_from_the_regions_profile(tree, three, county_period):
    Region.objects.filter(code=tree["county"].code).update(policy="xuecheng-2016")
    from jingfang.followups import engine

    engine.clear_caches()
    k = by_key(compute.kpis_for(tree["county"], county_period))
    # management 2/3 = 66.7% < 85%; treatment (medication) 66.7% ≥ 65%
    assert (k["management"].target, k["management"].met) == (85.0, False)
    assert (k["medication"].target, k["medication"].met) == (65.0, True)
    assert k["standard_management"].target is None


def test_residents_fall_back_to_the_villages(tree):
    Region.objects.filter(code=tree["t1"].code).update(population=0)
    tree["t1"].refresh_from_db()
    assert compute.residents(tree["t1"]) == 6000


def test_poor_patients_self_paid_share_from_relief_cases(tree, three, county_period):
    model = compute.relief_model()
    if model is None:
        pytest.skip("support.ReliefApplication is not available")
    from jingfang.registry.models import Patient

    poor = three["王丙"]
    Patient.objects.filter(pk=poor.pk).update(economic_status="poor")

    def case(patient, total, self_paid, days_ago=30):
        return model.objects.create(patient=patient, township_code=patient.region_id[:9] + "000", applicant_name="王监护",
                                    insurance_type=model._meta.get_field("insurance_type").choices[0][0], facts="住院",
                                    state="admitted", admission_date=TODAY - dt.timedelta(days=days_ago),
                                    total_cost=total, self_paid=self_paid)

    case(poor, 20000, 1500)
    case(poor, 10000, 10000, days_ago=500)  # before the period
    case(three["张甲"], 8000, 4000)  # not poor
    k = by_key(compute.kpis_for(tree["county"], county_period))["poor_self_paid"]
    # 1,500 ÷ 20,000 = 7.5%
    assert (k.numerator, k.denominator, k.value, k.numerator_ids) == (1500, 20000, 7.5, {poor.pk})


def test_cost_episodes_and_unrecorded_relief_cases_count_once(tree, three, county_period):
    """薛城区2016 一（二）3 and 二（三）1 from the database: an episode linked to a relief case replaces it
    (never counted twice); poverty comes from the benefits in force on the episode's date."""
    from decimal import Decimal

    from jingfang.support.models import Benefit, CostEpisode, ReliefApplication

    tree["county"].policy = "xuecheng-2016"
    tree["county"].save()
    from jingfang.followups import engine

    engine.clear_caches()
    day = TODAY - dt.timedelta(days=30)
    poor, other = three["王丙"], three["张甲"]
    Benefit.objects.create(patient=poor, kind="dibao", since=day - dt.timedelta(days=365))

    def case(patient, total, self_paid, relief_paid):
        return ReliefApplication.objects.create(
            patient=patient, township_code=patient.region_id[:9] + "000", applicant_name="王监护",
            insurance_type="resident", facts="住院", state="admitted", admission_date=day, total_cost=total,
            insurance_paid=total - self_paid - relief_paid, relief_paid=relief_paid, self_paid=self_paid)

    linked = case(poor, Decimal(20000), Decimal(1500), Decimal(4000))
    case(poor, Decimal(1000), Decimal(100), Decimal(0))  # no episode: counted from the application
    CostEpisode.objects.create(patient=poor, kind="inpatient", relief=linked, hospital="县精神卫生中心", start=day,
                               total_cost=Decimal(20000), policy_cost=Decimal(18000), insurance_paid=Decimal(12600),
                               serious_illness_paid=Decimal(400))  # 20000-12600-400-4000 = 3000 self-paid
    CostEpisode.objects.create(patient=other, kind="inpatient", hospital="县精神卫生中心", start=day,
                               total_cost=Decimal(10000), policy_cost=Decimal(10000), insurance_paid=Decimal(5000))
    table = by_key(compute.kpis_for(tree["county"], county_period))
    k, i = table["poor_self_paid"], table["inpatient_insurance"]
    # poor: 3000 + 100 of 20000 + 1000; the linked application's own 1500 is not counted again
    assert (k.numerator, k.denominator, k.numerator_ids) == (3100, 21000, {poor.pk})
    # insured: (12600 + 400) + 5000 of 18000 + 10000 = 64.3% < 70%
    assert (i.numerator, i.denominator, i.met, i.target) == (18000, 28000, False, 70.0)
