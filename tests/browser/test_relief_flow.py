"""Hospitalisation relief on a phone (平桥区2025 annex): a village doctor files the application for a
guardian, the village cadre finds it on the worklist and does the initial review, the township office
approves one of the three relief options, and the form prints on one A4 page."""

import re

import pytest

from jingfang.followups import engine
from jingfang.support.models import ReliefApplication
from tests.browser.conftest import ARTIFACTS
from tests.browser.signin import login, logout

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_file_review_approve_and_print(live_server, page, shot, users, tree, make_patient):
    tree["county"].policy = "pingqiao-2025"
    tree["county"].save()
    engine.clear_caches()
    make_patient("990102001001", name="赵住院", risk_level=4)
    base = live_server.url

    # 1. the village doctor files the form with the guardian
    login(page, base, users["vdoc"].username)
    page.goto(f"{base}/support/relief/new/")
    page.fill("input[name=q]", "赵住院")
    page.click("button:has-text('查找')")
    page.click("text=为其填写申请")
    page.wait_for_url(re.compile(r".*/support/relief/new/\?patient=\d+"))
    assert "暴力行为或倾向，优先救助" in page.inner_text("main")
    page.select_option("#id_insurance_type", "resident")
    page.fill("#id_facts", "患者近两月病情加重，夜间吵闹、毁物，需住院治疗；家中仅老母亲一人务农，无力承担住院费用。")
    shot(page, "20-relief-file")
    page.click("button:has-text('保存并提交村委会初审')")
    page.wait_for_url(re.compile(r".*/support/relief/\d+/$"))
    assert "已提交，待村委会初审" in page.inner_text("main")
    app = ReliefApplication.objects.get()
    assert app.state == "submitted" and app.applicant_name == "王监护"
    logout(page)

    # 2. the village cadre finds it on the worklist and reviews it
    login(page, base, users["cadre"].username)
    page.goto(f"{base}/worklist/")
    page.click("text=住院救助申请：赵住院")
    page.wait_for_url(f"{base}/support/relief/{app.pk}/")
    form = page.locator("#step-village_review")
    form.locator("select[name=option]").select_option("medical_full")
    shot(page, "21-relief-village-review")
    form.locator("button:has-text('村委会初审')").click()
    page.wait_for_url(f"{base}/support/relief/{app.pk}/")
    assert "村委会已初审，待乡镇审批" in page.inner_text("main")
    logout(page)

    # 3. the township office approves within the fund
    login(page, base, users["office"].username)
    page.goto(f"{base}/support/relief/{app.pk}/")
    assert "本年度住院救助基金余额：1400000.00" in page.inner_text("#steps")
    form = page.locator("#step-approve")
    form.locator("select[name=option]").select_option("both_half")
    form.locator("input[name=amount]").fill("4000")
    form.locator("input[name=opinion]").fill("经乡镇研究，同意救助")
    shot(page, "22-relief-approve")
    form.locator("button:has-text('乡镇审批同意')").click()
    page.wait_for_url(f"{base}/support/relief/{app.pk}/")
    assert "乡镇已审批，待定点医院办理" in page.inner_text("main")
    app.refresh_from_db()
    assert app.state == "township_approved" and app.township_by == users["office"] and str(app.township_amount) == "4000.00"
    shot(page, "23-relief-approved")

    # 4. the printable form: one A4 page, signature and stamp boxes, no navigation
    page.set_viewport_size({"width": 820, "height": 1180})  # the screen shows the sheet at A4 size (210 mm)
    page.goto(f"{base}/support/relief/{app.pk}/print/")
    shot(page, "24-relief-print")
    text = page.inner_text("body")
    for words in ("困难精神障碍患者住院救助申请审批表", "村委会", "初审意见", "村民委员会", "人民政府", "定点医院",
                  "申请人（监护人）", "审批人", "经办人"):
        assert words in text
    assert page.locator("header.topbar").count() == 0
    assert page.locator(".box.on").count() == 2 and page.locator(".stamp").count() == 3
    # the content (from the sheet's top padding to the last line) fits in 297 mm minus the 12 mm margins
    used = page.evaluate("""() => { const s = document.querySelector('.sheet').getBoundingClientRect();
        return document.querySelector('.meta').getBoundingClientRect().bottom - s.top; }""")
    assert used <= 1123 - 45, used
    page.emulate_media(media="print")
    pdf = page.pdf(format="A4", prefer_css_page_size=True, print_background=True)
    (ARTIFACTS / "24-relief-print.pdf").write_bytes(pdf)
    pages = re.findall(rb"/Type\s*/Page(?!s)", pdf)
    assert len(pages) == 1
