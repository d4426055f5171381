"""Search-as-you-type pickers in a browser, on a desktop and on a 390 px phone: police record an
incident by typing two characters of a name and picking the patient (a patient of another township
never shows); a township doctor picks a transfer's destination by a village's name; a village doctor adds
two patients to a meeting one after the other (and removes a third)."""

import re

import pytest

from jingfang.care.models import Incident
from jingfang.intake.models import Transfer
from tests.browser.signin import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SIZES = {"desktop": (1280, 900), "phone": (390, 844)}


@pytest.fixture(params=sorted(SIZES))
def sized(request, browser):
    width, height = SIZES[request.param]
    context = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(15000)
    yield request.param, page
    context.close()


def test_type_two_characters_and_pick_a_patient(live_server, sized, shot, users, make_patient):
    size, page = sized
    mine = make_patient("990102001001", name="柏选择")
    make_patient("990102001002", name="柏选二")
    make_patient("990102002001", name="柏选外")  # another township: never offered
    login(page, live_server.url, users["police"].username)
    page.goto(f"{live_server.url}/care/incidents/new/")
    page.fill("#patient_q", "柏选")
    page.wait_for_selector("#patient option:has-text('找到2项')", state="attached")
    labels = page.locator("#patient option").all_inner_texts()
    assert any("柏选择" in x and "东镇甲村" in x and "*" in x for x in labels), labels
    assert not any("柏选外" in x for x in labels) and mine.id_number not in page.content()
    page.select_option("#patient", str(mine.pk))
    assert page.evaluate("document.documentElement.scrollWidth") <= SIZES[size][0]
    shot(page, f"picker-01-incident-patient-{size}")
    page.check("input[name=kind][value=trouble]")
    page.fill("#id_place", "村委会门口")
    page.fill("#id_description", "砸坏邻居门窗")
    page.click("button:has-text('保存')")
    page.wait_for_url(re.compile(r".*/care/incidents/\d+/$"))
    assert Incident.objects.get().patient == mine


def test_pick_a_destination_by_a_village_name(live_server, sized, shot, users, make_patient):
    size, page = sized
    patient = make_patient("990102001001", name="柏迁出")
    login(page, live_server.url, users["doctor"].username)
    page.goto(f"{live_server.url}/intake/transfers/new/")
    page.fill("#patient_q", "柏迁")
    page.wait_for_selector(f"#patient option[value='{patient.pk}']", state="attached")
    page.select_option("#patient", str(patient.pk))
    page.fill("#destination_code_q", "丙村")
    page.wait_for_selector("#destination_code option[value='990102002000']", state="attached")
    page.select_option("#destination_code", "990102002000")
    page.fill("#id_reason", "随子女迁居")
    assert page.evaluate("document.documentElement.scrollWidth") <= SIZES[size][0]
    shot(page, f"picker-02-transfer-destination-{size}")
    page.click("button:has-text('转出')")
    page.wait_for_url(re.compile(r".*/intake/transfers/\d+/$"))
    assert Transfer.objects.get().destination_id == "990102002000"


def test_meeting_task_owner_from_the_team_first(live_server, sized, shot, users, make_patient):
    from jingfang.care import services
    from jingfang.care.models import MeetingTask
    from jingfang.care.tests.conftest import full_team

    size, page = sized
    patient = make_patient("990102001001", name="柏会议")
    services.save_team(users["vdoc"], patient, full_team(users))
    login(page, live_server.url, users["vdoc"].username)
    page.goto(f"{live_server.url}/care/meetings/new/?region=990102001001")
    page.fill("input[name=a-0-name]", "李组长")
    page.fill("#patient_pick_q", "柏会")
    page.wait_for_selector(f"#patient_pick option[value='{patient.pk}']", state="attached")
    page.select_option("#patient_pick", str(patient.pk))  # the care team's members move to the top
    page.wait_for_selector("#t-0-owner_id option:has-text('【帮扶小组】')", state="attached")
    first = page.locator("#t-0-owner_id option").nth(1).inner_text()
    assert "【帮扶小组】" in first, first
    page.fill("input[name=t-0-text]", "督促按时服药")
    page.fill("#t-0-owner_id_q", "测试")
    page.wait_for_selector("#t-0-owner_id option:has-text('找到')", state="attached")
    page.select_option("#t-0-owner_id", str(users["police"].pk))
    page.fill("input[name=t-0-due_date]", "2099-01-01")
    assert page.evaluate("document.documentElement.scrollWidth") <= SIZES[size][0]
    shot(page, f"picker-03-meeting-owner-{size}")
    page.click("button:has-text('保存')")
    page.wait_for_url(re.compile(r".*/care/meetings/\d+/$"))
    assert MeetingTask.objects.get().owner == users["police"]


def test_meeting_patients_picked_one_after_the_other(live_server, sized, shot, users, make_patient):
    from jingfang.care.models import Meeting

    size, page = sized
    first = make_patient("990102001001", name="柏例会一")
    second = make_patient("990102001001", name="柏例会二")
    third = make_patient("990102001001", name="柏例会三")
    make_patient("990102002001", name="柏例会外")  # another township: never offered
    login(page, live_server.url, users["vdoc"].username)
    page.goto(f"{live_server.url}/care/meetings/new/?region=990102001001")
    page.fill("input[name=a-0-name]", "李组长")
    assert page.locator("[data-picked-add]").is_hidden()  # with JavaScript a choice joins the list at once
    for patient in (first, second, third):
        page.fill("#patient_pick_q", "柏例会")
        page.wait_for_selector("#patient_pick option:has-text('找到3项')", state="attached")
        assert not any("柏例会外" in x for x in page.locator("#patient_pick option").all_inner_texts())
        page.select_option("#patient_pick", str(patient.pk))
        page.wait_for_selector(f"#patient_ids_chosen input[value='{patient.pk}']", state="attached")
        assert page.input_value("#patient_pick") == ""
    page.select_option("#patient_pick", str(first.pk))  # twice is once
    assert page.locator("#patient_ids_chosen li").count() == 3
    page.click("#patient_ids_chosen li:has-text('柏例会三') button:has-text('移除')")
    assert page.locator("#patient_ids_chosen li").all_inner_texts()[0].startswith("柏例会一")
    assert page.locator("#patient_ids_chosen li").count() == 2 and first.id_number not in page.content()
    page.wait_for_selector("#t-0-owner_id option", state="attached")
    assert page.evaluate("document.documentElement.scrollWidth") <= SIZES[size][0]
    page.locator("fieldset.multipick").scroll_into_view_if_needed()
    shot(page, f"picker-04-meeting-patients-{size}")
    page.click("button:has-text('保存')")
    page.wait_for_url(re.compile(r".*/care/meetings/\d+/$"))
    assert set(Meeting.objects.get().patients.all()) == {first, second}
