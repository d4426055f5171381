"""The intake API: contract (OpenAPI paths, Chinese 422 bodies, 409 on refused steps), the three
workflows end to end, and what each side of a transfer reads."""

import pytest
from django.utils.timezone import localdate

from jingfang.audit.models import AuditEvent
from jingfang.registry.models import Patient

from .helpers import api, new_id

pytestmark = pytest.mark.django_db


def test_openapi_documents_every_route(client, users):
    paths = client.get("/api/openapi.json").json()["paths"]
    for path in ("/api/v1/report-cards", "/api/v1/report-cards/{id}", "/api/v1/report-cards/{id}/accept",
                 "/api/v1/report-cards/{id}/enter", "/api/v1/report-cards/{id}/police-query",
                 "/api/v1/report-cards/{id}/refer-cdc", "/api/v1/releases", "/api/v1/releases/{id}/takeover",
                 "/api/v1/transfers", "/api/v1/transfers/inbox", "/api/v1/transfers/{id}/accept",
                 "/api/v1/transfers/{id}/return"):
        assert path in paths, path
    assert set(paths["/api/v1/report-cards"]) == {"get", "post"}


def test_report_card_workflow(client, users):
    doctor = users["doctor"]
    bad = api(client, doctor, "post", "/api/v1/report-cards", {"kind": "onset", "hospital": "医院", "received_on": "x",
                                                               "patient_name": "孟接口", "role": "admin"})
    assert bad.status_code == 422
    fields = {e["field"]: e["message"] for e in bad.json()["errors"]}
    assert fields["role"] == "role：不是可接受的字段" and "日期" in fields["received_on"]
    number = new_id()
    r = api(client, doctor, "post", "/api/v1/report-cards", {
        "kind": "onset", "hospital": "测试市精神卫生中心", "received_on": "2024-09-27", "patient_name": "孟接口",
        "id_number": number, "address": "甲村", "diagnosis": "bipolar"})
    assert r.status_code == 201
    card = r.json()
    assert card["id_number_masked"] != number and number not in r.content.decode()
    assert {d["kind"]: d["due_date"] for d in card["deadlines"]} == {"intake_accept": "2024-10-10",
                                                                     "intake_enter": "2024-10-16"}
    assert all(d["state"] == "overdue" for d in card["deadlines"])
    url = f"/api/v1/report-cards/{card['id']}"
    assert api(client, doctor, "post", f"{url}/enter", {"region_code": "990102001001"}).status_code == 409
    bad = api(client, doctor, "post", f"{url}/accept", {"accepted_on": "2024-09-01"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "accepted_on"
    assert api(client, doctor, "post", f"{url}/accept", {"accepted_on": "2024-10-08"}).json()["status"] == "accepted"
    twice = api(client, doctor, "post", f"{url}/accept", {})
    assert twice.status_code == 409 and "不能再次接收" in twice.json()["errors"][0]["message"]
    r = api(client, doctor, "post", f"{url}/enter", {"region_code": "990102001002", "address": "乙村9号",
                                                     "guardian": {"name": "孟监护", "relation": "spouse"}})
    assert r.status_code == 200 and r.json()["status"] == "entered" and r.json()["deadlines"] == []
    patient = Patient.objects.get(id_number=number)
    assert r.json()["patient_id"] == patient.pk and patient.diagnosis == "bipolar"
    listing = api(client, users["office"], "get", "/api/v1/report-cards?status=entered").json()
    assert listing["count"] == 1 and "diagnosis" not in listing["items"][0]  # the office: no clinical keys
    assert api(client, doctor, "get", url).json()["diagnosis"] == "bipolar"


def test_police_and_cdc_through_the_api(client, users):
    r = api(client, users["office"], "post", "/api/v1/report-cards", {
        "kind": "discharge", "hospital": "测试医院", "received_on": localdate().isoformat(), "patient_name": "滕无址",
        "address_unknown": True})
    url = f"/api/v1/report-cards/{r.json()['id']}"
    assert {d["kind"] for d in r.json()["deadlines"]} == {"intake_accept", "intake_enter", "intake_police_query"}
    assert api(client, users["office"], "post", f"{url}/refer-cdc", {}).status_code == 409
    r = api(client, users["office"], "post", f"{url}/police-query", {"station": "东镇派出所"})
    assert r.json()["police_asked_on"] == localdate().isoformat()
    r = api(client, users["office"], "post", f"{url}/refer-cdc", {"note": "查无此址"})
    assert r.json()["status"] == "referred_cdc" and r.json()["deadlines"] == []


def test_release_workflow(client, users, make_patient):
    patient = make_patient("990102001001", name="殷释放", status="drug_rehab", status_since="2024-01-02")
    r = api(client, users["police"], "post", "/api/v1/releases", {
        "kind": "drug_rehab", "released_on": "2024-09-26", "notifying_unit": "测试戒毒所", "patient_id": patient.pk})
    assert r.status_code == 201 and r.json()["patient_id"] == patient.pk and r.json()["deadline"]["state"] == "due"
    url = f"/api/v1/releases/{r.json()['id']}/takeover"
    assert api(client, users["police"], "post", url, {}).status_code == 403
    r = api(client, users["office"], "post", url, {"note": "已接管"})
    assert r.status_code == 200 and r.json()["status"] == "taken_over" and r.json()["deadline"] is None
    assert Patient.objects.get(pk=patient.pk).status == "at_home"
    assert api(client, users["office"], "post", url, {}).status_code == 409
    assert api(client, users["police"], "get", "/api/v1/releases?status=taken_over").json()["count"] == 1


def test_transfer_workflow_and_what_each_side_reads(client, users, make_patient):
    patient = make_patient("990102001001", name="邵接口")
    origin, dest = users["doctor"], users["doctor2"]
    assert api(client, origin, "post", "/api/v1/transfers", {"patient_id": patient.pk, "destination_code":
                                                             "990102001000", "reason": "迁居"}).status_code == 422
    r = api(client, origin, "post", "/api/v1/transfers", {"patient_id": patient.pk, "destination_code": "990102002000",
                                                          "reason": "迁居"})
    assert r.status_code == 201 and r.json()["status"] == "sent" and r.json()["patient"] is None
    tid = r.json()["id"]
    again = api(client, origin, "post", "/api/v1/transfers", {"patient_id": patient.pk,
                                                              "destination_code": "990103001000", "reason": "再转"})
    assert again.status_code == 409
    inbox = api(client, dest, "get", "/api/v1/transfers/inbox").json()
    assert [t["id"] for t in inbox] == [tid]
    summary = inbox[0]["patient"]
    assert summary["name"] == "邵接口" and "diagnosis" not in summary and "address" not in summary
    assert summary["id_number_masked"] != patient.id_number
    assert api(client, dest, "get", f"/api/v1/patients/{patient.pk}").status_code == 404  # no file yet
    assert api(client, origin, "get", "/api/v1/transfers/inbox").json() == []
    bad = api(client, dest, "post", f"/api/v1/transfers/{tid}/accept", {"village_code": "990102001001"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "village_code"
    r = api(client, dest, "post", f"/api/v1/transfers/{tid}/accept", {"village_code": "990102002001"})
    assert r.status_code == 200 and r.json()["status"] == "accepted"
    assert r.json()["destination_village_name"] == "丙村" and r.json()["patient_name"] == "邵接口"
    assert api(client, dest, "post", f"/api/v1/transfers/{tid}/accept",
               {"village_code": "990102002001"}).status_code == 409
    assert api(client, dest, "post", f"/api/v1/transfers/{tid}/return", {"reason": "晚了"}).status_code == 409
    assert api(client, dest, "get", f"/api/v1/patients/{patient.pk}").status_code == 200
    foreign = api(client, origin, "get", f"/api/v1/patients/{patient.pk}")
    assert foreign.status_code == 404 and foreign.content == api(client, origin, "get", "/api/v1/patients/987654").content
    mine = api(client, origin, "get", "/api/v1/transfers?direction=out").json()
    assert mine["count"] == 1 and mine["items"][0]["patient_name"] == "邵**"
    assert AuditEvent.objects.filter(user_id=origin.pk, target=f"transfer:{tid}", action="create",
                                     patient_id=patient.pk).exists()
    assert AuditEvent.objects.filter(user_id=dest.pk, target=f"transfer:{tid}", detail__step="accept",
                                     patient_id=patient.pk).exists()


def test_return_through_the_api(client, users, make_patient):
    patient = make_patient("990102001001", name="贺退回")
    r = api(client, users["doctor"], "post", "/api/v1/transfers", {
        "patient_id": patient.pk, "destination_code": "990103001000", "reason": "外出务工"})
    tid = r.json()["id"]
    assert api(client, users["outsider"], "post", f"/api/v1/transfers/{tid}/return", {}).status_code == 422
    r = api(client, users["outsider"], "post", f"/api/v1/transfers/{tid}/return", {"reason": "查无此人"})
    assert r.json()["status"] == "returned"
    fresh = Patient.objects.get(pk=patient.pk)
    assert fresh.region_id == "990102001001" and not fresh.transfer_pending
    assert api(client, users["doctor"], "get", f"/api/v1/patients/{patient.pk}").status_code == 200
