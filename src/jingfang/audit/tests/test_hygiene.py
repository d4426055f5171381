"""Representative flows leave no ID number and no diagnosis anywhere in the audit log."""

import re

import pytest

from jingfang.audit.chain import verify_chain
from jingfang.audit.models import AuditEvent
from jingfang.core import vocab

pytestmark = pytest.mark.django_db


def test_flows_leave_no_id_number_or_diagnosis_in_the_log(client, users, make_patient):
    patient = make_patient(diagnosis="schizophrenia")
    id_number = patient.id_number
    assert re.fullmatch(r"\d{17}[\dXx]", id_number)

    client.post("/accounts/login/", {"username": id_number, "password": "wrong"})  # typed into the wrong box
    client.force_login(users["doctor"])
    assert client.post("/patients/", {"q": id_number}).status_code == 200
    assert client.get(f"/patients/{patient.pk}/").status_code == 200
    assert client.post(f"/patients/{patient.pk}/reveal/").status_code == 200
    assert client.post("/patients/export.xlsx", {"q": id_number}).status_code == 200
    client.force_login(users["outsider"])
    client.get(f"/patients/{patient.pk}/")  # denied: out of jurisdiction

    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"create", "search", "view", "reveal", "export", "login_failed"} <= actions
    forbidden = [id_number, id_number[:17], *vocab.DIAGNOSES.values(), *vocab.DIAGNOSES]
    for row in AuditEvent.objects.all():
        text = " ".join([row.username, row.target, row.path, str(row.detail)])
        found = [word for word in forbidden if word in text]
        assert not found, (row.action, found, text)
    assert verify_chain()[0] is True
