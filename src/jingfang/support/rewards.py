"""Guardian rewards (监护人以奖代补): who is eligible in a period, and how much. Pure.

Inputs are plain data (``PatientFacts``; the ORM adapter is support.facts_rewards); the amounts and the
criteria come from the region's policy profile (``Profile.guardian_reward``), never from here.

Rules, as implemented (平桥区2025 二（四）; 薛城区2016 二（三）5; 齐云山镇2024 三（七）):

* The period is a calendar month when the profile pays per month (平桥区2025: ≥200 yuan/person/month), and a
  calendar year when it pays per year (薛城区2016: ≥600 yuan/year, "年度内…未发生肇事肇祸"). A yearly reward is
  computed once for the year and prorated by the months covered (amount × covered months ÷ 12), so a
  guardian who signed in July gets half; a full year pays the profile's amount exactly.
* A month is covered when (a) the patient meets one of the profile's criteria during that month and
  (b) a signed guardianship agreement is in force on its last day.
  - risk: an assessment in force during the month has risk level ≥ ``min_risk``; the assessments in
    force are the latest one before the month and every one within it (the file's level when there
    is no assessment history);
  - unstable: likewise with the condition class 不稳定;
  - potential_risk: the patient is a key person (重点人员) — the current flag;
  - past_incident: 肇事肇祸 in the file's past dangerous acts, or an incident before the period.
* The whole period is void when (when the profile requires it) an incident of a kind in
  ``vocab.INCIDENT_KINDS`` happened within it — one on the 15th voids that month (or that year); when
  agreement that matters (one in force on the period's last day, else the latest overlapping one) was
  revoked (for non-performance, 齐云山镇2024) on or before that day; or
  when the township office withheld the period's reward because the guardian did not perform.
* A patient gets a line when a criterion is met in some month of the period or an agreement overlaps
  it; every line says why it pays or why not.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from jingfang.core import vocab as core_vocab

from . import vocab

CENT = Decimal("0.01")


@dataclass(frozen=True)
class RewardRule:
    amount_yuan: Decimal
    per: str  # "month" | "year"
    eligibility: tuple[str, ...]
    min_risk: int
    requires_no_incident: bool = True
    cite: str = ""
    payer: str = ""

    @classmethod
    def from_profile(cls, profile) -> RewardRule | None:
        """The profile's reward, or None when the profile defines none (e.g. national-2018)."""
        r = getattr(profile, "guardian_reward", None)
        if r is None:
            return None
        return cls(Decimal(str(r.amount_yuan)).quantize(CENT), r.per, tuple(r.eligibility), r.min_risk,
                   r.requires_no_incident, r.cite, r.payer or "")

    def criteria_text(self) -> str:
        return "、".join(vocab.ELIGIBILITY_LABELS[e].format(min_risk=self.min_risk) for e in self.eligibility)


@dataclass(frozen=True)
class Period:
    start: dt.date
    end: dt.date

    @classmethod
    def month(cls, year: int, month: int) -> Period:
        return cls(dt.date(year, month, 1), dt.date(year, month, calendar.monthrange(year, month)[1]))

    @classmethod
    def year(cls, year: int) -> Period:
        return cls(dt.date(year, 1, 1), dt.date(year, 12, 31))

    @classmethod
    def for_rule(cls, rule: RewardRule, year: int, month: int | None) -> Period:
        if rule.per == "year":
            return cls.year(year)
        if month is None:
            raise ValueError("按月发放的奖补须指定月份")
        return cls.month(year, month)

    def months(self) -> list[Period]:
        out, y, m = [], self.start.year, self.start.month
        while dt.date(y, m, 1) <= self.end:
            out.append(Period.month(y, m))
            y, m = (y + 1, 1) if m == 12 else (y, m + 1)
        return out

    @property
    def label(self) -> str:
        if self.start.month == 1 and self.end.month == 12 and self.start.year == self.end.year:
            return f"{self.start.year}年度"
        return f"{self.start.year}年{self.start.month}月"


