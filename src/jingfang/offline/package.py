"""The offline package: the user's own due work for the coming days and, for each of those patients,
the minimum needed to visit them and pre-fill the follow-up form. No ID number, no phone number."""

import datetime as dt

from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from jingfang.audit import log as audit
from jingfang.core import clock, errors
from jingfang.followups import engine, worklist
from jingfang.followups.forms import rule_params
from jingfang.followups.models import DueItem, FollowUp, SensitivePeriod
from jingfang.followups.schedule import item_state
from jingfang.registry import selectors
from jingfang.registry.models import Guardian, Patient

from . import formdef, paper_tokens, rules
from .models import PackagedPatient

NO_PROFILE = "本辖区的策略配置未设置离线随访（[offline]），请联系县级管理员"


def settings_for(user):
    """The ``[offline]`` section of the profile of the user's region."""
    offline = engine.profile_for(user.region_id).offline
    if offline is None:
        raise errors.Invalid([errors.FieldError("", NO_PROFILE)])
    return offline


def window(user, days: int | None) -> int:
    """The days asked for, cut to the profile's ``max_package_days`` (the answer's ``window_days``)."""
    offline = settings_for(user)
    if days is None:
        return offline.package_days
    if days < 1:
        raise errors.Invalid([errors.FieldError("days", f"days：应为1至{offline.max_package_days}的整数（天）")])
    return min(days, offline.max_package_days)


def due_entry(item, on: dt.date) -> dict:
    return {"kind": item.kind, "due_date": item.due_date.isoformat(), "mode": item.mode, "reason": item.reason,
            "state": item.state or item_state(on, item.window_start, item.due_date)}


def due_now(user, patient_id: int) -> list[dict]:
    """The patient's stored due items as the user may read them (the sync's answer)."""
    on = clock.today()
    rows = DueItem.objects.filter(patient_id=patient_id).order_by("due_date", "kind")
    return [due_entry(i, on) for i in worklist.due_for_role(user.role, list(rows))]


def _last_visits(ids: list[int]) -> dict[int, FollowUp]:
    latest = FollowUp.objects.filter(patient_id=OuterRef("pk")).order_by("-date", "-id").values("pk")[:1]
    pks = Patient.objects.filter(pk__in=ids).annotate(last=Subquery(latest)).values_list("last", flat=True)
    rows = FollowUp.objects.filter(pk__in=[pk for pk in pks if pk]).only(
        "patient_id", "date", "risk_level", "condition", "mode", "medications")
    return {f.patient_id: f for f in rows}


def _guardians(ids: list[int]) -> dict[int, str]:
    out: dict[int, str] = {}
    for g in Guardian.objects.filter(patient_id__in=ids).order_by("-is_primary", "id").only("patient_id", "name"):
        out.setdefault(g.patient_id, g.name)
    return out


def _period(user, on: dt.date) -> dict | None:
    p = SensitivePeriod.objects.filter(region_id__in=engine.chain_codes(user.region_id), start__lte=on, end__gte=on).order_by("start").first()
    return {"name": p.name, "start": p.start.isoformat(), "end": p.end.isoformat()} if p else None


def due_by_patient(user, days: int, *, region_code: str = "") -> tuple[list, dict[int, list[dict]]]:
    """The user's due work (the package's kinds) for the next ``days`` days, optionally within one
    village: (the worklist items, {patient id: [due entry…]})."""
    on = clock.today()
    items = [i for i in worklist.items_for(user, on, region_code=region_code, horizon=days)
             if i.patient_id is not None and i.kind in rules.PACKAGE_KINDS]
    due: dict[int, list[dict]] = {}
    for i in items:
        due.setdefault(i.patient_id, []).append(due_entry(i, on))
    return items, due


def entries(user, due: dict[int, list[dict]]) -> list[dict]:
    """Each patient of ``due`` the user may see (jurisdiction gate), with the minimum needed to visit them
    and pre-fill the form; no ID number, no phone. Ordered by village, name."""
    patients = list(selectors.patients_for(user).filter(pk__in=list(due)).select_related("region")
                    .order_by("region_id", "name", "id"))
    ids = [p.pk for p in patients]
    last, guardians = _last_visits(ids), _guardians(ids)
    out = []
    for p in patients:
        f = last.get(p.pk)
        out.append({
            "id": p.pk, "name": p.name, "village": p.region.name, "address": p.address,
            "guardian_name": guardians.get(p.pk, ""), "key_person": p.key_person,
            "last_visit": {"date": f.date.isoformat(), "risk_level": f.risk_level, "condition": f.condition or None,
                           "mode": f.mode} if f else None,
            "medications": [{"name": m.get("name", ""), "dose": m.get("dose", "")} for m in (f.medications if f else [])],
            "due": due[p.pk],
            "params": rule_params(p),
        })
    return out


def build(user, days: int | None, *, request=None) -> dict:
    """The package for ``user`` (village or township doctor); audited naming every patient in it. It
    carries the codes of the paper forms of its patients (issued with it where none is valid for the
    window), so that a form scanned or typed offline opens from the package."""
    offline = settings_for(user)
    days = window(user, days)
    on = clock.today()
    items, due = due_by_patient(user, days)
    out = entries(user, due)
    ids = [p["id"] for p in out]
    now = timezone.localtime()
    roll_ids = sorted({i.patient_id for i in items if i.kind == "roll_call" and i.patient_id in set(ids)})
    period = _period(user, on)
    with transaction.atomic():
        PackagedPatient.objects.bulk_create([PackagedPatient(user=user, patient_id=pk) for pk in ids],
                                            ignore_conflicts=True)
        codes = paper_tokens.codes_for(user, ids, days)
        audit.record(user, "export", request=request, target="offline_package",
                     detail={"patients": ids, "count": len(ids), "days": days})
    return {
        "generated_at": now.isoformat(timespec="seconds"),
        "expires_at": (now + dt.timedelta(days=offline.expire_days)).isoformat(timespec="seconds"),
        "window_days": days,
        "user": {"username": user.username, "name": user.get_full_name() or user.username, "role": user.role,
                 "region": user.region.name},
        "form": formdef.definition(),
        "preview": None,
        "patients": out,
        "paper_codes": codes,
        "roll_call": {"active": period is not None, "period": period, "patient_ids": roll_ids},
    }
