"""Lead pages: list with filters and export, the new-lead form with the htmx duplicate warning, the detail
page with its workflow buttons and danger alert, and the confirm page pre-filled from the lead."""

import datetime as dt
import io

import pytest
from openpyxl import load_workbook

from conftest import id_for
from jingfang.audit.models import AuditEvent
from jingfang.registry.models import Patient
from jingfang.screening.models import Lead

from .conftest import V11, V12, V21, lead_data

pytestmark = pytest.mark.django_db


def test_list_shows_only_the_jurisdiction_and_filters(client, users, make_lead):
    make_lead(V11, name="甲疑似", dangerous=True)
    make_lead(V12, name="乙疑似", source="police_call", state="referred")
    make_lead(V21, name="丙疑似")
    client.force_login(users["doctor"])
    r = client.get("/screening/")
    assert r.status_code == 200
    names = {lead.name for lead in r.context["page"].object_list}
    assert names == {"甲疑似", "乙疑似"}
    assert "齐云山镇2024" in r.content.decode()
    assert {x.name for x in client.get("/screening/?state=referred").context["page"].object_list} == {"乙疑似"}
    assert {x.name for x in client.get("/screening/?dangerous=1").context["page"].object_list} == {"甲疑似"}
    assert {x.name for x in client.get("/screening/?source=police_call").context["page"].object_list} == {"乙疑似"}
    assert {x.name for x in client.get(f"/screening/?region={V11}").context["page"].object_list} == {"甲疑似"}
    assert {x.name for x in client.get("/screening/?state=open").context["page"].object_list} == {"甲疑似", "乙疑似"}
    client.force_login(users["vdoc"])
    assert {x.name for x in client.get("/screening/").context["page"].object_list} == {"甲疑似"}
    client.force_login(users["doctor2"])
    assert {x.name for x in client.get("/screening/").context["page"].object_list} == {"丙疑似"}
    client.force_login(users["outsider"])
    assert list(client.get("/screening/").context["page"].object_list) == []
    assert AuditEvent.objects.filter(action="search", target="leads", detail__filters=["state"]).exists()


def test_list_pages_and_htmx_rows(client, users, make_lead, settings):
    settings.JINGFANG_PAGE_SIZE = 2
    for i in range(3):
        make_lead(name=f"分页{'一二三'[i]}")
    client.force_login(users["doctor"])
    r = client.get("/screening/?page=2")
    assert len(r.context["page"].object_list) == 1
    rows = client.get("/screening/", HTTP_HX_REQUEST="true")
    assert "<table" in rows.content.decode() and "<h1>" not in rows.content.decode()


def test_export_is_masked_scoped_and_audited(client, users, make_lead):
    number = id_for()
    make_lead(V11, name="甲疑似", id_number=number, phone="13912345678")
    make_lead(V21, name="丙疑似")
    client.force_login(users["doctor"])
    r = client.get("/screening/leads/export.xlsx")
    cells = {c for row in load_workbook(io.BytesIO(r.content)).active.iter_rows(values_only=True) for c in row if c}
    assert "甲疑似" in cells and "丙疑似" not in cells
    assert number not in cells and "139****5678" in cells and f"{number[:3]}***********{number[-4:]}" in cells
    assert AuditEvent.objects.filter(action="export", target="leads.xlsx", detail__count=1).exists()
    client.force_login(users["judicial"])  # judicial may not export (accounts.roles)
    assert client.get("/screening/leads/export.xlsx").status_code == 403
    assert AuditEvent.objects.filter(username=users["judicial"].username, action="export", outcome="denied").exists()


def test_new_lead_page_saves_and_warns_of_duplicates(client, users, make_patient):
    patient = make_patient(V11, name="王患者")
    client.force_login(users["cadre"])
    page = client.get("/screening/leads/new/")
    assert page.status_code == 200 and "hx-post" in page.content.decode() and "①曾在精神科住院治疗" in page.content.decode()
    warn = client.post("/screening/leads/duplicates/", {"id_number": patient.id_number, "name": "", "region_code": ""})
    assert "已有患者档案" in warn.content.decode() and "王患者" in warn.content.decode()
    assert AuditEvent.objects.filter(action="search", target="lead_duplicates").exists()
    none = client.post("/screening/leads/duplicates/", {"name": "新名字", "birth_date": "1980-01-01", "region_code": V11})
    assert "未发现可能重复" in none.content.decode()
    data = lead_data(id_number=patient.id_number, sex="", birth_date="")
    r = client.post("/screening/leads/new/", data)
    assert r.status_code == 409 and "allow_duplicates" in r.content.decode() and not Lead.objects.exists()
    r = client.post("/screening/leads/new/", {**data, "allow_duplicates": "on"})
    lead = Lead.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/screening/leads/{lead.pk}/"


