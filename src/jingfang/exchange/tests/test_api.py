"""The exchange-table API: contract, generate (200 unchanged / 201 new version), detail with the
month-on-month summary, receipts, Chinese 422 bodies, audit."""

import pytest

from jingfang.audit.models import AuditEvent

from .conftest import JUNE, MAY, TODAY, api

pytestmark = pytest.mark.django_db


def test_openapi_documents_every_route(client, users):
    paths = client.get("/api/openapi.json").json()["paths"]
    for path in ("/api/v1/exchange-tables", "/api/v1/exchange-tables/{id}", "/api/v1/exchange-tables/{id}/receipts",
                 "/api/v1/reconciliations", "/api/v1/reconciliations/{id}", "/api/v1/reconciliations/{id}/mapping",
                 "/api/v1/reconciliations/{id}/lines/{line_id}/resolve"):
        assert path in paths, path
    assert set(paths["/api/v1/exchange-tables"]) == {"get", "post"}
    assert set(paths["/api/v1/reconciliations"]) == {"get", "post"}


def test_generate_read_and_sign_through_the_api(client, users, old_patient, status, visit):
    office = users["office"]
    p = old_patient("冯接口")
    status(users["doctor"], p, "hospitalized", MAY.replace(day=9))
    bad = api(client, office, "post", "/api/v1/exchange-tables", {"month": "2025-5", "role": "admin"})
    assert bad.status_code == 422
    fields = {e["field"] for e in bad.json()["errors"]}
    assert fields == {"month", "role"}
    future = api(client, office, "post", "/api/v1/exchange-tables", {"month": f"{TODAY:%Y-%m}"})
    assert future.status_code == 422 and "已结束" in future.json()["errors"][0]["message"]
    r = api(client, office, "post", "/api/v1/exchange-tables", {"month": f"{MAY:%Y-%m}"})
    assert r.status_code == 201
    body = r.json()
    assert body["version"] == 1 and body["counts"]["hospitalized"] == 1 and body["township_code"] == "990102001000"
    line = body["lines"][0]
    assert (line["category"], line["category_label"], line["name"], line["supplement"]) == (
        "hospitalized", "住院", "冯接口", False)
    assert p.id_number not in r.content.decode() and "diagnosis" not in r.content.decode()
    assert body["pending"] == {"added": 0, "removed": 0} and body["versions"] == [body["id"]]
    again = api(client, office, "post", "/api/v1/exchange-tables", {"month": f"{MAY:%Y-%m}"})
    assert again.status_code == 200 and again.json()["id"] == body["id"]
    status(users["doctor"], p, "at_home", JUNE.replace(day=2))
    june = api(client, office, "post", "/api/v1/exchange-tables", {"month": f"{JUNE:%Y-%m}"}).json()
    summary = {row["key"]: row for row in june["summary"]}
    assert summary["hospitalized"]["previous"] == 1 and summary["hospitalized"]["changed"]
    assert summary["discharged"] == {"key": "discharged", "label": "出院", "count": 1, "previous": 0, "delta": 1,
                                     "changed": True}
    url = f"/api/v1/exchange-tables/{body['id']}/receipts"
    r = api(client, office, "post", url, {"department": "police", "received_by": "某民警", "received_on": "2000-01-01"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "received_on"
    r = api(client, office, "post", url, {"department": "police", "received_by": "某民警"})
    assert r.status_code == 201 and r.json()["department_label"] == "公安派出所"
    assert api(client, users["doctor"], "post", url, {"department": "dpf", "received_by": "某"}).status_code == 403
    detail = api(client, users["police"], "get", f"/api/v1/exchange-tables/{body['id']}").json()
    assert [r["department"] for r in detail["receipts"]] == ["police"]
    assert [d["key"] for d in detail["departments"]] == ["governance", "police", "civil_affairs", "health", "dpf"]
    listing = api(client, users["doctor"], "get", f"/api/v1/exchange-tables?month={MAY:%Y-%m}").json()
    assert listing["count"] == 1 and listing["items"][0]["receipts"] == ["police"]
    assert api(client, users["doctor"], "get", "/api/v1/exchange-tables?month=May").status_code == 422
    assert api(client, users["doctor"], "get", "/api/v1/exchange-tables").json()["count"] == 2
    assert AuditEvent.objects.filter(action="search", target="exchange_tables").exists()
    assert api(client, users["doctor"], "post", "/api/v1/exchange-tables", {"month": f"{MAY:%Y-%m}"}).status_code == 403


def test_a_supplement_through_the_api(client, users, old_patient, visit):
    office = users["office"]
    p = old_patient("褚补录")
    visit(users["doctor"], p, MAY.replace(day=3), risk=1)
    v1 = api(client, office, "post", "/api/v1/exchange-tables", {"month": f"{MAY:%Y-%m}"}).json()
    visit(users["doctor"], p, MAY.replace(day=20), risk=3)  # recorded now, dated in May
    # the visit's 3级 also makes a key person, dated by the visit: 纳入重点人员 joins the supplement
    assert api(client, office, "get", f"/api/v1/exchange-tables/{v1['id']}").json()["pending"]["added"] == 3
    r = api(client, office, "post", "/api/v1/exchange-tables", {"month": f"{MAY:%Y-%m}"})
    assert r.status_code == 201
    v2 = r.json()
    assert v2["version"] == 2 and {ln["category"] for ln in v2["lines"] if ln["supplement"]} == {
        "risk_changed", "risk_up3", "key_in"}
    assert v2["versions"] == [v1["id"], v2["id"]]
    assert api(client, office, "get", f"/api/v1/exchange-tables/{v1['id']}").json()["lines"] == v1["lines"]
    assert len(api(client, office, "get", "/api/v1/exchange-tables?all_versions=true").json()["items"]) == 2
