"""The rules of accountability measures (通报、约谈、挂牌督办、责任追究), pure functions over plain data.

- 齐云山镇2024 四、3: villages and units with poor service management or many hidden dangers are notified
  (通报) or summoned (约谈) to rectify; every extreme incident is reviewed (倒查) and responsibility is
  pursued (追究责任) according to law and discipline: a 责任追究 rests on an incident whose review is done.
- 平桥区2025 三（四）: places and units where a serious incident happened are held to account by 通报、约谈、
  挂牌督办: a 挂牌督办 rests on at least one incident.
- A measure asks for rectification by a deadline (by default the profile's ``[accountability]`` days for
  its kind from the day it is issued) and stays open until closed (销号) with what was done; open past
  its deadline it is overdue.
- The indicator 按期整改率: of the measures whose deadline has passed (or that were closed), the share
  closed by their deadline.

Tested by tests/test_rules.py (tables citing the documents).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from . import vocab


def default_deadline(kind: str, issued_on: dt.date, accountability) -> dt.date | None:
    """The deadline a new measure of ``kind`` issued on ``issued_on`` gets by default: the profile's
    ``[accountability] <kind>_days`` later; None when the profile sets none (the issuer must give one)."""
    if accountability is None or kind not in vocab.KINDS:
        return None
    return issued_on + dt.timedelta(days=accountability.deadline_days(kind))


@dataclass(frozen=True)
class LinkedIncident:
    id: int
    reviewed: bool  # its retrospective review (倒查结论) has been written


def problems(kind: str, issued_on: dt.date | None, deadline: dt.date | None, today: dt.date, *,
             incidents: list[LinkedIncident], inspections: int) -> list[tuple[str, str]]:
    """What is wrong with a new measure, as (field, Chinese message) pairs; [] when it may be issued."""
    out = []
    if kind not in vocab.KINDS:
        return [("kind", "措施类型：请选择通报、约谈、挂牌督办或责任追究")]
    if issued_on is not None and issued_on > today:
        out.append(("issued_on", "下达日期：不能晚于今天"))
    if issued_on is not None and deadline is not None and deadline < issued_on:
        out.append(("deadline", "整改期限：不能早于下达日期"))
    if kind == "supervision" and not incidents:
        out.append(("incident_ids", "挂牌督办：须关联导致督办的肇事肇祸事件（平桥区2025，三（四））"))
    if kind == "liability":
        if not incidents:
            out.append(("incident_ids", "责任追究：须关联已倒查的肇事肇祸事件（齐云山镇2024，四、3）"))
        elif not all(i.reviewed for i in incidents):
            out.append(("incident_ids", "责任追究：关联的事件须先完成倒查，填写倒查结论（齐云山镇2024，四、3）"))
    return out


def close_problems(issued_on: dt.date, closed_on: dt.date | None, today: dt.date, text: str) -> list[tuple[str, str]]:
    out = []
    if not (text or "").strip():
        out.append(("closing_text", "整改情况：销号时须说明整改落实情况"))
    if closed_on is None:
        out.append(("closed_on", "销号日期：必填"))
    elif closed_on < issued_on:
        out.append(("closed_on", "销号日期：不能早于下达日期"))
    elif closed_on > today:
        out.append(("closed_on", "销号日期：不能晚于今天"))
    return out


def state_on(deadline: dt.date, closed_on: dt.date | None, on: dt.date) -> str:
    """open | overdue | closed | closed_late, as it stood on ``on``."""
    if closed_on is not None and closed_on <= on:
        return "closed" if closed_on <= deadline else "closed_late"
    return "overdue" if on > deadline else "open"


def is_open(state: str) -> bool:
    return state in ("open", "overdue")


@dataclass(frozen=True)
class Row:
    kind: str
    issued_on: dt.date
    deadline: dt.date
    closed_on: dt.date | None


@dataclass(frozen=True)
class Summary:
    total: int
    by_kind: dict[str, int]
    open: int
    overdue: int
    closed: int
    closed_late: int
    on_time_numerator: int  # closed by their deadline
    on_time_denominator: int  # deadline passed, or closed

    @property
    def on_time_percent(self) -> float | None:
        if not self.on_time_denominator:
            return None
        return 100 * self.on_time_numerator / self.on_time_denominator

    @property
    def on_time_display(self) -> str:
        value = self.on_time_percent
        return "—" if value is None else f"{value:.1f}%"


def summary(rows: list[Row], on: dt.date) -> Summary:
    """Counts of the measures issued by ``on`` and 按期整改率 on ``on``."""
    rows = [r for r in rows if r.issued_on <= on]
    states = [state_on(r.deadline, r.closed_on, on) for r in rows]
    by_kind = {k: sum(1 for r in rows if r.kind == k) for k in vocab.KINDS}
    due = [s for r, s in zip(rows, states, strict=True) if s in ("closed", "closed_late") or on > r.deadline]
    return Summary(
        total=len(rows), by_kind=by_kind, open=states.count("open"), overdue=states.count("overdue"),
        closed=states.count("closed"), closed_late=states.count("closed_late"),
        on_time_numerator=sum(1 for s in due if s == "closed"), on_time_denominator=len(due))
