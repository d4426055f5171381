"""Stored schedules for many newly registered patients at once (registry.signals.patients_registered,
sent by the ledger import).

The same computation as ``engine.refresh`` for a patient without history (no follow-ups, plans,
searches or flag history yet), with a few queries per batch instead of about ten per patient:
guardians are prefetched, due items and flag changes are inserted in bulk (core.bulk), and the patients'
cached schedule fields are updated per group of equal values. ``test_bulk`` compares the result
with ``engine.refresh`` patient by patient.
"""

from collections import defaultdict
from types import SimpleNamespace

from jingfang.core import bulk

from . import engine


def on_patients_registered(sender, patients, **kwargs):
    refresh_new(patients)


def refresh_new(patients: list, on=None) -> None:
    from .models import DueItem, FlagChange
    from .schedule import schedule

    on = on or engine.today()
    _prefetch_guardians(patients)
    dues, flag_rows = [], []
    groups: dict[tuple, list[int]] = defaultdict(list)
    profiles: dict[str, object] = {}
    # schedule() of a patient without history depends only on the profile and the state: patients
    # registered together mostly share both, so each distinct pair is computed once.
    planned: dict[tuple, list] = {}
    for p in patients:
        profile = profiles.get(p.region_id)
        if profile is None:
            profile = profiles[p.region_id] = engine.profile_for(p.region_id)
        flags = engine.compute_flags(p, profile, [], [])
        # engine._record_flag_changes for a patient with no flag history: the stored values are the
        # ones the registry wrote at insert.
        stored = {"key_person": p.key_person, "lost": p.lost}
        for flag in ("key_person", "lost"):
            if stored[flag] != flags[flag] or flags[flag]:
                flag_rows.append(SimpleNamespace(patient_id=p.pk, flag=flag, value=flags[flag], date=on,
                                                 reasons=flags["reasons"] if flag == "key_person" else []))
        p.lost, p.key_person, p.grade = flags["lost"], flags["key_person"], flags["grade"]
        p.key_reasons = flags["reasons"] if flags["key_person"] else []
        state = engine.state_for(p)
        key = (id(profile), state)
        if key not in planned:
            planned[key] = [d for d in schedule(profile, state, [], on) if d.kind != "roll_call"]
        items = planned[key]
        followup = next((d for d in items if d.kind == "followup"), None)
        p.next_due_date = followup.due_date if followup else None
        dues += [
            SimpleNamespace(patient_id=p.pk, region_code=p.region_id, kind=d.kind, due_date=d.due_date,
                            window_start=d.window_start, rule=d.rule[:300], rule_id=d.rule_id[:100],
                            mode=d.mode or "", escalations=list(d.escalations), notes=list(d.notes),
                            provisional=d.provisional, key_person=p.key_person)
            for d in items
        ]
        groups[(p.lost, p.key_person, p.grade, tuple(p.key_reasons), p.next_due_date)].append(p.pk)
    bulk.insert(FlagChange, flag_rows)
    bulk.insert(DueItem, dues)
    model = type(patients[0]) if patients else None
    for (lost, key, grade, reasons, due), ids in groups.items():
        for i in range(0, len(ids), 500):
            model.objects.filter(pk__in=ids[i : i + 500]).update(
                lost=lost, key_person=key, grade=grade, key_reasons=list(reasons), next_due_date=due,
                last_followup_date=None, last_seen_date=None,
            )


def _prefetch_guardians(patients: list) -> None:
    """Each patient's guardians, in one query, as a prefetch would leave them (``patient.guardians.all()``
    then reads no more), without the phone numbers, which compute_flags does not need and which would
    each have to be decrypted."""
    from jingfang.registry.models import Guardian

    by_patient: dict[int, list] = defaultdict(list)
    ids = [p.pk for p in patients]
    for i in range(0, len(ids), 500):
        for g in Guardian.objects.filter(patient_id__in=ids[i : i + 500]).only("id", "patient_id", "is_primary"):
            by_patient[g.patient_id].append(g)
    cache = Guardian._meta.get_field("patient").remote_field.cache_name
    for p in patients:
        p.__dict__.setdefault("_prefetched_objects_cache", {})[cache] = by_patient.get(p.pk, [])
