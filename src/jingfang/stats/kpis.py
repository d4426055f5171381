"""The KPI engine (DOMAIN.md §6): plain data in, one figure per KPI out. Pure: stdlib only.

Inputs are plain records (``PatientFacts``, ``Visit``, ``Relief``) and a ``Period`` (start and end,
both inclusive). Each KPI comes back as a ``KPI`` with its Chinese name, its definition in words, the
numerator and denominator, the value (‰ or %), the target when the region's policy profile sets one
(met / not met), and the ids of the patients behind the numerator and the denominator.

Definitions (each is also the text shown beside its figure):

- **Registered** (在册) in a period: registered on or before the period end, and in the register on
  at least one day of the period from the registration date on, where a patient is out of the register
  while his whereabouts (status history) are *deceased* or *moved out*. So a patient who died or moved
  out before the period start is not counted; one who died or moved out during the period is; a patient
  registered mid-period is. Where the history has no entry yet on a day, the first entry's status applies.
  The patient's region is his current residence.
- **Managed** (管理): at least one follow-up in the period at which the patient was seen.
- **Standard management** (规范管理): over the part of the period the patient was in the register
  (from max(period start, registration) to min(period end, the day before leaving the register)),
  seen follow-ups numbering at least ceil(days ÷ 92) — 4 for a year, 1 for a quarter or a month — and no
  gap longer than 92 days between that start, consecutive seen follow-ups, and that end. (ceil(days ÷ 91)
  would demand 5 in a 365-day year, against the norms' "at least 4 a year"; 92 days is the longest
  three calendar months.)
- **Face-to-face** (面访): at least one seen follow-up in the period that was not by phone.
- **Medication** (服药): at the latest seen follow-up in the period, adherence was regular or
  intermittent, or the patient was in hospital ("目前正在住院"). **Regular medication**: adherence regular.
  The region's "treatment rate" target (治疗率) is compared with the medication rate.
- **Stable** (病情稳定): among registered patients living at home at the period end (whereabouts *at home*
  on that day: not dead, moved, in hospital, custody or missing), those classed stable at their latest
  seen follow-up in the period.
- **Lost** (失访): at the period end, the patient's follow-up attempts up to then end in at least
  ``lost_after`` (the profile's number, 3 nationally) attempts in a row at which he was not seen, and no
  search found him on or after the last of them; or his whereabouts at the period end are *missing*.
- **Unstable under case management** (个案管理): among registered patients classed unstable at their
  latest seen follow-up in the period, those with an individual plan (一人一策) in force on some day
  between that follow-up and the period end.
- **Poor patients' self-paid share** (贫困患者自付比例): for registered patients whose economic status is
  poor, the sum paid by the patient ÷ the total cost of their hospital relief cases admitted in the
  period; only where relief data exists (otherwise no figure).
- **Reported prevalence** (报告患病率): registered ÷ resident population, in ‰.
"""

from __future__ import annotations

import bisect
import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import NamedTuple

OUT_OF_REGISTER = frozenset({"deceased", "moved_out"})
MAX_GAP_DAYS = 92
MEDICATED = frozenset({"regular", "intermittent"})


# Inputs ------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class PatientFacts:
    id: int
    region_code: str
    registered_on: date
    statuses: tuple[tuple[date, str], ...] = ()  # (since, status), any order; empty: at home throughout
    economic_status: str = ""
    plans: tuple[tuple[date, date | None], ...] = ()  # individual plans in force: (from, to or None)
    found_on: tuple[date, ...] = ()  # search attempts that found the patient

    def __post_init__(self):
        object.__setattr__(self, "statuses", tuple(sorted(self.statuses)))


class Visit(NamedTuple):
    patient_id: int
    date: date
    mode: str = "home_visit"  # clinic / home_visit / phone
    seen: bool = True
    condition: str = ""  # stable / basically_stable / unstable
    adherence: str = ""  # regular / intermittent / none / not_required
    hospital: str = ""  # current = in hospital now


@dataclass(frozen=True)
class Relief:
    patient_id: int
    date: date  # admission date
    total: Decimal
    self_paid: Decimal


@dataclass(frozen=True)
class Period:
    start: date
    end: date

    def __post_init__(self):
        if self.end < self.start:
            raise ValueError("统计期的结束日期不能早于开始日期")

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def label(self) -> str:
        return f"{self.start:%Y-%m-%d} 至 {self.end:%Y-%m-%d}"


