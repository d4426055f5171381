"""Rehabilitation API: KPIs, facilities with the version check, the team, enrolments (patient data:
department-scoped, outside = missing = 404, audited), attendance and the end, idempotent retries."""

import pytest

from jingfang.audit.models import AuditEvent
from jingfang.core import clock
from jingfang.rehab.models import Attendance, Enrolment

pytestmark = pytest.mark.django_db
JSON = "application/json"
TODAY = clock.today()


def as_(client, users, who):
    client.force_login(users[who])
    return client


def test_kpis(client, users, rehab):
    body = as_(client, users, "county").get("/api/v1/rehab/kpis").json()
    cover, part = body["kpis"]
    assert (cover["numerator"], cover["denominator"], cover["target"], cover["met"]) == (1, 2, 60, False)
    assert part["target"] is None and part["met"] is None and part["denominator"] == 3
    assert body["uncovered"] == ["西镇"] and [r["name"] for r in body["rows"]] == ["东镇", "西镇"]
    assert client.get("/api/v1/rehab/kpis?region_code=990103000000").status_code == 404
    office = as_(client, users, "office").get("/api/v1/rehab/kpis").json()
    assert [r["name"] for r in office["rows"]] == ["甲村", "乙村"]
    assert as_(client, users, "police").get("/api/v1/rehab/kpis").status_code == 403


def test_kpis_refuse_a_year_out_of_range(client, users, rehab):
    """A year the page could never ask for is a 422 naming it, not a 500 (found by the OpenAPI fuzz)."""
    county = as_(client, users, "county")
    for year in ("-71246699", "1999", "2101"):
        r = county.get(f"/api/v1/rehab/kpis?year={year}")
        assert r.status_code == 422 and "year" in r.json()["errors"][0]["field"], (year, r.content)
    assert county.get("/api/v1/rehab/kpis?year=2026").status_code == 200


def test_facility_patch_version(client, users, rehab):
    c = as_(client, users, "doctor")
    url = f"/api/v1/rehab/facilities/{rehab['station'].pk}"
    r = c.patch(url, {"version": 1, "status": "closed", "closed_on": TODAY.isoformat()}, content_type=JSON)
    assert r.status_code == 200 and r.json()["version"] == 2
    r = c.patch(url, {"version": 1, "places": 5}, content_type=JSON)
    assert r.status_code == 409
    r = c.patch(url, {"status": "operating"}, content_type=JSON)  # still a closing date: named field
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "closed_on"
    assert as_(client, users, "doctor2").patch(url, {"places": 5}, content_type=JSON).status_code == 404


def test_team_api(client, users, rehab):
    c = as_(client, users, "county")
    r = c.post("/api/v1/rehab/teams", {"region_code": "990102000000", "name": "多功能服务团队", "host": "县精防院",
                                       "formed_on": "2025-02-01"}, content_type=JSON)
    assert r.status_code == 201 and len(r.json()["missing_roles"]) == 5
    tid = r.json()["id"]
    r = c.post(f"/api/v1/rehab/teams/{tid}/members", {"name": "钱护士", "role": "nurse"}, content_type=JSON)
    assert r.status_code == 201 and "nurse" not in r.json()["missing_roles"]
    assert as_(client, users, "doctor").post(f"/api/v1/rehab/teams/{tid}/members", {"name": "x", "role": "nurse"},
                                             content_type=JSON).status_code == 403
    assert [t["name"] for t in client.get("/api/v1/rehab/teams").json()] == ["多功能服务团队"]


def test_enrolment_flow_and_scoping(client, users, rehab):
    c = as_(client, users, "dpf")
    body = {"patient_id": rehab["李乙"].pk, "programme": "home", "start": TODAY.isoformat()}
    r = c.post("/api/v1/rehab/enrolments", body, content_type=JSON, HTTP_IDEMPOTENCY_KEY="enrol-1")
    assert r.status_code == 201
    again = c.post("/api/v1/rehab/enrolments", body, content_type=JSON, HTTP_IDEMPOTENCY_KEY="enrol-1")
    assert again.status_code == 201 and again.json()["id"] == r.json()["id"]
    assert Enrolment.objects.count() == 1  # a retried request never doubles the write
    eid = r.json()["id"]
    r = c.post(f"/api/v1/rehab/enrolments/{eid}/attendance", {"month": f"{TODAY:%Y-%m}", "days": 5}, content_type=JSON)
    assert r.status_code == 200 and r.json()["attendance"] == [{"month": f"{TODAY:%Y-%m}", "days": 5, "note": ""}]
    assert Attendance.objects.get().days == 5
    r = c.post(f"/api/v1/rehab/enrolments/{eid}/end", {"version": 1, "end": TODAY.isoformat(), "end_reason": "withdrew"},
               content_type=JSON)
    assert r.status_code == 200 and r.json()["end_reason"] == "withdrew"
    listed = c.get("/api/v1/rehab/enrolments?current=false").json()
    assert listed["count"] == 1 and "diagnosis" not in listed["items"][0]
    assert AuditEvent.objects.filter(action="list", target="rehab_enrolments", username=users["dpf"].username).exists()
    # civil affairs does not run home training: the enrolment is missing for it; police get 403
    assert as_(client, users, "civil").get(f"/api/v1/rehab/enrolments/{eid}").status_code == 404
    assert as_(client, users, "police").get(f"/api/v1/rehab/enrolments/{eid}").status_code == 403
    # another township's doctor: outside the jurisdiction
    assert as_(client, users, "doctor2").get(f"/api/v1/rehab/enrolments/{eid}").status_code == 404
    r = as_(client, users, "doctor").get(f"/api/v1/rehab/enrolments/{eid}")
    assert r.status_code == 200 and AuditEvent.objects.filter(action="view", target=f"enrolment:{eid}",
                                                               patient_id=rehab["李乙"].pk).exists()


def test_enrol_outside_patient_is_404(client, users, rehab):
    r = as_(client, users, "doctor").post("/api/v1/rehab/enrolments", {
        "patient_id": rehab["王丙"].pk, "programme": "home", "start": TODAY.isoformat()}, content_type=JSON)
    assert r.status_code == 404 and not Enrolment.objects.exists()
    r = as_(client, users, "doctor").post("/api/v1/rehab/enrolments", {
        "patient_id": rehab["张甲"].pk, "programme": "facility", "start": TODAY.isoformat()}, content_type=JSON)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "facility_id"