def test_duplicate_outside_jurisdiction_in_the_htmx_warning(client, users, make_patient):
    patient = make_patient(V21, name="王他镇")
    client.force_login(users["doctor"])
    body = client.post("/screening/leads/duplicates/", {"id_number": patient.id_number}).content.decode()
    assert "该身份证号已在其他辖区建档" in body and "王他镇" not in body and "丙村" not in body


def test_invalid_new_lead_re_renders_with_errors(client, users):
    client.force_login(users["police"])
    r = client.post("/screening/leads/new/", lead_data(signs=[]))
    assert r.status_code == 422 and "至少选择一项异常表现" in r.content.decode()


def test_detail_shows_danger_alert_and_workflow_buttons(client, users, make_lead):
    lead = make_lead(dangerous=True)
    client.force_login(users["doctor"])
    body = client.get(f"/screening/leads/{lead.pk}/").content.decode()
    assert "公安机关应当采取措施予以制止" in body and "登记转诊" in body and "排除" in body and "确诊建档</a>" not in body
    client.force_login(users["cadre"])
    body = client.get(f"/screening/leads/{lead.pk}/").content.decode()
    assert "登记转诊" not in body  # cadres report, the township moves the lead
    assert AuditEvent.objects.filter(action="view", target=f"lead:{lead.pk}", outcome="ok").count() == 2


def test_refer_exclude_and_refusals_through_the_pages(client, users, make_lead):
    lead = make_lead()
    client.force_login(users["doctor"])
    r = client.post(f"/screening/leads/{lead.pk}/refer/", {"referred_to": "县精神卫生中心"})
    assert r.status_code == 302 and Lead.objects.get(pk=lead.pk).state == "referred"
    again = client.post(f"/screening/leads/{lead.pk}/refer/", {"referred_to": "县精神卫生中心"})
    assert again.status_code == 409 and "不能重复转诊" in again.content.decode()
    bad = client.post(f"/screening/leads/{lead.pk}/exclude/", {"exclusion_reason": ""})
    assert bad.status_code == 422 and Lead.objects.get(pk=lead.pk).state == "referred"
    client.post(f"/screening/leads/{lead.pk}/exclude/", {"exclusion_reason": "诊断为焦虑障碍"})
    assert Lead.objects.get(pk=lead.pk).state == "excluded"
    client.force_login(users["cadre"])
    other = make_lead(name="孙疑似")
    assert client.post(f"/screening/leads/{other.pk}/refer/", {"referred_to": "某院"}).status_code == 403


def test_confirm_page_is_prefilled_and_creates_the_patient(client, users, make_lead):
    number = id_for(dt.date(1985, 4, 2))
    lead = make_lead(id_number=number, guardian_name="李父亲", guardian_relation="parent", phone="13912345678")
    client.force_login(users["doctor"])
    early = client.get(f"/screening/leads/{lead.pk}/confirm/")
    assert early.status_code == 409 and "尚未转诊" in early.content.decode()
    client.post(f"/screening/leads/{lead.pk}/refer/", {"referred_to": "县精神卫生中心"})
    page = client.get(f"/screening/leads/{lead.pk}/confirm/")
    assert page.status_code == 200
    form, gform = page.context["form"], page.context["gform"]
    assert form["name"].value() == "李疑似" and form["id_number"].value() == number
    assert form["region_code"].value() == V11 and form["address"].value() == "3组8号"
    assert form["diagnosis_hospital"].value() == "县精神卫生中心" and gform["name"].value() == "李父亲"
    post = {k: v for k, v in {
        "name": "李疑似", "id_number": number, "phone": "13912345678", "region_code": V11,
        "household_region_code": V11, "address": "3组8号", "diagnosis": "schizophrenia", "status": "at_home",
        "informed_consent": "unknown", "past_locking": "none", "guardian-name": "李父亲",
        "guardian-relation": "parent"}.items()}
    r = client.post(f"/screening/leads/{lead.pk}/confirm/", post)
    patient = Patient.objects.get(id_number=number)
    assert r.status_code == 302 and r["Location"] == f"/patients/{patient.pk}/"
    lead.refresh_from_db()
    assert lead.state == "confirmed" and lead.patient_id == patient.pk
    body = client.get(f"/screening/leads/{lead.pk}/").content.decode()
    assert f"/patients/{patient.pk}/" in body and "登记转诊" not in body


def test_confirm_page_refuses_roles_that_cannot_create_files(client, users, make_lead):
    lead = make_lead(state="referred")
    client.force_login(users["office"])
    assert client.get(f"/screening/leads/{lead.pk}/confirm/").status_code == 403
