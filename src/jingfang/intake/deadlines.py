"""Working-day deadlines of intake work, and the worklist providers that show them (齐云山镇2024 三（六）3; 国务院办公厅每年的《关于部分节假日安排的通知》).

Report cards use followups.schedule.intake_deadlines with the region's policy profile ([intake]) and the
working-day calendar in force (engine.calendar(): the State Council calendar plus admin overrides; a
year without holiday data falls back to Mon–Fri and is marked provisional).

Release takeovers: no source document gives a number of days (当阳乡2022 says the township is told and
"跟进"), and the policy schema has no key for it yet, so RELEASE_TAKEOVER_WORKDAYS is this system's
default; a profile's ``[intake] release_takeover_workdays`` is used instead once the schema has one.
Transfers: no document gives a time limit for accepting either; the inbox item borrows the profile's
report-acceptance limit (``accept_report_workdays``) as a prompt, and says so.
"""

import datetime as dt

from django.urls import reverse

from jingfang.core import clock
from jingfang.core.masking import mask_name
from jingfang.core.worklist_hub import Item
from jingfang.followups import engine, schedule
from jingfang.followups.schedule import PROVISIONAL_NOTE, Due, item_state

from . import permissions as perms
from .models import ReleaseNotice, ReportCard, Transfer

RELEASE_TAKEOVER_WORKDAYS = 5  # system default (no document sets one); see the module docstring
RELEASE_CITE = "当阳乡2022，四（三）：解除后告知所在乡，由乡平安办统筹跟进；时限为本系统默认值"
TRANSFER_ACCEPT_WORKDAYS = 5  # used only when the profile has no [intake] section
TRANSFER_CITE = "齐云山镇2024，三（五）3：信息未被接收前原居住地继续电话随访；时限参照报告卡接收时限"


def _as_of(value: dt.date | None, on: dt.date) -> dt.date | None:
    """A step's date if it had happened by ``on`` (so a past date shows what was due then)."""
    return value if value is not None and value <= on else None


def _due(kind_local: str, profile, calendar, start: dt.date, n: int, on: dt.date, text: str) -> Due:
    due, provisional = calendar.add_workdays(start, n)
    return Due("deadline", due, start, item_state(on, start, due), text, profile.rule_id(kind_local),
               notes=(PROVISIONAL_NOTE,) if provisional else (), provisional=provisional)


# Report cards -------------------------------------------------------------------------------------
def card_deadlines(card: ReportCard, on: dt.date | None = None) -> list[Due]:
    """What is (or was, on a past date) still due for a report card, soonest first."""
    on = on or clock.today()
    if card.received_on > on or _as_of(card.entered_on, on) or _as_of(card.cdc_referred_on, on):
        return []
    return schedule.intake_deadlines(
        engine.profile_for(card.township_id), engine.calendar(), on,
        received_on=card.received_on, accepted_on=_as_of(card.accepted_on, on), entered_on=None,
        address_unknown=card.address_unknown, police_asked_on=_as_of(card.police_asked_on, on),
    )


def card_rows(cards) -> list[dict]:
    """Each card with what is still due, its next deadline and whether one is overdue."""
    rows = []
    for card in cards:
        due = card_deadlines(card)
        rows.append({"card": card, "deadlines": due, "next": due[0] if due else None,
                     "overdue": any(d.state == "overdue" for d in due)})
    return rows


def intake_rule_numbers(region_code: str) -> dict:
    """The profile's working-day numbers, for the rule line atop the pages."""
    profile = engine.profile_for(region_code)
    intake = profile.intake
    return {
        "accept": intake.accept_report_workdays if intake else None,
        "enter": intake.enter_record_workdays if intake else None,
        "police": intake.police_query_workdays if intake else None,
        "cite": intake.cite if intake else "",
        "release": release_workdays(profile),
        "profile": profile.title,
    }


# Releases -----------------------------------------------------------------------------------------
def release_workdays(profile) -> int:
    return getattr(profile.intake, "release_takeover_workdays", None) or RELEASE_TAKEOVER_WORKDAYS


def release_deadline(notice: ReleaseNotice, on: dt.date | None = None) -> Due | None:
    on = on or clock.today()
    if notice.notified_on > on or _as_of(notice.taken_over_on, on):
        return None
    profile = engine.profile_for(notice.township_id)
    n = release_workdays(profile)
    return _due("release_takeover", profile, engine.calendar(), notice.notified_on, n, on,
                f"接到释放/解除通知后{n}个工作日内登记接管（{RELEASE_CITE}）")


