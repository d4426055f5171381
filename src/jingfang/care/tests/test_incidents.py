"""Incidents (肇事肇祸): recording raises the patient's key-person status through the file's past
dangerous acts; the retrospective review (倒查) lays out the preceding 12 months on one timeline,
including follow-up dates that passed without a contact; clinical rows only for health roles."""

import datetime as dt

import pytest

from jingfang.audit.models import AuditEvent
from jingfang.care import services, timeline
from jingfang.care.models import Incident
from jingfang.core import errors
from jingfang.followups import services as followup_services
from jingfang.policies.profiles import Interval
from jingfang.registry.models import Patient, Revision

from .conftest import TODAY

pytestmark = pytest.mark.django_db


def visit(user, patient, days_ago, risk=0, **over):
    data = {"date": (TODAY - dt.timedelta(days=days_ago)).isoformat(), "mode": "home_visit", "seen": "on",
            "risk_level": risk, "insight": "full", "social_function": "good", "adherence": "regular",
            "adverse_reaction": "none", "physical_illness": "none", "med_1_name": "利培酮", "med_1_dose": "2mg/日"}
    data.update(over)
    return followup_services.record_followup(user, patient, data)


def incident_data(days_ago=10, kind="trouble", **over):
    data = {"date": (TODAY - dt.timedelta(days=days_ago)).isoformat(), "place": "村委会门口", "kind": kind,
            "description": "持棍打砸村委会门窗", "injuries": 1, "deaths": 0, "property_loss_yuan": "1200.50",
            "police_response": "派出所10分钟到场控制", "onsite_handling": "综治办协调村委会疏散群众",
            "hospital": "县精神病医院", "compulsory": "on", "aftermath": "赔偿损失"}
    data.update(over)
    return data


def test_incident_raises_key_person_through_past_acts(users, patient):
    visit(users["vdoc"], patient, 30)
    patient.refresh_from_db()
    assert not patient.key_person and patient.version == 2
    incident = services.record_incident(users["police"], patient, incident_data())  # police may not edit the file
    patient = Patient.objects.get(pk=patient.pk)
    assert patient.key_person is True and patient.past_dangerous_acts == {"trouble": 1}
    assert "既往有肇事肇祸或自伤自杀行为" in patient.key_reasons
    assert patient.version == 3
    assert Revision.objects.get(patient=patient, version=3).changes == {"acts_trouble": [0, 1]}
    assert AuditEvent.objects.filter(action="create", target=f"incident:{incident.pk}", patient_id=patient.pk).exists()
    assert AuditEvent.objects.filter(action="update", patient_id=patient.pk, detail__via="incident").exists()
    services.record_incident(users["office"], patient, incident_data(days_ago=5, kind="disaster"))
    assert Patient.objects.get(pk=patient.pk).past_dangerous_acts == {"trouble": 1, "disaster": 1}


def test_incident_refusals(users, patient):
    with pytest.raises(errors.Forbidden):
        services.record_incident(users["civil"], patient, incident_data())
    with pytest.raises(errors.Invalid) as exc:
        services.record_incident(users["police"], patient, incident_data(kind="riot"))
    assert exc.value.errors[0].field == "kind"
    with pytest.raises(errors.Invalid):
        services.record_incident(users["police"], patient, incident_data(days_ago=-1))
    assert not Incident.objects.exists() and Patient.objects.get(pk=patient.pk).past_dangerous_acts == {}


def test_timeline_shows_a_missed_followup_date_and_the_incident(users, patient):
    visit(users["vdoc"], patient, 300)  # stable: next due 3 months later (2018 norms)
    visit(users["vdoc"], patient, 100)  # ~200 days later: the due date in between was missed
    services.save_meeting(users["doctor"], {
        "kind": "team_monthly", "region_code": "990102001001", "date": (TODAY - dt.timedelta(days=50)).isoformat(),
        "decisions": "加强监护", "patient_ids": [patient.pk], "attendees": [{"name": "李组长"}]})
    incident = services.record_incident(users["police"], patient, incident_data(days_ago=10))
    data = timeline.timeline(incident, users["doctor"])
    assert data["start"] == timeline.months_before(incident.date, 12)
    due = Interval.parse("3m").after(TODAY - dt.timedelta(days=300))
    missed = [e for e in data["entries"] if e.category == "missed"]
    assert [e.date for e in missed] == [due]
    assert f"下次联系为{(TODAY - dt.timedelta(days=100)):%Y-%m-%d}" in missed[0].detail and missed[0].problem
    assert "病情稳定" in missed[0].clinical_detail
    categories = [e.category for e in data["entries"]]
    assert categories.count("followup") == 2 and "meeting" in categories and categories[-1] == "incident"
    assert data["summary"]["missed"] == 1 and data["summary"]["meetings"] == 1
    clinical = [e for e in data["entries"] if e.category == "clinical"]
    assert clinical and "利培酮" in clinical[0].detail


