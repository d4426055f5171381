"""Schedule engine with 中梁乡2022 (中梁府发〔2022〕9号): one case per rule, citing
三、联合服务管理领导小组工作制度."""

import pytest

from jingfang.followups.schedule import schedule
from jingfang.policies.profiles import load_profile

from . import D, check, only, patient, seen

NAME = "zhongliang-2022"
P = load_profile(NAME)

CASES = [
    pytest.param(patient(), [seen("2025-02-10", "stable")], "2025-03-01",
                 dict(due="2025-03-10", rule="stable", state="upcoming"),
                 id="中梁乡2022 三、2: 病情稳定患者每月至少随访一次"),
    pytest.param(patient(), [seen("2025-02-10", "basically_stable", 1)], "2025-02-20",
                 dict(due="2025-02-25", rule="basically_stable"),
                 id="中梁乡2022 三、2: 病情基本稳定患者每半月至少随访一次"),
    pytest.param(patient(), [seen("2025-02-10", "unstable", 3)], "2025-02-16",
                 dict(due="2025-02-17", rule="unstable", state="due", escalation="立即报告乡综合管理小组办公室"),
                 id="中梁乡2022 三、2: 病情不稳定患者每周至少随访一次"),
    pytest.param(patient(), [seen("2025-02-10", "unstable", 4, guardian_refuses_hospital=True)], "2025-02-12",
                 dict(due="2025-02-17", rule="unstable"),
                 id="中梁乡2022 三、2: weekly for every unstable patient, refusal or not"),
    pytest.param(patient(), [seen("2025-02-10", "stable")], "2025-03-01",
                 dict(mode="joint", note="由3名以上小组成员同行"),
                 id="中梁乡2022 三、2: 由3名以上小组成员同行"),
    pytest.param(patient(), [seen("2025-02-10", "basically_stable", 1), seen("2025-02-25", "basically_stable", 1)],
                 "2025-03-01", dict(due="2025-03-12", rule="basically_stable_persisting",
                                    escalation="请精神科医师技术指导"),
                 id="2018 norms + 中梁乡2022 三、2: still not stable -> psychiatrist guidance, every half month"),
    pytest.param(patient("hospitalized"), [seen("2025-02-10", "unstable", 3)], "2025-02-12",
                 dict(rule="hospitalized", mode="phone", due="2025-02-17"),
                 id="中梁乡2022 三、2: 患者住院期间可电话随访并做好记录"),
]


@pytest.mark.parametrize("state, history, on, expect", CASES)
def test_followup_rules(state, history, on, expect):
    check(only(schedule(P, state, history, D(on)), "followup"), NAME, **expect)


@pytest.mark.parametrize(
    "history, state, due, rule",
    [
        pytest.param([seen("2025-02-10", "stable")], patient(last_assessment="2025-01-05"), "2025-07-05",
                     "assessment_stable", id="中梁乡2022 三、3: 病情稳定患者每6个月至少一次病情诊断和危险性评估"),
        pytest.param([seen("2025-02-10", "basically_stable", 1)], patient(last_assessment="2025-01-05"),
                     "2025-04-05", "assessment_other", id="中梁乡2022 三、3: 基本稳定和不稳定患者每3个月至少一次"),
        pytest.param([seen("2025-03-01", "unstable", 3, assessment=True)], patient(last_assessment="2025-01-05"),
                     "2025-06-01", "assessment_other", id="中梁乡2022 三、3: an assessment at a contact restarts the clock"),
        pytest.param([], patient(), "2025-04-01", "assessment_other",
                     id="中梁乡2022 三、3: never assessed -> counted from registration"),
    ],
)
def test_assessment_cadence(history, state, due, rule):
    check(only(schedule(P, state, history, D("2025-03-15")), "assessment"), NAME, due=due, rule=rule)


def test_yearly_health_check():
    # 中梁乡2022 三、3: 协助卫生计生部门每年至少进行一次健康体检 (and 二、2: 每年至少1次的健康检查).
    item = only(schedule(P, patient(), [seen("2025-02-10", "stable")], D("2025-03-01")), "health_check")
    check(item, NAME, due="2026-01-01", rule="health_check", state="upcoming")


@pytest.mark.parametrize(
    "key_person, sensitive, expected",
    [
        pytest.param(True, True, True, id="中梁乡2022 三、2: 特殊敏感时期对重点患者实行每日点名"),
        pytest.param(False, True, False, id="中梁乡2022 三、2: roll call is for key persons only"),
        pytest.param(True, False, False, id="中梁乡2022 三、2: only in periods the county declares"),
    ],
)
def test_roll_call(key_person, sensitive, expected):
    on = D("2025-03-04")
    items = schedule(P, patient(key_person=key_person), [seen("2025-02-10", "stable")], on,
                     sensitive_period=sensitive)
    roll = only(items, "roll_call")
    assert (roll is not None) == expected
    if roll:
        check(roll, NAME, due="2025-03-04", rule="roll_call", state="due", note=None)
        assert roll.window_start == on


def test_hospitalised_gets_no_community_checks():
    items = schedule(P, patient("hospitalized"), [seen("2025-02-10", "stable")], D("2025-03-01"))
    assert [i.kind for i in items] == ["followup"]


def test_meetings_and_exchange():
    # 中梁乡2022 三、1 小组会议每月一次; 三、6 每月进行一次信息交换.
    assert P.cadence("care_team_meeting").every.text == "1m"
    assert P.exchange.every.text == "1m" and "残联" in P.exchange.departments
    assert P.followup.min_members == 3
