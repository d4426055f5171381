"""The worklist: what is due in a user's jurisdiction on a date, grouped overdue / due / upcoming.

From today on it reads the stored DueItem rows (refreshed on every write); for a past date it
recomputes each patient's schedule from the history as it stood then. Daily roll calls of key persons
are added while a sensitive period covers the date, and the other areas' work from the providers
registered with core.worklist_hub. Scoped through registry.selectors.
"""

import datetime as dt
import heapq
from dataclasses import dataclass

from django.db.models import Case, Count, IntegerField, Q, Value, When

from jingfang.accounts import roles
from jingfang.core import clock, gcpause
from jingfang.core.worklist_hub import STATE_LABELS, STATE_ORDER, Item, provided_items
from jingfang.policies import profiles as policy
from jingfang.regions import codes
from jingfang.regions.models import Region
from jingfang.registry import selectors as patient_selectors

from . import engine, wording
from .models import DueItem, FollowUp, RollCall, SensitivePeriod
from .schedule import item_state, schedule

DEFAULT_HORIZON = 14
PAGE_SIZE = 100  # items per worklist page (a county's worklist holds thousands)


def _matches(item: Item, on: dt.date, horizon: int, kind: str, key_person: bool | None) -> bool:
    return _wanted(item.kind, item.key_person, item.state, item.due_date, on + dt.timedelta(days=horizon),
                   kind, key_person)


def _wanted(item_kind: str, item_key_person: bool, state: str, due_date: dt.date, last_upcoming: dt.date,
            kind: str, key_person: bool | None) -> bool:
    """Whether an item is listed: of the kind and key-person filter asked for (if any), and not an
    upcoming one due after the horizon's last day."""
    if kind and item_kind != kind:
        return False
    if key_person is not None and item_key_person != key_person:
        return False
    return state != "upcoming" or due_date <= last_upcoming


def _scope(user, region_code: str) -> tuple[str, str] | None:
    scope = patient_selectors.jurisdiction_range(user)
    if scope is None:
        return None
    lo, hi = scope
    if region_code and codes.is_valid_code(region_code):
        rlo, rhi = codes.code_range(region_code)
        lo, hi = max(lo, rlo), min(hi, rhi)
    return (lo, hi) if lo <= hi else None


# Within overdue, due and upcoming, work is grouped by kind, most pressing first (a roll call that found a
# patient out of control before this week's visits, visits before a health check years overdue), key
# persons first within a kind, then the longest waiting. The stored rows are ordered the same in SQL.
KIND_ORDER = {"roll_call_alert": 0, "roll_call": 1, "missing": 2, "followup": 3, "face_to_face": 4, "deadline": 5,
              "assessment": 6, "health_check": 7}
OTHER_KINDS = len(KIND_ORDER)


def _sort_key(i: Item):
    return (STATE_ORDER[i.state], KIND_ORDER.get(i.kind, OTHER_KINDS), not i.key_person, i.due_date, i.region_code,
            i.patient_name or i.label)


def _kind_order():
    return Case(*(When(kind=k, then=Value(n)) for k, n in KIND_ORDER.items()), default=Value(OTHER_KINDS),
                output_field=IntegerField())


def _others(user, lo: str, hi: str, on: dt.date, horizon: int, kind: str, key_person: bool | None) -> list[Item]:
    """Roll calls and the providers' work (leads, report cards, meetings…): few, built in Python."""
    items = _roll_calls(user, lo, hi, on) + provided_items(user, lo, hi, on)
    return [i for i in items if _matches(i, on, horizon, kind, key_person)]


def _profile_named(name: str, cache: dict):
    if name not in cache:
        try:
            cache[name] = policy.load_profile(name) if name in policy.available_profiles() else None
        except policy.PolicyError:
            cache[name] = None
    return cache[name]


def joint_rule_ids() -> frozenset[str]:
    """The ids of every profile's joint follow-up rules (wording.joint_rule_ids)."""
    cache: dict = {}
    return wording.joint_rule_ids(p for n in policy.available_profiles() if (p := _profile_named(n, cache)))


def shown_to(role: str, kind: str, rule_id: str) -> bool:
    """Does ``role`` receive this item at all (wording.shown_to)?"""
    return wording.shown_to(role, kind, rule_id, joint_rule_ids())


