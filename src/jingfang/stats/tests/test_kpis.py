"""The KPI table on a small hand-made data set: every right answer is worked out in the comments.

Period: the calendar year 2025 (365 days, so standard management under 《严重精神障碍管理治疗工作规范
（2018年版）》 needs 4 × 365 ÷ 365 = 4 follow-ups that reached the patient, phone included, and no gap over
3 calendar months). Residents: 2,000. Rules: the national profile's. Targets: xuecheng-2016 (detection
≥5‰, management ≥85%, treatment ≥65%, case management of unstable patients ≥90%, poor patients'
self-paid share ≤10%).
"""

import datetime as dt
from decimal import Decimal

import pytest

from jingfang.policies.profiles import load_profile
from jingfang.stats.kpis import (
    Dataset,
    PatientFacts,
    Period,
    Relief,
    Rules,
    Visit,
    compute,
    in_register,
    meets_standard,
)
from jingfang.stats.periods import monthly_periods, quarter_period

D = dt.date
YEAR = Period(D(2025, 1, 1), D(2025, 12, 31))
V = "990102001001"
NATIONAL = Rules.of(load_profile("national-2018"))


def home(pid, day, condition="stable", adherence="regular", mode="home_visit", hospital=""):
    return Visit(pid, day, mode, True, condition, adherence, hospital)


def failed(pid, day):
    return Visit(pid, day, "home_visit", False)


PATIENTS = [
    # P1: four home visits, every gap ≤ 92 days (Jan1→Feb1 31, →Apr15 73, →Jul10 86, →Oct1 83, →Dec31 91):
    #     managed, standard, face-to-face; latest (Oct 1) stable + regular.
    PatientFacts(1, V, D(2020, 1, 1), ((D(2020, 1, 1), "at_home"),), "not_poor"),
    # P2: five visits but Mar 1 → Jul 15 is 136 days (a 4-month gap): NOT standard;
    #     latest (Dec 1) basically stable + intermittent: medication yes, regular no, stable no.
    PatientFacts(2, V, D(2020, 1, 1)),
    # P3: phone only (Mar1, Jun1, Sep1, Dec1; gaps 59, 92, 92, 91, 30): standard YES, face-to-face NO;
    #     latest unstable, no medicine but in hospital now -> counts as medication, not regular;
    #     hospitalised since Nov 20 -> not "at home"; a plan from Dec 5 -> under case management.
    PatientFacts(3, V, D(2020, 1, 1), ((D(2020, 1, 1), "at_home"), (D(2025, 11, 20), "hospitalized")),
                 plans=((D(2025, 12, 5), None),)),
    # P4: registered mid-period (Jul 1): 184 days in the register -> 2 visits needed; Aug 1, Nov 1
    #     (gaps 31, 92, 60): standard; latest unstable + regular; no plan -> unstable, not case-managed.
    PatientFacts(4, V, D(2025, 7, 1)),
    # P5: died in 2024, before the period: not registered, counted nowhere.
    PatientFacts(5, V, D(2018, 1, 1), ((D(2018, 1, 1), "at_home"), (D(2024, 6, 1), "deceased"))),
    # P6: died during the period (Mar 10): registered; in the register Jan 1–Mar 9 (68 days -> 1 visit);
    #     seen Feb 1 (gaps 31, 36): standard; medication + regular; dead at the period end -> not at home.
    PatientFacts(6, V, D(2019, 1, 1), ((D(2019, 1, 1), "at_home"), (D(2025, 3, 10), "deceased"))),
    # P7: seen Nov 2024, then three failed attempts in 2025: lost; not managed; at home, not stable.
    PatientFacts(7, V, D(2019, 1, 1)),
    # P8: registered after the period: not counted.
    PatientFacts(8, V, D(2026, 1, 5)),
    # P9: poor, no visits, at home; relief admitted 2025-05-01: 10,000 yuan, 800 self-paid.
    PatientFacts(9, V, D(2020, 1, 1), economic_status="poor"),
    # P10: seen once (Apr 1, stable + regular), missing since Sep 1 -> lost, not at home, not standard.
    PatientFacts(10, V, D(2020, 1, 1), ((D(2020, 1, 1), "at_home"), (D(2025, 9, 1), "missing"))),
]
VISITS = [
    home(1, D(2025, 2, 1)), home(1, D(2025, 4, 15)), home(1, D(2025, 7, 10)), home(1, D(2025, 10, 1)),
    home(2, D(2025, 1, 10), mode="clinic"), home(2, D(2025, 3, 1)), home(2, D(2025, 7, 15)), home(2, D(2025, 10, 1)),
    home(2, D(2025, 12, 1), "basically_stable", "intermittent"),
    home(3, D(2025, 3, 1), mode="phone"), home(3, D(2025, 6, 1), mode="phone"), home(3, D(2025, 9, 1), mode="phone"),
    home(3, D(2025, 12, 1), "unstable", "none", mode="phone", hospital="current"),
    home(4, D(2025, 8, 1)), home(4, D(2025, 11, 1), "unstable", "regular"),
    home(5, D(2024, 3, 1)),
    home(6, D(2025, 2, 1)),
    home(7, D(2024, 11, 1)), failed(7, D(2025, 2, 1)), failed(7, D(2025, 5, 1)), failed(7, D(2025, 8, 1)),
    home(10, D(2025, 4, 1)),
]
RELIEFS = [
    Relief(9, D(2025, 5, 1), Decimal("10000"), Decimal("800")),
    Relief(9, D(2024, 5, 1), Decimal("9000"), Decimal("9000")),  # admitted before the period: not counted
    Relief(1, D(2025, 6, 1), Decimal("5000"), Decimal("2000")),  # P1 is not poor: not counted
]
REGISTERED = {1, 2, 3, 4, 6, 7, 9, 10}  # 8: not P5 (dead before), not P8 (registered after)


