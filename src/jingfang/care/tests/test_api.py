"""The care API: paths in the OpenAPI document, and each resource's contract (bodies, statuses, errors)."""

import datetime as dt
import json

import pytest

from jingfang.accounts.services import issue_token
from jingfang.registry.models import Guardian, Patient

from .conftest import TODAY, full_team

pytestmark = pytest.mark.django_db

CARE_PATHS = [
    ("/api/v1/patients/{id}/care-team", "get"), ("/api/v1/patients/{id}/care-team", "put"),
    ("/api/v1/patients/{id}/care-team/reveal", "post"), ("/api/v1/care/directory", "get"),
    ("/api/v1/meetings", "get"), ("/api/v1/meetings", "post"), ("/api/v1/meetings/{id}", "get"),
    ("/api/v1/meetings/{id}", "put"), ("/api/v1/meetings/{id}/tasks/{task_id}/done", "post"),
    ("/api/v1/patients/{id}/guardianship", "get"), ("/api/v1/patients/{id}/guardianship", "post"),
    ("/api/v1/guardianship/{id}/revoke", "post"), ("/api/v1/guardianship/{id}/replace", "post"),
    ("/api/v1/incidents", "get"), ("/api/v1/incidents", "post"), ("/api/v1/incidents/{id}", "get"),
    ("/api/v1/incidents/{id}/review", "put"), ("/api/v1/incidents/{id}/timeline", "get"),
]


class Api:
    def __init__(self, client, user):
        self.client, self.headers = client, {"HTTP_AUTHORIZATION": f"Bearer {issue_token(user)}"}

    def __call__(self, method, url, body=None):
        if body is None:
            return getattr(self.client, method)(url, **self.headers)
        return getattr(self.client, method)(url, data=json.dumps(body, default=str), content_type="application/json",
                                            **self.headers)


def test_openapi_lists_the_care_paths(client):
    schema = client.get("/api/openapi.json").json()
    for path, method in CARE_PATHS:
        assert method in schema["paths"][path], (path, method)
    assert schema["components"]["schemas"]["MeetingIn"].get("additionalProperties") is False
    assert "肇祸" in json.dumps(schema["components"]["schemas"]["IncidentIn"], ensure_ascii=False)


def test_care_team_api(client, users, patient):
    api = Api(client, users["vdoc"])
    empty = api("get", f"/api/v1/patients/{patient.pk}/care-team").json()
    assert not empty["exists"] and empty["missing_roles"] == ["leader", "township_doctor", "police", "guardian"]
    assert "中梁乡2022，二、3" in empty["duties"]["police"]
    r = api("put", f"/api/v1/patients/{patient.pk}/care-team", {"members": full_team(users)})
    assert r.status_code == 200
    body = r.json()
    assert body["complete"] and body["joint_visit_min_members"] == 1
    assert {m["phone_masked"] for m in body["members"]} >= {"137****0001"} and "13700000001" not in r.content.decode()
    bad = api("put", f"/api/v1/patients/{patient.pk}/care-team", {"members": [{"role": "boss", "name": "x"}]})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"].startswith("members.0.role")
    extra = api("put", f"/api/v1/patients/{patient.pk}/care-team", {"members": [], "owner": 1})
    assert extra.status_code == 422
    shown = api("post", f"/api/v1/patients/{patient.pk}/care-team/reveal").json()
    assert "13700000001" in {m["phone"] for m in shown}
    police = Api(client, users["police"])
    assert police("put", f"/api/v1/patients/{patient.pk}/care-team", {"members": []}).status_code == 403
    directory = api("get", "/api/v1/care/directory").json()
    assert directory["region_code"] == "990102001001" and directory["count"] == 4
    assert all("phone" not in row for row in directory["items"])


