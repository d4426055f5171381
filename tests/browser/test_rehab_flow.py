"""On a phone, the township doctor registers a community rehabilitation facility (日间康复站) in their
township, enrols a patient in it, records the month's attendance, and sees the township covered and the
patient counted in the participation rate; the county supervisor sees the county's figures on a desktop."""

import datetime as dt

import pytest

from jingfang.core import clock
from jingfang.regions.models import Region
from jingfang.registry.models import Patient
from tests.browser.signin import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_register_enrol_attend_and_see_the_kpi(live_server, page, browser, shot, users, make_patient):
    Region.objects.filter(code="990102000000").update(policy="xuecheng-2016")
    today = clock.today()
    patient = make_patient("990102001001", name="张康复")
    Patient.objects.filter(pk=patient.pk).update(registered_on=today - dt.timedelta(days=200))
    base = live_server.url
    login(page, base, users["doctor"].username)
    page.goto(f"{base}/rehab/")
    assert "0%" in page.inner_text("#rehab-rehab_coverage")

    page.goto(f"{base}/rehab/facilities/")
    form = "#add-facility"
    page.select_option(f"{form} select[name=region_code]", "990102001000")
    page.fill(f"{form} input[name=name]", "东镇日间康复站")
    page.select_option(f"{form} select[name=kind]", "day_station")
    page.select_option(f"{form} select[name=operator]", "health")
    page.fill(f"{form} input[name=address]", "东镇卫生院二楼")
    page.fill(f"{form} input[name=places]", "20")
    page.fill(f"{form} input[name=opened_on]", "2024-03-01")
    page.click(f"{form} button")
    page.wait_for_url("**/rehab/facilities/*/")
    assert "东镇日间康复站" in page.inner_text("h1")

    page.goto(f"{base}/rehab/patients/{patient.pk}/")
    page.select_option("#enrol select[name=programme]", "facility")
    page.select_option("#enrol select[name=facility_id]", label="东镇 东镇日间康复站（日间康复站）")
    page.fill("#enrol input[name=start]", (today - dt.timedelta(days=1)).isoformat())
    page.click("#enrol button")
    page.wait_for_url("**/rehab/enrolments/*/")
    page.fill("#record-attendance input[name=month]", f"{today:%Y-%m}")
    page.fill("#record-attendance input[name=days]", "40")
    page.click("#record-attendance button")
    assert "参加天数不能超过" in page.inner_text("main") or "参加天数" in page.content()
    page.fill("#record-attendance input[name=days]", "1")
    page.click("#record-attendance button")
    page.wait_for_url("**/rehab/enrolments/*/")
    assert "1" in page.inner_text("#attendance tbody")
    shot(page, "62-rehab-attendance")

    page.goto(f"{base}/rehab/")
    assert "100%" in page.inner_text("#rehab-rehab_coverage")
    participation = page.inner_text("#rehab-home_participation")
    assert "100%" in participation and "1 / 1" in participation
    assert "甲村" in page.inner_text("#rows")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scrolling on a phone
    shot(page, "63-rehab-overview-phone")
    page.goto(f"{base}/rehab/facilities/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot(page, "66-rehab-facilities-phone")

    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    desk = context.new_page()
    login(desk, base, users["county"].username)
    desk.goto(f"{base}/rehab/")
    coverage = desk.inner_text("#rehab-rehab_coverage")
    assert "50%" in coverage and "目标≥60%" in coverage  # 东镇 of 东镇 and 西镇
    assert "西镇" in desk.inner_text("#rows")
    shot(desk, "64-rehab-overview-desktop")
    desk.goto(f"{base}/rehab/enrolments/")
    assert "张康复" in desk.inner_text("main")
    shot(desk, "65-rehab-enrolments-desktop")
    context.close()