def hidden_q(role: str) -> Q | None:
    """The stored due items ``role`` does not receive, as a filter (``shown_to`` in SQL); None when
    the role receives every item."""
    if roles.sees_clinical(role):
        return None
    return Q(kind__in=wording.SCHEDULE_KINDS) & ~Q(rule_id__in=sorted(joint_rule_ids()))


def for_role(role: str, items: list[Item]) -> list[Item]:
    """The items as ``role`` may read them: unchanged for health roles. The others receive no schedule
    item unless its rule asks for their part (``shown_to``: a joint visit), and that one in plain words
    (followups.wording) with its due date, no rule id, no notes and none of the rule's clinical
    escalations (《中华人民共和国精神卫生法》第四条; 《中华人民共和国个人信息保护法》第六条). Every list the worklist hands
    out passes through here; lists counted in SQL leave the same items out there (``hidden_q``)."""
    if roles.sees_clinical(role):
        return items
    joint = joint_rule_ids()
    items = [i for i in items if wording.shown_to(role, i.kind, i.rule_id, joint)]
    cache: dict = {}
    for i in items:
        profile = _profile_named(i.rule_id.split(":", 1)[0], cache) if ":" in i.rule_id else None
        i.reason = wording.public_reason(profile, i.kind, i.rule_id, i.reason)
        clinical = wording.clinical_escalations(profile)
        i.escalations = [e for e in i.escalations if e not in clinical]
        if i.kind in wording.SCHEDULE_KINDS:
            i.notes = []  # the health staff's requirements for the visit
        i.grade = ""  # the colour grade follows the condition class
        i.rule_id = ""
    return items


def due_for_role(role: str, rows) -> list[Item]:
    """A patient's stored due items (DueItem rows, its page's "随访与待办") as ``role`` may read them."""
    items = [Item(r.patient_id, "", r.region_code, "", r.key_person, "", r.kind, r.due_date, r.window_start, "",
                  r.rule, r.rule_id, r.mode, list(r.escalations), list(r.notes), r.provisional) for r in rows]
    return for_role(role, items)


def items_for(user, on: dt.date, *, region_code: str = "", kind: str = "", key_person: bool | None = None,
              horizon: int = DEFAULT_HORIZON) -> list[Item]:
    scope = _scope(user, region_code)
    if scope is None:
        return []
    lo, hi = scope
    if on >= clock.today():
        items = _items(_stored_rows(user.role, lo, hi, on, horizon, kind, key_person), on)
    else:
        last_upcoming = on + dt.timedelta(days=horizon)
        items = _recomputed(user, lo, hi, on, lambda *item: _wanted(*item, last_upcoming, kind, key_person))
    items += _others(user, lo, hi, on, horizon, kind, key_person)
    items.sort(key=_sort_key)
    return for_role(user.role, items)


def _stored_rows(role: str, lo: str, hi: str, on: dt.date, horizon: int, kind: str, key_person: bool | None):
    """Stored due items shown on ``on`` to ``role``: overdue and due ones, and upcoming ones within the
    horizon (``_matches`` in SQL), without those the role does not receive (``hidden_q``), annotated
    with their state as 0/1/2 in the list's order."""
    qs = DueItem.objects.filter(region_code__gte=lo, region_code__lte=hi).filter(
        Q(window_start__lte=on) | Q(due_date__lte=on + dt.timedelta(days=horizon)))
    hidden = hidden_q(role)
    if hidden is not None:
        qs = qs.exclude(hidden)
    if kind:
        qs = qs.filter(kind=kind)
    if key_person is not None:
        qs = qs.filter(key_person=key_person)
    return qs.annotate(state_order=Case(When(due_date__lt=on, then=Value(0)), When(window_start__lte=on, then=Value(1)),
                                        default=Value(2), output_field=IntegerField()))


def _items(rows, on: dt.date) -> list[Item]:
    rows = rows.select_related("patient", "patient__region").only(
        "kind", "due_date", "window_start", "rule", "rule_id", "mode", "escalations", "notes", "provisional",
        "key_person", "region_code", "patient__name", "patient__grade", "patient__region__name")
    return [
        Item(r.patient_id, r.patient.name, r.region_code, r.patient.region.name, r.key_person, r.patient.grade,
             r.kind, r.due_date, r.window_start, item_state(on, r.window_start, r.due_date), r.rule, r.rule_id,
             r.mode, r.escalations, r.notes, r.provisional)
        for r in rows
    ]