def test_meeting_api_puts_tasks_on_the_worklist(client, users, patient):
    api = Api(client, users["doctor"])
    body = {"kind": "team_monthly", "region_code": "990102001001", "date": TODAY, "patient_ids": [patient.pk],
            "attendees": [{"name": "李组长"}],
            "tasks": [{"text": "协助办理残疾证", "owner_id": users["vdoc"].pk, "due_date": TODAY + dt.timedelta(days=5)}]}
    r = api("post", "/api/v1/meetings", body)
    assert r.status_code == 201
    meeting = r.json()
    assert meeting["patients"] == [{"id": patient.pk, "name": "甲患者", "region_code": "990102001001"}]
    owner = Api(client, users["vdoc"])
    items = owner("get", "/api/v1/worklist?kind=deadline").json()["items"]
    task_item = next(i for i in items if i["label"] == "会议任务：协助办理残疾证")
    assert task_item["url"] == f"/care/meetings/{meeting['id']}/" and task_item["patient_id"] is None
    task_id = meeting["tasks"][0]["id"]
    done = owner("post", f"/api/v1/meetings/{meeting['id']}/tasks/{task_id}/done")
    assert done.status_code == 200 and done.json()["done"]
    assert owner("post", f"/api/v1/meetings/{meeting['id']}/tasks/{task_id}/done").status_code == 422
    assert api("get", "/api/v1/meetings?kind=team_monthly").json()["count"] == 1
    bad = api("post", "/api/v1/meetings", {**body, "kind": "weekly"})
    assert bad.status_code == 422


def test_guardianship_api(client, users, patient):
    second = Guardian.objects.create(patient=patient, name="王二", relation="sibling", is_primary=False)
    api = Api(client, users["doctor"])
    first = patient.guardians.get(is_primary=True)
    r = api("post", f"/api/v1/patients/{patient.pk}/guardianship",
            {"guardian_id": first.pk, "type": "reward", "start": TODAY, "signed": True, "signed_on": TODAY})
    assert r.status_code == 201 and r.json()["state_today"] == "active"
    aid = r.json()["id"]
    assert api("post", f"/api/v1/guardianship/{aid}/revoke", {"reason": ""}).status_code == 422
    cadre = Api(client, users["cadre"])
    assert cadre("post", f"/api/v1/guardianship/{aid}/revoke", {"reason": "不履责"}).status_code == 403
    new = api("post", f"/api/v1/guardianship/{aid}/replace", {"reason": "不履责", "new": {"guardian_id": second.pk}})
    assert new.status_code == 201 and new.json()["guardian_name"] == "王二"
    history = api("get", f"/api/v1/patients/{patient.pk}/guardianship").json()
    states = {a["guardian_name"]: (a["state"], a["replaced_by_id"]) for a in history}
    assert states == {"王监护": ("revoked", new.json()["id"]), "王二": ("active", None)}


def test_incident_api(client, users, patient):
    police = Api(client, users["police"])
    body = {"patient_id": patient.pk, "date": TODAY, "place": "集市", "kind": "disaster", "injuries": 2,
            "property_loss_yuan": "300.5", "police_response": "出警控制"}
    r = police("post", "/api/v1/incidents", body)
    assert r.status_code == 201
    incident = r.json()
    assert incident["kind_label"] == "肇祸" and "《刑法》" in incident["kind_definition"]
    assert incident["property_loss_yuan"] == 300.5
    assert Patient.objects.get(pk=patient.pk).key_person
    assert police("get", f"/api/v1/incidents/{incident['id']}").json()["injuries"] == 2
    listing = police("get", "/api/v1/incidents?kind=disaster").json()
    assert listing["count"] == 1
    timeline = police("get", f"/api/v1/incidents/{incident['id']}/timeline").json()
    assert timeline["entries"][-1]["category"] == "incident"
    assert police("put", f"/api/v1/incidents/{incident['id']}/review", {"review_findings": "x"}).status_code == 403
    office = Api(client, users["office"])
    saved = office("put", f"/api/v1/incidents/{incident['id']}/review", {"review_findings": "监护落实不到位"})
    assert saved.status_code == 200 and saved.json()["reviewed_at"]
    assert police("post", "/api/v1/incidents", {**body, "kind": "fight"}).status_code == 422
    assert police("post", "/api/v1/incidents", {**body, "injuries": -1}).status_code == 422
