"""The pure rules of the treatment cost burden (薛城区2016 一（二）3: 贫困严重精神障碍患者门诊和住院医疗费用平均自付比例不超过10%;
二（三）1: 政策范围内住院费用支付比例不低于70%): an episode's amounts checked, the self-paid part, who counts
as poor, the burden per patient. Plain values in and out; the readers and writes are costs.py.
"""

from dataclasses import dataclass
from decimal import Decimal

from . import vocab

ZERO = Decimal("0.00")
CITE_SHARE = "薛城区2016，一（二）3"
CITE_INSURANCE = "薛城区2016，二（三）1"
FIELD_LABELS = {"total_cost": "医疗总费用", "policy_cost": "政策范围内费用", **vocab.PAYMENT_FIELDS}


def check_parts(total: Decimal, payments: dict[str, Decimal], policy_cost: Decimal | None = None,
                inpatient: bool = True) -> list[tuple[str, str]]:
    """(field, Chinese message) for every inconsistency of an episode's amounts; empty when they hold.

    Every payment is at least 0; the payments together never exceed the total (the message names the
    payment at which the running sum first passes it, in PAYMENT_FIELDS order); the in-policy cost is
    an inpatient figure, at most the total, and basic insurance pays at most the in-policy cost."""
    problems = []
    if total < 0:
        problems.append(("total_cost", "医疗总费用不能为负数"))
    for name, value in payments.items():
        if value < 0:
            problems.append((name, f"{vocab.PAYMENT_FIELDS[name]}不能为负数"))
    running = ZERO
    for name in vocab.PAYMENT_FIELDS:
        running += max(payments.get(name, ZERO), ZERO)
        if running > total:
            problems.append((name, f"各项支付合计（计至“{vocab.PAYMENT_FIELDS[name]}”为{running}元）"
                                   f"超过医疗总费用{total}元，个人自付不能为负数"))
            break
    if policy_cost is not None:
        if not inpatient:
            problems.append(("policy_cost", "政策范围内费用只用于住院，门诊无需填写"))
        elif policy_cost > total:
            problems.append(("policy_cost", f"政策范围内费用不能超过医疗总费用{total}元"))
        elif payments.get("insurance_paid", ZERO) > policy_cost:
            problems.append(("insurance_paid", f"基本医疗保险支付不能超过政策范围内费用{policy_cost}元"))
    return problems


def self_paid(total: Decimal, payments: dict[str, Decimal]) -> Decimal:
    return total - sum(payments.values(), ZERO)


def is_poor(active_kinds) -> bool:
    """Poor for the cost burden: 低保, 特困 or 建档立卡 in force (薛城区2016 一（二）3 ‘贫困严重精神障碍患者’)."""
    return any(k in vocab.POOR_BENEFIT_KINDS for k in active_kinds)


@dataclass(frozen=True)
class EpisodeFact:
    patient_id: int
    total: Decimal
    self_paid: Decimal


def burden(facts, limit: int | None = None) -> list[dict]:
    """Per patient: episodes, total, self-paid sum and share, ordered by the self-paid sum (highest
    first; ties by share, then id). Pure."""
    by: dict[int, dict] = {}
    for f in facts:
        row = by.setdefault(f.patient_id, {"patient_id": f.patient_id, "episodes": 0, "total": ZERO, "self_paid": ZERO})
        row["episodes"] += 1
        row["total"] += f.total
        row["self_paid"] += f.self_paid
    rows = []
    for row in by.values():
        row["percent"] = (row["self_paid"] * 100 / row["total"]).quantize(Decimal("0.1")) if row["total"] else None
        rows.append(row)
    rows.sort(key=lambda r: (-r["self_paid"], -(r["percent"] or 0), r["patient_id"]))
    return rows[:limit] if limit else rows
