"""The typed tree of a policy profile (frozen dataclasses); validation metadata rides on the fields.

Loaded and validated by jingfang.policies.profiles. Pure: stdlib only.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, field
from datetime import date, timedelta

from jingfang.core.vocab import CONDITIONS, STATUSES

NAME_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
KEY_RE = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
_INTERVAL_RE = re.compile(r"^(\d{1,4})([dwmy])$")
_UNITS = {"d": "天", "w": "周", "m": "个月", "y": "年"}
INTERVAL_HELP = "应为正的间隔，写作“3m”（3个月）、“2w”（2周）、“15d”（15天）或“1y”（1年）"

RISK = {"min": 0, "max": 5, "what": "危险性等级（整数）"}
AMOUNT = {"min": 0, "what": "金额（元）"}
PERCENT = {"min": 0, "max": 100, "what": "百分数"}
WORKDAYS = {"min": 1, "max": 60, "what": "工作日数"}
CODE = {"pattern": KEY_RE, "pattern_text": "小写字母、数字和下划线"}


@dataclass(frozen=True)
class Interval:
    months: int = 0
    days: int = 0
    text: str = ""

    @classmethod
    def parse(cls, value: object) -> Interval:
        m = _INTERVAL_RE.match(value.strip()) if isinstance(value, str) else None
        if not m or int(m[1]) <= 0:
            raise ValueError(INTERVAL_HELP)
        n, unit = int(m[1]), m[2]
        months = {"m": n, "y": 12 * n}.get(unit, 0)
        days = {"d": n, "w": 7 * n}.get(unit, 0)
        return cls(months, days, f"{n}{unit}")

    def after(self, d: date) -> date:
        """d plus this interval; months are calendar months (01-31 + 1m = 02-28 or 02-29)."""
        if self.months:
            y, m0 = divmod(d.month - 1 + self.months, 12)
            y += d.year
            # every month has 28 days: the month's length is looked up only for the days after
            d = date(y, m0 + 1, d.day if d.day <= 28 else min(d.day, calendar.monthrange(y, m0 + 1)[1]))
        return d + timedelta(days=self.days)

    @property
    def approx_days(self) -> int:
        return self.months * 30 + self.days

    @property
    def label(self) -> str:
        return f"{self.text[:-1]}{_UNITS[self.text[-1]]}" if self.text else f"{self.approx_days}天"


@dataclass(frozen=True)
class When:
    """Conditions on the latest classified contact; an empty When matches everything."""

    conditions: tuple[str, ...] = field(default=(), metadata={"choices": tuple(CONDITIONS)})
    min_risk: int | None = field(default=None, metadata=RISK)
    max_risk: int | None = field(default=None, metadata=RISK)
    # consecutive seen visits classed not stable, counting the latest (平桥区2025: "连续随访3次仍未达到稳定")
    min_not_stable_streak: int = field(default=0, metadata={"min": 0, "max": 100, "what": "次数"})
    guardian_refuses_hospital: bool | None = None
    key_person: bool | None = None

    def matches(self, *, condition: str | None, risk: int | None, streak: int = 0,
                guardian_refuses: bool = False, key_person: bool = False) -> bool:
        if self.conditions and condition not in self.conditions:
            return False
        if self.min_risk is not None and (risk is None or risk < self.min_risk):
            return False
        if self.max_risk is not None and (risk is None or risk > self.max_risk):
            return False
        if streak < self.min_not_stable_streak:
            return False
        if self.guardian_refuses_hospital is not None and bool(guardian_refuses) != self.guardian_refuses_hospital:
            return False
        return self.key_person is None or bool(key_person) == self.key_person

    @property
    def condition_only(self) -> bool:
        return self == When(conditions=self.conditions)


@dataclass(frozen=True)
class FollowupRule:
    priority: int = field(metadata={"min": 0, "max": 10000, "what": "优先级（小者先匹配）"})
    interval: Interval
    text: str
    cite: str
    when: When = When()
    mode: str | None = field(default=None, metadata={"choices": ("joint", "face_to_face", "phone")})
    escalations: tuple[str, ...] = ()
    enabled: bool = True
    id: str = field(default="", metadata={"derived": True})

    @property
    def label(self) -> str:
        return f"{self.text}（{self.cite}）"


@dataclass(frozen=True)
class Cited:
    """A fixed rule with an interval: first follow-up, face-to-face, health check."""

    interval: Interval
    text: str
    cite: str
    enabled: bool = True

    @property
    def label(self) -> str:
        return f"{self.text}（{self.cite}）"


@dataclass(frozen=True)
class DueWindow:
    at_least: Interval  # applies to follow-up intervals at least this long
    days: int = field(metadata={"min": 0, "max": 60, "what": "天数"})


@dataclass(frozen=True)
class Hospitalized:
    text: str
    cite: str
    suspend: bool = False  # True: no follow-up while in hospital (resume after discharge)
    mode: str = field(default="phone", metadata={"choices": ("phone", "joint", "face_to_face")})
    interval: Interval | None = None  # None: the interval of the patient's condition rule

    @property
    def label(self) -> str:
        return f"{self.text}（{self.cite}）"


@dataclass(frozen=True, eq=False)  # holds dicts: compared and hashed by identity
class Followup:
    rules: dict[str, FollowupRule]
    first_visit: Cited
    hospitalized: Hospitalized
    lost_after_failed: int = field(metadata={"min": 1, "max": 10, "what": "次数"})
    min_per_year: int = field(default=0, metadata={"min": 0, "max": 52, "what": "次数"})
    min_members: int = field(default=1, metadata={"min": 1, "max": 20, "what": "人数"})
    key_person_face_to_face: bool = False  # key persons: phone contacts do not reset the clock
    key_person_note: str | None = None
    notes: tuple[str, ...] = ()  # shown with every follow-up item
    transfer_note: str | None = None
    missing_note: str | None = None
    lost_note: str | None = None
    suspended_statuses: tuple[str, ...] = field(
        default=("in_custody", "drug_rehab"), metadata={"choices": tuple(STATUSES)})

    def ordered_rules(self) -> tuple[FollowupRule, ...]:
        return tuple(sorted((r for r in self.rules.values() if r.enabled), key=lambda r: (r.priority, r.id)))


@dataclass(frozen=True)
class AssessmentCadence:
    stable: Interval
    other: Interval
    text: str
    cite: str
    enabled: bool = True

    @property
    def label(self) -> str:
        return f"{self.text}（{self.cite}）"


@dataclass(frozen=True)
class RollCall:
    sensitive_period_daily: bool
    text: str
    cite: str
    # What a roll call that finds the patient 不在控 (or 联系不上 as often as a lost patient is missed)
    # asks for, shown at once on the worklists of everyone who covers the patient
    alert_text: str | None = None

    @property
    def label(self) -> str:
        return f"{self.text}（{self.cite}）"


@dataclass(frozen=True)
class ConditionClasses:
    """The thresholds of the condition class (followups.classify): from ``unstable_min_risk`` a risk
    level makes the follow-up 病情不稳定 (national norms: 3—5级)."""

    unstable_min_risk: int = field(metadata=RISK)
    cite: str


@dataclass(frozen=True)
class KeyPerson:
    risk_threshold: int = field(metadata=RISK)
    cite: str | None = None


@dataclass(frozen=True)
class Grade:
    colour: str = field(metadata={"choices": ("red", "orange", "yellow", "green", "blue", "grey")})
    label: str
    when: When = When()
    cite: str | None = None


@dataclass(frozen=True)
class Intake:
    accept_report_workdays: int = field(metadata=WORKDAYS)
    enter_record_workdays: int = field(metadata=WORKDAYS)
    police_query_workdays: int = field(metadata=WORKDAYS)
    cite: str


@dataclass(frozen=True)
class CareTeam:
    """The members every patient's care team (关爱帮扶小组 / 联合服务管理小组 / 五位一体) must have: roles of
    the care area's vocabulary ("leader" is the member marked as leader); ``recommended`` are advised."""

    required_roles: tuple[str, ...]
    cite: str
    recommended_roles: tuple[str, ...] = ()


