"""A village doctor on a phone opens the worklist, records a follow-up for an overdue patient (the
class is derived live as the answers change), and watches the patient leave the overdue list."""

import datetime as dt

import pytest
from playwright.sync_api import expect

from conftest import PASSWORD
from jingfang.core import clock
from jingfang.followups import services
from jingfang.registry.models import Patient

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_record_followup_and_leave_the_overdue_list(live_server, page, shot, users, make_patient):
    patient = make_patient("990102001001", name="钱随访")
    today = clock.today()
    Patient.objects.filter(pk=patient.pk).update(registered_on=today - dt.timedelta(days=300))
    patient.refresh_from_db()
    services.record_followup(users["doctor"], patient, {
        "date": (today - dt.timedelta(days=120)).isoformat(), "mode": "home_visit", "seen": "on", "risk_level": 0,
        "insight": "full", "social_function": "good", "adherence": "regular", "adverse_reaction": "none",
        "physical_illness": "none",
    })
    base = live_server.url
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", users["vdoc"].username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/worklist/")
    overdue = page.locator("#overdue")
    assert "钱随访" in overdue.inner_text()
    shot(page, "10-worklist-overdue")

    overdue.locator("tr", has_text="钱随访").locator("text=录入随访").first.click()
    page.wait_for_url(f"{base}/patients/{patient.pk}/followups/new/")
    assert "稳定" in page.inner_text("#classification")  # prefilled from the last visit
    page.check("input[name=risk_level][value='3']")
    expect(page.locator("#classification")).to_contain_text("不稳定")  # no wait_for_function: the CSP forbids eval
    assert "危险性评估3级" in page.inner_text("#classification")
    shot(page, "11-followup-form-unstable")
    page.check("input[name=risk_level][value='0']")
    expect(page.locator("#classification")).not_to_contain_text("不稳定")
    page.click("button:has-text('保存随访')")
    page.wait_for_url(f"{base}/patients/{patient.pk}/")
    assert "随访已保存" in page.inner_text("main")
    shot(page, "12-after-save")

    page.goto(f"{base}/worklist/")
    assert "钱随访" not in page.locator("#overdue").inner_text()
    shot(page, "13-worklist-after")


def test_the_worklist_refuses_a_day_at_the_edge_of_the_calendar(live_server, page, shot, users):
    base = live_server.url
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", users["doctor"].username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/worklist/")
    for width, name in ((1280, "desktop"), (390, "phone")):
        page.set_viewport_size({"width": width, "height": 900})
        response = page.goto(f"{base}/worklist/?on=9999-12-31")
        assert response.status == 422
        assert page.locator("[role=alert]").inner_text().startswith("日期：应在1900-01-01至2100-12-31之间")
        assert page.get_attribute("input[name=on]", "max") == "2100-12-31"
        shot(page, f"worklist-day-refused-{name}")
