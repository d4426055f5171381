"""Small builders shared by the schedule tests."""

from datetime import date

from jingfang.followups.schedule import Contact, PatientState

D = date.fromisoformat


def seen(day, condition, risk=0, mode="home_visit", **kw):
    return Contact(D(day), mode, True, condition, risk, **kw)


def missed(day, mode="home_visit"):
    return Contact(D(day), mode, False)


def patient(status="at_home", registered="2025-01-01", **kw):
    for key in ("last_health_check", "last_assessment"):
        if isinstance(kw.get(key), str):
            kw[key] = D(kw[key])
    return PatientState(status, D(registered), **kw)


def only(items, kind):
    """The single item of `kind`, or None."""
    found = [i for i in items if i.kind == kind]
    assert len(found) <= 1, found
    return found[0] if found else None


def check(item, profile_name, *, due=None, rule=None, state=None, mode="any", escalation=None, note=None):
    """Assert the expected fields of one Due (None/"any" = not checked)."""
    assert item is not None
    if due:
        assert item.due_date == D(due), item
    if rule:
        assert item.rule_id == f"{profile_name}:{rule}", item
    if state:
        assert item.state == state, item
    if mode != "any":
        assert item.mode == mode, item
    if escalation:
        assert any(escalation in e for e in item.escalations), item.escalations
    if note:
        assert any(note in n for n in item.notes), item.notes
    assert item.rule and "（" in item.rule  # words plus their source
