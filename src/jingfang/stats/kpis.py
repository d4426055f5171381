"""The KPI engine: plain data in, one figure per KPI out. Pure: stdlib only.

Inputs are plain records (``PatientFacts``, ``Visit``, ``Relief``), a ``Period`` (start and end, both
inclusive) and the region's ``Rules`` (from its policy profile: ``Rules.of(profile)``). Each KPI comes
back as a ``KPI`` with its Chinese name, its definition, the numerator and the denominator each defined
in words, the document it follows, the value (‰ or %), the target when the region's policy profile sets
one (met / not met), and the ids of the patients behind the numerator and the denominator. The words
are generated from the same ``Rules`` that count, so the page says exactly what the numbers do.

The definitions follow 《严重精神障碍管理治疗工作规范（2018年版）》 and the national information system's
usage (a follow-up counts when it reached the patient, whether at the clinic, at home or by phone; 面访
is a clinic or home visit that saw the patient):

- **Registered** (在册) in a period: registered on or before the period end, and in the register on
  at least one day of the period from the registration date on, where a patient is out of the register
  while his whereabouts (status history) are *deceased* or *moved out*. So a patient who died or moved
  out before the period start is not counted; one who died or moved out during the period is; a patient
  registered mid-period is. Where the history has no entry yet on a day, the first entry's status applies.
  The patient's region is his current residence.
- **Managed** (在册患者管理): at least one follow-up in the period that reached the patient, phone included.
- **Standard management** (规范管理): managed in the period, and over the assessment span -- from the
  assessment start (1 January of the period end's year, or the period start if earlier, or the
  registration date if later; days out of the register before it are skipped) to the period end (or
  the day before leaving the register) -- follow-ups that reached the patient, phone included, number
  at least ``per_year`` × days ÷ 365 (rounded down, at least one), and no two of the span's start, its
  follow-ups and its end in a row lie more than ``max_gap`` (calendar months) apart. Where the profile
  makes face-to-face part of it (平桥区2025), the same holds for face-to-face visits with the profile's
  face-to-face interval. So in a month view a patient seen this month after a four-month gap is managed
  but not under standard management.
- **Face-to-face** (面访): at least one follow-up in the period at the clinic or at home that saw the patient.
- **Medication** (服药): at the latest follow-up in the period that reached the patient (phone included),
  adherence was regular or intermittent, or the patient was in hospital ("目前正在住院"). **Regular
  medication**: adherence regular. The region's "treatment rate" target (治疗率) is compared with the
  medication rate.
- **Stable** (病情稳定): among registered patients living at home at the period end (whereabouts *at home*
  on that day: not dead, moved, in hospital, custody or missing), those classed stable at their latest
  follow-up in the period that reached them.
- **Lost** (失访): at the period end, the patient's follow-up attempts up to then end in at least
  ``lost_after`` (the profile's number, 3 nationally) attempts in a row at which he was not reached, and
  no search found him on or after the last of them; or his whereabouts at the period end are *missing*.
- **Unstable under case management** (个案管理): among registered patients classed unstable at their
  latest follow-up in the period, those with an individual plan (一人一策) in force on some day between
  that follow-up and the period end.
- **Poor patients' self-paid share** (贫困患者门诊和住院平均自付比例, 薛城区2016 一（二）3): over the
  outpatient and inpatient cost episodes (support.CostEpisode) and the admitted hospitalisation relief
  cases not recorded as an episode, begun in the period, of registered patients who were poor -- 低保,
  特困 or 建档立卡 in force on the episode's date, or economic status recorded as poor -- the sum paid by
  the patients ÷ the sum of the total costs (the average weighted by cost); only where cost data exists
  (otherwise no figure).
- **Insurance share of in-policy inpatient costs** (政策范围内住院费用医保支付比例, 薛城区2016 二（三）1):
  over the inpatient episodes begun in the period of registered patients (poor or not) with their
  政策范围内费用 recorded, basic insurance plus 大病保险 paid ÷ the in-policy cost; its target is the
  profile's ``benefits.inpatient_reimbursement_min_percent``.
- **Reported prevalence** (报告患病率): registered ÷ resident population, in ‰.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import Decimal
from itertools import pairwise
from typing import NamedTuple, Protocol

OUT_OF_REGISTER = frozenset({"deceased", "moved_out"})
MEDICATED = frozenset({"regular", "intermittent"})
FACE_TO_FACE_MODES = frozenset({"clinic", "home_visit"})
NATIONAL_NORM = "《严重精神障碍管理治疗工作规范（2018年版）》"
WITHHELD_TEXT = "仅卫生健康人员可见"  # shown in place of a figure withheld from a role (stats.permissions)


class Gap(Protocol):
    """An interval of the policy schema (policies.schema.Interval)."""

    def after(self, d: date) -> date: ...

    @property
    def label(self) -> str: ...


@dataclass(frozen=True)
class Rules:
    """The counting rules a region's policy profile sets (its ``indicators`` and ``followup`` keys)."""

    per_year: int  # follow-ups a year for 规范管理
    max_gap: Gap  # longest allowed gap between them
    lost_after: int  # attempts in a row not reaching the patient that make him lost
    cite: str  # the documents the definitions follow
    face_to_face_gap: Gap | None = None  # when face-to-face is part of 规范管理: its longest gap
    face_to_face_cite: str = ""

    @classmethod
    def of(cls, profile) -> Rules:
        ind, f2f = profile.indicators, profile.face_to_face
        in_standard = ind.standard_face_to_face  # only with face-to-face enabled (policies.profiles._check)
        return cls(ind.standard_visits_per_year, ind.standard_max_gap, profile.followup.lost_after_failed, ind.cite,
                   f2f.interval if in_standard else None,
                   (ind.face_to_face_cite or f2f.cite) if in_standard else "")


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
    """One cost episode (or an admitted relief case): what it cost and what the patient paid."""

    patient_id: int
    date: date  # visit or admission date
    total: Decimal
    self_paid: Decimal
    poor: bool = False  # 低保, 特困 or 建档立卡 in force on ``date``
    inpatient: bool = True
    policy_cost: Decimal | None = None  # 政策范围内费用 (inpatient), when recorded
    insured: Decimal = Decimal(0)  # basic insurance + 大病保险 paid


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
    numerator: float | None  # None only when withheld
    denominator: float | None
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
    numerator_text: str = ""  # who (or what) the numerator counts, in full
    denominator_text: str = ""
    basis: str = ""  # the documents the definition follows
    withheld: bool = False  # the figures are not for this reader (stats.permissions.visible_kpis)

    def without_figures(self) -> KPI:
        """The same KPI with its definition and target but no numerator, denominator, value or patients."""
        return replace(self, numerator=None, denominator=None, value=None, met=None, numerator_ids=frozenset(),
                       denominator_ids=frozenset(), available=False, withheld=True)

    @property
    def target_text(self) -> str:
        if self.target is None:
            return ""
        return f"{'≥' if self.target_op == '>=' else '≤'}{self.target:g}{self.unit}"

    @property
    def display(self) -> str:
        if self.withheld:
            return WITHHELD_TEXT
        if self.value is None:
            return "—"
        return f"{self.value:.2f}{self.unit}" if self.unit == "‰" else f"{self.value:.1f}{self.unit}"

    def as_dict(self) -> dict:
        """JSON-ready, without the patient ids (API bodies, stored report snapshots)."""
        return {
            "key": self.key, "name": self.name, "definition": self.definition,
            "numerator_label": self.numerator_label, "denominator_label": self.denominator_label,
            "numerator_text": self.numerator_text, "denominator_text": self.denominator_text, "basis": self.basis,
            "numerator": self.numerator, "denominator": self.denominator,
            "value": None if self.value is None else round(self.value, 4), "display": self.display,
            "unit": self.unit, "target": self.target, "target_op": self.target_op, "target_text": self.target_text,
            "target_cite": self.target_cite, "met": self.met, "available": self.available,
            "withheld": self.withheld,
        }