@pytest.fixture(scope="module")
def table():
    targets = load_profile("xuecheng-2016").targets
    return compute(PATIENTS, VISITS, YEAR, 2000, NATIONAL, targets, RELIEFS)


def test_reported_prevalence(table):
    k = table["prevalence"]
    # 8 registered ÷ 2,000 residents × 1000 = 4.0‰, below the 5‰ target
    assert (k.numerator, k.denominator, k.value, k.unit) == (8, 2000, 4.0, "‰")
    assert k.numerator_ids == REGISTERED and not k.lists_denominator
    assert (k.target, k.met, k.target_text) == (5.0, False, "≥5‰")


def test_management_rate(table):
    k = table["management"]
    # seen at least once in 2025: P1, P2, P3, P4, P6, P10 = 6 of 8 = 75% < 85%
    assert k.numerator_ids == {1, 2, 3, 4, 6, 10} and k.denominator_ids == REGISTERED
    assert (k.value, k.met) == (75.0, False)


def test_standard_management_gap_and_proration(table):
    k = table["standard_management"]
    # P1 (4 visits), P3 (phone counts here), P4 (registered mid-year, 2 needed), P6 (died, 1 needed) = 4 of 8.
    # P2 fails on a 136-day gap despite 5 visits; P10 has 1 visit of the 4 needed.
    assert k.numerator_ids == {1, 3, 4, 6}
    assert k.value == 50.0 and k.target is None and k.met is None  # no target key in the profile


def test_face_to_face_excludes_phone_only(table):
    k = table["face_to_face"]
    # P1, P2 (clinic and home), P4, P6, P10 = 5 of 8 = 62.5%; P3 was only phoned
    assert k.numerator_ids == {1, 2, 4, 6, 10} and k.value == 62.5


def test_medication_counts_hospital_current(table):
    k = table["medication"]
    # regular: P1, P4, P6, P10; intermittent: P2; in hospital: P3 = 6 of 8 = 75% ≥ 65% (treatment target)
    assert k.numerator_ids == {1, 2, 3, 4, 6, 10}
    assert (k.value, k.target, k.met) == (75.0, 65.0, True)


def test_regular_medication(table):
    k = table["regular_medication"]
    # regular at the latest seen visit: P1, P4, P6, P10 = 4 of 8
    assert k.numerator_ids == {1, 4, 6, 10} and k.value == 50.0


def test_stable_rate_over_patients_at_home(table):
    k = table["stable"]
    # at home on Dec 31: P1, P2, P4, P7, P9 (P3 in hospital, P6 dead, P10 missing); stable at latest: P1 -> 20%
    assert k.denominator_ids == {1, 2, 4, 7, 9} and k.numerator_ids == {1} and k.value == 20.0


def test_lost_rate(table):
    k = table["lost"]
    # P7 (3 failed attempts in a row) and P10 (missing) = 2 of 8 = 25%
    assert k.numerator_ids == {7, 10} and k.value == 25.0 and k.target_op == "<="


