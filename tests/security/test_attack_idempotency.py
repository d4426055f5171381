"""A replayed Idempotency-Key answer must not hand personal data to someone who may no longer see it.

Found by an outside test: reads sent by POST (``/patients/{id}/reveal``, ``/patients/search``) were
kept like writes, and a replay returned the kept answer without asking the jurisdiction gate again and
without an audit row. Reads by POST are no longer kept (``api_support.READ_BY_POST``); a kept write's
answer is replayed only to the same role and region, after the patient's jurisdiction gate
(``core.idempotency``, ``registry.replay``)."""

import json

import pytest

from jingfang.accounts.services import issue_token
from jingfang.audit.models import AuditEvent
from jingfang.registry.models import Patient


def post(client, user, url, body=None, key=None):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {issue_token(user)}"}
    if key is not None:
        headers["HTTP_IDEMPOTENCY_KEY"] = key
    return client.post(url, json.dumps(body or {}), content_type="application/json", **headers)


@pytest.mark.django_db
def test_reveal_replay_after_the_patient_left_the_jurisdiction_discloses_nothing(client, users, make_patient):
    patient = make_patient("990102001001", name="甲患者")
    url = f"/api/v1/patients/{patient.pk}/reveal"
    first = post(client, users["doctor"], url, key="reveal-1")
    assert first.status_code == 200 and first.json()["id_number"] == patient.id_number
    Patient.objects.filter(pk=patient.pk).update(region_id="990102002001")  # transferred to t2
    assert post(client, users["doctor"], url).status_code == 404  # without a key: gone
    again = post(client, users["doctor"], url, key="reveal-1")
    assert patient.id_number not in again.content.decode()


@pytest.mark.django_db
def test_every_reveal_is_audited_even_a_replayed_one(client, users, make_patient):
    patient = make_patient("990102001001", name="甲患者")
    url = f"/api/v1/patients/{patient.pk}/reveal"
    before = AuditEvent.objects.filter(action="reveal", patient_id=patient.pk).count()
    assert post(client, users["doctor"], url, key="reveal-2").status_code == 200
    again = post(client, users["doctor"], url, key="reveal-2")
    assert again.status_code == 200 and "Idempotent-Replayed" not in again
    # Full identifiers were shown twice; the README promises every reveal is audited.
    assert AuditEvent.objects.filter(action="reveal", patient_id=patient.pk).count() == before + 2


@pytest.mark.django_db
def test_search_replay_after_a_role_change_sends_no_clinical_field(client, users, make_patient):
    patient = make_patient("990102001001", name="甲患者")
    Patient.objects.filter(pk=patient.pk).update(condition="unstable")
    user = users["doctor"]
    first = post(client, user, "/api/v1/patients/search", {"q": "甲患者"}, key="search-1")
    assert first.status_code == 200 and first.json()["items"][0]["condition"] == "unstable"
    user.role = "judicial"  # an applied role change (ends tokens; the user signs in again)
    user.save(update_fields=["role"])
    fresh = post(client, user, "/api/v1/patients/search", {"q": "甲患者"})
    assert fresh.status_code == 200 and "condition" not in fresh.json()["items"][0]
    again = post(client, user, "/api/v1/patients/search", {"q": "甲患者"}, key="search-1")
    assert again.status_code == 200 and "unstable" not in again.content.decode()
