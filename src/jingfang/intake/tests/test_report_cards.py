"""Report cards and discharge forms: receipt → accept → enter, the police/CDC branch, refused steps,
the list with its filters, the office's alert and the masked, audited export."""

import datetime as dt
import io

import pytest
from django.utils.timezone import localdate
from openpyxl import load_workbook

from jingfang.audit.models import AuditEvent
from jingfang.core import errors
from jingfang.intake import services
from jingfang.intake.models import ReportCard
from jingfang.registry.models import Patient

from .helpers import new_id

pytestmark = pytest.mark.django_db


def test_receipt_is_by_the_users_township_and_audited(users, card_for):
    card = card_for(users["office"], diagnosis="")
    assert card.township_id == "990102001000" and card.status == "received"
    assert AuditEvent.objects.filter(action="create", target=f"report_card:{card.pk}",
                                     username=users["office"].username).exists()


def test_partner_roles_may_not_write_a_diagnosis_and_village_users_may_not_receive(users, card_for):
    with pytest.raises(errors.Forbidden):
        card_for(users["office"], diagnosis="bipolar")  # the office is not a health role
    with pytest.raises(errors.Forbidden):
        card_for(users["vdoc"])
    with pytest.raises(errors.Forbidden):
        card_for(users["police"])


def test_invalid_receipt_names_the_fields(users, card_for):
    with pytest.raises(errors.Invalid) as exc:
        card_for(patient_name="x", id_number="123", received_on=(localdate() + dt.timedelta(days=1)).isoformat())
    fields = {e.field for e in exc.value.errors}
    assert {"patient_name", "id_number", "received_on"} <= fields


def test_accept_then_enter_creates_the_file_through_the_registry(users, card_for):
    number = new_id()
    card = card_for(id_number=number)
    card = services.accept_card(users["doctor"], card)
    assert card.status == "accepted" and card.accepted_on == localdate()
    card = services.enter_card(users["doctor"], card, {"region_code": "990102001002", "address": "乙村2组7号"})
    patient = Patient.objects.get(id_number=number)
    assert card.status == "entered" and card.patient == patient and card.entered_on == localdate()
    assert patient.name == "赵报告" and patient.region_id == "990102001002"
    assert patient.diagnosis == "schizophrenia" and patient.diagnosis_hospital == "测试市精神卫生中心"
    assert AuditEvent.objects.filter(action="create", patient_id=patient.pk, outcome="ok").exists()
    assert AuditEvent.objects.filter(target=f"report_card:{card.pk}", patient_id=patient.pk,
                                     detail__step="enter").exists()


def test_enter_links_the_existing_file_found_by_id_within_jurisdiction(users, card_for, make_patient):
    patient = make_patient("990102001001", name="钱已建")
    card = services.accept_card(users["doctor"], card_for(patient_name="钱已建", id_number=patient.id_number))
    before = Patient.objects.count()
    card = services.enter_card(users["doctor"], card, {})
    assert card.patient_id == patient.pk and Patient.objects.count() == before


def test_enter_refuses_an_id_registered_in_another_township(users, card_for, make_patient):
    elsewhere = make_patient("990102002001", name="孙他镇")
    card = services.accept_card(users["doctor"], card_for(id_number=elsewhere.id_number))
    with pytest.raises(errors.Conflict) as exc:
        services.enter_card(users["doctor"], card, {"region_code": "990102001001"})
    assert "不在您的辖区" in exc.value.errors[0].message and "西镇" not in str(exc.value.as_payload())
    card.refresh_from_db()
    assert card.status == "accepted" and card.patient_id is None
    assert AuditEvent.objects.filter(target=f"report_card:{card.pk}", outcome="conflict").exists()


def test_illegal_steps_are_refused_and_change_nothing(users, card_for):
    card = card_for(id_number=new_id())
    with pytest.raises(errors.Conflict):  # enter before accept
        services.enter_card(users["doctor"], card, {"region_code": "990102001001"})
    with pytest.raises(errors.Conflict):  # refer to the CDC before asking the police
        services.refer_cdc(users["doctor"], card)
    services.accept_card(users["doctor"], card)
    with pytest.raises(errors.Conflict) as exc:  # accept twice
        services.accept_card(users["office"], card)
    assert "不能再次接收" in exc.value.errors[0].message
    card.refresh_from_db()
    assert card.status == "accepted" and card.accepted_by == users["doctor"]
    assert AuditEvent.objects.filter(target=f"report_card:{card.pk}", outcome="conflict").count() == 3
    with pytest.raises(errors.Forbidden):  # the office receives but does not create files
        services.enter_card(users["office"], card, {"region_code": "990102001001"})


