"""Each indicator counts exactly what its definition says, with the numbers of the region's profile.

Sources: 《严重精神障碍管理治疗工作规范（2018年版）》 (the national profile: a follow-up counts for 管理 and
规范管理 when it reached the patient, phone included; 规范管理 = at least 4 follow-ups a year, no two more
than 3 months apart; 面访率 counts clinic and home visits only) and 《信阳市平桥区关于进一步加强严重精神障碍
患者管理救助工作实施方案》（平桥区2025，一（一）: every patient seen face to face at least every half year,
which its profile makes part of 规范管理).

Period: November 2025 (a month). 规范管理 is judged from 1 January 2025 (334 days to Nov 30: 4 × 334 ÷ 365
rounded down = 3 follow-ups) and needs a follow-up in November, so it is never above 管理.
"""

import datetime as dt

import pytest

from jingfang.policies.profiles import load_profile
from jingfang.policies.schema import Interval
from jingfang.stats.kpis import KEYS, PatientFacts, Period, Rules, Visit, assessment_start, compute, texts

D = dt.date
V = "990102001001"
NOV = Period(D(2025, 11, 1), D(2025, 11, 30))
NATIONAL = Rules.of(load_profile("national-2018"))
PINGQIAO = Rules.of(load_profile("pingqiao-2025"))


def reached(pid, day, mode="home_visit"):
    return Visit(pid, day, mode, True, "stable", "regular")


PATIENTS = [PatientFacts(pid, V, D(2020, 1, 1)) for pid in (1, 2, 3, 4, 6)] + [PatientFacts(5, V, D(2025, 10, 15))]
VISITS = [
    # 1, phone only: Feb 20, May 15, Aug 10, Nov 5 (never more than 3 months apart, 4 ≥ 3):
    #    managed, standard nationally, NOT face-to-face; in Pingqiao not standard (no face-to-face all year).
    *[reached(1, d, "phone") for d in (D(2025, 2, 20), D(2025, 5, 15), D(2025, 8, 10), D(2025, 11, 5))],
    # 2, seen this month after a gap: Feb 1, Jun 1, Nov 10 (Jun 1 -> Nov 10 is over 3 months):
    #    managed and face-to-face, NOT standard -- 管理率 and 规范管理率 differ within the month.
    *[reached(2, d) for d in (D(2025, 2, 1), D(2025, 6, 1), D(2025, 11, 10))],
    # 3, not followed up in November (Mar 1, Jun 1, Sep 1): not managed, so not standard either.
    *[reached(3, d) for d in (D(2025, 3, 1), D(2025, 6, 1), D(2025, 9, 1))],
    # 4, every rule kept: Jan 20 (clinic), Apr 15, Jul 10, Oct 5, Nov 25: managed, standard, face-to-face.
    reached(4, D(2025, 1, 20), "clinic"), *[reached(4, d) for d in (D(2025, 4, 15), D(2025, 7, 10), D(2025, 10, 5),
                                                                     D(2025, 11, 25))],
    # 5, registered Oct 15: assessed from then (47 days: 1 follow-up), seen Nov 1: managed, standard, face-to-face.
    reached(5, D(2025, 11, 1)),
    # 6, reached Oct 1, then one attempt in November that did not reach him: not managed.
    reached(6, D(2025, 10, 1)), Visit(6, D(2025, 11, 20), "home_visit", False),
]


@pytest.fixture(scope="module")
def national():
    return compute(PATIENTS, VISITS, NOV, 1000, NATIONAL)


def test_management_counts_any_follow_up_that_reached_the_patient_phone_included(national):
    k = national["management"]
    assert k.numerator_ids == {1, 2, 4, 5} and k.denominator_ids == {1, 2, 3, 4, 5, 6}
    assert round(k.value, 1) == 66.7


def test_standard_management_differs_from_management_within_one_month(national):
    k = national["standard_management"]
    assert k.numerator_ids == {1, 4, 5}  # 2: the June -> November gap; 3: no follow-up this month
    assert k.value == 50.0 != national["management"].value
    assert k.numerator_ids <= national["management"].numerator_ids


def test_face_to_face_rate_leaves_the_phone_only_patient_out(national):
    k = national["face_to_face"]
    assert k.numerator_ids == {2, 4, 5} and k.value == 50.0
    assert 1 in national["management"].numerator_ids and 1 in national["standard_management"].numerator_ids


def test_pingqiao_requires_a_face_to_face_visit_every_half_year_for_standard_management():
    table = compute(PATIENTS, VISITS, NOV, 1000, PINGQIAO)
    assert table["standard_management"].numerator_ids == {4, 5}  # the phone-only patient drops out
    assert table["management"].numerator_ids == {1, 2, 4, 5}  # 管理 is the same everywhere


def test_assessment_starts_on_1_january_or_the_earlier_period_start():
    assert assessment_start(NOV) == D(2025, 1, 1)
    assert assessment_start(Period(D(2024, 12, 1), D(2025, 11, 30))) == D(2024, 12, 1)
    # the whole year: the same as before the month view -- patient 2's four-month gap fails it too
    year = compute(PATIENTS, VISITS, Period(D(2025, 1, 1), D(2025, 12, 31)), 1000, NATIONAL)
    assert 2 not in year["standard_management"].numerator_ids


def test_the_numbers_in_the_words_are_the_profiles():
    words = texts(NATIONAL)["standard_management"]
    assert "每年4次" in words.definition and "不超过3个月" in words.definition
    assert "含电话随访" in words.definition and "面访" not in words.definition
    assert "《严重精神障碍管理治疗工作规范（2018年版）》" in words.basis
    pq = texts(PINGQIAO)["standard_management"]
    assert "面访" in pq.definition and "6个月" in pq.definition and "平桥区2025" in pq.basis
    # a profile with other numbers: the words and the count change together
    strict = Rules(6, Interval.parse("2m"), 3, "某县2026")
    assert "每年6次" in texts(strict)["standard_management"].definition
    assert "不超过2个月" in texts(strict)["standard_management"].definition
    assert compute(PATIENTS, VISITS, NOV, 1000, strict)["standard_management"].numerator_ids == {5}
    assert compute(PATIENTS, VISITS, NOV, 1000, strict)["standard_management"].numerator_ids == {5}
    assert "连续3次" in texts(NATIONAL)["lost"].numerator


@pytest.mark.parametrize("rules", [NATIONAL, PINGQIAO], ids=["national", "pingqiao"])
def test_every_indicator_states_definition_numerator_denominator_and_basis(rules):
    words = texts(rules)
    assert set(words) == set(KEYS)
    for key, w in words.items():
        assert w.definition and w.numerator and w.denominator and w.basis, key
        # phone follow-ups count everywhere except 面访率: no definition may call them "见面"
        assert "见面" not in w.definition + w.numerator + w.denominator, key
    for key in ("management", "standard_management", "medication", "regular_medication", "stable"):
        assert "电话" in words[key].definition + words[key].numerator, key
    assert "电话随访不计" in words["face_to_face"].definition


def test_the_kpi_carries_its_words(national):
    k = national["standard_management"]
    assert (k.definition, k.numerator_text, k.denominator_text, k.basis) == tuple(texts(NATIONAL)["standard_management"])
    assert k.as_dict()["numerator_text"] == k.numerator_text
