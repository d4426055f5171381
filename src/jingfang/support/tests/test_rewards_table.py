"""Guardian reward computation per policy profile: a table of cases, pure (no database).

pingqiao-2025: 200 yuan per month for risk ≥3, unstable or potential-risk patients, no incident in the
month. xuecheng-2016: 600 yuan per year for risk 3–5 or past-incident patients, no incident in the
year, prorated by covered months. national-2018 defines no reward.
"""

import datetime as dt
from decimal import Decimal

import pytest

from jingfang.policies.profiles import load_profile
from jingfang.support import rewards
from jingfang.support.rewards import Agreement, Assessment, Incident, PatientFacts, Period, RewardRule

D = dt.date
JUNE = Period.month(2025, 6)
YEAR = Period.year(2025)
SIGNED = Agreement(id=7, guardian_id=3, guardian_name="王监护", start=D(2025, 1, 1))


def rule(name):
    return RewardRule.from_profile(load_profile(name))


JAN_10, REGISTERED = D(2025, 1, 10), D(2024, 1, 1)


def facts(risk=3, condition="stable", *, on=JAN_10, agreements=(SIGNED,), incidents=(), key=False,
          past=False, withheld="", history=None, registered=REGISTERED, died=None):
    assessments = history if history is not None else (Assessment(on, risk, condition),)
    return PatientFacts(1, "甲", "990102001001", tuple(assessments), key, past, tuple(incidents), tuple(agreements),
                        withheld, registered, died)


# (case id, facts, eligible, amount, a phrase the problems must contain)
PINGQIAO = [
    ("risk3", facts(risk=3), True, "200.00", None),
    ("risk5", facts(risk=5), True, "200.00", None),
    ("unstable-risk1", facts(risk=1, condition="unstable"), True, "200.00", None),
    ("key-person-risk0", facts(risk=0, key=True), True, "200.00", None),
    ("risk2-stable", facts(risk=2), False, "0.00", "不符合奖补条件"),
    ("risk3-then-1-mid-month", facts(history=(Assessment(D(2025, 5, 2), 3, "stable"),
                                              Assessment(D(2025, 6, 16), 1, "stable"))), True, "200.00", None),
    ("risk1-then-3-in-july", facts(history=(Assessment(D(2025, 5, 2), 1, "stable"),
                                            Assessment(D(2025, 7, 3), 3, "stable"))), False, "0.00", None),
    ("no-agreement", facts(agreements=()), False, "0.00", "未签订监护协议"),
    ("unsigned", facts(agreements=(Agreement(8, 3, "王监护", D(2025, 1, 1), signed=False),)), False, "0.00",
     "尚未签订"),
    ("revoked-mid-month", facts(agreements=(Agreement(8, 3, "王监护", D(2025, 1, 1), state="revoked",
                                                      revoked_at=D(2025, 6, 15), revoke_reason="多次未按医嘱督促服药"),)),
     False, "0.00", "监护协议于2025-06-15撤销：多次未按医嘱督促服药"),
    ("revoked-after-month", facts(agreements=(Agreement(8, 3, "王监护", D(2025, 1, 1), state="revoked",
                                                        revoked_at=D(2025, 7, 2)),)), True, "200.00", None),
    ("expired", facts(agreements=(Agreement(8, 3, "王监护", D(2024, 1, 1), end=D(2025, 5, 31), state="expired"),)),
     False, "0.00", "不在有效期内"),
    ("signed-mid-month", facts(agreements=(Agreement(8, 3, "王监护", D(2025, 6, 20)),)), True, "200.00", None),
    ("incident-mid-month", facts(incidents=(Incident(D(2025, 6, 15), "trouble"),)), False, "0.00",
     "本期内发生肇事肇祸（2025-06-15 肇事）"),
    ("incident-last-month", facts(incidents=(Incident(D(2025, 5, 30), "disaster"),)), True, "200.00", None),
    ("self-harm-is-no-incident", facts(incidents=(Incident(D(2025, 6, 15), "self_harm"),)), True, "200.00", None),
    ("withheld", facts(withheld="监护人外出务工，患者无人看护"), False, "0.00", "监护人未履行监护职责"),
]


@pytest.mark.parametrize("case,f,eligible,amount,problem", PINGQIAO, ids=[c[0] for c in PINGQIAO])
def test_pingqiao_2025_monthly(case, f, eligible, amount, problem):
    line = rewards.compute_line(rule("pingqiao-2025"), JUNE, f)
    assert line is not None
    assert line.eligible is eligible
    assert line.amount == Decimal(amount)
    if problem:
        assert any(problem in p for p in line.problems), line.problems
    if eligible:
        assert line.problems == () and line.covered_months == 1
        assert line.guardian_name in ("王监护",)


