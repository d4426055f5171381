"""Three patients with follow-ups recorded through followups.services (see test_compute for the answers)."""

import datetime as dt

import pytest

from jingfang.core import clock
from jingfang.followups import services
from jingfang.registry.models import Patient

TODAY = clock.today()
YEAR_START = TODAY - dt.timedelta(days=364)  # a 365-day period ending today


def visit(user, patient, days_ago, mode="home_visit", adherence="regular", risk=0, seen=True):
    data = {"date": (TODAY - dt.timedelta(days=days_ago)).isoformat(), "mode": mode}
    if seen:
        data.update({"seen": "on", "risk_level": risk, "insight": "full", "social_function": "good",
                     "adherence": adherence, "adverse_reaction": "none", "physical_illness": "none"})
    else:
        data.update({"not_seen_reason": "unreachable"})
    return services.record_followup(user, patient, data)


@pytest.fixture
def three(users, make_patient):
    """张甲 (v11): home visits 280, 190, 100 and 10 days ago (gaps ≤ 92): managed, standard, face-to-face.
    李乙 (v12): one phone call 50 days ago: managed, not face-to-face, not standard.
    王丙 (v21, the other township): registered, never visited."""
    out = {}
    for name, code in (("张甲", "990102001001"), ("李乙", "990102001002"), ("王丙", "990102002001")):
        p = make_patient(code, name=name)
        Patient.objects.filter(pk=p.pk).update(registered_on=TODAY - dt.timedelta(days=400))
        p.refresh_from_db()
        out[name] = p
    for days in (280, 190, 100, 10):
        visit(users["doctor"], out["张甲"], days)
    visit(users["doctor"], out["李乙"], 50, mode="phone")
    return out


@pytest.fixture
def county_period():
    from jingfang.stats.kpis import Period

    return Period(YEAR_START, TODAY)