@dataclass(frozen=True)
class Spec:
    name: str
    numerator_label: str
    denominator_label: str
    unit: str = "%"
    target_attr: str = ""  # policies.schema.Targets field (or Benefits field, see target_section)
    target_op: str = ">="
    target_section: str = "targets"  # "benefits": the target is a policies.schema.Benefits field


SPECS: dict[str, Spec] = {
    "prevalence": Spec("报告患病率", "在册患者数", "常住人口数", "‰", "detection_permille"),
    "management": Spec("管理率", "管理患者数", "在册患者数", target_attr="management_percent"),
    "standard_management": Spec("规范管理率", "规范管理患者数", "在册患者数"),
    "face_to_face": Spec("面访率", "面访患者数", "在册患者数"),
    "medication": Spec("服药率", "服药患者数", "在册患者数", target_attr="treatment_percent"),
    "regular_medication": Spec("规律服药率", "规律服药患者数", "在册患者数"),
    "stable": Spec("病情稳定率", "病情稳定患者数", "在家居住患者数"),
    "lost": Spec("失访率", "失访患者数", "在册患者数", target_op="<="),
    "unstable_case_management": Spec("病情不稳定患者个案管理率", "接受个案管理患者数", "病情不稳定患者数",
                                     target_attr="unstable_case_management_percent"),
    "poor_self_paid": Spec("贫困患者门诊和住院平均自付比例", "个人自付（元）", "医疗总费用（元）",
                           target_attr="poor_self_paid_max_percent", target_op="<="),
    "inpatient_insurance": Spec("政策范围内住院费用医保支付比例", "医保支付（元）", "政策范围内住院费用（元）",
                                target_attr="inpatient_reimbursement_min_percent", target_section="benefits"),
}
KEYS = tuple(SPECS)

