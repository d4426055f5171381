"""Release handovers (当阳乡2022 四（三）): a notice gives the township a working-day deadline to take
over; taking over a registered patient records their whereabouts as 在家居住 through the registry."""

import datetime as dt

import pytest
from django.utils.timezone import localdate

from jingfang.audit.models import AuditEvent
from jingfang.core import clock, errors
from jingfang.followups import worklist
from jingfang.intake import deadlines
from jingfang.intake import services_movement as movement
from jingfang.intake.models import ReleaseNotice
from jingfang.registry.models import StatusChange

from .helpers import new_id

pytestmark = pytest.mark.django_db
D = dt.date


def notice_data(**over):
    data = {"kind": "compulsory_treatment", "released_on": "2024-09-26", "notifying_unit": "测试市强制医疗所",
            "notified_on": "2024-09-27"}
    data.update(over)
    return data


@pytest.fixture
def in_custody(make_patient, users):
    return make_patient("990102001001", name="蒋羁押", status="in_custody", status_detail="serving_sentence",
                        status_since="2023-01-05")


def test_police_record_a_release_of_a_registered_patient_and_the_township_takes_over(users, in_custody):
    notice = movement.record_release(users["police"], notice_data(kind="custody", id_number=in_custody.id_number))
    assert notice.patient == in_custody and notice.person_name == "蒋羁押" and notice.township_id == "990102001000"
    # 5 working days from Fri 2024-09-27 across National Day: 09-29 (Sun, 调休) 09-30 10-08 10-09 10-10.
    due = deadlines.release_deadline(notice, on=D(2024, 10, 9))
    assert due.due_date == D(2024, 10, 10) and due.state == "due" and "系统默认" in due.rule
    with pytest.raises(errors.Forbidden):
        movement.take_over(users["police"], notice)  # the police notify; the township takes over
    version = in_custody.version
    notice = movement.take_over(users["office"], notice, {"text": "已面访，监护人在家"})
    in_custody.refresh_from_db()
    assert notice.status == "taken_over" and notice.taken_over_on == localdate()
    assert in_custody.status == "at_home" and in_custody.version == version + 1
    change = StatusChange.objects.filter(patient=in_custody).order_by("-id").first()
    assert change.status == "at_home" and "刑满释放" in change.note and change.recorded_by == users["office"]
    with pytest.raises(errors.Conflict):
        movement.take_over(users["doctor"], notice)  # once
    assert AuditEvent.objects.filter(target=f"release:{notice.pk}", action="update", outcome="ok",
                                     patient_id=in_custody.pk).exists()
    assert AuditEvent.objects.filter(target=f"release:{notice.pk}", outcome="conflict").exists()


def test_a_person_not_yet_registered_is_named_and_taken_over_without_a_file(users):
    with pytest.raises(errors.Invalid):
        movement.record_release(users["judicial"], notice_data(id_number=new_id()))  # no file, no name
    notice = movement.record_release(users["judicial"], notice_data(kind="community_correction",
                                                                    person_name="沈矫正", id_number=new_id()))
    assert notice.patient is None and notice.township_id == "990102001000"
    notice = movement.take_over(users["doctor"], notice)
    assert notice.status == "taken_over" and notice.patient is None


def test_a_file_created_later_is_linked_at_takeover(users, make_patient):
    number = new_id()
    notice = movement.record_release(users["police"], notice_data(kind="drug_rehab", person_name="杨戒毒",
                                                                    id_number=number))
    patient = make_patient("990102001002", name="杨戒毒", id_number=number)
    notice = movement.take_over(users["doctor"], notice)
    assert notice.patient_id == patient.pk


def test_validation(users, make_patient):
    with pytest.raises(errors.Invalid):
        movement.record_release(users["police"], notice_data(notified_on="2024-09-20", person_name="许早通"))
    with pytest.raises(errors.Invalid):  # a township user registers for their own township only
        movement.record_release(users["office"], {**notice_data(person_name="许乡镇"), "township_code": "990102002000"})
    with pytest.raises(errors.Forbidden):
        movement.record_release(users["vdoc"], notice_data(person_name="许村医"))
    other = make_patient("990102002001", name="何他镇")
    with pytest.raises(errors.Invalid):  # a patient outside the user's jurisdiction is not found
        movement.record_release(users["police"], {**notice_data(), "patient_id": other.pk})
    notice = movement.record_release(users["police"], notice_data(person_name="何他镇", id_number=other.id_number))
    assert notice.patient is None and notice.township_id == "990102001000"  # nothing about the other file leaks


def test_overdue_takeover_on_the_worklist_and_the_pages(client, users):
    notice = movement.record_release(users["police"], notice_data(person_name="吕逾期"))
    items = [i for i in worklist.items_for(users["office"], clock.today()) if i.label.startswith("释放衔接")]
    assert [(i.label, i.state, i.url) for i in items] == [("释放衔接：吕**", "overdue", f"/intake/releases/{notice.pk}/")]
    assert not [i for i in worklist.items_for(users["doctor2"], clock.today()) if i.label.startswith("释放衔接")]
    client.force_login(users["office"])
    html = client.get("/intake/releases/").content.decode()
    assert "吕逾期" in html and "逾期未登记接管" in html and "当阳乡2022" in html and "seeds/" not in html
    r = client.post(f"/intake/releases/{notice.pk}/takeover/", {"text": "已接管"})
    assert r.status_code == 302
    assert client.post(f"/intake/releases/{notice.pk}/takeover/", {}).status_code == 409
    assert ReleaseNotice.objects.get(pk=notice.pk).status == "taken_over"
    client.force_login(users["police"])
    r = client.post("/intake/releases/new/", {"kind": "custody", "released_on": "2024-09-26",
                                              "notifying_unit": "测试监狱", "person_name": "施新释"})
    assert r.status_code == 302 and ReleaseNotice.objects.filter(person_name="施新释").exists()
