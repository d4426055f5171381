"""Fixtures of the offline tests: 甲村 (东镇) with a village doctor; 丙村 lies in 西镇."""

import json
import uuid

import pytest
from django.utils import timezone

from jingfang.core import clock


def visit_form(**over) -> dict:
    form = {"date": clock.today().isoformat(), "mode": "home_visit", "seen": True, "risk_level": 0,
            "insight": "full", "social_function": "good", "adherence": "regular", "adverse_reaction": "none",
            "physical_illness": "none"}
    form.update(over)
    return {k: v for k, v in form.items() if v is not None}


def new_id() -> str:
    return str(uuid.uuid4())


def sync(client, user, visits=(), roll_calls=(), **headers):
    client.force_login(user)
    body = {"visits": list(visits), "roll_calls": list(roll_calls)}
    return client.post("/api/v1/offline/sync", data=json.dumps(body), content_type="application/json", **headers)


def visit(patient, client_id=None, **form):
    return {"client_id": client_id or new_id(), "patient_id": patient if isinstance(patient, int) else patient.pk,
            "form": visit_form(**form), "recorded_at": timezone.now().isoformat()}


@pytest.fixture
def jia(make_patient):
    return make_patient("990102001001", name="甲患者", address="甲村5组8号")


@pytest.fixture
def download(client):
    def get(user, **query):
        client.force_login(user)
        return client.get("/api/v1/offline/package", query)

    return get


def move(patient, code: str):
    """As if a transfer to ``code`` had been completed."""
    from jingfang.registry.models import Patient

    Patient.objects.filter(pk=patient.pk).update(region_id=code)
