"""Pickers of the care forms: the incident form's patient picker (with and without JavaScript) and the
meeting tasks' owner picker (the discussed patients' care team first, then the meeting region's staff and
above; never another township's or village's)."""

import re

import pytest

from jingfang.audit.models import AuditEvent
from jingfang.care import services
from jingfang.care.models import Incident, Meeting, MeetingTask

from .conftest import full_team
from .test_incidents import incident_data
from .test_meetings import TODAY

pytestmark = pytest.mark.django_db

OWNERS = "/care/meetings/owners/"


def values(html) -> list[str]:
    return re.findall(r'<option value="(\d+)"', html)


def test_incident_form_without_a_patient_offers_the_picker_not_every_patient(client, users, patient, other):
    client.force_login(users["police"])
    html = client.get("/care/incidents/new/").content.decode()
    assert 'name="patient_q"' in html and "甲患者" not in html and "乙患者" not in html
    assert not AuditEvent.objects.filter(target="incident_form").exists()  # nothing listed, nothing read


def test_incident_form_find_without_javascript_then_save(client, users, patient, other):
    client.force_login(users["vdoc"])
    data = incident_data()
    r = client.post("/care/incidents/new/", {**data, "patient_q": "患者", "pick": "patient"})
    html = r.content.decode()
    assert r.status_code == 200 and values(html) == [str(patient.pk)]  # 乙患者 lies outside vdoc's village
    assert "持棍打砸村委会门窗" in html and not Incident.objects.exists()  # the typed form comes back, unsaved
    assert AuditEvent.objects.filter(target="incident_form", action="list").latest("id").detail == {
        "count": 1, "patients": [patient.pk]}
    r = client.post("/care/incidents/new/", {**data, "patient_q": "患者"})  # saved without choosing
    assert r.status_code == 422 and "请选择患者" in r.content.decode()
    assert values(r.content.decode()) == [str(patient.pk)]
    r = client.post("/care/incidents/new/", {**data, "patient_q": "患者", "patient": str(patient.pk)})
    assert r.status_code == 302 and Incident.objects.get().patient == patient


def test_incident_form_refuses_a_patient_outside_like_a_missing_one(client, users, other):
    client.force_login(users["vdoc"])
    r = client.post("/care/incidents/new/", {**incident_data(), "patient": str(other.pk)})
    assert r.status_code == 404 and not Incident.objects.exists()


def owners(client, region_code, patient_ids=(), q=""):
    r = client.get(OWNERS, {"field": "t-0-owner_id", "region_code": region_code, "patient_ids": list(patient_ids),
                            "t-0-owner_id_q": q})
    assert r.status_code == 200
    return r.content.decode()


def test_owners_team_first_then_the_region_and_above(client, users, make_user, patient):
    services.save_team(users["vdoc"], patient, full_team(users))  # the township doctor and police are members
    other_village = make_user("village_doctor", "v12")
    client.force_login(users["vdoc"])
    html = owners(client, "990102001001", [patient.pk])
    got = values(html)
    assert set(got[:2]) == {str(users["doctor"].pk), str(users["police"].pk)} and "【帮扶小组】" in html
    assert str(users["vdoc"].pk) in got and str(users["county"].pk) in got  # the village and above it
    for outside in (other_village, users["doctor2"], users["outsider"], users["admin"], users["auditor"]):
        assert str(outside.pk) not in got
    # without the patient, nobody comes first as a team member
    assert "【帮扶小组】" not in owners(client, "990102001001")


def test_owners_of_a_township_meeting_never_include_another_township(client, users, make_user, patient):
    make_user("village_doctor", "v12")
    client.force_login(users["doctor"])
    got = values(owners(client, "990102001000"))
    assert str(users["vdoc"].pk) in got and str(users["doctor2"].pk) not in got
    assert str(users["outsider"].pk) not in got


def test_owners_narrowed_by_name(client, users, patient):
    users["police"].first_name = "赵民警"
    users["police"].save()
    client.force_login(users["doctor"])
    assert values(owners(client, "990102001000", q="赵民")) == [str(users["police"].pk)]
    assert "未找到" in owners(client, "990102001000", q="没有这人")


@pytest.mark.parametrize("region", ["990102002000", "990103001000", "990102000000", "bad", ""])
def test_owners_outside_the_jurisdiction_answer_like_nobody(client, users, patient, region):
    client.force_login(users["doctor"])
    html = owners(client, region, [patient.pk])
    assert values(html) == [] and ("请选择责任人" in html or "请先选择所属区划" in html)


def test_owners_refused_to_roles_that_record_no_meetings(client, users):
    for who in ("judicial", "civil", "admin"):
        client.force_login(users[who])
        assert client.get(OWNERS, {"field": "t-0-owner_id", "region_code": "990102001000"}).status_code == 403


def test_meeting_form_lists_scoped_owners_and_saves_a_picked_one(client, users, make_user, patient):
    far = make_user("township_doctor", "t2", username="far_doctor")
    client.force_login(users["vdoc"])
    html = client.get("/care/meetings/new/?region=990102001001").content.decode()
    assert 'name="t-0-owner_id_q"' in html and 'hx-get="/care/meetings/owners/"' in html
    select = html[html.index('<select id="t-0-owner_id"'):]
    select = select[:select.index("</select>")]
    assert str(users["vdoc"].pk) in values(select) and str(far.pk) not in values(select)
    post = {"kind": "team_monthly", "region_code": "990102001001", "date": TODAY.isoformat(), "a_rows": "1",
            "a-0-name": "李组长", "t_rows": "1", "t-0-text": "督促服药", "t-0-owner_id": str(users["vdoc"].pk),
            "t-0-due_date": TODAY.isoformat(), "patient_ids": [str(patient.pk)]}
    r = client.post("/care/meetings/new/", {**post, "pick": "t-0-owner_id", "t-0-owner_id_q": "测试"})
    assert r.status_code == 200 and not MeetingTask.objects.exists()  # 查找 without JavaScript saves nothing
    assert "督促服药" in r.content.decode()
    r = client.post("/care/meetings/new/", post)
    assert r.status_code == 302 and MeetingTask.objects.get().owner == users["vdoc"]