# Output ------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class KPI:
    key: str
    name: str
    definition: str
    numerator_label: str
    denominator_label: str
    numerator: float
    denominator: float
    unit: str  # "‰" or "%"
    value: float | None  # None when the denominator is zero or the data does not exist
    target: float | None = None
    target_op: str = ">="
    met: bool | None = None
    target_cite: str = ""
    numerator_ids: frozenset[int] = field(default_factory=frozenset)
    denominator_ids: frozenset[int] = field(default_factory=frozenset)
    available: bool = True
    lists_denominator: bool = True  # False when the denominator is not patients (residents, yuan)

    @property
    def target_text(self) -> str:
        if self.target is None:
            return ""
        return f"{'≥' if self.target_op == '>=' else '≤'}{self.target:g}{self.unit}"

    @property
    def display(self) -> str:
        if self.value is None:
            return "—"
        return f"{self.value:.2f}{self.unit}" if self.unit == "‰" else f"{self.value:.1f}{self.unit}"

    def as_dict(self) -> dict:
        """JSON-ready, without the patient ids (API bodies, stored report snapshots)."""
        return {
            "key": self.key, "name": self.name, "definition": self.definition,
            "numerator_label": self.numerator_label, "denominator_label": self.denominator_label,
            "numerator": self.numerator, "denominator": self.denominator,
            "value": None if self.value is None else round(self.value, 4), "display": self.display,
            "unit": self.unit, "target": self.target, "target_op": self.target_op, "target_text": self.target_text,
            "target_cite": self.target_cite, "met": self.met, "available": self.available,
        }


@dataclass(frozen=True)
class Spec:
    name: str
    definition: str
    numerator_label: str
    denominator_label: str
    unit: str = "%"
    target_attr: str = ""  # policies.schema.Targets field
    target_op: str = ">="


SPECS: dict[str, Spec] = {
    "prevalence": Spec("报告患病率", "在册患者数 ÷ 辖区常住人口数 × 1000‰（在册：统计期末前建档，且统计期内至少一天未处于死亡或迁出状态）",
                       "在册患者数", "常住人口数", "‰", "detection_permille"),
    "management": Spec("管理率", "统计期内至少见到患者随访1次的患者数 ÷ 在册患者数", "管理患者数", "在册患者数",
                       target_attr="management_percent"),
    "standard_management": Spec(
        "规范管理率", "统计期内（建档或期初起，至期末或离册）见面随访不少于“天数÷92”（向上取整，全年4次）且相邻随访及与"
        "起止日的间隔均不超过92天的患者数 ÷ 在册患者数", "规范管理患者数", "在册患者数"),
    "face_to_face": Spec("面访率", "统计期内至少1次门诊或入户（非电话）且见到患者的患者数 ÷ 在册患者数", "面访患者数", "在册患者数"),
    "medication": Spec("服药率", "统计期内末次见面随访时规律服药、间断服药或正在住院的患者数 ÷ 在册患者数（与“治疗率”目标比较）",
                       "服药患者数", "在册患者数", target_attr="treatment_percent"),
    "regular_medication": Spec("规律服药率", "统计期内末次见面随访时按医嘱规律服药的患者数 ÷ 在册患者数", "规律服药患者数",
                               "在册患者数"),
    "stable": Spec("病情稳定率", "期末在家居住的在册患者中，统计期内末次见面随访病情分类为“稳定”的患者数 ÷ 期末在家居住的在册患者数",
                   "病情稳定患者数", "在家居住患者数"),
    "lost": Spec("失访率", "期末连续未见到患者的随访次数达到规定次数（且其后未找到）或下落不明的患者数 ÷ 在册患者数",
                 "失访患者数", "在册患者数", target_op="<="),
    "unstable_case_management": Spec(
        "病情不稳定患者个案管理率", "统计期内末次见面随访病情“不稳定”、且自该次随访至期末有执行中的个案管理计划（一人一策）的患者数 ÷ "
        "末次见面随访病情“不稳定”的患者数", "接受个案管理患者数", "病情不稳定患者数",
        target_attr="unstable_case_management_percent"),
    "poor_self_paid": Spec("贫困患者住院费用自付比例", "经济状况为贫困的在册患者，统计期内入院的住院救助个人自付金额之和 ÷ 住院总费用之和",
                           "个人自付（元）", "住院总费用（元）", target_attr="poor_self_paid_max_percent", target_op="<="),
}
KEYS = tuple(SPECS)


