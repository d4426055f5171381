"""Fixtures of the exchange tests: months relative to today, patients with an old registration, and
history written through the services where they allow a past date (or as the rows they would write)."""

import datetime as dt
import json

import pytest
from django.utils.timezone import localdate

from jingfang.core import worklist_hub
from jingfang.exchange import table

TODAY = localdate()
JUNE = table.previous_month(TODAY)  # the month that just ended ("June")
MAY = table.previous_month(JUNE)  # the month before it ("May"), whose table is frozen
LONG_AGO = MAY - dt.timedelta(days=400)


def day(month: dt.date, n: int) -> dt.date:
    return month.replace(day=n)


def api(client, user, method, url, body=None, **extra):
    from jingfang.accounts.services import issue_token

    headers = {"HTTP_AUTHORIZATION": f"Bearer {issue_token(user)}", **extra}
    if method == "get":
        return client.get(url, **headers)
    return getattr(client, method)(url, data=json.dumps(body or {}), content_type="application/json", **headers)


@pytest.fixture(autouse=True)
def _only_own_worklist_providers(monkeypatch):
    """Other apps' worklist providers (built concurrently) are not what these tests are about."""
    monkeypatch.setattr(worklist_hub, "PROVIDERS", [p for p in worklist_hub.PROVIDERS
                                                if p.__module__.startswith("jingfang.followups")])


@pytest.fixture
def old_patient(make_patient):
    """A patient registered long ago (status history from then on)."""
    from jingfang.registry.models import Patient, StatusChange

    def make(name, village="990102001001", registered=LONG_AGO, **over):
        p = make_patient(village, name=name, **over)
        Patient.objects.filter(pk=p.pk).update(registered_on=registered, status_since=registered)
        StatusChange.objects.filter(patient=p).update(since=registered)
        p.refresh_from_db()
        return p

    return make


@pytest.fixture
def visit():
    from jingfang.followups import services

    def record(user, patient, date, risk=0):
        return services.record_followup(user, patient, {
            "date": date.isoformat(), "mode": "home_visit", "seen": "on", "risk_level": risk, "insight": "full",
            "social_function": "good", "adherence": "regular", "adverse_reaction": "none",
            "physical_illness": "none",
        })

    return record


@pytest.fixture
def status():
    from jingfang.registry import services
    from jingfang.registry.models import Patient

    def change(user, patient, value, since, **extra):
        patient = Patient.objects.get(pk=patient.pk)
        data = {"status": value, "detail": "", "since": since.isoformat(), "note": "", "version": patient.version,
                **extra}
        return services.change_status(user, patient, data)

    return change
