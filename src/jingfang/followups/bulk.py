"""Stored schedules for many newly registered patients at once (registry.signals.patients_registering,
sent by the ledger import).

The same computation as ``engine.refresh`` for a patient without history (no follow-ups, plans,
searches or flag history yet), with no query per patient: the cached schedule fields are set on the
patients before their rows are inserted, and their due items and flag changes are inserted in bulk
(core.bulk) once the rows exist. ``test_bulk`` compares the result with ``engine.refresh`` patient by
patient.
"""

from types import SimpleNamespace

from jingfang.core import bulk, clock

from . import engine


def on_patients_registering(sender, patients, guardians, context=None, **kwargs):
    return plan_new(patients, guardians, context=context)


def plan_new(patients: list, guardians: list, on=None, context: dict | None = None):
    """Set each new patient's cached schedule fields; return the writer of their due items and flags.
    ``context``: a dict kept across the batches of one import, holding the villages' policy profiles
    and the schedules computed so far (looked up once per import instead of once per batch)."""
    from .models import DueItem, FlagChange
    from .schedule import schedule

    on = on or clock.today()
    dues, flag_rows = [], []
    shared = {} if context is None else context.setdefault("followups.bulk", {})
    profiles: dict[str, object] = shared.setdefault("profiles", {})
    # schedule() of a patient without history depends only on the profile, the state and the day:
    # patients registered together mostly share all three, so each distinct one is computed once.
    planned: dict[tuple, list] = shared.setdefault(("planned", on), {})
    for p, guardian in zip(patients, guardians, strict=True):
        profile = profiles.get(p.region_id)
        if profile is None:
            profile = profiles[p.region_id] = engine.profile_for(p.region_id)
        flags = engine.compute_flags(p, profile, [], [], [guardian] if guardian is not None else [])
        # engine._record_flag_changes for a patient with no flag history; "stored" is what the
        # registry derived from the file alone
        stored = {"key_person": p.key_person, "lost": p.lost}
        for flag in ("key_person", "lost"):
            if stored[flag] != flags[flag] or flags[flag]:
                flag_rows.append(SimpleNamespace(patient_id=p.pk, flag=flag, value=flags[flag], date=on,
                                                 reasons=flags["reasons"] if flag == "key_person" else []))
        p.lost, p.key_person, p.grade = flags["lost"], flags["key_person"], flags["grade"]
        p.key_reasons = flags["reasons"] if flags["key_person"] else []
        p.last_followup_date = p.last_seen_date = None
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

    def write():
        bulk.insert(FlagChange, flag_rows)
        bulk.insert(DueItem, dues)

    return write
