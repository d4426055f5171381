"""The worklist's hub: what an item of work is (``Item``), the words for its kinds and states, and the
providers through which every area puts its own work on the worklist (leads, report cards, transfers,
meetings, relief steps, export approvals…), each with the probes that say when it has none.

followups.worklist builds the page (its own schedule items, roll calls and these providers' items);
an area registers its provider in its AppConfig.ready() and imports nothing from followups for it.
"""

import datetime as dt
import functools
from dataclasses import dataclass, field

from django.db import connection

KIND_LABELS = {
    "followup": "随访",
    "face_to_face": "面访",
    "assessment": "诊断复核与危险性评估",
    "health_check": "健康体检",
    "roll_call": "每日点名",
    "roll_call_alert": "点名异常",
    "missing": "下落不明",
    "deadline": "时限事项",
}
STATE_LABELS = {"overdue": "已逾期", "due": "到期应办", "upcoming": "即将到期"}
STATE_ORDER = {"overdue": 0, "due": 1, "upcoming": 2}


@dataclass
class Item:
    patient_id: int | None  # None for work not yet tied to a patient (a lead, a report card)
    patient_name: str
    region_code: str
    region_name: str
    key_person: bool
    grade: str
    kind: str
    due_date: dt.date
    window_start: dt.date
    state: str
    reason: str
    rule_id: str = ""
    mode: str = ""
    escalations: list = field(default_factory=list)
    notes: list = field(default_factory=list)
    provisional: bool = False
    url: str = ""  # where the work is done, when it is not the patient's page
    label: str = ""  # what the item is, when it is not a patient (e.g. "疑似患者线索：张某")

    @property
    def kind_label(self) -> str:
        return KIND_LABELS.get(self.kind, self.kind)


# Other areas add their own work (leads, report cards, transfers, meetings…) without this module
# depending on them: a provider is called as provider(user, lo, hi, on) and returns Items whose rows
# it has scoped to the village-code range lo..hi (already within the user's jurisdiction).
PROVIDERS: list = []
# Probes of a provider: the provider has no work unless one of its probes finds a row. Most regions
# have no open report card, lead, transfer or roll call gone wrong on most days; one query asks all
# probes at once and the idle providers are not called.
PROBES: dict = {}


@dataclass(frozen=True)
class Probe:
    """Whether ``model`` has a row whose region lies in lo..hi. ``region``: the field holding the
    village code, or ``"fk__field"`` for the region of the row a foreign key points to. With ``dated``,
    only rows whose date field lies within ``days`` days up to the worklist's date count; ``only``:
    (field, allowed values) pairs a row must also meet."""

    model: type
    region: str
    dated: str = ""
    days: int = 0
    only: tuple = ()

    def sql(self) -> str:
        quote = connection.ops.quote_name
        meta = self.model._meta
        table = quote(meta.db_table)
        tables = f"{table} AS p0"
        if "__" in self.region:
            link, name = self.region.split("__")
            fk = meta.get_field(link)
            target = fk.related_model._meta
            tables += (f" JOIN {quote(target.db_table)} AS p1 ON p1.{quote(fk.target_field.column)}"
                       f" = p0.{quote(fk.column)}")
            where = [f"p1.{quote(target.get_field(name).column)} BETWEEN %s AND %s"]
        else:
            where = [f"p0.{quote(meta.get_field(self.region).column)} BETWEEN %s AND %s"]
        if self.dated:
            where.append(f"p0.{quote(meta.get_field(self.dated).column)} BETWEEN %s AND %s")
        for name, values in self.only:
            where.append(f"p0.{quote(meta.get_field(name).column)} IN ({', '.join(['%s'] * len(values))})")
        return f"EXISTS(SELECT 1 FROM {tables} WHERE {' AND '.join(where)})"

    def params(self, lo: str, hi: str, on: dt.date) -> list:
        out: list = [lo, hi]
        if self.dated:
            field = self.model._meta.get_field(self.dated)
            out += [field.get_db_prep_value(d, connection) for d in (on - dt.timedelta(days=self.days), on)]
        for _, values in self.only:
            out += list(values)
        return out

    @property
    def key(self) -> tuple:
        return (self.model._meta.db_table, self.region, self.dated, self.days, self.only)


def register_provider(provider, *, probes: tuple = ()) -> None:
    """``probes``: Probe objects, or (model, region field) pairs for the plain ones."""
    if provider not in PROVIDERS:
        PROVIDERS.append(provider)
    if probes:
        PROBES[provider] = {p if isinstance(p, Probe) else Probe(*p) for p in probes}
        _probe_sql.cache_clear()


@functools.cache
def _probe_sql() -> tuple[str, tuple]:
    """One statement answering every probe at once (each distinct probe asked once)."""
    probes = tuple(sorted(set().union(*PROBES.values()), key=lambda p: p.key))
    parts = [p.sql() for p in probes]
    return ("SELECT " + ", ".join(parts) if parts else ""), probes


def _idle_providers(lo: str, hi: str, on: dt.date) -> set:
    sql, probes = _probe_sql()
    if not sql:
        return set()
    with connection.cursor() as cursor:
        cursor.execute(sql, [v for p in probes for v in p.params(lo, hi, on)])
        found = {probe for probe, hit in zip(probes, cursor.fetchone(), strict=True) if hit}
    return {provider for provider, probed in PROBES.items() if not probed & found}


def provided_items(user, lo: str, hi: str, on: dt.date) -> list[Item]:
    """Every provider's items for the village-code range lo..hi on ``on``, the idle providers not called."""
    idle = _idle_providers(lo, hi, on)
    items: list[Item] = []
    for provider in PROVIDERS:
        if provider not in idle:
            items += provider(user, lo, hi, on)
    return items
