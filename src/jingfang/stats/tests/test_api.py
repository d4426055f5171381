"""API: KPIs, trend, ranking and inspections; scoping (outside = unknown = 404, audited) and roles."""

import pytest

from jingfang.audit.models import AuditEvent

from .conftest import TODAY

pytestmark = pytest.mark.django_db
T1, T2 = "990102001000", "990102002000"
KPI_FIELDS = {"key", "name", "definition", "numerator", "denominator", "value", "unit", "target", "met",
              "numerator_text", "denominator_text", "basis"}


def test_kpis_with_definitions(client, users, three):
    client.force_login(users["county"])
    body = client.get(f"/api/v1/kpis?region_code={T1}&start={TODAY.replace(month=1, day=1)}&end={TODAY}").json()
    assert body["region_code"] == T1 and body["region_name"] == "东镇"
    items = {k["key"]: k for k in body["items"]}
    assert all(KPI_FIELDS <= set(k) for k in items.values())
    assert items["prevalence"]["unit"] == "‰" and items["management"]["unit"] == "%"
    # phone follow-ups count for 管理 (《严重精神障碍管理治疗工作规范（2018年版）》), and the words say so
    assert "电话随访均计" in items["management"]["definition"] and "见面" not in items["management"]["definition"]
    assert items["management"]["numerator_text"].startswith("统计期内至少有1次随访到患者")
    assert items["standard_management"]["basis"].startswith("《严重精神障碍管理治疗工作规范（2018年版）》")
    assert client.get("/api/v1/kpis").json()["region_code"] == users["county"].region_id


def test_outside_is_a_404_identical_to_unknown_and_audited(client, users, three):
    client.force_login(users["doctor2"])
    outside = client.get(f"/api/v1/kpis?region_code={T1}")
    unknown = client.get("/api/v1/kpis?region_code=990102009000")
    garbage = client.get("/api/v1/kpis/ranking?region_code=abc")
    assert outside.status_code == unknown.status_code == garbage.status_code == 404
    assert outside.json() == unknown.json() == garbage.json()
    events = AuditEvent.objects.filter(username=users["doctor2"].username, target__startswith="region:")
    assert {e.outcome for e in events} == {"denied", "not_found"}
    assert client.get(f"/api/v1/kpis?region_code={T2}").status_code == 200


def test_trend_and_ranking(client, users, three):
    client.force_login(users["county"])
    trend = client.get("/api/v1/kpis/trend?months=4").json()
    assert len(trend["points"]) == 4 and trend["points"][-1]["end"] == TODAY.isoformat()
    assert client.get("/api/v1/kpis/trend?window=5").status_code == 422
    assert client.get("/api/v1/kpis?start=2026-05-01&end=2026-01-01").status_code == 422
    ranking = client.get("/api/v1/kpis/ranking").json()
    assert [r["region_code"] for r in ranking["items"]] == [T1, T2]
    assert all(KPI_FIELDS <= set(k) for r in ranking["items"] for k in r["items"])


@pytest.mark.parametrize("who", ["police", "civil"])
def test_roles_without_statistics_get_403(client, users, who):
    client.force_login(users[who])
    assert client.get("/api/v1/kpis").status_code == 403
    assert client.get("/api/v1/inspections").status_code == 403


def test_inspection_workflow(client, users, three):
    year, quarter = (TODAY.year, (TODAY.month - 1) // 3 + 1)
    body = {"township_code": T1, "year": year, "quarter": quarter, "findings": "失访患者查找不力"}
    client.force_login(users["doctor"])
    assert client.post("/api/v1/inspections", body, content_type="application/json").status_code == 403
    client.force_login(users["county"])
    r = client.post("/api/v1/inspections", body, content_type="application/json")
    assert r.status_code == 201, r.content
    report = r.json()
    assert report["findings"] == "失访患者查找不力" and report["snapshot"]["period"]["partial"] in (True, False)
    again = client.post("/api/v1/inspections", body, content_type="application/json")
    assert again.status_code == 409 and again.json()["id"] == report["id"]
    bad = client.post("/api/v1/inspections", {**body, "township_code": "990103001000"}, content_type="application/json")
    assert bad.status_code == 422
    item = client.post(f"/api/v1/inspections/{report['id']}/items",
                       {"text": "建立失访患者查找记录", "owner": "东镇卫生院", "due_date": TODAY.isoformat()},
                       content_type="application/json")
    assert item.status_code == 201
    item_id = item.json()["id"]

    client.force_login(users["doctor2"])
    assert client.get(f"/api/v1/inspections/{report['id']}").status_code == 404
    assert client.post(f"/api/v1/inspection-items/{item_id}/close", {"note": "x"},
                       content_type="application/json").status_code == 404
    assert client.get("/api/v1/inspections").json() == []

    client.force_login(users["doctor"])
    assert [r["id"] for r in client.get("/api/v1/inspections").json()] == [report["id"]]
    detail = client.get(f"/api/v1/inspections/{report['id']}").json()
    assert detail["items"][0]["status"] == "open"
    closed = client.post(f"/api/v1/inspection-items/{item_id}/close", {"note": "已建立台账"},
                         content_type="application/json")
    assert closed.status_code == 200 and closed.json()["status"] == "closed" and closed.json()["closed_by"]
    again = client.post(f"/api/v1/inspection-items/{item_id}/close", {"note": "再次"}, content_type="application/json")
    assert again.status_code == 409
    assert client.post(f"/api/v1/inspection-items/{item_id}/close", {}, content_type="application/json").status_code == 422