@dataclass(frozen=True)
class Cadence:
    every: Interval
    label: str
    cite: str


@dataclass(frozen=True)
class GuardianReward:
    amount_yuan: float = field(metadata=AMOUNT)
    per: str = field(metadata={"choices": ("month", "year")})
    eligibility: tuple[str, ...] = field(
        metadata={"choices": ("risk", "unstable", "potential_risk", "past_incident")})
    text: str
    cite: str
    min_risk: int = field(metadata=RISK)
    requires_no_incident: bool = True
    annual_budget_yuan: float | None = field(default=None, metadata=AMOUNT)
    payer: str | None = None

    @property
    def yearly_yuan(self) -> float:
        return self.amount_yuan * (12 if self.per == "month" else 1)


@dataclass(frozen=True)
class LiabilityInsurance:
    premium_yuan_per_person_year: float = field(metadata=AMOUNT)
    cite: str
    township_share_yuan_per_person: float | None = field(default=None, metadata=AMOUNT)
    annual_budget_yuan: float | None = field(default=None, metadata=AMOUNT)


@dataclass(frozen=True)
class ReliefOption:
    code: str = field(metadata=CODE)
    label: str
    food_percent: float = field(metadata=PERCENT)
    medical_percent: float = field(metadata=PERCENT)


@dataclass(frozen=True)
class ReliefFund:
    annual_budget_yuan: float = field(metadata=AMOUNT)
    options: tuple[ReliefOption, ...]
    cite: str
    full_funding_groups: tuple[str, ...] = ()
    report_every: Interval | None = None
    priority_note: str | None = None


