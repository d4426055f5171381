"""A village doctor signs in on a phone, finds a patient, edits a field and sees the change;
a doctor of another township cannot open that patient."""

import pytest
from playwright.sync_api import expect

from tests.browser.signin import login, logout

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_village_doctor_finds_edits_and_another_township_cannot_open(live_server, page, shot, users, make_patient):
    patient = make_patient("990102001001", name="孙浏览")
    make_patient("990102001001", name="周其他")
    base = live_server.url

    login(page, base, users["vdoc"].username)
    page.goto(f"{base}/patients/")
    shot(page, "01-patient-list")
    page.fill("#q", "孙浏览")
    expect(page.locator("#rows")).not_to_contain_text("周其他")  # the CSP forbids wait_for_function's eval
    page.click("text=孙浏览")
    page.wait_for_url(f"{base}/patients/{patient.pk}/")
    assert "138****1234" in page.content()
    shot(page, "02-patient-detail")

    page.click("text=修改档案")
    page.fill("#id_address", "甲村5组新址8号")
    shot(page, "03-patient-edit")
    page.click("button:has-text('保存')")
    page.wait_for_url(f"{base}/patients/{patient.pk}/")
    assert "甲村5组新址8号" in page.inner_text("main")
    assert "2015-03-01" in page.inner_text("main")  # the dates the form showed were kept
    assert "档案已保存" in page.inner_text("main")

    page.once("dialog", lambda d: d.accept())
    page.click("text=显示完整证件号/电话")
    page.wait_for_selector(f"text={patient.id_number}")
    shot(page, "04-revealed")

    logout(page)
    login(page, base, users["doctor2"].username)
    response = page.goto(f"{base}/patients/{patient.pk}/")
    assert response.status == 404
    assert "孙浏览" not in page.content()
    page.goto(f"{base}/patients/")
    assert "孙浏览" not in page.inner_text("main")
    shot(page, "05-other-township")
