"""Community rehabilitation KPIs: plain data in, one figure per KPI out. Pure: stdlib only.

《薛城区精神卫生综合管理试点工作实施方案》（薛政办字〔2016〕17号） 一（二）2: 以镇街为单位建立精神障碍患者社区康复
机构，到2017年底，镇街社区康复机构覆盖率达到60%，逐步提高居家患者社区康复参与率; 二（二）2: 在镇街开办中途宿舍、
庇护工厂、日间康复站、职业康复中心等多种形式的社区康复机构，为出院后患者和居家药物维持治疗患者提供康复活动场所.

- **镇街社区康复机构覆盖率**: townships (镇街) with at least one facility operating on the day ÷ all townships
  of the region. A facility operates on a day from its opening date, unless it is suspended (暂停运营) or
  closed on or before that day. Townships without one are listed.
- **居家患者社区康复参与率**: patients at home (在家居住) on the last day of the period who, within the
  period, were enrolled in a facility or in home rehabilitation training (an enrolment that overlaps the
  period), or had rehabilitation measures (康复措施) recorded on a follow-up dated within it ÷ patients at
  home on that day. The follow-ups feed it: nothing is typed twice.

Targets come from the region's policy profile ([targets] community_rehab_coverage_percent,
home_rehab_participation_percent); without one there is no target (met is None).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date

CITE = "薛城区2016，一（二）2"
CITE_FACILITIES = "薛城区2016，二（二）2"
SUSPENDED, CLOSED = "suspended", "closed"
AT_HOME = "at_home"


@dataclass(frozen=True)
class FacilityFact:
    township_code: str
    opened_on: date
    status: str = "operating"
    closed_on: date | None = None

    def operating(self, on: date) -> bool:
        if self.opened_on > on or self.status == SUSPENDED:
            return False
        if self.status == CLOSED and self.closed_on is None:
            return False
        return self.closed_on is None or self.closed_on > on


@dataclass(frozen=True)
class Township:
    code: str
    name: str


@dataclass(frozen=True)
class PatientFact:
    id: int
    village_code: str
    registered_on: date
    status: str = AT_HOME
    status_since: date | None = None  # when the current status began

    def at_home_on(self, day: date) -> bool:
        """At home on the day: registered by then, and at home now or gone only after that day."""
        if self.registered_on > day:
            return False
        return self.status == AT_HOME or (self.status_since is not None and self.status_since > day)


@dataclass(frozen=True)
class EnrolmentFact:
    patient_id: int
    start: date
    end: date | None = None

    def overlaps(self, start: date, end: date) -> bool:
        return self.start <= end and (self.end is None or self.end >= start)


@dataclass(frozen=True)
class FollowupFact:
    patient_id: int
    date: date
    measures: tuple[str, ...] = ()


@dataclass(frozen=True)
class Figure:
    key: str
    name: str
    definition: str
    numerator: float
    denominator: float
    value: float | None
    target: float | None
    cite: str = CITE
    shortfalls: tuple[tuple[str, str], ...] = field(default=())  # (code, name) of townships without one
    parts: tuple[tuple[str, int], ...] = field(default=())  # (label, count) of the numerator's sources

    @property
    def met(self) -> bool | None:
        if self.target is None or self.value is None:
            return None
        return self.value >= self.target

    @property
    def display(self) -> str:
        if self.value is None:
            return "—"
        return f"{self.value:.1f}".rstrip("0").rstrip(".") + "%"

    @property
    def target_text(self) -> str:
        return "" if self.target is None else f"≥{self.target:g}%"


def _percent(numerator: int, denominator: int) -> float | None:
    return numerator * 100 / denominator if denominator else None


def coverage(townships: Iterable[Township], facilities: Iterable[FacilityFact], on: date,
             target: float | None) -> Figure:
    covered = {f.township_code for f in facilities if f.operating(on)}
    towns = sorted(townships, key=lambda t: t.code)
    met = [t for t in towns if t.code in covered]
    return Figure("rehab_coverage", "镇街社区康复机构覆盖率",
                  "有至少1个运营中社区康复机构的镇街 ÷ 全部镇街", len(met), len(towns),
                  _percent(len(met), len(towns)), target,
                  shortfalls=tuple((t.code, t.name) for t in towns if t.code not in covered))


@dataclass(frozen=True)
class Participation:
    at_home: frozenset[int]
    by_enrolment: frozenset[int]  # at home and enrolled within the period
    by_followup: frozenset[int]  # at home with rehabilitation measures on a follow-up within the period

    @property
    def participants(self) -> frozenset[int]:
        return self.by_enrolment | self.by_followup


def participation_sets(patients: Iterable[PatientFact], enrolments: Iterable[EnrolmentFact],
                       followups: Iterable[FollowupFact], start: date, end: date) -> Participation:
    home = frozenset(p.id for p in patients if p.at_home_on(end))
    enrolled = frozenset(e.patient_id for e in enrolments if e.patient_id in home and e.overlaps(start, end))
    measured = frozenset(f.patient_id for f in followups
                         if f.patient_id in home and f.measures and start <= f.date <= end)
    return Participation(home, enrolled, measured)


def participation_figure(sets: Participation, target: float | None) -> Figure:
    n, d = len(sets.participants), len(sets.at_home)
    return Figure("home_participation", "居家患者社区康复参与率",
                  "统计期内参加社区康复（在机构或家庭康复训练登记，或随访记录了康复措施）的居家患者 ÷ 期末居家患者",
                  n, d, _percent(n, d), target,
                  parts=(("康复登记", len(sets.by_enrolment)), ("随访康复措施", len(sets.by_followup)),
                         ("两者均有", len(sets.by_enrolment & sets.by_followup))))


def participation(patients, enrolments, followups, start: date, end: date, target: float | None) -> Figure:
    return participation_figure(participation_sets(list(patients), enrolments, followups, start, end), target)


def by_area(patients: Iterable[PatientFact], sets: Participation, area: Callable[[str], str]) -> dict[str, tuple[int, int]]:
    """Area code -> (participants, at home), for per-township or per-village rows."""
    out: dict[str, list[int]] = {}
    for p in patients:
        if p.id in sets.at_home:
            row = out.setdefault(area(p.village_code), [0, 0])
            row[1] += 1
            row[0] += p.id in sets.participants
    return {k: (v[0], v[1]) for k, v in out.items()}


def team_gaps(roles_present: Iterable[str], required: Iterable[str]) -> tuple[str, ...]:
    """The roles of the multi-function team (二（一）2) that no current member fills."""
    have = set(roles_present)
    return tuple(r for r in required if r not in have)
