"""Leads: validation, every workflow state and the refused transitions, duplicates, confirm → patient."""

import datetime as dt

import pytest

from conftest import id_for, patient_data
from jingfang.audit.models import AuditEvent
from jingfang.core import errors
from jingfang.registry.models import Patient
from jingfang.screening import selectors, services_leads
from jingfang.screening.models import Lead

from .conftest import TODAY, V11, V12, V21, lead_data

pytestmark = pytest.mark.django_db


def test_report_a_lead_with_an_id_number_derives_birth_and_sex(users):
    number = id_for(dt.date(1990, 2, 3), "F")
    lead = services_leads.create_lead(users["cadre"], lead_data(id_number=number, sex="", birth_date=""))
    assert (lead.birth_date, lead.sex, lead.state) == (dt.date(1990, 2, 3), "F", "reported")
    assert lead.signs == [3, 5] and lead.reporter == users["cadre"]
    assert lead.reporter_name == "测试" and "村干部" in lead.reporter_unit
    row = AuditEvent.objects.get(action="create", target=f"lead:{lead.pk}")
    assert number not in str(row.detail) and "李疑似" not in str(row.detail)


@pytest.mark.parametrize("over,field,message", [
    ({"signs": []}, "signs", "至少选择一项异常表现"),
    ({"birth_date": ""}, "birth_date", "无身份证号时须填写出生日期"),
    ({"sex": ""}, "sex", "无身份证号时须选择性别"),
    ({"id_number": "110101199003071234"}, "id_number", "校验位不正确"),
    ({"region_code": V21}, "region_code", "不在您的辖区内"),
    ({"region_code": "990102001000"}, "region_code", "村（社区）一级"),
    ({"source": "rumour"}, "source", ""),
    ({"found_on": (TODAY + dt.timedelta(days=1)).isoformat()}, "found_on", "不能晚于今天"),
])
def test_invalid_leads_are_refused_with_the_field_named(users, over, field, message):
    with pytest.raises(errors.Invalid) as exc:
        services_leads.create_lead(users["doctor"], lead_data(**over))
    assert any(e.field == field and message in e.message for e in exc.value.errors), exc.value.errors
    assert not Lead.objects.exists()


def test_judicial_and_police_may_report_but_admin_may_not(users):
    assert services_leads.create_lead(users["police"], lead_data(source="police_call")).pk
    assert services_leads.create_lead(users["judicial"], lead_data(name="赵疑似")).pk
    with pytest.raises(errors.Forbidden):
        services_leads.create_lead(users["admin"], lead_data())
    assert AuditEvent.objects.filter(username=users["admin"].username, outcome="denied").exists()


# Workflow -----------------------------------------------------------------------------------------
def refer(lead, user):
    return services_leads.refer(user, lead, {"referred_to": "县精神卫生中心"})


def exclude(lead, user):
    return services_leads.exclude(user, lead, {"exclusion_reason": "诊断不符合"})


def confirm(lead, user):
    return services_leads.confirm(user, lead, {**patient_data(), "id_number": id_for()},
                                  {"name": "李监护", "relation": "parent"})


def test_reported_referred_confirmed(users, make_lead):
    lead = make_lead()
    lead = refer(lead, users["doctor"])
    assert (lead.state, lead.referred_to, lead.referred_on) == ("referred", "县精神卫生中心", TODAY)
    lead, patient = confirm(lead, users["doctor"])
    assert lead.state == "confirmed" and lead.patient == patient and lead.concluded_on == TODAY
    assert AuditEvent.objects.filter(target=f"lead:{lead.pk}", action="status", detail__to="confirmed",
                                     patient_id=patient.pk).exists()


def test_reported_excluded_and_referred_excluded(users, make_lead):
    lead = exclude(make_lead(), users["office"])
    assert (lead.state, lead.exclusion_reason, lead.concluded_on) == ("excluded", "诊断不符合", TODAY)
    lead = exclude(refer(make_lead(name="周疑似"), users["office"]), users["office"])
    assert lead.state == "excluded"


@pytest.mark.parametrize("start,step,message", [
    ("reported", "confirm", "尚未转诊，不能确诊建档"),
    ("referred", "refer", "已转诊，不能重复转诊"),
    ("excluded", "refer", "已排除，已办结，不能再转诊"),
    ("excluded", "exclude", "已办结"),
    ("excluded", "confirm", "已办结，不能再确诊建档"),
    ("confirmed", "refer", "已确诊建档，已办结"),
    ("confirmed", "exclude", "已确诊建档，已办结，不能再排除"),
    ("confirmed", "confirm", "已办结"),
])
def test_illegal_transitions_are_refused_in_chinese(users, make_lead, start, step, message):
    doctor = users["doctor"]
    lead = make_lead()
    if start in ("referred", "confirmed"):
        lead = refer(lead, doctor)
    if start == "confirmed":
        lead, _ = confirm(lead, doctor)
    if start == "excluded":
        lead = exclude(lead, doctor)
    patients = Patient.objects.count()
    with pytest.raises(errors.Conflict) as exc:
        {"refer": refer, "exclude": exclude, "confirm": confirm}[step](lead, doctor)
    assert message in exc.value.errors[0].message and exc.value.status == 409
    assert Lead.objects.get(pk=lead.pk).state == start and Patient.objects.count() == patients
    assert AuditEvent.objects.filter(target=f"lead:{lead.pk}", outcome="conflict").exists()


def test_only_managers_move_leads_and_only_township_doctors_confirm(users, make_lead):
    lead = make_lead()
    for who in ("cadre", "police", "vdoc", "county"):
        with pytest.raises(errors.Forbidden):
            refer(lead, users[who])
    lead = refer(lead, users["office"])
    with pytest.raises(errors.Forbidden):
        confirm(lead, users["office"])  # the governance office does not create files
    assert Lead.objects.get(pk=lead.pk).state == "referred"