@dataclass
class Page:
    """One page of a worklist: its items in order, and the totals per state and per village over the
    whole list (not just this page)."""

    items: list[Item]
    number: int
    pages: int
    total: int
    counts: dict[str, int]
    villages: list[dict]

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.pages

    def groups(self) -> list[tuple[str, str, int, list[Item]]]:
        """(state, label, its total in the whole list, this page's items in that state)."""
        return [(state, label, self.counts[state], [i for i in self.items if i.state == state])
                for state, label in STATE_LABELS.items()]


def _village_counts(rows, others: list[Item]) -> list[dict]:
    by: dict[str, dict] = {}

    def entry(code: str, name: str = "") -> dict:
        return by.setdefault(code, {"code": code, "name": name, "overdue": 0, "due": 0, "upcoming": 0})

    states = list(STATE_ORDER)
    for row in rows.order_by().values("region_code", "state_order").annotate(n=Count("id")):
        entry(row["region_code"])[states[row["state_order"]]] += row["n"]
    for i in others:
        entry(i.region_code, i.region_name)[i.state] += 1
    names = dict(Region.objects.filter(code__in=[c for c, v in by.items() if not v["name"]]).values_list("code", "name"))
    for code, v in by.items():
        v["name"] = v["name"] or names.get(code, code)
    return sorted(by.values(), key=lambda r: r["code"])


