"""A large export in the browser: the doctor's export of the township's list stops at the approval page,
the township office approves from its queue, the doctor downloads once (no CSP violation on the way)."""

import io

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from tests.browser.signin import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_large_export_approved_then_downloaded_once(live_server, page, users, make_patient, settings, shot):
    settings.JINGFANG_EXPORT_APPROVAL_ROWS = 2
    for name in ("甲导出", "乙导出", "丙导出"):
        make_patient("990102001001", name=name)
    base = live_server.url
    violations = []
    page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)

    login(page, base, users["doctor"].username, fresh=True)
    page.goto(f"{base}/patients/")
    page.click("text=导出Excel")
    expect(page.locator("h1")).to_have_text("导出需要审批")
    assert "甲导出" not in page.content()
    shot(page, "export-approval-needed")
    page.fill("#reason", "县里要求核对全镇在册名单")
    page.click("text=提交乡镇综治中心审批")
    expect(page.locator("main")).to_contain_text("待审批")

    login(page, base, users["office"].username, fresh=True)
    page.goto(f"{base}/exports/queue/")
    expect(page.locator("main")).to_contain_text("县里要求核对全镇在册名单")
    shot(page, "export-approval-queue")
    page.click("a.btn:has-text('审批')")
    page.check("input[value=approve]")
    page.click("button:has-text('提交审批')")
    expect(page.locator("main")).to_contain_text("已批准")

    login(page, base, users["doctor"].username, fresh=True)
    page.goto(f"{base}/exports/")
    with page.expect_download() as info:
        page.click("button:has-text('下载')")
    with open(info.value.path(), "rb") as f:
        ws = load_workbook(io.BytesIO(f.read())).active
    cells = {c for row in ws.iter_rows(values_only=True) for c in row}
    assert {"甲导出", "乙导出", "丙导出"} <= cells
    page.goto(f"{base}/exports/")
    expect(page.locator("main")).to_contain_text("已下载")
    assert violations == []