@dataclass(frozen=True)
class Exchange:
    every: Interval
    departments: tuple[str, ...]
    cite: str


@dataclass(frozen=True)
class Indicators:
    """How the indicators that depend on policy are counted (stats.kpis): 规范管理 is judged from the
    start of the assessment year (or registration) to the period end on follow-ups that reached the
    patient, phone included: at least ``standard_visits_per_year`` a year (pro rata, at least one),
    never more than ``standard_max_gap`` between the start, consecutive follow-ups and the end; with
    ``standard_face_to_face`` the profile's face-to-face interval (``face_to_face``) is part of it too."""

    cite: str
    standard_visits_per_year: int = field(metadata={"min": 1, "max": 52, "what": "次数"})
    standard_max_gap: Interval
    standard_face_to_face: bool = False
    face_to_face_cite: str | None = None


@dataclass(frozen=True)
class Targets:
    cite: str
    deadline: date | None = None
    detection_permille: float | None = field(default=None, metadata={"min": 0, "max": 1000, "what": "千分数"})
    management_percent: float | None = field(default=None, metadata=PERCENT)
    treatment_percent: float | None = field(default=None, metadata=PERCENT)
    unstable_case_management_percent: float | None = field(default=None, metadata=PERCENT)
    poor_self_paid_max_percent: float | None = field(default=None, metadata=PERCENT)
    psychiatrists_per_100k: float | None = field(default=None, metadata={"min": 0, "what": "人数"})
    # 镇街 with ≥ 1 operating community rehabilitation facility / all 镇街 (rehab)
    community_rehab_coverage_percent: float | None = field(default=None, metadata=PERCENT)
    # at-home patients taking part in community rehabilitation in the period / at-home patients (rehab)
    home_rehab_participation_percent: float | None = field(default=None, metadata=PERCENT)
    # 镇街卫生院 with ≥ 1 精防人员 and ≥ 1 trained GP with psychiatric scope / all 镇街 (workforce)
    township_staffing_percent: float | None = field(default=None, metadata=PERCENT)


@dataclass(frozen=True)
class Benefits:
    cite: str
    outpatient_chronic_reimbursement_min_percent: float | None = field(default=None, metadata=PERCENT)
    inpatient_reimbursement_min_percent: float | None = field(default=None, metadata=PERCENT)


@dataclass(frozen=True)
class MedicationMeasure:
    cause: str = field(metadata=CODE)  # registry vocab ADHERENCE_CAUSES code
    cause_label: str
    measure: str
    cite: str