def test_unstable_under_case_management(table):
    k = table["unstable_case_management"]
    # unstable at the latest visit: P3, P4; P3 has a plan from Dec 5 (after its Dec 1 visit) -> 1 of 2 = 50% < 90%
    assert k.denominator_ids == {3, 4} and k.numerator_ids == {3}
    assert (k.value, k.target, k.met) == (50.0, 90.0, False)


def test_poor_patients_self_paid_share(table):
    k = table["poor_self_paid"]
    # P9 only (poor, admitted in 2025): 800 ÷ 10,000 = 8% ≤ 10% -> met
    assert (k.numerator, k.denominator, k.value, k.met, k.target_text) == (800, 10000, 8.0, True, "≤10%")
    assert k.numerator_ids == {9} and k.available


def test_self_paid_share_without_relief_data_has_no_figure():
    table = compute(PATIENTS, VISITS, YEAR, 2000, NATIONAL, load_profile("xuecheng-2016").targets, reliefs=None)
    k = table["poor_self_paid"]
    assert k.value is None and k.met is None and not k.available and k.display == "—"


def test_without_targets_nothing_is_met_or_missed():
    table = compute(PATIENTS, VISITS, YEAR, 2000, NATIONAL, load_profile("national-2018").targets)
    assert all(k.target is None and k.met is None for k in table.values())
    assert all(k.definition and k.name for k in table.values())


def test_empty_region_gives_no_values():
    table = compute([], [], YEAR, 0, NATIONAL)
    assert all(k.value is None for k in table.values())


def test_a_search_that_found_the_patient_ends_lost():
    found = PatientFacts(7, V, D(2019, 1, 1), found_on=(D(2025, 9, 1),))
    table = compute([found], VISITS, YEAR, 100, NATIONAL)
    assert table["lost"].numerator == 0


def test_a_plan_ended_before_the_unstable_visit_does_not_count():
    p = PatientFacts(4, V, D(2025, 7, 1), plans=((D(2025, 7, 1), D(2025, 10, 31)),))
    assert compute([p], VISITS, YEAR, 100, NATIONAL)["unstable_case_management"].numerator == 0
    p = PatientFacts(4, V, D(2025, 7, 1), plans=((D(2025, 7, 1), D(2025, 11, 1)),))
    assert compute([p], VISITS, YEAR, 100, NATIONAL)["unstable_case_management"].numerator == 1


def test_in_register_spans():
    p = PatientFacts(1, V, D(2025, 3, 1), ((D(2025, 3, 1), "at_home"), (D(2025, 6, 1), "moved_out"),
                                           (D(2025, 9, 1), "at_home")))
    assert in_register(p, YEAR) == (D(2025, 3, 1), D(2025, 12, 31))  # came back: in until the end
    p = PatientFacts(1, V, D(2025, 3, 1), ((D(2025, 3, 1), "at_home"), (D(2025, 6, 1), "moved_out")))
    assert in_register(p, YEAR) == (D(2025, 3, 1), D(2025, 5, 31))
    assert in_register(p, Period(D(2025, 7, 1), D(2025, 7, 31))) is None


def seen_on(*days, mode="phone"):
    return [Visit(1, d, mode) for d in days]


def test_standard_rule():
    q = (D(2025, 1, 1), D(2025, 3, 31))  # a quarter, 90 days: 4 × 90 ÷ 365 < 1, so one visit anywhere suffices
    assert meets_standard(q, seen_on(D(2025, 2, 15)), NATIONAL) and not meets_standard(q, [], NATIONAL)
    year = (D(2025, 1, 1), D(2025, 12, 31))
    four = seen_on(D(2025, 3, 1), D(2025, 6, 1), D(2025, 9, 1), D(2025, 11, 30))
    assert meets_standard(year, four, NATIONAL)  # phone calls count under the national rule
    assert not meets_standard(year, four[:3], NATIONAL)  # 3 < 4 (and Sep 1 -> Dec 31 is over 3 months)
    late = seen_on(D(2025, 4, 10), D(2025, 6, 1), D(2025, 9, 1), D(2025, 11, 30))
    assert not meets_standard(year, late, NATIONAL)  # Jan 1 -> Apr 10: over 3 months
    # calendar months: Jan 31 + 3 months is Apr 30
    assert meets_standard((D(2025, 1, 31), D(2025, 7, 30)), seen_on(D(2025, 4, 30)), NATIONAL)
    assert not meets_standard((D(2025, 1, 31), D(2025, 7, 30)), seen_on(D(2025, 5, 1)), NATIONAL)


