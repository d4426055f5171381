"""The monthly exchange table (乡镇严重精神障碍患者管理信息交换表, 齐云山镇2024 三（六）2, 中梁乡2022 三6, 平桥区2025 三（二)).

Pure functions over plain event data: no database, no clock. A township's table for a month lists
what happened in that month only, each event placed by its own date and by where the patient lived
on that date (so a patient who moved away later still appears in the township's earlier months).
Events dated after the month never change it; an event recorded later but dated inside the month
(补录) does, which is why generated tables are frozen snapshots and a regeneration that differs is
shown as a supplement (see ``diff``).
"""

import datetime as dt
from dataclasses import dataclass, field

from jingfang.core.masking import mask_id_number
from jingfang.core.vocab import STATUSES as STATUS_LABELS

SCHEMA = 1

# The paper table's own column 其中：升至3级及以上 (a column of the form the departments sign, not a
# threshold a county sets: a county's key-person threshold does not rename the form's column).
RISK_UP_LEVEL = 3

# (key, label as on the paper table) in the table's order.
CATEGORIES = [
    ("new", "新登记"),
    ("confirmed", "新确诊（线索确诊）"),
    ("moved_in", "迁入"),
    ("moved_out", "迁出"),
    ("died", "死亡"),
    ("hospitalized", "住院"),
    ("discharged", "出院"),
    ("risk_changed", "危险性等级变化"),
    ("risk_up3", f"其中：升至{RISK_UP_LEVEL}级及以上"),
    ("incident", "肇事肇祸"),
    ("lost", "失访"),
    ("found", "找回"),
    ("key_in", "纳入重点人员"),
    ("key_out", "移出重点人员"),
]
LABELS = dict(CATEGORIES)
ORDER = {key: i for i, (key, _) in enumerate(CATEGORIES)}


# Input -------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Person:
    id: int
    name: str
    id_number: str
    village: str  # today's village code; earlier ones come from the moves
    registered_on: dt.date


@dataclass(frozen=True)
class Move:
    """The current residence changed from one village to another (a transfer accepted, or an edit)."""

    patient_id: int
    date: dt.date
    from_village: str
    to_village: str
    note: str = ""
    seq: int = 0


@dataclass(frozen=True)
class Fact:
    """One dated fact of a patient's history.

    kind: ``status`` (value: status code, note), ``assessment`` (value: risk level of a seen follow-up),
    ``flag`` (value: (flag, bool) with flag key_person | lost), ``found`` (a search attempt that found
    the patient), ``confirmed`` (a lead confirmed and enrolled), ``incident`` (value: its label).
    """

    patient_id: int
    date: dt.date
    kind: str
    value: object = None
    note: str = ""
    seq: int = 0


@dataclass
class History:
    persons: dict[int, Person]
    moves: list[Move] = field(default_factory=list)
    facts: list[Fact] = field(default_factory=list)
    place_names: dict[str, str] = field(default_factory=dict)  # village code -> name


# Helpers -----------------------------------------------------------------------------------------
def month_bounds(month: dt.date) -> tuple[dt.date, dt.date]:
    start = month.replace(day=1)
    nxt = (start + dt.timedelta(days=32)).replace(day=1)
    return start, nxt - dt.timedelta(days=1)


def previous_month(month: dt.date) -> dt.date:
    return (month.replace(day=1) - dt.timedelta(days=1)).replace(day=1)


def parse_month(text: str) -> dt.date | None:
    """'2025-05' -> 2025-05-01; None when malformed."""
    try:
        year, mon = (text or "").strip().split("-")
        return dt.date(int(year), int(mon), 1) if len(year) == 4 and len(mon) == 2 else None
    except ValueError:
        return None


def _within(code: str, prefix: str) -> bool:
    return bool(code) and code.startswith(prefix)


def township_prefix(code: str) -> str:
    return code[:9]


def village_on(person: Person, moves: list[Move], on: dt.date) -> str:
    """Where the patient lived at the end of ``on`` (moves on that day applied)."""
    village = person.village
    for move in sorted(moves, key=lambda m: (m.date, m.seq), reverse=True):
        if move.date > on:
            village = move.from_village
    return village