# Transfers ----------------------------------------------------------------------------------------
def transfer_deadline(transfer: Transfer, on: dt.date | None = None) -> Due | None:
    on = on or clock.today()
    closed = _as_of(transfer.accepted_on, on) or _as_of(transfer.returned_on, on)
    if transfer.sent_on > on or closed:
        return None
    profile = engine.profile_for(transfer.destination_id)
    n = profile.intake.accept_report_workdays if profile.intake else TRANSFER_ACCEPT_WORKDAYS
    return _due("transfer_accept", profile, engine.calendar(), transfer.sent_on, n, on,
                f"转入待接收：建议{n}个工作日内接收或退回（{TRANSFER_CITE}）")


# Worklist providers -------------------------------------------------------------------------------
def _item(d: Due, *, region, label: str, url: str, patient_id=None, escalations=()) -> Item:
    return Item(patient_id, "", region.code, region.name, False, "", "deadline", d.due_date, d.window_start,
                d.state, d.rule, d.rule_id, "", list(escalations), list(d.notes), d.provisional, url, label)


def _in_range(qs, field: str, lo: str, hi: str):
    return qs.filter(**{f"{field}__gte": lo, f"{field}__lte": hi})


def report_card_items(user, lo: str, hi: str, on: dt.date) -> list[Item]:
    """Deadlines of open report cards received by a township in lo..hi (齐云山镇2024, 三（六）3)."""
    if not perms.can(user.role, perms.VIEW_REPORTS):
        return []
    cards = _in_range(ReportCard.objects.filter(received_on__lte=on), "township_id", lo, hi).exclude(
        entered_on__lte=on).exclude(cdc_referred_on__lte=on).select_related("township")
    items = []
    for card in cards:
        url = reverse("intake:report_detail", args=[card.pk])
        label = f"报告卡：{mask_name(card.patient_name)}"
        escalate = ("逾期：综治中心督办",)
        for d in card_deadlines(card, on):
            items.append(_item(d, region=card.township, label=label, url=url,
                               escalations=escalate if d.state == "overdue" else ()))
    return items


def release_items(user, lo: str, hi: str, on: dt.date) -> list[Item]:
    if not perms.can(user.role, perms.VIEW_REPORTS):  # the township's health centre, office and the county
        return []
    notices = _in_range(ReleaseNotice.objects.filter(notified_on__lte=on), "township_id", lo, hi).exclude(
        taken_over_on__lte=on).select_related("township")
    items = []
    for notice in notices:
        d = release_deadline(notice, on)
        if d is not None:
            items.append(_item(d, region=notice.township, label=f"释放衔接：{mask_name(notice.person_name)}",
                               url=reverse("intake:release_detail", args=[notice.pk])))
    return items


def transfer_items(user, lo: str, hi: str, on: dt.date) -> list[Item]:
    """Transfers waiting in the inbox of a destination township in lo..hi."""
    if not perms.can(user.role, perms.VIEW_REPORTS):
        return []
    transfers = _in_range(Transfer.objects.filter(sent_on__lte=on), "destination_id", lo, hi).exclude(
        accepted_on__lte=on).exclude(returned_on__lte=on).select_related("destination", "origin", "patient")
    items = []
    for t in transfers:
        d = transfer_deadline(t, on)
        if d is not None:
            items.append(_item(d, region=t.destination, url=reverse("intake:transfer_detail", args=[t.pk]),
                               label=f"转入待接收：{mask_name(t.patient.name)}（自{t.origin.name}）"))
    return items


PROVIDERS = (report_card_items, release_items, transfer_items)
# Each provider reads only rows of its table whose region lies in the worklist's range (core.worklist_hub).
PROBES = {report_card_items: ((ReportCard, "township"),), release_items: ((ReleaseNotice, "township"),),
          transfer_items: ((Transfer, "destination"),)}


def overdue_counts(user, on: dt.date | None = None) -> dict:
    """Overdue report-card steps and release takeovers in the user's region (the office's alert)."""
    from jingfang.regions import codes

    on = on or clock.today()
    lo, hi = codes.code_range(user.region_id)
    cards = [i for i in report_card_items(user, lo, hi, on) if i.state == "overdue"]
    releases = [i for i in release_items(user, lo, hi, on) if i.state == "overdue"]
    return {"cards": len({i.url for i in cards}), "card_steps": len(cards), "releases": len(releases)}