def test_pingqiao_amount_comes_from_the_profile():
    r = rule("pingqiao-2025")
    assert (r.amount_yuan, r.per, r.eligibility) == (Decimal("200.00"), "month", ("risk", "unstable", "potential_risk"))


XUECHENG = [
    ("risk3-whole-year", facts(risk=3), True, "600.00", None),
    ("past-incident-risk0", facts(risk=0, past=True), True, "600.00", None),
    ("incident-in-2024-risk0", facts(risk=0, incidents=(Incident(D(2024, 8, 1), "trouble"),)), True, "600.00", None),
    ("unstable-is-not-a-criterion", facts(risk=1, condition="unstable"), False, "0.00", "不符合奖补条件"),
    ("key-person-is-not-a-criterion", facts(risk=1, key=True), False, "0.00", "不符合奖补条件"),
    ("incident-mid-year", facts(incidents=(Incident(D(2025, 6, 15), "minor_trouble"),)), False, "0.00",
     "本期内发生肇事肇祸（2025-06-15 轻度滋事）"),
    ("revoked-mid-year", facts(agreements=(Agreement(8, 3, "王监护", D(2025, 1, 1), state="revoked",
                                                     revoked_at=D(2025, 9, 1), revoke_reason="拒不配合随访"),)),
     False, "0.00", "撤销：拒不配合随访"),
    ("signed-in-july-half", facts(agreements=(Agreement(8, 3, "王监护", D(2025, 7, 1)),)), True, "300.00", None),
    ("risk3-from-october", facts(history=(Assessment(D(2024, 12, 1), 1, "stable"),
                                          Assessment(D(2025, 10, 5), 3, "stable"))), True, "150.00", None),
    ("no-agreement", facts(agreements=()), False, "0.00", "未签订监护协议"),
]


@pytest.mark.parametrize("case,f,eligible,amount,problem", XUECHENG, ids=[c[0] for c in XUECHENG])
def test_xuecheng_2016_yearly(case, f, eligible, amount, problem):
    r = rule("xuecheng-2016")
    assert Period.for_rule(r, 2025, 6) == YEAR  # paid per year: the month is ignored
    line = rewards.compute_line(r, YEAR, f)
    assert line.eligible is eligible
    assert line.amount == Decimal(amount)
    if problem:
        assert any(problem in p for p in line.problems), line.problems


def test_xuecheng_replaced_guardian_gets_the_months_of_their_agreement():
    old = Agreement(8, 3, "王监护", D(2025, 1, 1), state="revoked", revoked_at=D(2025, 3, 10), revoke_reason="不履责")
    new = Agreement(9, 4, "李新监护", D(2025, 4, 1))
    line = rewards.compute_line(rule("xuecheng-2016"), YEAR, facts(agreements=(old, new)))
    assert line.eligible and line.guardian_name == "李新监护" and line.agreement_id == 9
    assert line.covered_months == 11 and line.amount == Decimal("550.00")  # Jan, Feb (old) + Apr–Dec (new)


@pytest.mark.parametrize("case,f", [("risk5", facts(risk=5)), ("unstable", facts(condition="unstable"))])
def test_national_2018_defines_no_reward(case, f):
    assert load_profile("national-2018").guardian_reward is None
    r = rule("national-2018")
    assert r is None
    line = rewards.compute_line(r, JUNE, f)
    assert not line.eligible and line.amount == 0 and line.problems == (rewards.NO_RULE,)


def test_non_candidates_get_no_line_and_totals_add_up():
    r = rule("pingqiao-2025")
    patients = [facts(risk=3), facts(risk=0, agreements=()), facts(risk=5, died=D(2025, 5, 1)),
                facts(risk=4, registered=D(2025, 7, 1)), facts(risk=1, incidents=(Incident(D(2025, 6, 2), "trouble"),))]
    lines = rewards.compute(r, JUNE, patients)
    assert len(lines) == 2  # stable risk 0 without agreement, died before, registered after: no line
    t = rewards.totals(lines)
    assert (t.lines, t.eligible, t.amount) == (2, 1, Decimal("200.00"))


def test_grounds_hide_the_condition_from_partner_roles():
    assert rewards.grounds_text(["risk", "unstable"], rule_min_risk=3) == "危险性评估3级以上、病情不稳定"
    assert "不稳定" not in rewards.grounds_text(["unstable"], rule_min_risk=3, sees_clinical=False)