def test_police_never_see_clinical_timeline_rows(client, users, patient):
    visit(users["vdoc"], patient, 60, risk=2)
    incident = services.record_incident(users["police"], patient, incident_data(days_ago=1))
    for who in ("police", "office", "civil"):
        data = timeline.timeline(incident, users[who])
        assert not [e for e in data["entries"] if e.clinical or e.clinical_detail]
    client.force_login(users["police"])
    html = client.get(f"/care/incidents/{incident.pk}/review/").content.decode()
    # visit dates tell the class: the follow-up rows go to health roles and the incident's reviewers only
    assert "危险性评估2级" not in html and "随访（" not in html
    assert "利培酮" not in html and "病情分类" not in html and "基本稳定" not in html
    client.force_login(users["office"])  # a reviewer, who receives the risk level
    html = client.get(f"/care/incidents/{incident.pk}/review/").content.decode()
    assert "危险性评估2级" in html and "利培酮" not in html
    client.force_login(users["police"])
    body = client.get(f"/api/v1/incidents/{incident.pk}/timeline").json()
    assert body["entries"] and not [e for e in body["entries"] if e["clinical"]]
    assert "利培酮" not in str(body)
    client.force_login(users["doctor"])
    assert "利培酮" in client.get(f"/care/incidents/{incident.pk}/review/").content.decode()


def test_review_findings_are_saved_by_reviewers_only(client, users, patient):
    incident = services.record_incident(users["police"], patient, incident_data())
    with pytest.raises(errors.Forbidden):
        services.save_review(users["police"], incident, "随访不到位")
    client.force_login(users["office"])
    r = client.post(f"/care/incidents/{incident.pk}/review/", {"review_findings": "2月应随访未随访；监护协议未签订"})
    assert r.status_code == 302
    incident.refresh_from_db()
    assert incident.reviewed_by == users["office"] and incident.reviewed_at and "监护协议" in incident.review_findings
    assert client.post(f"/care/incidents/{incident.pk}/review/", {"review_findings": " "}).status_code == 422


def test_incident_pages(client, users, patient, other):
    client.force_login(users["police"])
    form = client.get(f"/care/incidents/new/?patient={patient.pk}")
    assert form.status_code == 200 and "触犯了《刑法》" in form.content.decode()  # the form's definitions
    r = client.post("/care/incidents/new/", {**incident_data(), "patient": str(patient.pk)})
    assert r.status_code == 302
    incident = Incident.objects.get()
    assert "派出所10分钟到场控制" in client.get(r["Location"]).content.decode()
    assert Patient.objects.get(pk=patient.pk).key_person
    services.record_incident(users["police"], other, incident_data())
    client.force_login(users["vdoc"])
    listing = client.get("/care/incidents/")
    assert [i.patient.name for i in listing.context["page"].object_list] == ["甲患者"]
    assert client.get(f"/care/incidents/{incident.pk}/").status_code == 200
    assert client.post("/care/incidents/new/", {**incident_data(), "patient": str(patient.pk)}).status_code == 302
    client.force_login(users["judicial"])
    assert client.get("/care/incidents/new/").status_code == 403


@pytest.mark.parametrize("who, hospital, findings", [
    ("doctor", True, True), ("vdoc", True, True), ("office", True, True), ("police", True, False),
    ("civil", False, False), ("dpf", False, False), ("cadre", False, False), ("judicial", False, False),
])
def test_an_incident_s_hospital_and_review_findings_reach_only_their_readers(client, users, patient, who,
                                                                             hospital, findings):
    """The hospital (and compulsory treatment) is a treatment fact: health staff and the roles whose duty
    is the risk; the review's findings are for health staff and the reviewers (page and API alike)."""
    from jingfang.accounts.services import issue_token

    incident = services.record_incident(users["police"], patient, incident_data())
    services.save_review(users["office"], incident, "随访间隔过长，监护人未落实看护")
    user = users[who]
    client.force_login(user)
    detail = client.get(f"/care/incidents/{incident.pk}/").content.decode()
    review = client.get(f"/care/incidents/{incident.pk}/review/").content.decode()
    api = client.get(f"/api/v1/incidents/{incident.pk}", HTTP_AUTHORIZATION=f"Bearer {issue_token(user)}")
    assert ("县精神病医院" in detail) is hospital and ("强制住院" in detail) is hospital
    assert ("随访间隔过长" in review) is findings
    body = api.json()
    assert (body["hospital"] == "县精神病医院") is hospital and body["compulsory"] is hospital
    assert (body["review_findings"] != "") is findings
