"""Accountability API: issue, list (with 按期整改率), read, close with the version (409 when stale), roles and
scoping (a measure the caller may not see answers 404 like a missing one, audited), and the joint
consultation's record without clinical figures for non-health roles."""

import datetime as dt

import pytest

from jingfang.audit.models import AuditEvent
from jingfang.care import services as care_services

from .conftest import TODAY, consultation_data, measure_data

pytestmark = pytest.mark.django_db
JSON = "application/json"


def as_(client, users, who):
    client.force_login(users[who])
    return client


def test_issue_list_get_close(client, users, reviewed):
    c = as_(client, users, "office")
    r = c.post("/api/v1/accountability/measures", measure_data(kind="liability", incident_ids=[reviewed.pk]),
               content_type=JSON)
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["kind_label"] == "责任追究" and body["deadline"] == (TODAY + dt.timedelta(days=90)).isoformat()
    assert body["incidents"][0]["reviewed_at"] and body["state"] == "open" and body["version"] == 1
    assert "hospital" not in r.content.decode() and "甲患者" not in r.content.decode()
    pk = body["id"]
    listing = c.get("/api/v1/accountability/measures?state=open").json()
    assert listing["count"] == 1 and listing["summary"]["open"] == 1 and listing["summary"]["on_time_percent"] is None
    assert c.get(f"/api/v1/accountability/measures/{pk}").json()["target_name"] == "甲村"
    r = c.post(f"/api/v1/accountability/measures/{pk}/close", {"closing_text": "已追究", "version": 1},
               content_type=JSON)
    assert r.status_code == 200 and r.json()["state"] == "closed" and r.json()["version"] == 2
    r = c.post(f"/api/v1/accountability/measures/{pk}/close", {"closing_text": "再次", "version": 1},
               content_type=JSON)
    assert r.status_code == 409 and r.json()["current_version"] == 2
    assert c.get("/api/v1/accountability/measures").json()["summary"]["on_time_percent"] == 100


def test_errors_name_the_field(client, users, incident):
    c = as_(client, users, "office")
    r = c.post("/api/v1/accountability/measures", measure_data(kind="liability", incident_ids=[incident.pk]),
               content_type=JSON)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "incident_ids"
    assert "倒查" in r.json()["errors"][0]["message"]


@pytest.mark.parametrize("who, status", [("police", 403), ("cadre", 403), ("doctor", 403), ("admin", 403)])
def test_only_issuers_issue(client, users, who, status):
    r = as_(client, users, who).post("/api/v1/accountability/measures", measure_data(), content_type=JSON)
    assert r.status_code == status


def test_scoping(client, users):
    c = as_(client, users, "office")
    pk = c.post("/api/v1/accountability/measures", measure_data(), content_type=JSON).json()["id"]
    for who, status in (("cadre", 200), ("vdoc", 200), ("police", 404), ("doctor2", 404), ("outsider", 404)):
        assert as_(client, users, who).get(f"/api/v1/accountability/measures/{pk}").status_code == status, who
    assert AuditEvent.objects.filter(target=f"accountability:{pk}", outcome="denied").exists()
    assert as_(client, users, "admin").get("/api/v1/accountability/measures").status_code == 403
    r = as_(client, users, "cadre").post(f"/api/v1/accountability/measures/{pk}/close",
                                         {"closing_text": "已整改", "version": 1}, content_type=JSON)
    assert r.status_code == 403


def test_consultation_record(client, users, patient):
    meeting = care_services.save_meeting(users["office"], consultation_data(users))
    doctor = as_(client, users, "doctor").get(f"/api/v1/accountability/consultations/{meeting.pk}").json()
    stable = next(k for k in doctor["snapshot"]["kpis"] if k["key"] == "stable")
    assert stable["withheld"] is False and doctor["period_end"] == TODAY.isoformat()
    police = as_(client, users, "police").get(f"/api/v1/accountability/consultations/{meeting.pk}").json()
    stable = next(k for k in police["snapshot"]["kpis"] if k["key"] == "stable")
    assert stable["withheld"] is True and stable["numerator"] is None
    assert as_(client, users, "outsider").get(f"/api/v1/accountability/consultations/{meeting.pk}").status_code == 404
    other = care_services.save_meeting(users["office"], consultation_data(users, kind="township_group_monthly"))
    assert as_(client, users, "office").get(f"/api/v1/accountability/consultations/{other.pk}").status_code == 404
