"""The ORM adapter of the exchange table: load one township's history for one month as plain data
(exchange.table.History) and hand it to the pure ``table.build``.

Which patients: those living in the township today, plus those who moved in or out of it since the
month began (accepted transfers and edits of the residence village, both kept with their dates), plus
those enrolled from a lead in the township. Where each lived on each date is then recomputed from
the moves, so today's scope decides nothing about a past month. Who may *read* the result is decided
separately (exchange.selectors: the user's region must contain the township).

Sources: registry.Patient.registered_on; registry.StatusChange (whereabouts); registry.Revision with a
region_code change and intake.Transfer (moves); followups.FollowUp (risk level of seen visits);
followups.FlagChange (key person, lost); followups.SearchAttempt (found); screening.Lead (confirmed);
care.Incident (肇事肇祸) when the care app provides it.
"""

import datetime as dt
import logging
from collections import defaultdict

from django.apps import apps
from django.db.models import Q
from django.utils import timezone

from jingfang.core import vocab
from jingfang.followups.models import FlagChange, FollowUp, SearchAttempt
from jingfang.intake.models import Transfer
from jingfang.regions import codes
from jingfang.regions.models import Region
from jingfang.registry.flags import public_reasons
from jingfang.registry.models import Patient, Revision, StatusChange
from jingfang.screening.models import Lead

from . import table
from .table import Fact, History, Move, Person

log = logging.getLogger(__name__)


def _local_date(moment: dt.datetime) -> dt.date:
    return timezone.localtime(moment).date() if timezone.is_aware(moment) else moment.date()


def _region_revisions(since: dt.date) -> list[dict]:
    start = timezone.make_aware(dt.datetime.combine(since, dt.time.min))
    out = []
    for rev in Revision.objects.filter(at__gte=start, changes__has_key="region_code").values(
            "id", "patient_id", "at", "changes"):
        pair = rev["changes"].get("region_code")
        if isinstance(pair, list | tuple) and len(pair) == 2 and pair[0] != pair[1]:
            out.append({**rev, "from": str(pair[0] or ""), "to": str(pair[1] or "")})
    return out


def _moves(patient_ids: set[int], transfers: list[dict], revisions: list[dict]) -> list[Move]:
    """Moves dated from the month's start on: a transfer's acceptance date wins over the date its
    relocation was recorded; an edit of the village without a transfer is dated when it was saved."""
    moves: list[Move] = []
    used: set[int] = set()
    by_patient = defaultdict(list)
    for rev in revisions:
        by_patient[rev["patient_id"]].append(rev)
    for t in transfers:
        if t["patient_id"] not in patient_ids:
            continue
        match = next((r for r in sorted(by_patient[t["patient_id"]], key=lambda r: r["id"])
                      if r["id"] not in used and r["to"] == t["destination_village_id"]
                      and _local_date(r["at"]) >= t["sent_on"]), None)
        if match is not None:
            used.add(match["id"])
        origin = match["from"] if match else t["origin_village_id"]
        moves.append(Move(t["patient_id"], t["accepted_on"], origin, t["destination_village_id"] or "",
                          note=t["reason"], seq=t["id"]))
    for rev in revisions:
        if rev["id"] not in used and rev["patient_id"] in patient_ids:
            moves.append(Move(rev["patient_id"], _local_date(rev["at"]), rev["from"], rev["to"], "档案修改",
                              seq=10_000_000 + rev["id"]))
    return moves


def _incidents(patient_ids, start, end) -> list[Fact]:
    """Incidents from the care app (written concurrently): read lazily, nothing if it is not there."""
    try:
        model = apps.get_model("care", "Incident")
    except LookupError:
        return []
    try:
        rows = list(model.objects.filter(patient_id__in=patient_ids, date__gte=start, date__lte=end)
                    .values_list("id", "patient_id", "date", "kind"))
    except Exception:  # noqa: BLE001 - a table not migrated yet must not break the exchange table
        log.warning("care.Incident unavailable; the exchange table counts no incidents", exc_info=True)
        return []
    return [Fact(pid, date, "incident", vocab.DANGEROUS_ACTS.get(kind, kind), seq=pk) for pk, pid, date, kind in rows]


