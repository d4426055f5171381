"""Workforce API: roles, scoping (outside = missing = 404, audited), writes with Chinese field errors."""

import pytest

from jingfang.audit.models import AuditEvent
from jingfang.workforce.models import StaffMember

pytestmark = pytest.mark.django_db
JSON = "application/json"


def as_(client, users, who):
    client.force_login(users[who])
    return client


def test_kpis_for_the_office_without_names(client, users, register):
    r = as_(client, users, "office").get("/api/v1/workforce/kpis")
    assert r.status_code == 200
    body = r.json()
    assert body["region_code"] == "990102001000" and body["counts"] == {"psychiatrist": 0, "prevention": 1,
                                                                         "gp_psych": 1}
    assert body["shortfalls"] == [] and body["kpis"][1]["value"] == 100
    assert "钱精防" not in r.content.decode()
    assert client.get("/api/v1/workforce/staff").status_code == 403


def test_county_kpis_with_targets(client, users, register):
    body = as_(client, users, "county").get("/api/v1/workforce/kpis").json()
    per_100k, staffing = body["kpis"]
    assert per_100k["target"] == 3 and per_100k["met"] is False and per_100k["numerator"] == 1
    assert staffing["target"] == 100 and staffing["met"] is False
    assert body["shortfalls"] == [{"township_code": "990102002000", "township_name": "西镇",
                                   "lacks": ["缺培训合格的加注精神卫生执业范围全科医生"]}]
    assert client.get("/api/v1/workforce/kpis?region_code=990103000000").status_code == 404


@pytest.mark.parametrize("who", ["vdoc", "cadre", "police", "civil", "dpf", "judicial", "admin", "auditor"])
def test_other_roles_get_nothing(client, users, register, who):
    client = as_(client, users, who)
    assert client.get("/api/v1/workforce/kpis").status_code == 403
    assert client.get("/api/v1/workforce/staff").status_code == 403
    assert client.get("/api/v1/workforce/institutions").status_code == 403


def test_doctor_lists_own_township_audited(client, users, register):
    r = as_(client, users, "doctor").get("/api/v1/workforce/staff")
    body = r.json()
    assert body["count"] == 2 and {s["name"] for s in body["items"]} == {"钱精防", "孙全科"}
    gp = next(s for s in body["items"] if s["name"] == "孙全科")
    assert gp["trainings"][0]["certificate"] == "JW-2025-001"
    row = AuditEvent.objects.filter(user_id=users["doctor"].pk, action="list", target="workforce:staff").get()
    assert sorted(row.detail["staff"]) == sorted([register["prev"].pk, register["gp"].pk])
    assert client.get(f"/api/v1/workforce/staff/{register['west_prev'].pk}").status_code == 404
    assert client.get(f"/api/v1/workforce/staff/{register['psy'].pk}").status_code == 404
    r = client.patch(f"/api/v1/workforce/staff/{register['prev'].pk}", {"note": "x"}, content_type=JSON)
    assert r.status_code == 403


def test_county_writes(client, users, register):
    client = as_(client, users, "county")
    r = client.post("/api/v1/workforce/institutions", {"region_code": "990102002000", "name": "西镇分院",
                                                       "kind": "township_hc"}, content_type=JSON)
    assert r.status_code == 201
    inst = r.json()["id"]
    r = client.post(f"/api/v1/workforce/institutions/{inst}/staff", {"name": "吴全科", "kind": "gp_psych"},
                    content_type=JSON)
    assert r.status_code == 201 and r.json()["employment"] == "full_time"
    sid = r.json()["id"]
    r = client.post(f"/api/v1/workforce/staff/{sid}/trainings", {"course": "转岗培训", "hours": "40",
                                                                 "date": "2025-06-01", "certificate": "C-1"},
                    content_type=JSON)
    assert r.status_code == 201 and r.json()["passed"] is True
    assert client.get("/api/v1/workforce/kpis").json()["kpis"][1]["value"] == 100
    r = client.patch(f"/api/v1/workforce/staff/{sid}", {"left_on": "2020-01-01", "started": "2021-01-01"},
                     content_type=JSON)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "left_on"
    r = client.patch(f"/api/v1/workforce/staff/{sid}", {"title": "主治医师"}, content_type=JSON)
    assert r.status_code == 200 and r.json()["title"] == "主治医师" and r.json()["name"] == "吴全科"


@pytest.mark.parametrize("body, field", [
    ({"name": "周某", "kind": "nurse"}, "kind"),
    ({"name": "周某", "kind": "prevention", "employment": "sometimes"}, "employment"),
])
def test_staff_errors_name_the_field(client, users, register, body, field):
    r = as_(client, users, "county").post(f"/api/v1/workforce/institutions/{register['east'].pk}/staff", body,
                                          content_type=JSON)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == field
    assert not StaffMember.objects.filter(name="周某").exists()


def test_retried_create_writes_once(client, users, register):
    client = as_(client, users, "county")
    url = f"/api/v1/workforce/institutions/{register['east'].pk}/staff"
    for _ in range(2):
        r = client.post(url, {"name": "郑精防", "kind": "prevention"}, content_type=JSON,
                        HTTP_IDEMPOTENCY_KEY="wf-retry-1")
        assert r.status_code == 201
    assert StaffMember.objects.filter(name="郑精防").count() == 1
