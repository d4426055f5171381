"""Breaking the glass through the pages: a patient outside the jurisdiction answers 404 before, opens
read-only under a grant (for that user and that patient only), and answers 404 again after expiry;
everything is audited and nothing else (lists, edits, other pages) opens."""

import datetime as dt

import pytest
from django.utils import timezone

from jingfang.audit.models import AuditEvent
from jingfang.emergency.models import Grant
from jingfang.registry.models import Patient

from .conftest import REASON, ask, expire

pytestmark = pytest.mark.django_db


def test_outside_patient_is_404_before_opens_under_a_grant_and_is_404_after_expiry(client, users, bing):
    doctor = users["doctor"]
    client.force_login(doctor)
    page = f"/patients/{bing.pk}/"
    assert client.get(page).status_code == 404

    r = ask(client, doctor, bing)
    assert r.status_code == 302 and r["Location"] == page
    grant = Grant.objects.get()
    assert (grant.user, grant.patient, grant.category, grant.reason) == (doctor, bing, "incident", REASON)
    assert grant.region_id == "990102002001" and grant.hours == 3 and grant.policy == "national-2018"
    assert grant.expires_at - grant.started_at == dt.timedelta(hours=3)

    html = client.get(page).content.decode()
    until = timezone.localtime(grant.expires_at).strftime("%H:%M")
    assert f"紧急查阅，有效至 {until}，所有操作均被记录" in html
    assert "丙患者" in html and "诊断与治疗" in html  # a health role keeps its clinical view
    assert "修改档案" not in html and "变更在管状态" not in html and "录入随访" not in html
    assert bing.id_number not in html
    view = AuditEvent.objects.filter(action="emergency_view").get()
    assert (view.patient_id, view.detail["grant"], view.user_id) == (bing.pk, grant.pk, doctor.pk)

    expire(grant)
    assert client.get(page).status_code == 404
    denied = AuditEvent.objects.filter(action="view", patient_id=bing.pk).latest("seq")
    assert denied.outcome == "denied"


def test_a_grant_opens_neither_another_patient_nor_for_another_user(client, users, make_user, make_patient, bing):
    other_outside = make_patient("990102002001", name="丙二")
    ask(client, users["doctor"], bing)
    assert client.get(f"/patients/{other_outside.pk}/").status_code == 404
    colleague = make_user("township_doctor", "t1", username="doctor_b")
    client.force_login(colleague)
    assert client.get(f"/patients/{bing.pk}/").status_code == 404
    assert AuditEvent.objects.filter(action="emergency_view").count() == 0


PATIENT_WRITES = [
    ("get", "/patients/{pk}/edit/"), ("post", "/patients/{pk}/edit/"),
    ("get", "/patients/{pk}/status/"), ("post", "/patients/{pk}/status/"),
    ("get", "/patients/{pk}/followups/new/"), ("post", "/patients/{pk}/followups/new/"),
    ("get", "/patients/{pk}/followups/"),
    ("get", "/care/patients/{pk}/team/"), ("post", "/care/patients/{pk}/team/"),
    ("get", "/care/patients/{pk}/guardianship/"),
    ("get", "/patients/{pk}/plan/"), ("get", "/patients/{pk}/search/"),
    ("get", "/support/patients/{pk}/benefits/"), ("get", "/care/incidents/?patient={pk}"),
]


@pytest.mark.parametrize("method, url", PATIENT_WRITES)
def test_no_edit_and_no_other_page_under_a_grant(client, users, bing, method, url):
    """Only the patient's own page opens; edits, status changes, follow-ups and the other patient pages
    answer 404 as before, and the file is unchanged."""
    from django.urls import resolve

    ask(client, users["doctor"], bing)
    before = Patient.objects.values().get(pk=bing.pk)
    url = url.format(pk=bing.pk)
    resolve(url.split("?")[0])  # a real page, not a typo answering 404
    r = client.post(url, {"name": "改名", "status": "missing", "version": bing.version}) if method == "post" \
        else client.get(url)
    assert r.status_code in (403, 404), (url, r.status_code)
    assert Patient.objects.values().get(pk=bing.pk) == before


def test_lists_and_search_never_include_the_emergency_patient(client, users, bing):
    ask(client, users["doctor"], bing)
    assert "丙患者" not in client.get("/patients/").content.decode()
    assert "丙患者" not in client.post("/patients/", {"q": bing.id_number}).content.decode()
    assert "丙患者" not in client.get("/worklist/").content.decode()
    assert "丙患者" not in client.get("/keypersons/").content.decode()


def test_inside_the_jurisdiction_no_grant_is_made(client, users, make_patient):
    jia = make_patient("990102001001", name="甲患者")
    r = ask(client, users["doctor"], jia, follow=True)
    assert r.redirect_chain[-1][0] == f"/patients/{jia.pk}/"
    assert "无需紧急查阅" in r.content.decode() and "紧急查阅，有效至" not in r.content.decode()
    assert not Grant.objects.exists()
    assert AuditEvent.objects.get(action="emergency_request").detail["inside"] is True