def test_referral_date_checks(users, make_lead):
    lead = make_lead(found_on=(TODAY - dt.timedelta(days=3)).isoformat())
    with pytest.raises(errors.Invalid) as exc:
        services_leads.refer(users["doctor"], lead, {"referred_to": "县医院",
                                                    "referred_on": (TODAY - dt.timedelta(days=5)).isoformat()})
    assert "不能早于发现日期" in exc.value.errors[0].message
    with pytest.raises(errors.Invalid):
        services_leads.refer(users["doctor"], lead, {"referred_to": ""})


# Confirm ------------------------------------------------------------------------------------------
def test_confirm_creates_the_patient_prefilled_from_the_lead_and_links_it(users, make_lead):
    number = id_for(dt.date(1985, 4, 2), "M")
    lead = make_lead(id_number=number, phone="13912345678", guardian_name="李父亲", guardian_relation="parent",
                     guardian_phone="13800000001", signs=["2", "3"], state="referred")
    data, guardian = services_leads.patient_defaults(lead)
    assert data["name"] == "李疑似" and data["id_number"] == number and data["region_code"] == V11
    assert data["diagnosis_hospital"] == "县精神卫生中心" and data["past_locking"] == "locked"
    lead, patient = services_leads.confirm(users["doctor"], lead, {**data, "diagnosis": "schizophrenia"}, guardian)
    patient = Patient.objects.get(pk=patient.pk)
    assert (patient.name, patient.id_number, patient.phone, patient.region_id, patient.address) == (
        "李疑似", number, "13912345678", V11, "3组8号")
    assert patient.primary_guardian.name == "李父亲" and patient.birth_date == dt.date(1985, 4, 2)
    assert Lead.objects.get(pk=lead.pk).patient_id == patient.pk


def test_confirm_with_invalid_file_leaves_lead_referred_and_no_patient(users, make_lead):
    lead = make_lead(state="referred")  # no ID number: the file needs one
    data, guardian = services_leads.patient_defaults(lead)
    with pytest.raises(errors.Invalid) as exc:
        services_leads.confirm(users["doctor"], lead, {**data, "diagnosis": "schizophrenia"}, guardian)
    assert any(e.field == "id_number" for e in exc.value.errors)
    assert Lead.objects.get(pk=lead.pk).state == "referred" and not Patient.objects.exists()
    assert AuditEvent.objects.filter(target=f"lead:{lead.pk}", outcome="invalid").exists()


# Duplicates ---------------------------------------------------------------------------------------
def test_same_id_as_a_patient_in_the_jurisdiction_names_the_file(users, make_patient):
    patient = make_patient(V11, name="王患者")
    dups = selectors.lead_duplicates(users["doctor"], id_number=patient.id_number)
    assert [(d["kind"], d["id"], d["visible"]) for d in dups] == [("patient", patient.pk, True)]
    assert "王患者" in dups[0]["message"] and "甲村" in dups[0]["message"]
    with pytest.raises(errors.Conflict) as exc:
        services_leads.create_lead(users["doctor"], lead_data(id_number=patient.id_number))
    assert exc.value.extra["duplicates"][0]["id"] == patient.pk
    assert not Lead.objects.exists()
    lead = services_leads.create_lead(users["doctor"], lead_data(id_number=patient.id_number),
                                      allow_duplicates=True)
    assert lead.pk


def test_same_id_as_a_patient_outside_says_only_other_jurisdiction(users, make_patient):
    patient = make_patient(V21, name="王他镇")
    dups = selectors.lead_duplicates(users["doctor"], id_number=patient.id_number)
    assert dups == [{"kind": "patient", "reason": "身份证号相同", "message": "该身份证号已在其他辖区建档",
                     "id": None, "visible": False}]
    with pytest.raises(errors.Conflict) as exc:
        services_leads.create_lead(users["doctor"], lead_data(id_number=patient.id_number))
    text = str(exc.value.as_payload())
    assert "该身份证号已在其他辖区建档" in text
    assert "王他镇" not in text and "丙村" not in text and "西镇" not in text and str(patient.pk) not in text


def test_same_name_birth_and_village_as_an_open_lead(users, make_lead):
    first = make_lead(name="陈同名", birth_date="1970-01-01")
    dups = selectors.lead_duplicates(users["vdoc"], name="陈同名", birth_date=dt.date(1970, 1, 1),
                                     region_code=V11)
    assert [(d["kind"], d["id"], d["reason"]) for d in dups] == [("lead", first.pk, "姓名、出生日期、村（社区）相同")]
    assert selectors.lead_duplicates(users["vdoc"], name="陈同名", birth_date=dt.date(1970, 1, 1),
                                     region_code=V12) == []
    with pytest.raises(errors.Conflict):
        services_leads.create_lead(users["vdoc"], lead_data(name="陈同名", birth_date="1970-01-01"))
    # A concluded lead is not a duplicate.
    exclude(first, users["doctor"])
    assert selectors.lead_duplicates(users["vdoc"], name="陈同名", birth_date=dt.date(1970, 1, 1),
                                     region_code=V11) == []


def test_same_id_as_an_open_lead_elsewhere_is_said_without_where(users, make_lead):
    number = id_for(dt.date(1985, 4, 2))
    make_lead(V21, id_number=number)
    dups = selectors.lead_duplicates(users["doctor"], id_number=number)
    assert [d["message"] for d in dups] == ["该身份证号已在其他辖区报告为疑似线索"]