# The table ---------------------------------------------------------------------------------------
def build(history: History, township: str, month: dt.date, township_name: str = "") -> dict:
    """Counts per category and one line per (category, patient) for ``township`` in ``month``."""
    start, end = month_bounds(month)
    prefix = township_prefix(township)
    moves_of: dict[int, list[Move]] = {}
    for m in history.moves:
        moves_of.setdefault(m.patient_id, []).append(m)
    hits: dict[tuple[str, int], list[tuple[dt.date, str, str]]] = {}

    def here(pid: int, on: dt.date) -> str | None:
        person = history.persons.get(pid)
        if person is None:
            return None
        village = village_on(person, moves_of.get(pid, []), on)
        return village if _within(village, prefix) else None

    def add(category: str, pid: int, on: dt.date, detail: str = "", village: str | None = None) -> None:
        village = village or here(pid, on)
        if village is None or not start <= on <= end:
            return
        hits.setdefault((category, pid), []).append((on, detail, village))

    for person in history.persons.values():
        add("new", person.id, person.registered_on)
    for move in history.moves:
        if not start <= move.date <= end:
            continue
        was, now = _within(move.from_village, prefix), _within(move.to_village, prefix)
        if now and not was:
            add("moved_in", move.patient_id, move.date, _moved("自", move, history.place_names, move.from_village),
                move.to_village)
        elif was and not now:
            add("moved_out", move.patient_id, move.date, _moved("迁往", move, history.place_names, move.to_village),
                move.from_village)
    _status_events(history, add)
    _risk_events(history, add)
    for fact in history.facts:
        if fact.kind == "flag":
            flag, value = fact.value
            key = {("lost", True): "lost", ("lost", False): "found", ("key_person", True): "key_in",
                   ("key_person", False): "key_out"}[(flag, bool(value))]
            add(key, fact.patient_id, fact.date, fact.note)
        elif fact.kind == "found":
            add("found", fact.patient_id, fact.date, fact.note or "查找找回")
        elif fact.kind == "confirmed":
            add("confirmed", fact.patient_id, fact.date, fact.note)
        elif fact.kind == "incident":
            add("incident", fact.patient_id, fact.date, str(fact.value or ""))
    lines = []
    for (category, pid), events in hits.items():
        person = history.persons[pid]
        events.sort(key=lambda e: e[0])
        details = list(dict.fromkeys(d for _, d, _ in events if d))
        village = events[0][2]
        lines.append({
            "category": category, "patient_id": pid, "name": person.name,
            "id_number_masked": mask_id_number(person.id_number), "village": village,
            "village_name": history.place_names.get(village, village), "date": events[0][0].isoformat(),
            "detail": "；".join(details),
        })
    lines.sort(key=lambda ln: (ORDER[ln["category"]], ln["date"], ln["village"], ln["name"], ln["patient_id"]))
    counts = {key: 0 for key, _ in CATEGORIES}
    for line in lines:
        counts[line["category"]] += 1
    return {
        "schema": SCHEMA, "township": township, "township_name": township_name, "month": f"{start:%Y-%m}",
        "start": start.isoformat(), "end": end.isoformat(), "counts": counts, "lines": lines,
    }


def _moved(word: str, move: Move, names: dict, code: str) -> str:
    text = f"{word}{names.get(code, code)}"
    return f"{text}（{move.note}）" if move.note else text


def _status_events(history: History, add) -> None:
    """Died, hospitalised, discharged and moved away, from consecutive whereabouts (the first entry,
    written at registration, is the starting state, not a change)."""
    by_patient: dict[int, list[Fact]] = {}
    for fact in history.facts:
        if fact.kind == "status":
            by_patient.setdefault(fact.patient_id, []).append(fact)
    for pid, facts in by_patient.items():
        facts.sort(key=lambda f: (f.date, f.seq))
        for before, after in zip(facts, facts[1:], strict=False):
            old, new = before.value, after.value
            if old == new:
                continue
            label = STATUS_LABELS.get(new, new)
            note = f"（{after.note}）" if after.note else ""
            if new == "deceased":
                add("died", pid, after.date, f"死亡{note}")
            elif new == "hospitalized":
                add("hospitalized", pid, after.date, f"{STATUS_LABELS.get(old, old)}→住院治疗{note}")
            elif new == "moved_out":
                add("moved_out", pid, after.date, f"迁出/外出{note}")
            if old == "hospitalized" and new != "deceased":
                add("discharged", pid, after.date, f"出院→{label}{note}")


def _risk_events(history: History, add) -> None:
    """Risk-level changes between consecutive seen follow-ups (the first assessment is no change)."""
    by_patient: dict[int, list[Fact]] = {}
    for fact in history.facts:
        if fact.kind == "assessment" and fact.value is not None:
            by_patient.setdefault(fact.patient_id, []).append(fact)
    for pid, facts in by_patient.items():
        facts.sort(key=lambda f: (f.date, f.seq))
        for before, after in zip(facts, facts[1:], strict=False):
            old, new = int(before.value), int(after.value)
            if old == new:
                continue
            add("risk_changed", pid, after.date, f"{old}级→{new}级")
            if new >= RISK_UP_LEVEL > old:
                add("risk_up3", pid, after.date, f"{old}级→{new}级")


# Comparisons -------------------------------------------------------------------------------------
def compare(counts: dict, previous: dict | None) -> list[dict]:
    """Rows of the summary: this month, the previous month and the difference, changed ones marked."""
    rows = []
    for key, label in CATEGORIES:
        now = int(counts.get(key, 0))
        before = None if previous is None else int(previous.get(key, 0))
        delta = None if before is None else now - before
        rows.append({"key": key, "label": label, "count": now, "previous": before, "delta": delta,
                     "changed": bool(delta)})
    return rows


def line_key(line: dict) -> tuple:
    return (line["category"], line["patient_id"], line["date"], line["detail"])


def same_events(a: dict, b: dict) -> bool:
    """Whether two contents list the same events (names and place names may have been edited since)."""
    return sorted(map(line_key, a.get("lines", []))) == sorted(map(line_key, b.get("lines", [])))


def diff(frozen: dict, fresh: dict) -> dict:
    """What a regeneration adds to or removes from a frozen table: 补录 (recorded later, dated inside the
    month) and 撤销 (corrected or deleted since)."""
    old = {line_key(ln): ln for ln in frozen.get("lines", [])}
    new = {line_key(ln): ln for ln in fresh.get("lines", [])}
    added = [new[k] for k in new if k not in old]
    removed = [old[k] for k in old if k not in new]
    return {"added": added, "removed": removed}


def mark_supplement(content: dict, changes: dict) -> dict:
    """A copy of ``content`` whose lines added since the previous version carry ``supplement: True``."""
    added = {line_key(ln) for ln in changes.get("added", [])}
    lines = [{**ln, "supplement": line_key(ln) in added} for ln in content["lines"]]
    return {**content, "lines": lines, "removed": list(changes.get("removed", []))}