def test_dataset_by_region_and_monthly_periods():
    other = PatientFacts(99, "990102002001", D(2020, 1, 1))
    data = Dataset([*PATIENTS, other], VISITS)
    assert len(data.within("990102001000", "990102001999")) == len(PATIENTS)
    assert data.kpis(YEAR, 1000, NATIONAL)[0].numerator == 9
    months = monthly_periods(D(2025, 11, 15), 12)
    assert (months[0].start, months[-1].start, months[-1].end) == (D(2024, 12, 1), D(2025, 11, 1), D(2025, 11, 15))
    rolling = monthly_periods(D(2025, 12, 31), 2, window=3)
    assert (rolling[-1].start, rolling[-1].end) == (D(2025, 10, 1), D(2025, 12, 31))
    assert quarter_period(2025, 4) == Period(D(2025, 10, 1), D(2025, 12, 31))


# 薛城区2016 一（二）3 (贫困患者门诊和住院医疗费用平均自付比例不超过10%) and 二（三）1 (医疗保险政策范围内住院费用
# 支付比例不低于70%), over cost episodes: poor by the benefits in force on the episode's date (Relief.poor) or
# by economic status; outpatient episodes count for the self-paid share, only inpatient ones with their
# in-policy cost for the insurance share (of every registered patient, poor or not).
XUECHENG = load_profile("xuecheng-2016")
COST_TABLE = [
    # case, episodes, (self-paid, total, value, met), (insured, in-policy, value, met)
    ("economic-status-poor-inpatient", [Relief(9, D(2025, 5, 1), Decimal(10000), Decimal(800), False, True,
                                               Decimal(9000), Decimal(6300))],
     (800, 10000, 8.0, True), (6300, 9000, 70.0, True)),
    ("dibao-on-the-day-outpatient-counts", [Relief(1, D(2025, 6, 1), Decimal(1000), Decimal(300), True, False)],
     (300, 1000, 30.0, False), None),
    ("not-poor-only-in-the-insurance-share", [Relief(1, D(2025, 6, 1), Decimal(5000), Decimal(2000), False, True,
                                                     Decimal(4000), Decimal(2400))],
     None, (2400, 4000, 60.0, False)),
    ("weighted-by-cost-not-averaged-per-episode", [
        Relief(9, D(2025, 2, 1), Decimal(1000), Decimal(500), False, False),  # 50%
        Relief(9, D(2025, 3, 1), Decimal(9000), Decimal(0), False, True)],  # 0%
     (500, 10000, 5.0, True), None),
    ("outside-the-period", [Relief(9, D(2024, 12, 31), Decimal(1000), Decimal(1000), True, True, Decimal(900),
                                   Decimal(0))], None, None),
]


@pytest.mark.parametrize("case,episodes,share,insured", COST_TABLE, ids=[c[0] for c in COST_TABLE])
def test_cost_burden_kpis(case, episodes, share, insured):
    table = compute(PATIENTS, VISITS, YEAR, 2000, NATIONAL, XUECHENG.targets, reliefs=episodes,
                    benefits=XUECHENG.benefits)
    k, i = table["poor_self_paid"], table["inpatient_insurance"]
    assert k.name == "贫困患者门诊和住院平均自付比例" and i.name == "政策范围内住院费用医保支付比例"
    if share is None:
        assert not k.available and k.value is None
    else:
        assert (k.numerator, k.denominator, round(k.value, 6), k.met, k.target_text) == (*share, "≤10%")
    if insured is None:
        assert not i.available and i.value is None
    else:
        assert (i.numerator, i.denominator, round(i.value, 6), i.met, i.target_text) == (*insured, "≥70%")
        assert i.target_cite == "薛城区2016，二（三）1"


def test_insurance_share_without_a_benefits_target_has_none():
    episodes = [Relief(1, D(2025, 6, 1), Decimal(5000), Decimal(0), False, True, Decimal(4000), Decimal(2400))]
    i = compute(PATIENTS, VISITS, YEAR, 2000, NATIONAL, None, reliefs=episodes)["inpatient_insurance"]
    assert (i.value, i.target, i.met) == (60.0, None, None)