# Per-patient facts ---------------------------------------------------------------------------------
def status_on(patient: PatientFacts, day: date) -> str:
    """The patient's whereabouts on a day: the latest entry since on or before it, else the first entry."""
    history = patient.statuses
    if not history:
        return "at_home"
    i = bisect.bisect_right(history, (day, "\uffff"))
    return history[max(i - 1, 0)][1]


def in_register(patient: PatientFacts, period: Period) -> tuple[date, date] | None:
    """(first, last) day of the period the patient was in the register, or None if none."""
    first = max(period.start, patient.registered_on)
    if first > period.end:
        return None
    if not any(status in OUT_OF_REGISTER for _, status in patient.statuses):
        return first, period.end
    # Days on which the status changes inside [first, end], plus first itself.
    starts = [first] + [s for s, _ in patient.statuses if first < s <= period.end]
    inside = None, None
    for i, day in enumerate(starts):
        last = starts[i + 1] - timedelta(days=1) if i + 1 < len(starts) else period.end
        if status_on(patient, day) not in OUT_OF_REGISTER:
            inside = (inside[0] or day, last)
    return inside if inside[0] else None


def meets_standard(span: tuple[date, date], seen_dates: list[date]) -> bool:
    """``seen_dates`` in date order."""
    start, end = span
    days = (end - start).days + 1
    dates = [d for d in seen_dates if start <= d <= end]  # in date order
    if len(dates) < math.ceil(days / MAX_GAP_DAYS):
        return False
    anchors = [start, *dates, end]
    return all((b - a).days <= MAX_GAP_DAYS for a, b in zip(anchors, anchors[1:], strict=False))


def failed_streaks(history: list[Visit]) -> list[tuple[int, date | None]]:
    """After each visit (in date order): attempts in a row not seen, and the date of the last of them."""
    out, failed, last = [], 0, None
    for v in history:
        failed, last = (0, last) if v.seen else (failed + 1, v.date)
        out.append((failed, last))
    return out


def is_lost(patient: PatientFacts, history: list[Visit], on: date, lost_after: int,
            streaks: list[tuple[int, date | None]] | None = None, dates: list[date] | None = None) -> bool:
    if status_on(patient, on) == "missing":
        return True
    streaks = failed_streaks(history) if streaks is None else streaks
    i = bisect.bisect_right([v.date for v in history] if dates is None else dates, on)
    if i == 0:
        return False
    failed, last_failed = streaks[i - 1]
    if failed < lost_after:
        return False
    return not any(last_failed <= d <= on for d in patient.found_on)


def plan_in_force(patient: PatientFacts, start: date, end: date) -> bool:
    return any(begin <= end and (until is None or until >= start) for begin, until in patient.plans)