def page_for(user, on: dt.date, *, region_code: str = "", kind: str = "", key_person: bool | None = None,
             horizon: int = DEFAULT_HORIZON, number: int = 1, size: int | None = None) -> Page:
    """Page ``number`` of the worklist. From today on the stored items are counted, ordered and cut in
    SQL (only the rows up to this page are read) and merged with the few items of other kinds; a past
    date is recomputed from the history (``items_for``) and cut in Python."""
    size = size or PAGE_SIZE
    scope = _scope(user, region_code)
    if scope is None:
        return Page([], 1, 1, 0, dict.fromkeys(STATE_LABELS, 0), [])
    lo, hi = scope
    if on < clock.today():
        items = items_for(user, on, region_code=region_code, kind=kind, key_person=key_person, horizon=horizon)
        villages, total = counts_by_village(items), len(items)
        number = max(1, min(number, -(-total // size) or 1))
        page = items[(number - 1) * size: number * size]
    else:
        rows = _stored_rows(user.role, lo, hi, on, horizon, kind, key_person)
        others = sorted(_others(user, lo, hi, on, horizon, kind, key_person), key=_sort_key)
        villages = _village_counts(rows, others)
        total = sum(v["overdue"] + v["due"] + v["upcoming"] for v in villages)
        number = max(1, min(number, -(-total // size) or 1))
        ordered = rows.annotate(kind_order=_kind_order()).order_by(
            "state_order", "kind_order", "-key_person", "due_date", "region_code", "patient__name", "id")
        head = _items(ordered[: number * size], on)
        page = list(heapq.merge(head, others, key=_sort_key))[(number - 1) * size: number * size]
    counts = {state: sum(v[state] for v in villages) for state in STATE_LABELS}
    page = for_role(user.role, page)
    return Page(page, number, max(1, -(-total // size)), total, counts, villages)


def _recomputed(user, lo: str, hi: str, on: dt.date, listed=None) -> list[Item]:
    """What was due on a past date (of it, what ``listed(kind, key_person, state, due_date)`` keeps, if
    given): each patient's schedule from the contacts recorded up to then (given each patient's status,
    key-person flag and village today). Two statements whatever the number of patients: the patients,
    then all their contacts up to ``on`` in one pass, of which the schedule reads only those it needs
    (``schedule.needed``); the profile is looked up once per village, an Item built only for what is
    listed, and the garbage collector paused meanwhile (``core.gcpause``)."""
    patients = (
        patient_selectors.patients_for(user)
        .filter(region_id__gte=lo, region_id__lte=hi, registered_on__lte=on)
        .exclude(status__in=("deceased",), death_date__lt=on)
    )
    with gcpause.paused():
        return _schedules_on(patients, on, listed)


def _schedules_on(patients, on: dt.date, listed) -> list[Item]:
    rows = list(patients.values_list(*_PAST_FIELDS))
    if not rows:
        return []
    history = engine.needed_contacts_by_patient(
        FollowUp.objects.filter(patient__in=patients.values("pk"), date__lte=on)
        .order_by("patient_id", "date", "id").values_list("patient_id", *engine.SCHEDULE_FIELDS))
    profiles: dict[str, object] = {}
    items = []
    for pk, name, region, region_name, key_person, grade, status, registered_on, transfer_pending in rows:
        profile = profiles.get(region) or profiles.setdefault(region, engine.profile_for(region))
        state = engine.patient_state(status, registered_on, key_person, transfer_pending)
        for d in schedule(profile, state, history.get(pk, ()), on):
            if d.kind == "roll_call" or (listed and not listed(d.kind, key_person, d.state, d.due_date)):
                continue
            items.append(Item(pk, name, region, region_name, key_person, grade, d.kind, d.due_date,
                              d.window_start, d.state, d.rule, d.rule_id, d.mode or "", list(d.escalations),
                              list(d.notes), d.provisional))
    return items


# What ``_recomputed`` reads of each patient, in this order.
_PAST_FIELDS = ("pk", "name", "region_id", "region__name", "key_person", "grade", "status", "registered_on",
                "transfer_pending")


def active_periods(user, on: dt.date) -> list[SensitivePeriod]:
    """Sensitive periods covering ``on`` set for the user's region, an ancestor of it, or a region inside it."""
    lo, hi = codes.code_range(user.region_id)
    periods = SensitivePeriod.objects.filter(start__lte=on, end__gte=on).select_related("region")
    ancestors = set(engine.chain_codes(user.region_id))
    return [p for p in periods if p.region_id in ancestors or lo <= p.region_id <= hi]


def _roll_calls(user, lo: str, hi: str, on: dt.date) -> list[Item]:
    periods = active_periods(user, on)
    if not periods:
        return []
    done = set(RollCall.objects.filter(date=on, patient__region_id__gte=lo, patient__region_id__lte=hi)
               .values_list("patient_id", flat=True))
    items = []
    keys = (patient_selectors.patients_for(user)
            .filter(region_id__gte=lo, region_id__lte=hi, key_person=True, status__in=("at_home", "missing"))
            .select_related("region"))
    for p in keys:
        period = next((x for x in periods if codes.is_within(p.region_id, x.region_id)
                       or codes.is_within(x.region_id, p.region_id)), None)
        if period is None or p.pk in done:
            continue
        items.append(Item(p.pk, p.name, p.region_id, p.region.name, True, p.grade, "roll_call", on, on,
                          "due", f"敏感时期“{period.name}”（{period.start:%m-%d}至{period.end:%m-%d}）重点人员每日点名",
                          "sensitive_period:roll_call", "phone"))
    return items


ALERT_DAYS = 30  # how far back a roll call that went wrong is looked for (operational, not policy)
ALERT_RESULTS = ("absent", "unreachable")  # roll-call results that call for action (点名异常)
UNPROFILED_ALERT = "请立即核实患者去向，报告乡镇综治中心和派出所，协助做好送医治疗或应急处置"


def alert_for(calls: list, lost_after: int) -> str | None:
    """Why a patient's roll calls, newest first, call for action now: the latest found them 不在控, or
    the latest ``lost_after`` (the profile's count of missed contacts that makes a patient lost) were all
    联系不上. None once a roll call found them 在控."""
    if not calls or calls[0].result == "present":
        return None
    if calls[0].result == "absent":
        return f"{calls[0].date:%m-%d}点名：不在控"
    streak = 0
    for call in calls:
        if call.result != "unreachable":
            break
        streak += 1
    return f"连续{streak}次点名联系不上" if streak >= lost_after else None


def recorder(call) -> str:
    who = call.recorded_by
    return (who.get_full_name() or who.username) if who else "已停用的账号"


def day_roll_calls(user, on: dt.date, *, region_code: str = "") -> list[dict]:
    """The roll calls recorded on ``on`` for patients in the user's jurisdiction: result, note and
    who recorded them (the worklist lists them under the day's roll calls still to make)."""
    scope = _scope(user, region_code)
    if scope is None:
        return []
    lo, hi = scope
    patients = patient_selectors.patients_for(user).filter(region_id__gte=lo, region_id__lte=hi)
    calls = (RollCall.objects.filter(date=on, patient__in=patients.values("pk"))
             .select_related("patient", "patient__region", "recorded_by")
             .order_by("patient__region_id", "patient__name", "id"))
    return [{"patient_id": c.patient_id, "patient_name": c.patient.name, "region_name": c.patient.region.name,
             "result": c.result, "result_label": c.get_result_display(), "alert": c.result in ALERT_RESULTS,
             "note": c.note, "recorded_by": recorder(c), "recorded_at": c.recorded_at} for c in calls]


def roll_call_alerts(user, lo: str, hi: str, on: dt.date) -> list[Item]:
    """点名异常: a key person found 不在控, or unreachable again and again, on the worklist of everyone
    who covers them (police and the township office included) at once, until a roll call finds them
    在控 or a visit sees them."""
    since = on - dt.timedelta(days=ALERT_DAYS)
    flagged = set(RollCall.objects.filter(date__gte=since, date__lte=on, result__in=ALERT_RESULTS,
                                          patient__region_id__gte=lo, patient__region_id__lte=hi)
                  .values_list("patient_id", flat=True))
    if not flagged:
        return []
    calls: dict[int, list] = {}
    for call in (RollCall.objects.filter(patient_id__in=flagged, date__gte=since, date__lte=on)
                 .select_related("recorded_by").order_by("-date")):
        calls.setdefault(call.patient_id, []).append(call)
    items = []
    for p in (patient_selectors.patients_for(user).filter(pk__in=flagged, region_id__gte=lo, region_id__lte=hi)
              .exclude(status__in=("deceased", "moved_out")).select_related("region")):
        mine = calls.get(p.pk, [])
        if p.last_seen_date and mine and p.last_seen_date > mine[0].date:
            continue  # seen at a visit since
        profile = engine.profile_for(p.region_id)
        why = alert_for(mine, profile.followup.lost_after_failed)
        if why is None:
            continue
        rule = profile.roll_call
        action = (f"{rule.alert_text}（{rule.cite}）" if rule and rule.alert_text else UNPROFILED_ALERT)
        latest = mine[0]
        said = f"{latest.date:%m-%d}点名记录人：{recorder(latest)}" + (f"；说明：{latest.note}" if latest.note else "")
        items.append(Item(p.pk, p.name, p.region_id, p.region.name, p.key_person, p.grade, "roll_call_alert",
                          latest.date, latest.date, "due" if latest.date == on else "overdue",
                          f"{why}：{action}", "sensitive_period:roll_call_alert", "",
                          escalations=[why], notes=[said]))
    return items



def missing_items(user, lo: str, hi: str, on: dt.date) -> list[Item]:
    """下落不明 for the roles that receive no follow-up item (``for_role``): the profile's missing-patient
    measure (its follow-up rule's escalation, which health staff read on the follow-up item), dated by
    the day the patient went missing, which says nothing of their condition."""
    if roles.sees_clinical(user.role):
        return []
    items = []
    patients = (patient_selectors.patients_for(user)
                .filter(region_id__gte=lo, region_id__lte=hi, status="missing", registered_on__lte=on)
                .select_related("region"))
    for p in patients:
        note = engine.profile_for(p.region_id).followup.missing_note
        if not note:
            continue
        since = min(p.status_since or p.registered_on, on)
        items.append(Item(p.pk, p.name, p.region_id, p.region.name, p.key_person, "", "missing", since, since,
                          "due" if since == on else "overdue", note, "", escalations=[]))
    return items



def counts_by_village(items: list[Item]) -> list[dict]:
    by: dict[str, dict] = {}
    for i in items:
        row = by.setdefault(i.region_code, {"code": i.region_code, "name": i.region_name, "overdue": 0, "due": 0,
                                            "upcoming": 0})
        row[i.state] += 1
    return sorted(by.values(), key=lambda r: r["code"])
