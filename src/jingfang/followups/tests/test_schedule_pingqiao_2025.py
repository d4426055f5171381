"""Schedule engine with 平桥区2025 (信平政办[2025]24号): one case per rule, citing the section
and sentence."""

import pytest

from jingfang.followups.schedule import schedule
from jingfang.policies.profiles import load_profile

from . import D, check, only, patient, seen

NAME = "pingqiao-2025"
P = load_profile(NAME)
BS = "basically_stable"

CASES = [
    pytest.param(patient(), [seen("2025-02-10", "stable")], "2025-03-01",
                 dict(due="2025-05-10", rule="stable"),
                 id="平桥区2025 一（一）: 对病情稳定患者至少每三个月随访一次"),
    pytest.param(patient(), [seen("2025-02-10", BS, 1)], "2025-03-01",
                 dict(due="2025-03-10", rule="basically_stable", escalation="查找病情未稳定的原因"),
                 id="平桥区2025 一（一）: 对病情基本稳定患者应查找原因至少每一个月随访一次"),
    pytest.param(patient(), [seen("2025-02-10", BS, 1), seen("2025-03-10", BS, 1)], "2025-03-15",
                 dict(due="2025-04-10", rule="basically_stable"),
                 id="平桥区2025 一（一）: two visits not stable -> no guidance yet"),
    pytest.param(patient(), [seen("2025-02-10", BS, 1), seen("2025-03-10", BS, 1), seen("2025-04-10", BS, 2)],
                 "2025-04-15", dict(due="2025-05-10", rule="basically_stable_persisting",
                                    escalation="请精神科医师技术指导"),
                 id="平桥区2025 一（一）: 连续随访3次仍未达到稳定，请精神科医师技术指导"),
    pytest.param(patient(), [seen("2025-01-20", "unstable", 3), seen("2025-02-10", BS, 1),
                             seen("2025-03-10", BS, 1)], "2025-03-15",
                 dict(rule="basically_stable_persisting"),
                 id="平桥区2025 一（一）: 3 consecutive not stable, an unstable visit included"),
    pytest.param(patient(), [seen("2025-01-10", BS, 1), seen("2025-02-10", BS, 1), seen("2025-03-10", "stable"),
                             seen("2025-04-10", BS, 1)], "2025-04-15", dict(rule="basically_stable"),
                 id="平桥区2025 一（一）: a stable visit restarts the count"),
    pytest.param(patient(), [seen("2025-02-10", "unstable", 3)], "2025-02-12",
                 dict(due="2025-02-24", rule="unstable", escalation="建议监护人将患者转诊至精神专科医院住院治疗"),
                 id="平桥区2025 一（一）: 病情不稳定…建议转诊至精神专科医院住院治疗，2周内随访了解其治疗情况"),
    pytest.param(patient(), [seen("2025-02-10", "unstable", 4, guardian_refuses_hospital=True)], "2025-02-12",
                 dict(due="2025-02-24", rule="unstable_guardian_refuses", mode="joint",
                      escalation="联系精神科医师进行应急医疗处置"),
                 id="平桥区2025 一（一）: 监护人不同意住院治疗的，联系精神科医师进行应急医疗处置，至少每2周随访1次"),
    pytest.param(patient(), [seen("2025-02-10", "unstable", 4, guardian_refuses_hospital=True)], "2025-02-12",
                 dict(escalation="村（社区）干部、民警共同协助"),
                 id="平桥区2025 一（一）: 在村（社区）干部、民警的共同协助下随访"),
    pytest.param(patient(), [seen("2025-02-10", "stable")], "2025-03-01",
                 dict(note="每次随访应对患者进行危险性评估"),
                 id="平桥区2025 一（一）: 每次随访应对患者进行危险性评估"),
]


@pytest.mark.parametrize("state, history, on, expect", CASES)
def test_followup_rules(state, history, on, expect):
    check(only(schedule(P, state, history, D(on)), "followup"), NAME, **expect)


@pytest.mark.parametrize(
    "history, on, due, state",
    [
        pytest.param([seen("2025-01-10", "stable"), seen("2025-04-10", "stable", mode="phone")], "2025-07-05",
                     "2025-07-10", "due", id="平桥区2025 一（一）: 对所有患者每半年至少面访一次 (phone does not count)"),
        pytest.param([seen("2025-01-10", "stable", mode="clinic")], "2025-06-01", "2025-07-10", "upcoming",
                     id="平桥区2025 一（一）: a clinic visit is face to face"),
        pytest.param([], "2025-07-02", "2025-07-01", "overdue",
                     id="平桥区2025 一（一）: never met -> 6 months from registration"),
    ],
)
def test_face_to_face_every_six_months(history, on, due, state):
    item = only(schedule(P, patient(), history, D(on)), "face_to_face")
    check(item, NAME, due=due, state=state, rule="face_to_face", mode="face_to_face")


def test_money():
    # 平桥区2025 二、（四）: 每人每月不低于200元监护奖金; 责任保险每人每年不低于100元，乡镇不低于70元/人;
    # 二: 每年预算140万元住院救助经费; 附件: three relief options; 三（二）: exchange includes 司法.
    r = P.guardian_reward
    assert (r.amount_yuan, r.per, r.min_risk, r.yearly_yuan) == (200, "month", 3, 2400)
    assert set(r.eligibility) == {"risk", "unstable", "potential_risk"} and r.requires_no_incident
    ins = P.liability_insurance
    assert (ins.premium_yuan_per_person_year, ins.township_share_yuan_per_person) == (100, 70)
    fund = P.relief_fund
    assert fund.annual_budget_yuan == 1_400_000 and fund.report_every.text == "3m"
    assert [(o.food_percent, o.medical_percent) for o in fund.options] == [(0, 100), (50, 50), (100, 100)]
    assert "“五保”人员" in fund.full_funding_groups
    assert P.exchange.departments == ("政法", "卫健", "公安", "司法", "民政", "残联")
    assert P.key_person.risk_threshold == 3
    assert P.benefits.outpatient_chronic_reimbursement_min_percent == 70
