"""/api/v1/emergency: asking for a grant, listing grants by role, acknowledging and reviewing; and the
patient's API detail under a grant (read-only, role's own field rules)."""

import pytest

from jingfang.accounts import roles
from jingfang.audit.models import AuditEvent
from jingfang.emergency.models import Grant
from jingfang.registry.models import Patient

from .conftest import REASON, Api, expire

pytestmark = pytest.mark.django_db
PATHS = [("/api/v1/emergency/grants", "post"), ("/api/v1/emergency/grants", "get"),
         ("/api/v1/emergency/grants/{id}/acknowledge", "post"), ("/api/v1/emergency/grants/{id}/review", "post")]


def test_openapi_lists_the_routes_with_closed_inputs(client):
    schema = client.get("/api/openapi.json").json()
    for path, method in PATHS:
        assert method in schema["paths"][path], (path, method)
    for name in ("GrantIn", "ReviewIn"):
        assert schema["components"]["schemas"][name].get("additionalProperties") is False


def body(patient, **over):
    return {"id_number": patient.id_number, "category": "emergency_care", "reason": REASON, **over}


def test_grant_then_read_then_expiry(client, users, bing):
    api = Api(client, users["doctor"])
    assert api("get", f"/api/v1/patients/{bing.pk}").status_code == 404
    r = api("post", "/api/v1/emergency/grants", body(bing))
    assert r.status_code == 201
    out = r.json()
    assert out["outcome"] == "granted" and out["patient_id"] == bing.pk
    g = out["grant"]
    assert g["active"] is True and g["hours"] == 3 and g["review_state"] == "pending" and g["category_label"] == "急诊救治"
    detail = api("get", f"/api/v1/patients/{bing.pk}")
    assert detail.status_code == 200 and detail.json()["name"] == "丙患者" and "diagnosis" in detail.json()
    assert AuditEvent.objects.filter(action="emergency_view", patient_id=bing.pk).count() == 1
    again = api("post", "/api/v1/emergency/grants", body(bing))
    assert again.status_code == 200 and again.json()["outcome"] == "existing" and again.json()["grant"]["id"] == g["id"]
    expire(Grant.objects.get())
    assert api("get", f"/api/v1/patients/{bing.pk}").status_code == 404


def test_no_writes_through_the_api_under_a_grant(client, users, bing):
    api = Api(client, users["doctor"])
    api("post", "/api/v1/emergency/grants", body(bing))
    before = Patient.objects.values().get(pk=bing.pk)
    assert api("patch", f"/api/v1/patients/{bing.pk}", {"version": bing.version, "address": "改"}).status_code == 404
    assert api("post", f"/api/v1/patients/{bing.pk}/status", {"version": bing.version, "status": "missing"}).status_code \
        in (404, 422)
    assert api("post", f"/api/v1/patients/{bing.pk}/followups", {"date": "2025-01-01"}).status_code in (404, 422)
    assert api("get", f"/api/v1/patients/{bing.pk}/status-history").status_code == 404
    assert Patient.objects.values().get(pk=bing.pk) == before


def test_police_under_a_grant_receive_no_clinical_keys(client, users, bing):
    api = Api(client, users["police"])
    assert api("post", "/api/v1/emergency/grants", body(bing, category="incident")).status_code == 201
    data = api("get", f"/api/v1/patients/{bing.pk}").json()
    assert data["name"] == "丙患者"
    assert not set(data) & roles.CLINICAL_FIELDS
    assert "schizophrenia" not in str(data)
    revealed = api("post", f"/api/v1/patients/{bing.pk}/reveal")
    assert revealed.status_code == 200 and revealed.json()["guardians"][0]["phone"] == "13900004321"


@pytest.mark.parametrize("over, field", [
    ({"reason": "太短了"}, "reason"),
    ({"category": "holiday"}, "category"),
    ({"id_number": "990102198005170012"}, "id_number"),
    ({"owner": 1}, "owner"),  # closed schema: no unknown keys
])
def test_bad_requests_are_422_naming_the_field(client, users, bing, over, field):
    r = Api(client, users["doctor"])("post", "/api/v1/emergency/grants", body(bing, **over))
    assert r.status_code == 422 and field in [e["field"] for e in r.json()["errors"]]
    assert not Grant.objects.exists()


