"""Workforce KPI rules on hand-made data, after 《薛城区精神卫生综合管理试点工作实施方案》（薛政办字〔2016〕17号）
一（二）4: 每10万人口精神科执业（助理）医生数量不低于3人；每个镇街卫生院（社区卫生服务中心）至少有1名精防人员
和1名经过精神卫生专业培训合格后增加精神科执业范围的全科医师."""

import datetime as dt

import pytest

from jingfang.policies.profiles import load_profile
from jingfang.workforce.rules import LACKS, Staff, Township, psychiatrists_per_100k, township_staffing

D = dt.date
ON = D(2026, 6, 30)
T1, T2, T3 = "990102001000", "990102002000", "990102003000"


def psy(started=None, left=None):
    return Staff("psychiatrist", "", False, started, left)


@pytest.mark.parametrize("staff, population, value, met", [
    # 3 psychiatrists for 100,000 residents: exactly the target of 3 (met)
    ([psy(), psy(), psy()], 100_000, 3.0, True),
    # 2 for 100,000: 2 < 3
    ([psy(), psy()], 100_000, 2.0, False),
    # one left before the day, one starts after it: neither counts
    ([psy(), psy(left=D(2026, 6, 1)), psy(started=D(2026, 7, 1)), psy()], 60_000, 2 * 100_000 / 60_000, True),
    # one who leaves on the day itself is no longer in service that day
    ([psy(left=ON)], 100_000, 0.0, False),
    # prevention staff and GPs are not psychiatrists
    ([Staff("prevention", T1, True), Staff("gp_psych", T1, True, trained=True)], 100_000, 0.0, False),
    # no population: no figure, no verdict
    ([psy()], 0, None, None),
])
def test_psychiatrists_per_100k(staff, population, value, met):
    f = psychiatrists_per_100k(staff, population, ON, 3)
    assert f.value == pytest.approx(value) if value is not None else f.value is None
    assert f.met is met


def test_no_target_no_verdict():
    f = psychiatrists_per_100k([psy()], 10_000, ON, None)
    assert f.value == 10 and f.met is None and f.target_text == ""


TOWNS = [Township(T1, "东镇", True), Township(T2, "西镇", True), Township(T3, "南镇", False)]


@pytest.mark.parametrize("staff, met_count, lacks", [
    # 东镇 complete; 西镇 has only a 精防人员; 南镇 has no health centre at all
    ([Staff("prevention", T1, True), Staff("gp_psych", T1, True, trained=True), Staff("prevention", T2, True)],
     1, {T2: (LACKS["gp_psych"],), T3: (LACKS["centre"], LACKS["prevention"], LACKS["gp_psych"])}),
    # a GP with the scope but no passed training record does not count
    ([Staff("prevention", T1, True), Staff("gp_psych", T1, True, trained=False)],
     0, {T1: (LACKS["gp_psych"],), T2: (LACKS["prevention"], LACKS["gp_psych"]),
         T3: (LACKS["centre"], LACKS["prevention"], LACKS["gp_psych"])}),
    # staff of a county institution do not fill a township's place
    ([Staff("prevention", "", False), Staff("gp_psych", "", False, trained=True)],
     0, {T1: (LACKS["prevention"], LACKS["gp_psych"]), T2: (LACKS["prevention"], LACKS["gp_psych"]),
         T3: (LACKS["centre"], LACKS["prevention"], LACKS["gp_psych"])}),
    # a 精防人员 who has left no longer counts
    ([Staff("prevention", T1, True, left=D(2026, 1, 1)), Staff("gp_psych", T1, True, trained=True)],
     0, {T1: (LACKS["prevention"],), T2: (LACKS["prevention"], LACKS["gp_psych"]),
         T3: (LACKS["centre"], LACKS["prevention"], LACKS["gp_psych"])}),
])
def test_township_staffing(staff, met_count, lacks):
    f = township_staffing(TOWNS, staff, ON, 100)
    assert (f.numerator, f.denominator) == (met_count, 3)
    assert f.value == pytest.approx(met_count * 100 / 3)
    assert f.met is False
    assert {code: got for code, _name, got in f.shortfalls} == lacks


def test_all_townships_staffed_meets_100_percent():
    staff = [Staff(k, t.code, True, trained=True) for t in TOWNS[:2] for k in ("prevention", "gp_psych")]
    f = township_staffing(TOWNS[:2], staff, ON, 100)
    assert f.value == 100 and f.met is True and f.shortfalls == () and f.display == "100%"


def test_no_township_no_figure():
    assert township_staffing([], [], ON, 100).value is None


def test_targets_come_from_the_profile():
    xc = load_profile("xuecheng-2016").targets
    assert xc.psychiatrists_per_100k == 3 and xc.township_staffing_percent == 100
    assert load_profile("national-2018").targets is None  # the national norm sets no such target
