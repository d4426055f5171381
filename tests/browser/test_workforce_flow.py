"""On a phone, the county supervisor registers a township health centre, its 精防人员 and a GP with
psychiatric scope, adds the GP's passed training, and sees the township drop off the shortfall list."""

import pytest

from jingfang.regions.models import Region
from tests.browser.signin import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_register_staff_and_close_a_shortfall(live_server, page, shot, users):
    Region.objects.filter(code="990102000000").update(policy="xuecheng-2016")
    base = live_server.url
    login(page, base, users["county"].username)
    page.goto(f"{base}/workforce/")
    assert "东镇" in page.inner_text("#shortfalls") and "西镇" in page.inner_text("#shortfalls")

    page.goto(f"{base}/workforce/institutions/")
    page.select_option("select[name=region_code]", "990102001000")
    page.fill("input[name=name]", "东镇卫生院")
    page.select_option("select[name=kind]", "township_hc")
    page.click("button:has-text('登记')")
    page.wait_for_url("**/workforce/institutions/*/")
    for name, kind in (("钱精防", "prevention"), ("孙全科", "gp_psych")):
        page.fill("#add-staff input[name=name]", name)
        page.select_option("#add-staff select[name=kind]", kind)
        page.click("#add-staff button")
        page.wait_for_url("**/workforce/staff/*/")
        if kind == "prevention":
            page.click("p.actions a:has-text('东镇卫生院')")  # back to the institution
            page.wait_for_url("**/workforce/institutions/*/")
    page.fill("#add-training input[name=course]", "全科医生精神卫生专业培训")
    page.fill("#add-training input[name=hours]", "120")
    page.fill("#add-training input[name=date]", "2025-09-01")
    page.fill("#add-training input[name=certificate]", "JW-2025-7")
    page.click("#add-training button")
    assert "全科医生精神卫生专业培训" in page.inner_text("#trainings")
    shot(page, "60-workforce-staff")

    page.goto(f"{base}/workforce/")
    shortfalls = page.inner_text("#shortfalls")
    assert "东镇" not in shortfalls and "西镇" in shortfalls
    assert "50%" in page.inner_text("#wf-township_staffing")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scrolling on a phone
    shot(page, "61-workforce-overview")