def test_missing_reason_is_422(client, users, bing):
    r = Api(client, users["doctor"])("post", "/api/v1/emergency/grants", {"id_number": bing.id_number,
                                                                            "category": "incident"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "reason"


def test_unknown_number_is_a_plain_404_and_inside_needs_no_grant(client, users, make_patient):
    import datetime as dt

    from jingfang.core import idnumber

    api = Api(client, users["doctor"])
    unknown = idnumber.make("990102", dt.date(1991, 2, 3), 555, "M")
    r = api("post", "/api/v1/emergency/grants", {"id_number": unknown, "category": "other", "reason": REASON})
    assert r.status_code == 404 and r.json() == {"detail": "未找到与该身份证号对应的患者档案"}
    jia = make_patient("990102001001", name="甲患者")
    inside = api("post", "/api/v1/emergency/grants", body(jia))
    assert inside.status_code == 200 and inside.json() == {"outcome": "inside", "patient_id": jia.pk, "grant": None}
    assert not Grant.objects.exists()


def test_roles_without_the_right_get_403(client, users, bing):
    for who in ("cadre", "civil", "county", "office", "admin"):
        r = Api(client, users[who])("post", "/api/v1/emergency/grants", body(bing))
        assert r.status_code == 403, who
    assert not Grant.objects.exists()


def test_lists_by_role_and_review(client, users, make_user, west_office, bing):
    Api(client, users["police"])("post", "/api/v1/emergency/grants", body(bing, category="missing"))
    gid = Grant.objects.get().pk

    mine = Api(client, users["police"])("get", "/api/v1/emergency/grants").json()
    assert mine["count"] == 1 and mine["items"][0]["patient_name"] == "丙患者"
    assert Api(client, users["doctor"])("get", "/api/v1/emergency/grants").json()["count"] == 0

    office = Api(client, west_office)
    assert office("get", "/api/v1/emergency/grants?pending=true").json()["count"] == 1
    assert office("post", f"/api/v1/emergency/grants/{gid}/acknowledge").json()["acknowledged_by"] == "测试"
    assert office("get", "/api/v1/emergency/grants?pending=true").json()["count"] == 0
    assert Api(client, users["office"])("get", "/api/v1/emergency/grants").json()["count"] == 0  # 东镇
    assert Api(client, users["office"])("post", f"/api/v1/emergency/grants/{gid}/acknowledge").status_code == 404

    county = Api(client, users["county"])
    queue = county("get", "/api/v1/emergency/grants").json()
    assert queue["count"] == 1 and queue["items"][0]["review_state"] == "pending"
    assert county("post", f"/api/v1/emergency/grants/{gid}/review", {"outcome": "unreasonable"}).status_code == 422
    done = county("post", f"/api/v1/emergency/grants/{gid}/review", {"outcome": "reasonable", "note": "走失查找属实"})
    assert done.status_code == 200 and done.json()["review_state"] == "reasonable" and done.json()["reviewed_by"] == "测试"
    assert county("post", f"/api/v1/emergency/grants/{gid}/review", {"outcome": "reasonable"}).status_code == 409
    assert county("get", "/api/v1/emergency/grants?pending=true").json()["count"] == 0
    assert county("post", f"/api/v1/emergency/grants/{gid}/review", {"outcome": "reasonable", "x": 1}).status_code == 422

    outsider = Api(client, make_user("county_supervisor", "other_county"))
    assert outsider("get", "/api/v1/emergency/grants").json()["count"] == 0
    assert outsider("post", f"/api/v1/emergency/grants/{gid}/review", {"outcome": "reasonable"}).status_code == 404
    assert Api(client, users["police"])("post", f"/api/v1/emergency/grants/{gid}/review",
                                        {"outcome": "reasonable"}).status_code == 403
    assert Api(client, users["police"])("get", "/api/v1/emergency/grants?scope=county").status_code == 403
