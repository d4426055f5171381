"""The screening API: leads and campaigns, Chinese errors, workflow, OpenAPI."""

import datetime as dt

import pytest

from conftest import id_for
from jingfang.audit.models import AuditEvent
from jingfang.registry.models import Patient

from .conftest import SEED_PHASES, TODAY, V11, V12, V21, api

pytestmark = pytest.mark.django_db

LEAD = {"name": "李疑似", "sex": "M", "birth_date": "1985-04-02", "region_code": V11, "signs": [3, 5],
        "source": "door_to_door", "address": "3组8号"}


def errors_of(r):
    return {e["field"]: e["message"] for e in r.json()["errors"]}


def test_create_list_and_read_a_lead(client, users):
    r = api(client, users["police"], "post", "/api/v1/leads", {**LEAD, "dangerous": True, "phone": "13912345678",
                                                               "source": "police_call"})
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["state"] == "reported" and body["signs"] == [3, 5] and body["found_on"] == TODAY.isoformat()
    assert body["phone_masked"] == "139****5678" and "phone" not in body
    assert body["sign_labels"][0] == "③无故冲动，伤人、毁物，或无故离家出走"
    assert "公安机关" in body["alert"] and body["allowed_transitions"] == []
    listed = api(client, users["doctor"], "get", "/api/v1/leads?dangerous=true&state=open").json()
    assert listed["count"] == 1 and listed["items"][0]["id"] == body["id"]
    detail = api(client, users["doctor"], "get", f"/api/v1/leads/{body['id']}").json()
    assert detail["allowed_transitions"] == ["referred", "excluded"]
    assert AuditEvent.objects.filter(action="view", target=f"lead:{body['id']}", outcome="ok").exists()


@pytest.mark.parametrize("over,field,text", [
    ({"signs": []}, "signs", ""),
    ({"signs": [10]}, "signs.0", "不能大于9"),
    ({"source": "rumour"}, "source", "应为以下之一"),
    ({"region_code": V21}, "region_code", "不在您的辖区内"),
    ({"id_number": "110101199003071234"}, "id_number", "校验位不正确"),
    ({"birth_date": None}, "birth_date", "无身份证号时须填写出生日期"),
    ({"extra": 1}, "extra", "不是可接受的字段"),
])
def test_invalid_lead_is_422_in_chinese(client, users, over, field, text):
    r = api(client, users["doctor"], "post", "/api/v1/leads", {**LEAD, **over})
    assert r.status_code == 422, r.content
    assert field in errors_of(r) and text in errors_of(r)[field]


def test_duplicate_lead_is_409_until_acknowledged(client, users, make_patient):
    patient = make_patient(V21, name="王他镇")
    body = {**LEAD, "id_number": patient.id_number, "sex": "", "birth_date": None}
    r = api(client, users["doctor"], "post", "/api/v1/leads", body)
    assert r.status_code == 409
    assert r.json()["duplicates"][0]["message"] == "该身份证号已在其他辖区建档" and "王他镇" not in r.content.decode()
    r = api(client, users["doctor"], "post", "/api/v1/leads", {**body, "allow_duplicates": True})
    assert r.status_code == 201


def test_workflow_through_the_api(client, users):
    number = id_for(dt.date(1985, 4, 2))
    lead = api(client, users["cadre"], "post", "/api/v1/leads",
               {**LEAD, "id_number": number, "guardian_name": "李父亲", "guardian_relation": "parent"}).json()
    url = f"/api/v1/leads/{lead['id']}"
    early = api(client, users["doctor"], "post", f"{url}/confirm", {"diagnosis": "schizophrenia"})
    assert early.status_code == 409 and "尚未转诊" in errors_of(early)["state"]
    assert api(client, users["cadre"], "post", f"{url}/refer", {"referred_to": "县精神卫生中心"}).status_code == 403
    r = api(client, users["doctor"], "post", f"{url}/refer", {"referred_to": "县精神卫生中心"})
    assert r.status_code == 200 and r.json()["state"] == "referred"
    again = api(client, users["doctor"], "post", f"{url}/refer", {"referred_to": "县精神卫生中心"})
    assert again.status_code == 409 and "不能重复转诊" in errors_of(again)["state"]
    r = api(client, users["doctor"], "post", f"{url}/confirm", {"diagnosis": "schizophrenia", "extra": 1})
    assert r.status_code == 422
    r = api(client, users["doctor"], "post", f"{url}/confirm", {"diagnosis": "schizophrenia"})
    assert r.status_code == 200, r.content
    body = r.json()
    patient = Patient.objects.get(pk=body["patient_id"])
    assert body["state"] == "confirmed" and patient.id_number == number and patient.name == "李疑似"
    assert patient.primary_guardian.name == "李父亲" and patient.diagnosis_hospital == "县精神卫生中心"
    late = api(client, users["doctor"], "post", f"{url}/exclude", {"exclusion_reason": "x"})
    assert late.status_code == 409 and "已办结" in errors_of(late)["state"]