@dataclass(frozen=True)
class Assessment:
    date: dt.date
    risk_level: int | None = None
    condition: str = ""  # core.vocab.CONDITIONS code or ""


@dataclass(frozen=True)
class Incident:
    date: dt.date
    kind: str  # core.vocab.DANGEROUS_ACTS key


@dataclass(frozen=True)
class Agreement:
    id: int | None
    guardian_id: int | None
    guardian_name: str
    start: dt.date
    end: dt.date | None = None
    signed: bool = True
    state: str = "active"  # active | revoked | expired
    revoked_at: dt.date | None = None
    revoke_reason: str = ""
    type: str = "reward"

    def revoked_by(self, day: dt.date) -> bool:
        if self.state != "revoked" and self.revoked_at is None:
            return False
        return self.revoked_at is None or self.revoked_at <= day

    def in_force_on(self, day: dt.date) -> bool:
        if not self.signed or self.start > day or self.revoked_by(day):
            return False
        if self.end is not None:
            return self.end >= day
        return self.state != "expired"

    def overlaps(self, period: Period) -> bool:
        return self.start <= period.end and (self.end is None or self.end >= period.start)


@dataclass(frozen=True)
class PatientFacts:
    patient_id: int
    name: str = ""
    village_code: str = ""
    assessments: tuple[Assessment, ...] = ()
    key_person: bool = False
    past_incident: bool = False  # from the file's past dangerous acts
    incidents: tuple[Incident, ...] = ()
    agreements: tuple[Agreement, ...] = ()
    withheld_reason: str = ""  # the guardian did not perform in this period (齐云山镇2024), set by the township
    registered_on: dt.date | None = None
    death_date: dt.date | None = None


@dataclass(frozen=True)
class LineResult:
    patient_id: int
    eligible: bool
    amount: Decimal
    grounds: tuple[str, ...] = ()  # eligibility codes met (vocab.ELIGIBILITY_LABELS)
    problems: tuple[str, ...] = ()  # why it does not pay, in words
    covered_months: int = 0
    guardian_id: int | None = None
    guardian_name: str = ""
    agreement_id: int | None = None


NO_RULE = "本地区政策配置未规定监护人以奖代补"


def _in_force(assessments: tuple[Assessment, ...], month: Period) -> list[Assessment]:
    ordered = sorted(assessments, key=lambda a: a.date)
    before = [a for a in ordered if a.date < month.start]
    within = [a for a in ordered if month.start <= a.date <= month.end]
    return ([before[-1]] if before else []) + within


def grounds_in(rule: RewardRule, facts: PatientFacts, month: Period, period: Period) -> list[str]:
    """The criteria of ``rule`` that ``facts`` meet during ``month`` (part of ``period``)."""
    current = _in_force(facts.assessments, month)
    out = []
    for code in rule.eligibility:
        if code == "risk" and any(a.risk_level is not None and a.risk_level >= rule.min_risk for a in current):
            out.append(code)
        elif code == "unstable" and any(a.condition == "unstable" for a in current):
            out.append(code)
        elif code == "potential_risk" and facts.key_person:
            out.append(code)
        elif code == "past_incident" and (facts.past_incident or any(
                i.date < period.start and i.kind in vocab.INCIDENT_KINDS for i in facts.incidents)):
            out.append(code)
    return out


def _agreement(facts: PatientFacts, period: Period) -> Agreement | None:
    """The agreement that matters for the period: one in force on its last day if any (a replaced
    guardian's successor), else the latest one overlapping it, else the latest earlier one."""
    candidates = [a for a in facts.agreements if a.start <= period.end]
    return max(candidates, key=lambda a: (a.in_force_on(period.end), a.overlaps(period), a.start, a.id or 0),
               default=None)


