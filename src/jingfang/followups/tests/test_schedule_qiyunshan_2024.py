"""Schedule engine with 齐云山镇2024 (齐政〔2024〕95号): one case per rule, each citing the
section and sentence."""

import pytest

from jingfang.followups.schedule import intake_deadlines, schedule
from jingfang.followups.workdays import WorkCalendar
from jingfang.policies.profiles import load_profile

from . import D, check, only, patient, seen

NAME = "qiyunshan-2024"
P = load_profile(NAME)

CASES = [
    pytest.param(patient(), [seen("2025-02-10", "stable", 0)], "2025-03-01",
                 dict(due="2025-05-10", rule="stable", mode=None),
                 id="齐云山镇2024 三（四）1: 病情稳定、危险性0级的患者，每季度随访一次"),
    pytest.param(patient(), [seen("2025-02-10", "basically_stable", 2)], "2025-03-04",
                 dict(due="2025-03-10", rule="risk_1_2", mode="joint", state="due"),
                 id="齐云山镇2024 三（四）1: 危险性1—2级的患者，每月开展联合走访 (risk 2)"),
    pytest.param(patient(), [seen("2025-02-10", "basically_stable", 1)], "2025-03-01",
                 dict(due="2025-03-10", rule="risk_1_2", mode="joint"),
                 id="齐云山镇2024 三（四）1: 危险性1—2级的患者，每月开展联合走访 (risk 1)"),
    pytest.param(patient(), [seen("2025-02-10", "unstable", 3)], "2025-02-12",
                 dict(due="2025-02-24", rule="risk_3_plus", escalation="及时转诊至精神卫生医疗机构"),
                 id="齐云山镇2024 三（四）1: 危险性3级以上应及时转诊…2周内随访了解其治疗情况"),
    pytest.param(patient(), [seen("2025-02-10", "unstable", 4), seen("2025-02-24", "unstable", 4)], "2025-03-01",
                 dict(due="2025-03-10", rule="risk_3_plus"),
                 id="齐云山镇2024 三（四）1: 未能住院的患者，至少每2周随访一次"),
    pytest.param(patient(key_person=True),
                 [seen("2025-03-01", "stable", 0), seen("2025-04-15", "stable", 0, mode="phone")], "2025-05-01",
                 dict(due="2025-06-01", mode="face_to_face", note="既要面访患者本人，也要面访监护人"),
                 id="齐云山镇2024 三（四）2: 重点管理对象既要面访患者本人，也要面访监护人 (a phone call does not count)"),
    pytest.param(patient(key_person=True), [seen("2025-02-10", "basically_stable", 2)], "2025-03-01",
                 dict(due="2025-03-10", rule="risk_1_2", mode="joint", note="集体评估、集体签字"),
                 id="齐云山镇2024 三（四）2: 重点管理对象：社会危险性集体评估、集体签字 (joint visit kept)"),
    pytest.param(patient("moved_out", pending_transfer=True), [seen("2025-02-10", "stable", 0)], "2025-03-01",
                 dict(mode="phone", note="原居住地精防人员继续电话随访"),
                 id="齐云山镇2024 三（五）3: 在患者信息未被接收前，原居住地精防人员继续电话随访"),
    pytest.param(patient("missing"), [seen("2025-02-10", "stable", 0)], "2025-06-01",
                 dict(state="overdue", escalation="确保零失访"),
                 id="齐云山镇2024 三（五）1: 各部门联合全力查找失访患者具体下落，确保零失访"),
    pytest.param(patient(), [seen("2025-02-10", "basically_stable", 0)], "2025-03-01",
                 dict(due="2025-02-24", rule="basically_stable"),
                 id="2018 norms (inherited): risk 0 but basically stable -> 2 weeks"),
]


@pytest.mark.parametrize("state, history, on, expect", CASES)
def test_followup_rules(state, history, on, expect):
    check(only(schedule(P, state, history, D(on)), "followup"), NAME, **expect)


def test_medication_measures():
    # 齐云山镇2024 三（五）2: 贫困未买药 -> 救助救治/免费服药; 购药不方便 -> 送药上门; 依从性差、副作用大 -> 调整用药
    # 并加强宣传教育; 无监护、弱监护或服药依从性差 -> 长效针剂.
    measures = {cause: " ".join(m.measure for m in P.measures_for(cause))
                for cause in ("economic", "inconvenient", "poor_compliance", "side_effects", "weak_guardianship")}
    assert "免费服药" in measures["economic"]
    assert "送药上门" in measures["inconvenient"]
    assert "调整用药" in measures["poor_compliance"] and "长效针剂" in measures["poor_compliance"]
    assert "调整用药" in measures["side_effects"]
    assert "长效针剂" in measures["weak_guardianship"]
    assert P.measures_for("other") == []


def test_intake_deadlines():
    # 齐云山镇2024 三（六）3: 5个工作日内接收…10个工作日内录入信息系统…住址不明5个工作日内联系镇派出所.
    items = intake_deadlines(P, WorkCalendar(), D("2025-01-24"), received_on=D("2025-01-24"),
                             address_unknown=True)
    assert [(i.rule_id.split(":")[1], i.due_date) for i in items] == [
        ("intake_accept", D("2025-02-07")),  # across Spring Festival 2025, see test_workdays
        ("intake_police_query", D("2025-02-07")),
        ("intake_enter", D("2025-02-13")),
    ]
    assert all("齐云山镇2024，三（六）3" in i.rule for i in items)


def test_meetings_and_exchange():
    # 齐云山镇2024 三（一）1 monthly meetings; 四、2 quarterly joint consultation; 三（二） quarterly full sweep;
    # 三（五）1 monthly lost review; 三（六）2 monthly written exchange among five departments.
    assert P.cadence("care_team_meeting").every.text == "1m"
    assert P.cadence("joint_consultation").every.text == "3m"
    assert P.cadence("screening_sweep").every.text == "3m"
    assert P.cadence("lost_review").every.text == "1m"
    assert P.exchange.every.text == "1m"
    assert P.exchange.departments == ("综治中心", "公安", "民政", "卫生院", "残联")
