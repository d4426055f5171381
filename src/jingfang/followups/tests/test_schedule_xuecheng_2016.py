"""Schedule engine with 薛城区2016 (薛政办字〔2016〕17号): national intervals
(二（四）2 "根据国家重性精神疾病管理治疗工作规范要求…规范管理") plus case management, reward, targets."""

import pytest

from jingfang.followups.schedule import schedule
from jingfang.policies.profiles import load_profile

from . import D, check, only, patient, seen

NAME = "xuecheng-2016"
P = load_profile(NAME)

CASES = [
    pytest.param(patient(), [seen("2025-02-10", "stable")], "2025-03-01", dict(due="2025-05-10", rule="stable"),
                 id="薛城区2016 二（四）2 + 2018 norms: stable -> 3 months"),
    pytest.param(patient(), [seen("2025-02-10", "basically_stable", 1)], "2025-03-01",
                 dict(due="2025-02-24", rule="basically_stable", state="overdue"),
                 id="薛城区2016 二（四）2 + 2018 norms: basically stable -> 2 weeks"),
    pytest.param(patient(), [seen("2025-02-10", "basically_stable", 1), seen("2025-02-24", "basically_stable", 2)],
                 "2025-03-01", dict(due="2025-03-24", rule="basically_stable_persisting"),
                 id="薛城区2016 二（四）2 + 2018 norms: not stable after adjustment -> guidance, 1 month"),
    pytest.param(patient(), [seen("2025-02-10", "unstable", 3)], "2025-02-12",
                 dict(due="2025-02-24", rule="unstable", escalation="在精神科医生指导下制定个案管理计划"),
                 id="薛城区2016 二（四）2: 对病情不稳定…的患者实施个案管理，在精神科医生指导下制定个案管理计划"),
    pytest.param(patient(), [seen("2025-02-10", "unstable", 5, guardian_refuses_hospital=True)], "2025-02-12",
                 dict(due="2025-02-24", rule="unstable_guardian_refuses", escalation="个案管理"),
                 id="薛城区2016 二（四）2: case management also when the guardian refuses hospital"),
]


@pytest.mark.parametrize("state, history, on, expect", CASES)
def test_followup_rules(state, history, on, expect):
    check(only(schedule(P, state, history, D(on)), "followup"), NAME, **expect)


def test_inherits_national_checks():
    items = schedule(P, patient(), [seen("2025-02-10", "stable")], D("2025-03-01"))
    assert {i.kind for i in items} == {"followup", "health_check"}


def test_guardian_reward():
    # 薛城区2016 二（三）5: 与曾有过肇事肇祸行为或危险性评估3—5级患者的监护人签订有奖监护协议…
    # 患者没有发生肇事肇祸行为的监护人，由镇街给予监护人每年不低于600元的奖励.
    r = P.guardian_reward
    assert (r.amount_yuan, r.per, r.yearly_yuan, r.min_risk) == (600, "year", 600, 3)
    assert set(r.eligibility) == {"risk", "past_incident"} and r.requires_no_incident


def test_targets_and_oversight():
    # 薛城区2016 一（二）: 检出率5‰，管理率85%，治疗率65%，个案管理90%，自付≤10%，每10万人口精神科医生≥3人，
    # 社区康复机构覆盖率60%，到2017年底; 四（一）: 每季度督导检查，每半年现场督导，每年自查.
    t = P.targets
    assert (t.detection_permille, t.management_percent, t.treatment_percent) == (5, 85, 65)
    assert (t.unstable_case_management_percent, t.poor_self_paid_max_percent) == (90, 10)
    assert (t.psychiatrists_per_100k, t.community_rehab_coverage_percent) == (3, 60)
    assert t.deadline == D("2017-12-31")
    assert [P.cadence(k).every.text for k in ("township_inspection", "district_supervision", "self_check")] == [
        "3m", "6m", "1y"]
