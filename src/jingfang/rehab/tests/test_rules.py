"""Community rehabilitation KPI rules on hand-made data, after 《薛城区精神卫生综合管理试点工作实施方案》
（薛政办字〔2016〕17号）一（二）2: 以镇街为单位建立精神障碍患者社区康复机构，到2017年底，镇街社区康复机构覆盖率
达到60%，逐步提高居家患者社区康复参与率; 二（二）2: 中途宿舍、庇护工厂、日间康复站、职业康复中心等多种形式的
社区康复机构; 二（一）2: 精神科医生、护士、心理治疗师、康复师、社会工作者组建的多功能服务团队."""

import datetime as dt

import pytest

from jingfang.policies.profiles import load_profile
from jingfang.rehab import vocab
from jingfang.rehab.rules import (
    EnrolmentFact,
    FacilityFact,
    FollowupFact,
    PatientFact,
    Township,
    by_area,
    coverage,
    participation,
    participation_sets,
    team_gaps,
)

D = dt.date
ON = D(2026, 6, 30)
START = D(2026, 1, 1)
OPENED, REGISTERED = D(2025, 1, 1), D(2020, 1, 1)
T = [Township(f"99010200{i}000", n) for i, n in ((1, "东镇"), (2, "西镇"), (3, "南镇"), (4, "北镇"), (5, "中镇"))]


def fac(i, opened=OPENED, status="operating", closed=None):
    return FacilityFact(T[i].code, opened, status, closed)


@pytest.mark.parametrize("facilities, covered, met", [
    # 3 of 5 townships with an operating facility: 60 %, exactly the target (met)
    ([fac(0), fac(1), fac(2)], 3, True),
    # two facilities in one township count it once: 2 of 5 = 40 %
    ([fac(0), fac(0), fac(1)], 2, False),
    # a facility opening after the day does not count yet
    ([fac(0), fac(1), fac(2, opened=D(2026, 7, 1))], 2, False),
    # a suspended facility does not count; one closed on or before the day neither, one closed later does
    ([fac(0), fac(1, status="suspended"), fac(2, status="closed", closed=ON), fac(3, status="closed", closed=D(2026, 7, 1))],
     2, False),
    # a facility marked closed without a date is not operating
    ([fac(0, status="closed")], 0, False),
])
def test_coverage(facilities, covered, met):
    f = coverage(T, facilities, ON, 60)
    assert (f.numerator, f.denominator) == (covered, 5)
    assert f.value == pytest.approx(covered * 100 / 5)
    assert f.met is met
    assert len(f.shortfalls) == 5 - covered


def test_coverage_without_target_or_townships():
    assert coverage(T, [fac(0)], ON, None).met is None
    assert coverage([], [], ON, 60).value is None
    assert coverage(T[:1], [fac(0)], ON, 60).display == "100%"


def home(pid, village="990102001001", registered=REGISTERED, status="at_home", since=None):
    return PatientFact(pid, village, registered, status, since)


PATIENTS = [home(1), home(2), home(3), home(4, village="990102002001"),
            # hospitalised since May: not at home at the end of the period (not in the denominator)
            home(5, status="hospitalized", since=D(2026, 5, 1)),
            # died after the period's end: at home on its last day
            home(6, status="deceased", since=D(2026, 8, 1)),
            # registered after the period's end
            home(7, registered=D(2026, 7, 15))]


@pytest.mark.parametrize("enrolments, followups, numerator, parts", [
    # enrolled in a facility during the period
    ([EnrolmentFact(1, D(2026, 3, 1))], [], 1, (1, 0)),
    # an enrolment that ended before the period, or starts after it, does not count
    ([EnrolmentFact(1, D(2025, 1, 1), D(2025, 12, 31)), EnrolmentFact(2, D(2026, 7, 1))], [], 0, (0, 0)),
    # an enrolment that ended within the period counts
    ([EnrolmentFact(1, D(2025, 1, 1), D(2026, 1, 15))], [], 1, (1, 0)),
    # rehabilitation measures on a follow-up within the period count (no second entry needed)
    ([], [FollowupFact(2, D(2026, 4, 1), ("life_skills",))], 1, (0, 1)),
    # a follow-up without measures, or before the period, does not
    ([], [FollowupFact(2, D(2026, 4, 1), ()), FollowupFact(3, D(2025, 12, 1), ("social",))], 0, (0, 0)),
    # both sources for one patient count the patient once
    ([EnrolmentFact(1, D(2026, 3, 1))], [FollowupFact(1, D(2026, 4, 1), ("vocational",))], 1, (1, 1)),
    # patients not at home on the last day are not counted, whatever they did
    ([EnrolmentFact(5, D(2026, 2, 1)), EnrolmentFact(7, D(2026, 7, 20))], [], 0, (0, 0)),
    # one who died after the period counts as at home in it
    ([EnrolmentFact(6, D(2026, 2, 1))], [], 1, (1, 0)),
])
def test_participation(enrolments, followups, numerator, parts):
    f = participation(PATIENTS, enrolments, followups, START, ON, None)
    assert f.denominator == 5  # 1, 2, 3, 4 and 6
    assert f.numerator == numerator
    assert dict(f.parts)["康复登记"] == parts[0] and dict(f.parts)["随访康复措施"] == parts[1]
    assert f.met is None  # 薛城区2016 sets no number for participation


def test_participation_target_and_areas():
    sets = participation_sets(PATIENTS, [EnrolmentFact(1, D(2026, 3, 1))], [FollowupFact(4, D(2026, 2, 1), ("social",))],
                              START, ON)
    f = participation(PATIENTS, [EnrolmentFact(1, D(2026, 3, 1))], [], START, ON, 20)
    assert f.value == 20 and f.met is True
    by_township = by_area(PATIENTS, sets, lambda code: code[:9] + "000")
    assert by_township == {"990102001000": (1, 4), "990102002000": (1, 1)}
    assert participation([], [], [], START, ON, 20).value is None


@pytest.mark.parametrize("present, missing", [
    (["psychiatrist", "nurse", "psychotherapist", "rehab_therapist", "social_worker", "volunteer"], ()),
    (["psychiatrist", "nurse", "volunteer"], ("psychotherapist", "rehab_therapist", "social_worker")),
    ([], vocab.REQUIRED_TEAM_ROLES),
])
def test_team_gaps(present, missing):
    assert team_gaps(present, vocab.REQUIRED_TEAM_ROLES) == tuple(missing)


def test_targets_come_from_the_profile():
    xc = load_profile("xuecheng-2016").targets
    assert xc.community_rehab_coverage_percent == 60
    assert xc.home_rehab_participation_percent is None  # 逐步提高: the document gives no number
    assert load_profile("national-2018").targets is None