def test_unknown_number_says_so_and_reveals_nothing(client, users, bing):
    from jingfang.core import idnumber

    unknown = idnumber.make("990102", dt.date(1990, 1, 1), 777, "F")
    r = ask(client, users["police"], unknown)
    assert r.status_code == 404
    html = r.content.decode()
    assert "未找到与该身份证号对应的患者档案" in html and "丙患者" not in html
    assert not Grant.objects.exists()
    row = AuditEvent.objects.get(action="emergency_request")
    assert row.outcome == "not_found" and unknown not in str(row.detail) + row.target + row.path


@pytest.mark.parametrize("form, field_text", [
    ({"reason": ""}, "查阅理由：请写明紧急情况，至少10个字"),
    ({"reason": "紧急"}, "查阅理由：请写明紧急情况，至少10个字（现为2个字）"),
    ({"category": ""}, "事由类别：请选择"),
    ({"id_number": "990102198005170012"}, "身份证号：身份证号码校验位不正确"),
    ({"id_number": ""}, "身份证号：请填写患者的完整身份证号"),
])
def test_bad_input_is_refused_and_nothing_is_looked_up(client, users, bing, form, field_text):
    data = {"id_number": bing.id_number, "category": "incident", "reason": REASON, **form}
    client.force_login(users["doctor"])
    r = client.post("/emergency/", data)
    assert r.status_code == 422 and field_text in r.content.decode()
    assert not Grant.objects.exists()
    assert AuditEvent.objects.get(action="emergency_request").outcome == "invalid"
    assert client.get(f"/patients/{bing.pk}/").status_code == 404


@pytest.mark.parametrize("who", ["cadre", "civil", "dpf", "judicial", "county", "office", "admin"])
def test_roles_without_the_right_are_refused(client, users, bing, who):
    r = ask(client, users[who], bing)
    assert r.status_code == 403 and not Grant.objects.exists()
    assert AuditEvent.objects.filter(action="emergency_request", outcome="denied").count() == 1


def test_the_id_number_is_never_in_a_url(client, users, bing):
    client.force_login(users["doctor"])
    assert client.get("/emergency/", {"id_number": bing.id_number}).status_code == 200  # ignored
    assert not Grant.objects.exists()
    assert client.put("/emergency/").status_code == 405


def test_a_second_request_reuses_the_active_grant(client, users, bing):
    ask(client, users["doctor"], bing)
    r = ask(client, users["doctor"], bing, follow=True)
    assert "沿用原授权" in r.content.decode() and Grant.objects.count() == 1
    expire(Grant.objects.get())
    ask(client, users["doctor"], bing)
    assert Grant.objects.count() == 2


def test_own_grants_are_listed_with_their_state(client, users, bing):
    ask(client, users["doctor"], bing)
    html = client.get("/emergency/").content.decode()
    assert "丙患者" in html and "有效中" in html and "待审核" in html


def test_police_under_a_grant_get_no_clinical_section(client, users, bing):
    ask(client, users["police"], bing)
    html = client.get(f"/patients/{bing.pk}/").content.decode()
    assert "紧急查阅，有效至" in html and "丙患者" in html
    assert "诊断与治疗" not in html and "精神分裂症" not in html


def test_the_duration_comes_from_the_patients_region_profile(client, users, bing, tmp_path, monkeypatch):
    from jingfang.followups import engine
    from jingfang.regions.models import Region

    (tmp_path / "short-emergency.toml").write_text(
        'name = "short-emergency"\ntitle = "t"\nsource = "t"\nversion = 1\nextends = "national-2018"\n'
        "[emergency_access]\nhours = 1\n", encoding="utf-8")
    monkeypatch.setenv("JINGFANG_POLICY_DIRS", str(tmp_path))
    Region.objects.filter(code="990102002000").update(policy="short-emergency")  # 西镇, 丙患者's township
    engine.clear_caches()
    ask(client, users["doctor"], bing)
    grant = Grant.objects.get()
    assert (grant.hours, grant.policy) == (1, "short-emergency")
    assert grant.expires_at - grant.started_at == dt.timedelta(hours=1)


def test_a_grant_stops_working_when_the_user_loses_the_right(client, users, bing):
    ask(client, users["police"], bing)
    users["police"].role = "judicial"
    users["police"].save()
    assert client.get(f"/patients/{bing.pk}/").status_code == 404


def test_full_identifiers_may_be_revealed_under_a_grant_and_both_acts_are_audited(client, users, bing):
    """A police officer at the scene needs the guardian's phone: the reveal is a read, sent by POST,
    audited as a reveal and as an emergency view under the grant."""
    ask(client, users["police"], bing)
    assert "显示完整证件号/电话" in client.get(f"/patients/{bing.pk}/").content.decode()
    r = client.post(f"/patients/{bing.pk}/reveal/")
    assert r.status_code == 200 and "13900004321" in r.content.decode()
    grant = Grant.objects.get()
    assert AuditEvent.objects.filter(action="emergency_view", detail__action="reveal").get().detail["grant"] == grant.pk
    assert AuditEvent.objects.filter(action="reveal", patient_id=bing.pk, outcome="ok").count() == 1
    expire(grant)
    assert client.post(f"/patients/{bing.pk}/reveal/").status_code == 404