# The data set ------------------------------------------------------------------------------------
class Dataset:
    """Patients, their visits and relief cases, indexed once so that many periods and regions are cheap."""

    def __init__(self, patients: Iterable[PatientFacts], visits: Iterable[Visit] = (),
                 reliefs: Iterable[Relief] | None = None, *, lost_after: int = 3):
        self.patients = sorted(patients, key=lambda p: (p.region_code, p.id))
        by_patient: dict[int, list[Visit]] = defaultdict(list)
        for v in visits:
            by_patient[v.patient_id].append(v)
        self.visits = {pid: sorted(vs, key=lambda v: v.date) for pid, vs in by_patient.items()}  # stable sort
        self.dates = {pid: [v.date for v in vs] for pid, vs in self.visits.items()}
        self.streaks = {pid: failed_streaks(vs) for pid, vs in self.visits.items()}
        self.reliefs: dict[int, list[Relief]] | None = None
        if reliefs is not None:
            self.reliefs = defaultdict(list)
            for r in reliefs:
                self.reliefs[r.patient_id].append(r)
        self.lost_after = lost_after

    def within(self, lo: str, hi: str) -> list[PatientFacts]:
        return [p for p in self.patients if lo <= p.region_code <= hi]

    def _in_period(self, pid: int, period: Period) -> list[Visit]:
        dates = self.dates.get(pid)
        if not dates:
            return []
        i, j = bisect.bisect_left(dates, period.start), bisect.bisect_right(dates, period.end)
        return self.visits[pid][i:j]

    def kpis(self, period: Period, residents: int, targets=None, patients: list[PatientFacts] | None = None
             ) -> list[KPI]:
        """Every KPI for ``patients`` (default: all) in ``period``; ``targets`` is a profile's Targets or None."""
        counts: dict[str, set[int]] = {k: set() for k in ("registered", "managed", "standard", "f2f", "med",
                                                          "regular", "at_home", "stable", "lost", "unstable",
                                                          "case_managed", "poor_relief")}
        total = self_paid = Decimal(0)
        for p in self.patients if patients is None else patients:
            span = in_register(p, period)
            if span is None:
                continue
            counts["registered"].add(p.id)
            visits = self._in_period(p.id, period)
            seen = [v for v in visits if v.seen]
            if seen:
                counts["managed"].add(p.id)
            if meets_standard(span, [v.date for v in seen]):
                counts["standard"].add(p.id)
            if any(v.mode != "phone" for v in seen):
                counts["f2f"].add(p.id)
            latest = seen[-1] if seen else None
            if latest and (latest.adherence in MEDICATED or latest.hospital == "current"):
                counts["med"].add(p.id)
            if latest and latest.adherence == "regular":
                counts["regular"].add(p.id)
            if status_on(p, period.end) == "at_home":
                counts["at_home"].add(p.id)
                if latest and latest.condition == "stable":
                    counts["stable"].add(p.id)
            if is_lost(p, self.visits.get(p.id, []), period.end, self.lost_after, self.streaks.get(p.id, []),
                       self.dates.get(p.id, [])):
                counts["lost"].add(p.id)
            if latest and latest.condition == "unstable":
                counts["unstable"].add(p.id)
                if plan_in_force(p, latest.date, period.end):
                    counts["case_managed"].add(p.id)
            if self.reliefs is not None and p.economic_status == "poor":
                for r in self.reliefs.get(p.id, ()):
                    if period.start <= r.date <= period.end:
                        counts["poor_relief"].add(p.id)
                        total += r.total
                        self_paid += r.self_paid
        reg = frozenset(counts["registered"])

        def rate(key, num_key, den_ids=reg):
            return _kpi(key, targets, len(counts[num_key]), len(den_ids), counts[num_key], den_ids)

        out = [
            _kpi("prevalence", targets, len(reg), residents, reg, frozenset(), scale=1000, lists_denominator=False),
            rate("management", "managed"),
            rate("standard_management", "standard"),
            rate("face_to_face", "f2f"),
            rate("medication", "med"),
            rate("regular_medication", "regular"),
            rate("stable", "stable", frozenset(counts["at_home"])),
            rate("lost", "lost"),
            rate("unstable_case_management", "case_managed", frozenset(counts["unstable"])),
        ]
        ids = frozenset(counts["poor_relief"])
        out.append(_kpi("poor_self_paid", targets, float(self_paid), float(total), ids, ids,
                        available=self.reliefs is not None and bool(ids), lists_denominator=True))
        return out


def _kpi(key: str, targets, numerator: float, denominator: float, num_ids, den_ids, *, scale: int = 100,
         available: bool = True, lists_denominator: bool = True) -> KPI:
    spec = SPECS[key]
    value = numerator / denominator * scale if denominator and available else None
    target = getattr(targets, spec.target_attr, None) if targets is not None and spec.target_attr else None
    met = None
    if target is not None and value is not None:
        met = round(value, 6) >= target if spec.target_op == ">=" else round(value, 6) <= target
    return KPI(key=key, name=spec.name, definition=spec.definition, numerator_label=spec.numerator_label,
               denominator_label=spec.denominator_label, numerator=numerator, denominator=denominator,
               unit=spec.unit, value=value, target=None if target is None else float(target),
               target_op=spec.target_op, met=met, target_cite=getattr(targets, "cite", "") if target is not None else "",
               numerator_ids=frozenset(num_ids), denominator_ids=frozenset(den_ids), available=available,
               lists_denominator=lists_denominator)


def compute(patients: Iterable[PatientFacts], visits: Iterable[Visit], period: Period, residents: int,
            targets=None, reliefs: Iterable[Relief] | None = None, *, lost_after: int = 3) -> dict[str, KPI]:
    """Every KPI of one region and period, by key (the one-shot form of ``Dataset.kpis``)."""
    data = Dataset(patients, visits, reliefs, lost_after=lost_after)
    return {k.key: k for k in data.kpis(period, residents, targets)}