def load(township: Region, month: dt.date) -> History:
    start, end = table.month_bounds(month)
    lo, hi = codes.code_range(township.code)

    def here(code):
        return bool(code) and lo <= code <= hi

    ids = set(Patient.objects.filter(region_id__gte=lo, region_id__lte=hi).values_list("id", flat=True))
    revisions = _region_revisions(start)
    ids |= {r["patient_id"] for r in revisions if here(r["from"]) or here(r["to"])}
    # Transfers accepted since the month began, and those whose relocation was recorded since then
    # (an acceptance dated earlier must not be mistaken for an edit made today).
    transfers = list(
        Transfer.objects.filter(status="accepted")
        .filter(Q(accepted_on__gte=start) | Q(patient_id__in={r["patient_id"] for r in revisions}))
        .values("id", "patient_id", "origin_id", "origin_village_id", "destination_id", "destination_village_id",
                "sent_on", "accepted_on", "reason")
    )
    ids |= {t["patient_id"] for t in transfers
            if t["accepted_on"] >= start and township.code in (t["origin_id"], t["destination_id"])}
    confirmed = list(Lead.objects.filter(state="confirmed", concluded_on__gte=start, concluded_on__lte=end,
                                         patient__isnull=False)
                     .filter(Q(region_id__gte=lo, region_id__lte=hi) | Q(patient_id__in=ids))
                     .values_list("id", "patient_id", "concluded_on"))
    ids |= {pid for _, pid, _ in confirmed}

    persons = {
        row["id"]: Person(row["id"], row["name"], row["id_number"], row["region_id"], row["registered_on"])
        for row in Patient.objects.filter(id__in=ids).values("id", "name", "id_number", "region_id", "registered_on")
    }
    ids = set(persons)
    moves = _moves(ids, transfers, revisions)
    facts: list[Fact] = []
    for pk, pid, since, status, note in StatusChange.objects.filter(patient_id__in=ids, since__lte=end).values_list(
            "id", "patient_id", "since", "status", "note"):
        facts.append(Fact(pid, since, "status", status, note if note != "建档" else "", seq=pk))
    assessed = set(FollowUp.objects.filter(patient_id__in=ids, date__gte=start, date__lte=end, seen=True,
                                           risk_level__isnull=False).values_list("patient_id", flat=True))
    for pk, pid, date, risk in FollowUp.objects.filter(patient_id__in=assessed, date__lte=end, seen=True,
                                                       risk_level__isnull=False).values_list(
            "id", "patient_id", "date", "risk_level"):
        facts.append(Fact(pid, date, "assessment", risk, seq=pk))
    for pk, pid, date, flag, value, reasons in FlagChange.objects.filter(
            patient_id__in=ids, date__gte=start, date__lte=end).values_list(
            "id", "patient_id", "date", "flag", "value", "reasons"):
        # the table goes to every department: reasons without the clinical ones (registry.flags)
        note = "、".join(public_reasons([str(r) for r in reasons or []]))[:100] if flag == "key_person" and value else ""
        facts.append(Fact(pid, date, "flag", (flag, value), note, seq=pk))
    for pk, pid, date in SearchAttempt.objects.filter(patient_id__in=ids, result="found", date__gte=start,
                                                      date__lte=end).values_list("id", "patient_id", "date"):
        facts.append(Fact(pid, date, "found", note="查找找回", seq=pk))
    for pk, pid, date in confirmed:
        facts.append(Fact(pid, date, "confirmed", note="疑似线索经诊断确诊建档", seq=pk))
    facts.extend(_incidents(ids, start, end))
    return History(persons=persons, moves=moves, facts=facts, place_names=_place_names(persons, moves, township))


def _place_names(persons: dict, moves: list[Move], township: Region) -> dict[str, str]:
    wanted = {p.village for p in persons.values()} | {m.from_village for m in moves} | {m.to_village for m in moves}
    names = {}
    for region in Region.objects.filter(code__in=[c for c in wanted if c]).select_related("parent"):
        inside = codes.is_within(region.code, township.code)
        parent = region.parent.name if region.parent is not None and not inside else ""
        names[region.code] = f"{parent}{region.name}"
    return names


def build(township: Region, month: dt.date) -> dict:
    """The table's content for ``township`` and ``month``, from the history as recorded now."""
    return table.build(load(township, month), township.code, month, township.name)
