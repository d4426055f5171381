"""Workforce KPIs: plain data in, one figure per KPI out. Pure: stdlib only.

《薛城区精神卫生综合管理试点工作实施方案》（薛政办字〔2016〕17号） 一（二）4: 每10万人口精神科执业（助理）
医生数量不低于3人；每个镇街卫生院（社区卫生服务中心）至少有1名精防人员和1名经过精神卫生专业培训合格后增加
精神科执业范围的全科医师.

- **Psychiatrists per 100,000** (每10万人口精神科执业（助理）医师数): staff registered as 精神科执业（助理）
  医师 in service on the day, in any institution of the region ÷ the region's resident population × 100,000.
- **Township health centre staffing** (镇街卫生院精防人员与培训合格全科医生配备率): townships whose health
  centres (镇街卫生院/社区卫生服务中心) have, on the day, at least one 精防人员 in service and at least one
  general practitioner with psychiatric scope added (加注精神卫生执业范围) who holds a passed psychiatric
  training record ÷ all townships of the region. A township without a registered health centre counts in the
  denominator and is listed as a shortfall.

Targets come from the region's policy profile ([targets] psychiatrists_per_100k, township_staffing_percent);
without one there is no target (met is None).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

CITE = "薛城区2016，一（二）4"
PSYCHIATRIST, PREVENTION, GP_PSYCH = "psychiatrist", "prevention", "gp_psych"
LACKS = {"centre": "未登记镇街卫生院", PREVENTION: "缺精防人员", GP_PSYCH: "缺培训合格的加注精神卫生执业范围全科医生"}


@dataclass(frozen=True)
class Staff:
    kind: str  # psychiatrist / prevention / gp_psych
    township_code: str  # the institution's township ("" for a county institution)
    at_township_centre: bool  # works at a 镇街卫生院
    started: date | None = None
    left: date | None = None
    trained: bool = False  # holds a passed psychiatric training record

    def serving(self, on: date) -> bool:
        return (self.started is None or self.started <= on) and (self.left is None or self.left > on)


@dataclass(frozen=True)
class Township:
    code: str
    name: str
    has_centre: bool


@dataclass(frozen=True)
class Figure:
    key: str
    name: str
    definition: str
    numerator: float
    denominator: float
    value: float | None
    unit: str
    target: float | None
    target_op: str
    cite: str = CITE
    shortfalls: tuple[tuple[str, str, tuple[str, ...]], ...] = field(default=())  # (code, name, lacks)

    @property
    def met(self) -> bool | None:
        if self.target is None or self.value is None:
            return None
        return self.value >= self.target

    @property
    def display(self) -> str:
        if self.value is None:
            return "—"
        return f"{self.value:.2f}".rstrip("0").rstrip(".") + ("%" if self.unit == "%" else "")

    @property
    def target_text(self) -> str:
        if self.target is None:
            return ""
        number = f"{self.target:g}"
        return f"≥{number}%" if self.unit == "%" else f"≥{number}人"


def psychiatrists_per_100k(staff: Iterable[Staff], population: int, on: date, target: float | None) -> Figure:
    count = sum(1 for s in staff if s.kind == PSYCHIATRIST and s.serving(on))
    value = count * 100_000 / population if population > 0 else None
    return Figure("psychiatrists_per_100k", "每10万人口精神科执业（助理）医师数",
                  "在岗精神科执业（助理）医师数 ÷ 常住人口数 × 10万", count, population, value, "人", target, ">=")


def township_staffing(townships: Iterable[Township], staff: Iterable[Staff], on: date,
                      target: float | None) -> Figure:
    serving = [s for s in staff if s.at_township_centre and s.serving(on)]
    prevention = {s.township_code for s in serving if s.kind == PREVENTION}
    trained_gp = {s.township_code for s in serving if s.kind == GP_PSYCH and s.trained}
    shortfalls, met = [], 0
    towns = sorted(townships, key=lambda t: t.code)
    for t in towns:
        lacks = ()
        if not t.has_centre:
            lacks = (LACKS["centre"], LACKS[PREVENTION], LACKS[GP_PSYCH])
        else:
            lacks = tuple(LACKS[k] for k, have in ((PREVENTION, prevention), (GP_PSYCH, trained_gp))
                          if t.code not in have)
        if lacks:
            shortfalls.append((t.code, t.name, lacks))
        else:
            met += 1
    value = met * 100 / len(towns) if towns else None
    return Figure("township_staffing", "镇街卫生院精防人员与培训合格全科医生配备率",
                  "至少有1名在岗精防人员和1名培训合格、加注精神卫生执业范围的全科医生的镇街 ÷ 全部镇街",
                  met, len(towns), value, "%", target, ">=", shortfalls=tuple(shortfalls))
