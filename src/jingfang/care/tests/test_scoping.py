"""Jurisdiction on every care page and API route: a patient, agreement, incident, meeting or region
outside the user's region answers 404 exactly like one that does not exist, the attempt is audited
as denied, and nothing is written. Lists show only the jurisdiction."""

import json

import pytest

from jingfang.accounts.services import issue_token
from jingfang.audit.models import AuditEvent
from jingfang.care import services
from jingfang.care.models import CareTeam, GuardianshipAgreement, Incident, Meeting, MeetingTask
from jingfang.registry.models import Patient

from .conftest import TODAY, full_team

pytestmark = pytest.mark.django_db
MISSING = 999999
MISSING_REGION = "990102001009"
WHO = ["doctor2", "outsider", "vdoc"]  # another township; another county; the village doctor of 甲村


@pytest.fixture
def world(users, other):
    """乙村's patient with a team, an agreement, an incident, and a 乙村 meeting with a task."""
    services.save_team(users["doctor"], other, full_team(users, guardian_name="乙监护"))
    agreement = services.create_agreement(users["doctor"], other, {
        "guardian_id": other.guardians.get().pk, "type": "management", "start": TODAY})
    incident = services.record_incident(users["police"], other, {
        "date": TODAY.isoformat(), "place": "乙村", "kind": "minor_trouble"})
    meeting = services.save_meeting(users["doctor"], {
        "kind": "team_monthly", "region_code": "990102001002", "date": TODAY.isoformat(), "patient_ids": [other.pk],
        "attendees": [{"name": "乙组长"}],
        "tasks": [{"text": "走访", "owner_id": users["doctor"].pk, "due_date": TODAY.isoformat()}]})
    return {"pid": other.pk, "aid": agreement.pk, "iid": incident.pk, "mid": meeting.pk,
            "tid": meeting.tasks.get().pk, "code": "990102001002", "patient": other}


def fill(template: str, ids: dict, missing: bool) -> str:
    values = dict(ids)
    if missing:
        values.update({"pid": MISSING, "aid": MISSING, "iid": MISSING, "mid": MISSING, "code": MISSING_REGION})
    return template.format(**values)


def fill_body(body, ids: dict, missing: bool, as_int: bool):
    """The body with "{pid}" and the like filled in (as an integer for JSON bodies)."""
    if isinstance(body, dict):
        return {k: fill_body(v, ids, missing, as_int) for k, v in body.items()}
    if isinstance(body, str) and body.startswith("{") and body.endswith("}"):
        value = fill(body, ids, missing)
        return int(value) if as_int else value
    return body


def snapshot(world):
    p = Patient.objects.get(pk=world["pid"])
    return (p.version, p.past_dangerous_acts, CareTeam.objects.get(patient=p).members.count(),
            GuardianshipAgreement.objects.filter(state="revoked").count(), Incident.objects.count(),
            Incident.objects.exclude(review_findings="").count(), Meeting.objects.count(),
            MeetingTask.objects.filter(done=True).count(), GuardianshipAgreement.objects.count())


INCIDENT_FORM = {"date": TODAY.isoformat(), "place": "越权", "kind": "trouble"}
PAGES = [
    ("get", "/care/patients/{pid}/team/", None, "patient"),
    ("post", "/care/patients/{pid}/team/", {"rows": "1", "m-0-role": "volunteer", "m-0-name": "越权"}, "patient"),
    ("post", "/care/patients/{pid}/team/reveal/", {}, "patient"),
    ("get", "/care/patients/{pid}/guardianship/", None, "patient"),
    ("post", "/care/patients/{pid}/guardianship/", {"type": "reward", "start": TODAY.isoformat()}, "patient"),
    ("get", "/care/incidents/new/?patient={pid}", None, "patient"),
    ("post", "/care/incidents/new/", {**INCIDENT_FORM, "patient": "{pid}"}, "patient"),
    ("get", "/care/incidents/?patient={pid}", None, "patient"),
    ("get", "/care/guardianship/{aid}/revoke/", None, "patient"),
    ("post", "/care/guardianship/{aid}/revoke/", {"reason": "越权撤销"}, "patient"),
    ("get", "/care/incidents/{iid}/", None, "patient"),
    ("get", "/care/incidents/{iid}/review/", None, "patient"),
    ("post", "/care/incidents/{iid}/review/", {"review_findings": "越权"}, "patient"),
    ("get", "/care/meetings/{mid}/", None, "meeting"),
    ("get", "/care/meetings/{mid}/edit/", None, "meeting"),
    ("post", "/care/meetings/{mid}/edit/", {"kind": "team_monthly"}, "meeting"),
    ("post", "/care/meetings/{mid}/tasks/{tid}/done/", {}, "meeting"),
    ("get", "/care/directory/?region={code}", None, "region"),
    ("post", "/care/directory/reveal/?region={code}", {}, "region"),
]


