"""The pages work under the Content-Security-Policy: Chromium reports no violation on the main
pages, the Django admin and the API docs (Swagger UI), and the htmx search, pager and print
button still work."""

import pytest
from playwright.sync_api import expect

from tests.browser.signin import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def watch_violations(page) -> list[str]:
    seen: list[str] = []
    page.on("console", lambda m: seen.append(m.text) if "Content Security Policy" in m.text else None)
    return seen


def test_pages_admin_and_api_docs_run_without_csp_violations(live_server, page, users, make_user, make_patient,
                                                             settings):
    settings.JINGFANG_PAGE_SIZE = 1
    for name in ("甲患者", "乙患者", "丙患者"):
        make_patient("990102001001", name=name)
    base = live_server.url
    seen = watch_violations(page)

    login(page, base, users["doctor"].username)
    page.goto(f"{base}/patients/")
    assert page.evaluate("htmx.config.allowEval") is False
    page.fill("#q", "乙")
    expect(page.locator("#rows")).not_to_contain_text("甲患者")
    expect(page.locator("#rows")).to_contain_text("乙患者")
    assert "乙" not in page.url and "q=" not in page.url
    page.fill("#q", "患者")
    expect(page.locator("#rows")).to_contain_text("第 1 / 3 页")
    page.click("#rows button:has-text('下一页')")
    expect(page.locator("#rows")).to_contain_text("第 2 / 3 页")
    assert "q=" not in page.url

    for url in ("/", "/stats/", "/api/docs"):
        page.goto(f"{base}{url}")
        page.wait_for_load_state("networkidle")
    expect(page.locator("#swagger-ui")).to_contain_text("jingfang API")

    staff = make_user("township_doctor", "t1", username="staffer")
    staff.is_staff = staff.is_superuser = True
    staff.save()
    page.context.clear_cookies()
    login(page, base, "staffer")
    for url in ("/admin/", "/admin/regions/region/", "/admin/accounts/user/add/"):
        response = page.goto(f"{base}{url}")
        assert response.status == 200, url
        page.wait_for_load_state("networkidle")
    assert seen == []
