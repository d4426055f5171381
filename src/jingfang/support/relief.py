"""Hospitalisation relief (平桥区2025 二（二） and its annex): the state machine and the money rules. Pure.

draft → submitted → village_reviewed → township_approved → admitted → closed
                 ↘ rejected (village)  ↘ rejected (township)

Each step belongs to one role set (support.permissions.RELIEF_STEP_ROLES); any other step from a
state, or the right step by the wrong role, is refused with a Chinese message.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from jingfang.accounts import roles

from . import permissions, vocab

CENT = Decimal("0.01")

# action -> (states it may start from, state it leads to)
TRANSITIONS: dict[str, tuple[tuple[str, ...], str]] = {
    "submit": (("draft",), "submitted"),
    "village_review": (("submitted",), "village_reviewed"),
    "village_reject": (("submitted",), "rejected"),
    "approve": (("village_reviewed",), "township_approved"),
    "reject": (("village_reviewed",), "rejected"),
    "admit": (("township_approved",), "admitted"),
    "close": (("admitted",), "closed"),
}
EDITABLE_STATES = ("draft",)


class StepRefused(Exception):
    """kind: "state" (409: not from this state), "role" (403: not by this role), "action" (422)."""

    def __init__(self, kind: str, message: str):
        self.kind, self.message = kind, message
        super().__init__(message)


def target(state: str, action: str, role: str) -> str:
    """The state ``action`` leads to from ``state`` when taken by ``role``; else StepRefused."""
    if action not in TRANSITIONS:
        raise StepRefused("action", f"未知操作“{action}”")
    label = vocab.RELIEF_ACTIONS[action]
    if role not in permissions.RELIEF_STEP_ROLES[action]:
        raise StepRefused("role", f"“{label}”须由{permissions.step_roles_text(action)}办理，"
                                  f"您的角色（{roles.label(role)}）无权办理")
    sources, to = TRANSITIONS[action]
    if state not in sources:
        raise StepRefused("state", f"申请当前状态为“{vocab.RELIEF_STATES.get(state, state)}”，不能进行“{label}”")
    return to


def next_actions(state: str, role: str) -> list[str]:
    """The steps this role may take now (for the buttons)."""
    return [a for a, (sources, _) in TRANSITIONS.items()
            if state in sources and role in permissions.RELIEF_STEP_ROLES[a]]


# ---- pre-marking (annex 说明3; 平桥区2025 二（二）) ------------------------------------------------------

@dataclass(frozen=True)
class BenefitFact:
    kind: str
    extreme_poverty: bool = False


def full_funding(*, court_ordered: bool, compulsory_status: bool, benefits, guardian_relations) -> list[str]:
    """The annex's full-funding categories the data shows (codes of vocab.FULL_FUNDING)."""
    kinds = {b.kind for b in benefits}
    out = []
    if court_ordered or compulsory_status:
        out.append("court_ordered")
    if "wubao_tekun" in kinds:
        out.append("wubao")
    if not any(r in vocab.CLOSE_RELATIVES for r in guardian_relations):
        out.append("no_close_relative")
    if any(b.kind == "dibao" and b.extreme_poverty for b in benefits):
        out.append("extreme_dibao")
    return out


VIOLENT_ACTS = ("trouble", "disaster", "other_harm")
RISK_REASON = "危险性评估"
HIDDEN_RISK_REASON = "卫生健康部门评估认定"


def shown_priority_reasons(reasons, *, risk: bool) -> list[str]:
    """The priority reasons for a reader who receives the risk level (``risk``) or not: the risk level
    gives way to HIDDEN_RISK_REASON (accounts.roles.RISK_ROLES). Pure."""
    if risk:
        return list(reasons)
    shown = [r for r in reasons if not r.startswith(RISK_REASON)]
    return shown + [HIDDEN_RISK_REASON] * (len(shown) < len(reasons))


def priority_reasons(*, risk_level: int | None, past_acts: dict | None, incident_kinds=(), police_listed=False,
                     threshold: int) -> list[str]:
    """Violent behaviour or tendency: priority relief (平桥区2025 二（二））."""
    out = []
    if risk_level is not None and risk_level >= threshold:
        out.append(f"危险性评估{risk_level}级")
    acts = past_acts or {}
    if any(int(acts.get(k) or 0) > 0 for k in VIOLENT_ACTS) or any(k in VIOLENT_ACTS for k in incident_kinds):
        out.append("有肇事肇祸等暴力行为")
    if police_listed:
        out.append("公安列管")
    return out


# ---- money ------------------------------------------------------------------------------------------

def money(value) -> Decimal:
    return Decimal(str(value)).quantize(CENT)


def relief_cap(*, food_percent: float, medical_percent: float, total: Decimal, food: Decimal,
               insurance: Decimal) -> Decimal:
    """The most the fund pays under an option: the medical cost left after insurance at the medical
    percentage plus the food cost at the food percentage."""
    medical_left = max(money(total) - money(food) - money(insurance), Decimal("0"))
    share = medical_left * Decimal(str(medical_percent)) / 100 + money(food) * Decimal(str(food_percent)) / 100
    return share.quantize(CENT)


def check_amounts(*, total, food, insurance, relief, self_paid, approved, cap) -> list[tuple[str, str]]:
    """Field problems of the hospital's amounts, [] when they add up."""
    problems = []
    total, food, insurance, relief, self_paid = (money(v) for v in (total, food, insurance, relief, self_paid))
    for name, value in (("total_cost", total), ("food_cost", food), ("insurance_paid", insurance),
                        ("relief_paid", relief), ("self_paid", self_paid)):
        if value < 0:
            problems.append((name, "金额不能为负数"))
    if food > total:
        problems.append(("food_cost", "饮食餐费不能超过住院总费用"))
    if insurance + relief + self_paid != total:
        problems.append(("self_paid", f"医保报销、救助基金支付与个人自付之和（{insurance + relief + self_paid}元）"
                                      f"应等于住院总费用（{total}元）"))
    if relief > cap:
        problems.append(("relief_paid", f"救助基金支付超过所批救助方式可救助的金额（{cap}元）"))
    if approved is not None and relief > money(approved):
        problems.append(("relief_paid", f"救助基金支付不能超过乡镇审批金额（{money(approved)}元）"))
    return problems


def remaining(budget, entries) -> Decimal:
    """Budget − outstanding holds − payments; entries are (kind, amount)."""
    left = money(budget)
    for kind, amount in entries:
        amount = money(amount)
        if kind in ("commit", "payment"):
            left -= amount
        elif kind == "release":
            left += amount
    return left


def budget_problem(amount, left: Decimal, *, override: bool, reason: str) -> str | None:
    """Why an approval of ``amount`` may not go ahead given ``left``; None when it may."""
    if money(amount) <= left:
        return None
    if override and reason.strip():
        return None
    if override:
        return "超出基金余额审批须填写理由"
    return (f"审批金额{money(amount)}元超出本年度住院救助基金余额（{left}元）；"
            "确需审批的，请勾选“超出基金余额审批”并填写理由")