REGISTERED = "在册患者数（统计期末前建档，且统计期内至少1天未处于死亡或迁出状态的患者）"
REACHED = "随访到患者（门诊、入户或电话随访均计，未随访到患者的不计）"
LATEST = "统计期内末次随访到患者时（含电话随访）"


class Text(NamedTuple):
    definition: str
    numerator: str
    denominator: str
    basis: str


def texts(rules: Rules) -> dict[str, Text]:
    """Each KPI's definition, numerator and denominator in words, with the numbers of ``rules``: what the
    pages, the API and the exports show beside the figure, and exactly what ``Dataset.kpis`` counts."""
    norm = rules.cite
    f2f = ""
    if rules.face_to_face_gap is not None:
        f2f = (f"；其间面访（门诊或入户且见到患者）同样须满足间隔不超过{rules.face_to_face_gap.label}"
               f"（{rules.face_to_face_cite}）")
    standard = (
        f"统计期内至少有1次{REACHED}；并且自考核起点至统计期末，随访到患者（含电话随访）的次数不少于每年"
        f"{rules.per_year}次按天数折算的次数（天数×{rules.per_year}÷365，向下取整，至少1次），考核起点、相邻两次随访与"
        f"统计期末之间的间隔均不超过{rules.max_gap.label}{f2f}。考核起点为统计期末所在年度的1月1日（统计期开始更早的为"
        f"统计期开始日，建档更晚的为建档日）；统计期内死亡或迁出的，算至离册前一日")
    lost = (f"统计期末失访的在册患者数：截至期末连续{rules.lost_after}次随访未见到患者、且其后查找未找到，"
            f"或统计期末处于下落不明状态")
    basis_f2f = f"；{rules.face_to_face_cite}" if rules.face_to_face_gap is not None else ""
    return {
        "prevalence": Text("辖区内登记在册的患者占常住人口的比例（‰）：在册患者数 ÷ 常住人口数 × 1000‰",
                           REGISTERED, "辖区常住人口数", NATIONAL_NORM),
        "management": Text(f"在册患者中，统计期内至少有1次{REACHED}的患者所占比例",
                           f"统计期内至少有1次{REACHED}的在册患者数", REGISTERED, norm),
        "standard_management": Text(
            f"在册患者中，按规范要求管理的患者所占比例。规范要求：{standard}", "符合上述规范要求的在册患者数",
            REGISTERED, norm + basis_f2f),
        "face_to_face": Text("在册患者中，统计期内至少面访1次的患者所占比例（面访指门诊或入户随访且见到患者，电话随访不计）",
                             "统计期内至少1次门诊或入户随访且见到患者的在册患者数", REGISTERED, norm),
        "medication": Text(f"在册患者中，{LATEST}规律服药、间断服药或目前正在住院的患者所占比例（与“治疗率”目标比较）",
                           f"{LATEST}规律服药、间断服药或目前正在住院的在册患者数", REGISTERED, norm),
        "regular_medication": Text(f"在册患者中，{LATEST}按医嘱规律服药的患者所占比例",
                                   f"{LATEST}按医嘱规律服药的在册患者数", REGISTERED, norm),
        "stable": Text(f"统计期末在家居住的在册患者中，{LATEST}病情分类为“稳定”的患者所占比例",
                       f"其中{LATEST}病情分类为“稳定”的患者数",
                       "统计期末在家居住的在册患者数（不含死亡、迁出、住院、羁押、下落不明等）", norm),
        "lost": Text("在册患者中，统计期末处于失访状态的患者所占比例", lost, REGISTERED, norm),
        "unstable_case_management": Text(
            f"{LATEST}病情“不稳定”的在册患者中，接受个案管理（一人一策）的患者所占比例",
            "其中自该次随访至统计期末有执行中的个案管理计划（一人一策）的患者数",
            f"{LATEST}病情分类为“不稳定”的在册患者数", norm),
        "poor_self_paid": Text(
            "贫困患者统计期内门诊和住院医疗费用中个人自付的比例（按费用加权的平均自付比例）：自付合计 ÷ 总费用合计",
            "统计期内就诊（入院）时为贫困患者（低保、特困或建档立卡待遇有效，或经济状况为贫困）的在册患者，"
            "其门诊和住院医疗费用登记（含未单独登记费用的已办理入院的住院救助）中个人自付金额之和（元）；"
            "自付 = 总费用 − 基本医保 − 大病保险 − 医疗救助 − 救助基金 − 残联补助 − 其他支付",
            "上述门诊和住院的医疗总费用之和（元）", "薛城区2016，一（二）3"),
        "inpatient_insurance": Text(
            "在册患者统计期内入院、已登记政策范围内费用的住院中，基本医疗保险和大病保险支付占政策范围内费用的比例",
            "上述住院的基本医疗保险支付与大病保险支付之和（元）",
            "统计期内入院、已登记政策范围内费用的在册患者住院的政策范围内费用之和（元）", "薛城区2016，二（三）1"),
    }


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