@dataclass(frozen=True)
class EmergencyAccess:
    """Break-the-glass access (紧急查阅) to one patient outside the user's jurisdiction: how long a grant lasts."""

    hours: int = field(metadata={"min": 1, "max": 24, "what": "小时数"})
    cite: str | None = None


OFFLINE_DAYS = {"min": 1, "max": 92, "what": "天数"}


@dataclass(frozen=True)
class Offline:
    """The offline field app: the package of due work a phone downloads, and how long it may be kept."""

    package_days: int = field(metadata=OFFLINE_DAYS)  # the default window
    max_package_days: int = field(metadata=OFFLINE_DAYS)  # the longest a user may ask (longer: cut to it)
    expire_days: int = field(metadata={"min": 1, "max": 30, "what": "天数"})  # kept on the phone without a sync
    # how long the code on a printed follow-up form (and in a package) opens the patient's form
    paper_token_days: int = field(metadata={"min": 1, "max": 366, "what": "天数"})
    cite: str | None = None


DEADLINE_DAYS = {"min": 1, "max": 365, "what": "天数"}


@dataclass(frozen=True)
class Accountability:
    """Accountability measures against villages and units (通报、约谈、挂牌督办、责任追究: 齐云山镇2024 四、3;
    平桥区2025 三（四）) and the quarterly joint consultation's record (齐云山镇2024 四、2).

    ``*_days``: the rectification deadline a new measure of that kind is given by default, in days from the
    day it is issued (the issuer may set another). ``consultation_period``: the period whose indicators a
    joint consultation's record attaches when the profile sets no ``[cadences.joint_consultation]``."""

    notice_days: int = field(metadata=DEADLINE_DAYS)  # 通报
    interview_days: int = field(metadata=DEADLINE_DAYS)  # 约谈
    supervision_days: int = field(metadata=DEADLINE_DAYS)  # 挂牌督办
    liability_days: int = field(metadata=DEADLINE_DAYS)  # 责任追究
    consultation_period: Interval
    cite: str

    def deadline_days(self, kind: str) -> int:
        return getattr(self, f"{kind}_days")


@dataclass(frozen=True, eq=False)  # holds dicts: compared and hashed by identity
class Profile:
    name: str = field(metadata={"pattern": NAME_RE, "pattern_text": "小写字母、数字和连字符"})
    title: str
    source: str
    version: int = field(metadata={"min": 1, "what": "版本号"})
    followup: Followup
    indicators: Indicators
    key_person: KeyPerson
    classification: ConditionClasses
    emergency_access: EmergencyAccess
    extends: str | None = None
    face_to_face: Cited | None = None
    assessment: AssessmentCadence | None = None
    health_check: Cited | None = None
    roll_call: RollCall | None = None
    care_team: CareTeam | None = None
    due_windows: tuple[DueWindow, ...] = ()
    grades: tuple[Grade, ...] = ()
    intake: Intake | None = None
    cadences: dict[str, Cadence] = field(default_factory=dict)
    exchange: Exchange | None = None
    guardian_reward: GuardianReward | None = None
    liability_insurance: LiabilityInsurance | None = None
    relief_fund: ReliefFund | None = None
    targets: Targets | None = None
    benefits: Benefits | None = None
    medication_measures: tuple[MedicationMeasure, ...] = ()
    offline: Offline | None = None
    accountability: Accountability | None = None

    def rule_id(self, local: str) -> str:
        return f"{self.name}:{local}"

    def window_days(self, interval: Interval) -> int:
        """Days before a due date from which an item counts as due: the entry with the longest
        `at_least` not longer than the interval; always shorter than the interval itself."""
        for w in sorted(self.due_windows, key=lambda w: -w.at_least.approx_days):
            if interval.approx_days >= w.at_least.approx_days:
                return min(w.days, max(interval.approx_days - 1, 0))
        return 0

    def cadence(self, key: str) -> Cadence | None:
        return self.cadences.get(key)

    def measures_for(self, cause: str) -> list[MedicationMeasure]:
        return [m for m in self.medication_measures if m.cause == cause]