def assert_denied(user, world, kind):
    denied = AuditEvent.objects.filter(user_id=user.pk, outcome="denied")
    if kind == "patient":
        assert denied.filter(patient_id=world["pid"]).exists()
    elif kind == "meeting":
        assert denied.filter(target=f"meeting:{world['mid']}").exists()
    else:
        assert denied.filter(target=f"region:{world['code']}").exists()


@pytest.mark.parametrize("who", WHO)
@pytest.mark.parametrize("method,url,body,kind", PAGES, ids=[f"{m} {u}" for m, u, _, _ in PAGES])
def test_pages_answer_404_like_missing_and_audit(client, users, world, who, method, url, body, kind):
    user = users[who]
    client.force_login(user)
    before = snapshot(world)

    def call(missing):
        data = fill_body(body or {}, world, missing, as_int=False)
        return getattr(client, method)(fill(url, world, missing), data) if method == "post" else client.get(
            fill(url, world, missing))

    foreign, missing = call(False), call(True)
    assert foreign.status_code == missing.status_code == 404
    assert foreign.content == missing.content
    assert "乙患者" not in foreign.content.decode()
    assert_denied(user, world, kind)
    assert snapshot(world) == before


API = [
    ("get", "/api/v1/patients/{pid}/care-team", None, "patient"),
    ("put", "/api/v1/patients/{pid}/care-team", {"members": [{"role": "volunteer", "name": "越权"}]}, "patient"),
    ("post", "/api/v1/patients/{pid}/care-team/reveal", {}, "patient"),
    ("get", "/api/v1/patients/{pid}/guardianship", None, "patient"),
    ("post", "/api/v1/patients/{pid}/guardianship", {"guardian_id": 1, "type": "reward", "start": "2025-01-01"},
     "patient"),
    ("post", "/api/v1/guardianship/{aid}/revoke", {"reason": "越权"}, "patient"),
    ("post", "/api/v1/guardianship/{aid}/replace", {"reason": "越权", "new": {"guardian_id": 1}}, "patient"),
    ("post", "/api/v1/incidents", {"patient_id": "{pid}", **INCIDENT_FORM}, "patient"),
    ("get", "/api/v1/incidents?patient_id={pid}", None, "patient"),
    ("get", "/api/v1/incidents/{iid}", None, "patient"),
    ("get", "/api/v1/incidents/{iid}/timeline", None, "patient"),
    ("put", "/api/v1/incidents/{iid}/review", {"review_findings": "越权"}, "patient"),
    ("get", "/api/v1/meetings/{mid}", None, "meeting"),
    ("put", "/api/v1/meetings/{mid}", {"kind": "team_monthly", "region_code": "990102001002", "date": "2025-01-01",
                                       "attendees": [{"name": "越权"}]}, "meeting"),
    ("post", "/api/v1/meetings/{mid}/tasks/{tid}/done", {}, "meeting"),
    ("get", "/api/v1/care/directory?region_code={code}", None, "region"),
]


@pytest.mark.parametrize("who", WHO)
@pytest.mark.parametrize("method,url,body,kind", API, ids=[f"{m} {u}" for m, u, _, _ in API])
def test_api_answers_404_like_missing_and_audits(client, users, world, who, method, url, body, kind):
    user = users[who]
    headers = {"HTTP_AUTHORIZATION": f"Bearer {issue_token(user)}"}
    before = snapshot(world)

    def call(missing):
        target = fill(url, world, missing)
        if body is None:
            return getattr(client, method)(target, **headers)
        data = fill_body(body, world, missing, as_int=True)
        return getattr(client, method)(target, data=json.dumps(data), content_type="application/json", **headers)

    foreign, missing = call(False), call(True)
    assert foreign.status_code == missing.status_code == 404
    assert foreign.content == missing.content
    assert_denied(user, world, kind)
    assert snapshot(world) == before


@pytest.mark.parametrize("who,sees", [("doctor", True), ("county", True), ("vdoc", False), ("doctor2", False),
                                      ("outsider", False)])
def test_lists_show_only_the_jurisdiction(client, users, world, who, sees):
    client.force_login(users[who])
    assert (client.get("/api/v1/meetings").json()["count"] == 1) is sees
    assert (client.get("/api/v1/incidents").json()["count"] == 1) is sees
    assert (len(client.get("/care/incidents/").context["page"].object_list) == 1) is sees
    assert (len(client.get("/care/meetings/").context["page"].object_list) == 1) is sees
    rows = client.get("/care/teams/").context["rows"]
    assert ("乙患者" in [r["p"].name for r in rows]) is sees


def test_directory_defaults_to_the_users_own_region(client, users, world):
    client.force_login(users["vdoc"])
    r = client.get("/care/directory/")
    assert r.status_code == 200 and r.context["region"].code == "990102001001" and r.context["rows"] == []