def compute_line(rule: RewardRule | None, period: Period, facts: PatientFacts) -> LineResult | None:
    """One patient's line for the period, or None when the patient is no candidate at all."""
    if facts.death_date is not None and facts.death_date < period.start:
        return None
    if facts.registered_on is not None and facts.registered_on > period.end:
        return None
    if rule is None:
        return LineResult(facts.patient_id, False, Decimal("0.00"), problems=(NO_RULE,))
    months = period.months()
    grounds: list[str] = []
    covered, met_any, in_force_any = 0, False, False
    for month in months:
        met = grounds_in(rule, facts, month, period)
        in_force = any(a.in_force_on(month.end) for a in facts.agreements)
        grounds += [g for g in met if g not in grounds]
        met_any, in_force_any = met_any or bool(met), in_force_any or in_force
        covered += bool(met and in_force)
    agreement = _agreement(facts, period)
    if not met_any and (agreement is None or not agreement.overlaps(period)):
        return None
    problems = []
    if not met_any:
        problems.append(f"不符合奖补条件（{rule.criteria_text()}）")
    if agreement is None:
        problems.append("未签订监护协议")
    elif not agreement.signed:
        problems.append("监护协议尚未签订")
    elif agreement.revoked_by(period.end):
        when = f"于{agreement.revoked_at:%Y-%m-%d}" if agreement.revoked_at else "已"
        problems.append(f"监护协议{when}撤销" + (f"：{agreement.revoke_reason}" if agreement.revoke_reason else ""))
    elif not in_force_any:
        problems.append("本期末监护协议不在有效期内")
    elif met_any and covered == 0:
        problems.append("符合条件的月份监护协议均未生效")
    if rule.requires_no_incident:
        hits = sorted((i for i in facts.incidents if period.start <= i.date <= period.end
                       and i.kind in vocab.INCIDENT_KINDS), key=lambda i: i.date)
        if hits:
            first = hits[0]
            label = core_vocab.DANGEROUS_ACTS.get(first.kind, first.kind)
            more = f"等{len(hits)}起" if len(hits) > 1 else ""
            problems.append(f"本期内发生肇事肇祸（{first.date:%Y-%m-%d} {label}{more}）")
    if facts.withheld_reason:
        problems.append(f"监护人未履行监护职责：{facts.withheld_reason}")
    eligible = not problems and covered > 0
    amount = _amount(rule, covered) if eligible else Decimal("0.00")
    return LineResult(
        facts.patient_id, eligible, amount, tuple(grounds), tuple(problems), covered if eligible else 0,
        agreement.guardian_id if agreement else None, agreement.guardian_name if agreement else "",
        agreement.id if agreement else None,
    )


def _amount(rule: RewardRule, covered: int) -> Decimal:
    if rule.per == "month":
        return (rule.amount_yuan * covered).quantize(CENT)
    return (rule.amount_yuan * covered / 12).quantize(CENT, rounding=ROUND_HALF_UP)


def compute(rule: RewardRule | None, period: Period, patients) -> list[LineResult]:
    """Lines for every candidate among ``patients`` (PatientFacts), in the given order."""
    return [line for f in patients if (line := compute_line(rule, period, f)) is not None]


@dataclass
class Totals:
    lines: int = 0
    eligible: int = 0
    amount: Decimal = field(default_factory=lambda: Decimal("0.00"))


def totals(lines) -> Totals:
    t = Totals()
    for line in lines:
        t.lines += 1
        if line.eligible:
            t.eligible += 1
            t.amount += line.amount
    return t


def grounds_text(codes, *, rule_min_risk: int, sees_clinical: bool = True) -> str:
    """The grounds in words (``rule_min_risk``: the profile's ``guardian_reward.min_risk``); the condition
    class is hidden from partner roles."""
    words = []
    for code in codes:
        if code == "unstable" and not sees_clinical:
            text = vocab.HIDDEN_CLINICAL_REASON
        else:
            text = vocab.ELIGIBILITY_LABELS.get(code, code).format(min_risk=rule_min_risk)
        if text not in words:
            words.append(text)
    return "、".join(words)