def test_dates_of_steps_are_checked(users, card_for):
    card = card_for(received_on="2024-09-27")
    with pytest.raises(errors.Invalid) as exc:
        services.accept_card(users["doctor"], card, {"date": "2024-09-20"})
    assert exc.value.errors[0].field == "date" and "收到日期" in exc.value.errors[0].message
    card = services.accept_card(users["doctor"], card, {"date": "2024-09-30"})
    assert card.accepted_on == dt.date(2024, 9, 30)
    with pytest.raises(errors.Invalid):
        services.enter_card(users["doctor"], card, {"entered_on": "2024-09-29", "region_code": "990102001001",
                                                    "id_number": new_id()})


def test_unknown_address_goes_to_the_police_then_to_the_county_cdc(users, card_for):
    card = card_for(address="不详", address_unknown=True)
    card = services.police_query(users["office"], card, {"text": "东镇派出所"})
    assert card.police_asked_on == localdate() and card.police_station == "东镇派出所"
    with pytest.raises(errors.Conflict):
        services.police_query(users["office"], card)  # once
    card = services.refer_cdc(users["office"], card, {"text": "派出所查无此人"})
    assert card.status == "referred_cdc" and card.cdc_referred_on == localdate()
    for step in (services.accept_card, services.police_query, services.refer_cdc):
        with pytest.raises(errors.Conflict):
            step(users["office"], card)


def test_address_found_after_the_police_query_is_resolved_by_entering(users, card_for):
    card = card_for(address="不详", address_unknown=True, id_number=new_id())
    services.police_query(users["doctor"], card)
    services.accept_card(users["doctor"], card)
    card = services.enter_card(users["doctor"], card, {"region_code": "990102001001", "address": "甲村1组1号"})
    assert card.address_resolved_on == localdate() and card.status == "entered"


def test_pages_walk_the_whole_workflow(client, users, card_for):
    client.force_login(users["doctor"])
    r = client.post("/intake/reports/new/", {"kind": "onset", "hospital": "测试市第三人民医院",
                                             "received_on": localdate().isoformat(), "patient_name": "李页面",
                                             "id_number": new_id(), "address": "甲村", "diagnosis": "bipolar"})
    card = ReportCard.objects.get(patient_name="李页面")
    assert r.status_code == 302 and r["Location"] == f"/intake/reports/{card.pk}/"
    page = client.get(r["Location"]).content.decode()
    assert "齐云山镇2024" in page and "seeds/" not in page and "5个工作日内接收" in page
    assert client.post(f"/intake/reports/{card.pk}/enter/", {"region_code": "990102001001"}).status_code == 409
    assert client.post(f"/intake/reports/{card.pk}/accept/", {}).status_code == 302
    assert client.post(f"/intake/reports/{card.pk}/accept/", {}).status_code == 409
    r = client.post(f"/intake/reports/{card.pk}/enter/", {"region_code": "990102001001", "address": "甲村3号",
                                                          "guardian_name": "李监护", "guardian_relation": "parent"})
    card.refresh_from_db()
    assert r.status_code == 302 and card.status == "entered" and card.patient.guardians.get().name == "李监护"


def test_list_filters_overdue_and_the_office_banner(client, users, card_for):
    old = card_for(patient_name="周逾期", received_on="2024-09-27")
    card_for(patient_name="吴今天")
    done = services.accept_card(users["doctor"], card_for(patient_name="郑已收"))
    client.force_login(users["office"])
    r = client.get("/intake/reports/")
    names = {row["card"].patient_name for row in r.context["page"].object_list}
    assert names == {"周逾期", "吴今天", "郑已收"}
    html = r.content.decode()
    assert "逾期提醒（综治中心）" in html and "1 份报告卡" in html
    r = client.get("/intake/reports/?overdue=1")
    assert [row["card"].pk for row in r.context["page"].object_list] == [old.pk]
    r = client.get("/intake/reports/?status=accepted")
    assert [row["card"].pk for row in r.context["page"].object_list] == [done.pk]
    client.force_login(users["doctor"])
    assert "逾期提醒（综治中心）" not in client.get("/intake/reports/").content.decode()
    assert AuditEvent.objects.filter(action="search", target="report_cards").exists()


def test_export_is_masked_scoped_and_audited(client, users, card_for):
    number = new_id()
    card_for(patient_name="冯导出", id_number=number)
    card_for(users["doctor2"], patient_name="陈他镇")
    client.force_login(users["office"])
    r = client.get("/intake/reports/export.xlsx?status=")
    cells = {c for row in load_workbook(io.BytesIO(r.content)).active.iter_rows(values_only=True) for c in row if c}
    assert "冯导出" in cells and "陈他镇" not in cells
    assert number not in cells and number[:3] + "*" * 11 + number[-4:] in cells
    assert "诊断" not in cells and "精神分裂症" not in cells  # the office does not see clinical fields
    assert AuditEvent.objects.filter(action="export", target="报告卡.xlsx", detail__count=1).exists()
    client.force_login(users["judicial"])  # no export right, no report cards
    assert client.get("/intake/reports/export.xlsx").status_code == 403