def assessment_start(period: Period) -> date:
    """Where 规范管理 is judged from: 1 January of the period end's year, or the period start if earlier."""
    return min(period.start, date(period.end.year, 1, 1))


def required_visits(days: int, per_year: int) -> int:
    """Follow-ups 规范管理 asks for over ``days`` days: per_year pro rata, rounded down, at least one."""
    return max(1, per_year * days // 365)


def no_gap_over(span: tuple[date, date], dates: list[date], gap: Gap) -> bool:
    """No two of the span's start, ``dates`` (in order, inside the span) and its end in a row lie more
    than ``gap`` apart (calendar months: Jan 31 + 3 months is Apr 30)."""
    anchors = [span[0], *dates, span[1]]
    return all(b <= gap.after(a) for a, b in pairwise(anchors))


def meets_standard(span: tuple[date, date], reached: list[Visit], rules: Rules) -> bool:
    """规范管理 over ``span`` (the assessment span in the register), given the follow-ups that reached the
    patient, in date order."""
    start, end = span
    inside = [v for v in reached if start <= v.date <= end]
    if len(inside) < required_visits((end - start).days + 1, rules.per_year):
        return False
    if not no_gap_over(span, [v.date for v in inside], rules.max_gap):
        return False
    if rules.face_to_face_gap is not None:
        return no_gap_over(span, [v.date for v in inside if v.mode in FACE_TO_FACE_MODES], rules.face_to_face_gap)
    return True


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
                 reliefs: Iterable[Relief] | None = None):
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

    def within(self, lo: str, hi: str) -> list[PatientFacts]:
        return [p for p in self.patients if lo <= p.region_code <= hi]

    def _in_period(self, pid: int, period: Period) -> list[Visit]:
        dates = self.dates.get(pid)
        if not dates:
            return []
        i, j = bisect.bisect_left(dates, period.start), bisect.bisect_right(dates, period.end)
        return self.visits[pid][i:j]

    def kpis(self, period: Period, residents: int, rules: Rules, targets=None,
             patients: list[PatientFacts] | None = None, benefits=None) -> list[KPI]:
        """Every KPI for ``patients`` (default: all) in ``period``, counted by ``rules`` (the region's
        profile: ``Rules.of(profile)``); ``targets`` is a profile's Targets or None, ``benefits`` its
        Benefits (the target of the inpatient insurance share) or None."""
        assessed_from = assessment_start(period)
        counts: dict[str, set[int]] = {k: set() for k in ("registered", "managed", "standard", "f2f", "med",
                                                          "regular", "at_home", "stable", "lost", "unstable",
                                                          "case_managed", "poor_relief", "insured_stay")}
        total = self_paid = policy_cost = insured = Decimal(0)
        for p in self.patients if patients is None else patients:
            span = in_register(p, period)
            if span is None:
                continue
            counts["registered"].add(p.id)
            visits = self._in_period(p.id, period)
            seen = [v for v in visits if v.seen]  # follow-ups that reached the patient, phone included
            if seen:
                counts["managed"].add(p.id)
                assessed = in_register(p, Period(assessed_from, period.end)) if assessed_from < span[0] else span
                history = seen if assessed == span else [v for v in self._in_period(p.id, Period(*assessed)) if v.seen]
                if meets_standard(assessed, history, rules):
                    counts["standard"].add(p.id)
            if any(v.mode in FACE_TO_FACE_MODES for v in seen):
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
            if is_lost(p, self.visits.get(p.id, []), period.end, rules.lost_after, self.streaks.get(p.id, []),
                       self.dates.get(p.id, [])):
                counts["lost"].add(p.id)
            if latest and latest.condition == "unstable":
                counts["unstable"].add(p.id)
                if plan_in_force(p, latest.date, period.end):
                    counts["case_managed"].add(p.id)
            for r in self.reliefs.get(p.id, ()) if self.reliefs is not None else ():
                if not period.start <= r.date <= period.end:
                    continue
                if p.economic_status == "poor" or r.poor:
                    counts["poor_relief"].add(p.id)
                    total += r.total
                    self_paid += r.self_paid
                if r.inpatient and r.policy_cost:
                    counts["insured_stay"].add(p.id)
                    policy_cost += r.policy_cost
                    insured += r.insured
        reg = frozenset(counts["registered"])
        words = texts(rules)

        def rate(key, num_key, den_ids=reg):
            return _kpi(key, words[key], targets, len(counts[num_key]), len(den_ids), counts[num_key], den_ids)

        out = [
            _kpi("prevalence", words["prevalence"], targets, len(reg), residents, reg, frozenset(), scale=1000, lists_denominator=False),
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
        out.append(_kpi("poor_self_paid", words["poor_self_paid"], targets, float(self_paid), float(total), ids, ids,
                        available=self.reliefs is not None and bool(ids), lists_denominator=True))
        stays = frozenset(counts["insured_stay"])
        out.append(_kpi("inpatient_insurance", words["inpatient_insurance"], targets, float(insured),
                        float(policy_cost), stays, stays, available=self.reliefs is not None and bool(stays),
                        benefits=benefits))
        return out


def _kpi(key: str, words: Text, targets, numerator: float, denominator: float, num_ids, den_ids, *, scale: int = 100,
         available: bool = True, lists_denominator: bool = True, benefits=None) -> KPI:
    spec = SPECS[key]
    value = numerator / denominator * scale if denominator and available else None
    if spec.target_section == "benefits":
        targets = benefits
    target = getattr(targets, spec.target_attr, None) if targets is not None and spec.target_attr else None
    met = None
    if target is not None and value is not None:
        met = round(value, 6) >= target if spec.target_op == ">=" else round(value, 6) <= target
    return KPI(key=key, name=spec.name, definition=words.definition, numerator_label=spec.numerator_label,
               denominator_label=spec.denominator_label, numerator=numerator, denominator=denominator,
               unit=spec.unit, value=value, target=None if target is None else float(target),
               target_op=spec.target_op, met=met, target_cite=getattr(targets, "cite", "") if target is not None else "",
               numerator_ids=frozenset(num_ids), denominator_ids=frozenset(den_ids), available=available,
               lists_denominator=lists_denominator, numerator_text=words.numerator,
               denominator_text=words.denominator, basis=words.basis)


def compute(patients: Iterable[PatientFacts], visits: Iterable[Visit], period: Period, residents: int,
            rules: Rules, targets=None, reliefs: Iterable[Relief] | None = None, benefits=None) -> dict[str, KPI]:
    """Every KPI of one region and period, by key (the one-shot form of ``Dataset.kpis``)."""
    data = Dataset(patients, visits, reliefs)
    return {k.key: k for k in data.kpis(period, residents, rules, targets, benefits=benefits)}