def test_exclude_through_the_api(client, users):
    lead = api(client, users["doctor"], "post", "/api/v1/leads", LEAD).json()
    r = api(client, users["office"], "post", f"/api/v1/leads/{lead['id']}/exclude", {"exclusion_reason": "经核实系误报"})
    assert r.status_code == 200 and r.json()["state"] == "excluded" and r.json()["exclusion_reason"] == "经核实系误报"
    missing = api(client, users["office"], "post", f"/api/v1/leads/{lead['id']}/exclude", {})
    assert missing.status_code == 422 and "exclusion_reason" in errors_of(missing)


def phases(data=SEED_PHASES):
    return [{"phase": p, "start": data[f"{p}_start"], "end": data[f"{p}_end"]}
            for p in ("plan", "implement", "fill_gaps", "consolidate")]


def test_campaign_api(client, users):
    r = api(client, users["office"], "post", "/api/v1/campaigns",
            {"name": "2022年摸排", "risk_since": "2022-01-01", "phases": phases()})
    assert r.status_code == 201, r.content
    c = r.json()
    assert c["region_code"] == "990102001000" and [p["phase"] for p in c["phases"]] == [
        "plan", "implement", "fill_gaps", "consolidate"]
    assert c["groups"]["risk3"].startswith("2022年01月01日以来") and c["progress"]["totals"]["listed"] == 0
    bad = api(client, users["office"], "post", "/api/v1/campaigns", {
        "name": "x", "risk_since": "2022-01-01", "phases": phases({**SEED_PHASES, "implement_start": "2022-09-10"})})
    assert bad.status_code == 422 and "不得重叠" in errors_of(bad)["implement_start"]
    assert api(client, users["police"], "post", "/api/v1/campaigns",
               {"name": "x", "risk_since": "2022-01-01", "phases": phases()}).status_code == 403
    url = f"/api/v1/campaigns/{c['id']}"
    number = id_for(dt.date(1970, 1, 1))
    person = {"name": "刘某", "id_number": number, "region_code": V11, "whereabouts": "hospitalized",
              "whereabouts_detail": "psychiatric_hospital"}
    first = api(client, users["police"], "post", f"{url}/listings", {**person, "group": "hospitalized"})
    assert first.status_code == 201 and first.json()["merged"] is False
    second = api(client, users["doctor"], "post", f"{url}/listings", {**person, "group": "risk3"})
    assert second.status_code == 200 and second.json()["merged"] is True
    p = second.json()["person"]
    assert p["departments"] == ["health", "police"] and p["groups"] == ["risk3", "hospitalized"]
    assert p["id_number_masked"] != number and number not in second.content.decode()
    api(client, users["civil"], "post", f"{url}/listings", {"group": "welfare_disability", "name": "钱某",
                                                            "birth_date": "1960-01-01", "region_code": V12})
    r = api(client, users["doctor"], "post", f"{url}/persons/{p['id']}", {"assessment_result": "confirmed"})
    assert r.status_code == 200 and r.json()["assessed"] is True
    detail = api(client, users["doctor"], "get", url).json()
    assert detail["progress"]["totals"] == {"listed": 2, "assessed": 1, "confirmed": 1, "entered": 0}
    report = api(client, users["doctor"], "get", f"{url}/report").json()
    assert report["confidential"] == "内部资料 注意保密" and report["total"] == 2
    assert [(g["label"], g["count"]) for g in report["groups"]] == [
        ("住院治疗（精神卫生医疗机构）", 1), ("未分类（去向待核实）", 1)]
    row = AuditEvent.objects.get(target=f"campaign:{c['id']}:report")
    assert row.action == "export" and "刘某" not in str(row.detail)
    imported = api(client, users["doctor"], "post", f"{url}/import", {"group": "risk3"})
    assert imported.status_code == 200 and imported.json() == {"added": 0, "merged": 0}
    assert api(client, users["doctor"], "post", f"{url}/import", {"group": "forensic"}).status_code == 422


def test_openapi_documents_the_screening_routes():
    """The OpenAPI document of this app's operations (built alone, so that another app's schema cannot
    hide a problem here or break this test)."""
    from ninja.openapi.schema import OpenAPISchema

    from jingfang.api import api as jingfang_api

    class ScreeningOnly(OpenAPISchema):
        def methods(self, operations):
            return super().methods([op for op in operations if op.view_func.__module__.startswith("jingfang.screening")])

    paths = ScreeningOnly(jingfang_api, "api/")["paths"]
    assert set(paths) == {
        "/api/v1/leads", "/api/v1/leads/{id}", "/api/v1/leads/{id}/refer", "/api/v1/leads/{id}/exclude",
        "/api/v1/leads/{id}/confirm", "/api/v1/campaigns", "/api/v1/campaigns/{id}", "/api/v1/campaigns/{id}/persons",
        "/api/v1/campaigns/{id}/listings", "/api/v1/campaigns/{id}/import", "/api/v1/campaigns/{id}/persons/{person_id}",
        "/api/v1/campaigns/{id}/report"}
    assert paths["/api/v1/leads"]["post"]["summary"] == "登记疑似线索"
    assert "allow_duplicates" in str(paths["/api/v1/leads"]["post"])
    assert all(op.get("summary") for ops in paths.values() for op in ops.values())
