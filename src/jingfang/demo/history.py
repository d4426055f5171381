"""Synthetic whereabouts (在管状态) of one demo patient: the final status and a consistent history.

The history has 1–4 entries, the first at registration, consecutive entries differ, dates strictly
increase, and the last entry is the patient's current status (for the deceased, since the death date).
"""

import datetime as dt
import random
from dataclasses import dataclass

from jingfang.core import vocab

from .rand import date_between, pick

FINAL_STATUS = {
    "at_home": 85,
    "hospitalized": 5,
    "in_custody": 1,
    "drug_rehab": 1,
    "missing": 2,
    "moved_out": 3,
    "deceased": 3,
}
DEATH_CAUSES = {
    "physical_illness": 55,
    "suicide": 12,
    "accident": 12,
    "psychiatric_complication": 10,
    "other": 10,
    "homicide": 1,
}
# Statuses a patient passes through on the way (between registration and the current status).
_INTERIM = {"at_home": 5, "hospitalized": 4, "missing": 1}
_CUSTODY_DETAIL = {"detained": 3, "serving_sentence": 4, "community_correction": 3}
_ARRIVAL_NOTE = {
    "at_home": "回家居住",
    "hospitalized": "入院治疗",
    "in_custody": "被公安机关羁押",
    "drug_rehab": "送强制隔离戒毒",
    "missing": "走失，已报警并组织查找",
    "moved_out": "迁出本县",
}


@dataclass
class StatusSpec:
    status: str
    detail: str
    since: dt.date
    note: str = ""


def final_status(rng: random.Random) -> str:
    return pick(rng, FINAL_STATUS)


def _detail(rng: random.Random, status: str, *, age: int, high_risk: bool) -> str:
    if status == "at_home":
        options = {"working": 50, "resting": 45, "studying": 15 if age < 25 else 0}
        return pick(rng, options)
    if status == "hospitalized":
        return pick(
            rng,
            {
                "psychiatric_hospital": 85,
                "welfare_institution": 10,
                "compulsory_treatment": 10 if high_risk else 0,
            },
        )
    if status == "in_custody":
        return pick(rng, _CUSTODY_DETAIL)
    if status == "moved_out":
        return pick(rng, {"moved": 1, "working_away": 2})
    return next(iter(vocab.STATUS_DETAILS[status]))


def _note(previous: str | None, status: str, detail: str, death_cause: str) -> str:
    if previous is None:
        return "建档"
    if status == "deceased":
        return f"死亡（{vocab.DEATH_CAUSES.get(death_cause, '原因不详')}）"
    if status == "at_home":
        return {"hospitalized": "出院回家", "missing": "已找回，回家居住"}.get(previous, "回家居住")
    if status == "moved_out" and detail == "working_away":
        return "外出务工"
    return _ARRIVAL_NOTE[status]


def _statuses(rng: random.Random, final: str, count: int) -> list[str]:
    """``count`` statuses ending in ``final``, consecutive ones different."""
    if count == 1:
        return [final]
    first_options = {"at_home": 4, "hospitalized": 1}
    if count == 2:
        first_options.pop(final, None)
    seq = [pick(rng, first_options)]
    for position in range(1, count - 1):
        options = {s: w for s, w in _INTERIM.items() if s != seq[-1]}
        if position == count - 2:
            options.pop(final, None)
        seq.append(pick(rng, options))
    seq.append(final)
    return seq


def status_history(
    rng: random.Random,
    final: str,
    *,
    registered_on: dt.date,
    as_of: dt.date,
    death_date: dt.date | None,
    death_cause: str = "",
    age: int,
    high_risk: bool,
) -> list[StatusSpec]:
    """The history, oldest first. ``final`` must be reachable: the caller passes a death date for
    the deceased at least two days after registration."""
    end = death_date if final == "deceased" else as_of
    room = (end - registered_on).days  # days available after registration
    if final in ("at_home", "hospitalized"):
        count = pick(rng, {1: 55, 2: 20, 3: 15, 4: 10})
    else:
        count = pick(rng, {2: 55, 3: 30, 4: 15})
    count = max(1, min(count, room + 1))
    # With no room (registered on the last day), one entry: registered while already in that status.
    statuses = _statuses(rng, final, count)

    if count == 1:
        dates = [registered_on]
    elif final == "deceased":
        middle = sorted(rng.sample(range(1, room), count - 2)) if count > 2 else []
        dates = [registered_on, *(registered_on + dt.timedelta(days=d) for d in middle), end]
    else:
        later = sorted(rng.sample(range(1, room + 1), count - 1))
        dates = [registered_on, *(registered_on + dt.timedelta(days=d) for d in later)]

    history: list[StatusSpec] = []
    previous = None
    for status, since in zip(statuses, dates, strict=True):
        detail = _detail(rng, status, age=age, high_risk=high_risk)
        history.append(StatusSpec(status, detail, since, _note(previous, status, detail, death_cause)))
        previous = status
    return history


def pick_death(rng: random.Random, registered_on: dt.date, as_of: dt.date) -> tuple[dt.date, str] | None:
    """A death date at least two days after registration and a cause, or None when there is no room."""
    if (as_of - registered_on).days < 2:
        return None
    return date_between(rng, registered_on + dt.timedelta(days=2), as_of), pick(rng, DEATH_CAUSES)