MEETING = "/care/meetings/new/"


def chosen(html) -> list[str]:
    """The patients in the meeting form's list of patients discussed (hidden inputs), in order."""
    return re.findall(r'<input type="hidden" name="patient_ids" value="(\d+)">', html)


def picker_select(html, name) -> str:
    select = html[html.index(f'<select id="{name}"'):]
    return select[:select.index("</select>")]


def meeting_post(**more) -> dict:
    return {"kind": "team_monthly", "region_code": "990102001001", "date": TODAY.isoformat(), "a_rows": "1",
            "a-0-name": "李组长", "t_rows": "0", **more}


def test_meeting_form_offers_a_patient_picker_not_every_patient(client, users, patient, other):
    client.force_login(users["vdoc"])
    html = client.get(f"{MEETING}?region=990102001001").content.decode()
    assert 'name="patient_pick_q"' in html and 'hx-get="/patients/pick/"' in html
    assert "甲患者" not in html and "乙患者" not in html and chosen(html) == []
    assert not AuditEvent.objects.filter(target="meeting_form").exists()  # nothing listed, nothing read


def test_meeting_patients_picked_without_javascript_two_then_saved(client, users, make_patient, patient):
    second = make_patient("990102001001", name="甲患者二")
    client.force_login(users["vdoc"])
    find = {"pick": "patient_pick", "patient_pick_q": "甲患者"}
    r = client.post(MEETING, meeting_post(**find))
    html = r.content.decode()
    assert r.status_code == 200 and set(values(picker_select(html, "patient_pick"))) == {str(patient.pk), str(second.pk)}
    assert chosen(html) == [] and not Meeting.objects.exists()
    html = client.post(MEETING, meeting_post(**find, patient_pick=str(patient.pk))).content.decode()
    assert chosen(html) == [str(patient.pk)] and "李组长" in html  # added, the rest of the form kept
    html = client.post(MEETING, meeting_post(**find, patient_ids=[str(patient.pk)],
                                             patient_pick=str(second.pk))).content.decode()
    assert chosen(html) == [str(patient.pk), str(second.pk)] and 'name="unpick"' in html
    assert AuditEvent.objects.filter(target="meeting_form", action="list").latest("id").detail == {
        "count": 2, "patients": [patient.pk, second.pk]}
    html = client.post(MEETING, meeting_post(patient_ids=[str(patient.pk), str(second.pk)],
                                             unpick=str(patient.pk))).content.decode()
    assert chosen(html) == [str(second.pk)] and not Meeting.objects.exists()  # 移除 saves nothing
    # the one chosen in the picker but not yet added joins on 保存
    r = client.post(MEETING, meeting_post(patient_ids=[str(second.pk)], patient_pick=str(patient.pk)))
    assert r.status_code == 302
    assert set(Meeting.objects.get().patients.all()) == {patient, second}


def test_meeting_patients_survive_a_validation_error(client, users, make_patient, patient):
    second = make_patient("990102001001", name="甲患者二")
    client.force_login(users["vdoc"])
    r = client.post(MEETING, meeting_post(patient_ids=[str(patient.pk), str(second.pk)], **{"a-0-name": ""}))
    html = r.content.decode()
    assert r.status_code == 422 and "请填写参加人员" in html
    assert chosen(html) == [str(patient.pk), str(second.pk)] and "甲患者二" in html


@pytest.mark.parametrize("field", ["patient_ids", "patient_pick"])
def test_meeting_patient_outside_posted_by_hand_is_refused(client, users, patient, other, field):
    client.force_login(users["vdoc"])  # 乙患者 lies in another village
    r = client.post(MEETING, meeting_post(**{field: str(other.pk)}))
    html = r.content.decode()
    assert r.status_code == 422 and f"患者{other.pk}不存在或不在本会议所属区划内" in html
    assert not Meeting.objects.exists() and "乙患者" not in html and chosen(html) == []


def test_meeting_attendee_accounts_are_the_region_and_above(client, users, make_user, patient):
    far = make_user("township_doctor", "t2", username="far_doctor")
    other_village = make_user("village_doctor", "v12")
    client.force_login(users["vdoc"])
    html = client.get(f"{MEETING}?region=990102001001").content.decode()
    got = values(picker_select(html, "a-0-user_id"))
    assert str(users["vdoc"].pk) in got and str(users["doctor"].pk) in got and str(users["county"].pk) in got
    for outside in (far, other_village, users["doctor2"], users["outsider"]):
        assert str(outside.pk) not in got
    assert "（无系统账号）" in picker_select(html, "a-0-user_id")
    r = client.get(OWNERS, {"field": "a-0-user_id", "region_code": "990102001001", "a-0-user_id_q": ""})
    assert "（无系统账号）" in r.content.decode() and str(far.pk) not in values(r.content.decode())
    r = client.post(MEETING, meeting_post(**{"a-0-user_id": str(users["doctor"].pk)}))
    assert r.status_code == 302 and Meeting.objects.get().attendees.get().user == users["doctor"]
    r = client.post(MEETING, meeting_post(**{"a-0-user_id": str(far.pk)}))  # posted by hand: refused
    assert r.status_code == 422 and Meeting.objects.count() == 1
