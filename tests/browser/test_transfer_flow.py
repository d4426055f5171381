"""A township doctor sends a patient to another township on a phone; the other township's doctor sees
it in the inbox (summary only), accepts it into a village and opens the file; the first doctor can no
longer open it (404, as for a patient that does not exist)."""

import pytest

from tests.browser.signin import login, logout

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_send_accept_and_the_file_moves(live_server, page, shot, users, make_patient):
    patient = make_patient("990102001001", name="柏迁居")
    base = live_server.url

    login(page, base, users["doctor"].username)
    page.goto(f"{base}/intake/transfers/new/?patient={patient.pk}")
    assert "柏迁居" in page.inner_text("main")
    page.fill("#destination_code_q", "西镇")
    page.wait_for_selector("#destination_code option[value='990102002000']", state="attached")
    page.select_option("#destination_code", "990102002000")
    page.fill("#id_reason", "随子女迁居西镇")
    shot(page, "transfer-01-send-form")
    page.click("button:has-text('转出')")
    page.wait_for_url(f"{base}/intake/transfers/*/")
    main = page.inner_text("main")
    assert "已转出" in main and "待接收" in main and "继续电话随访" in main
    shot(page, "transfer-02-sent")
    page.goto(f"{base}/worklist/?kind=followup&horizon=92")
    assert "柏迁居" in page.inner_text("main") and "（电话）" in page.inner_text("main")
    shot(page, "transfer-03-origin-worklist-phone")

    logout(page)
    login(page, base, users["doctor2"].username)
    assert page.goto(f"{base}/patients/{patient.pk}/").status == 404  # not theirs yet
    page.goto(f"{base}/intake/transfers/inbox/")
    card = page.locator("section.card", has_text="柏迁居")
    assert "随子女迁居西镇" in card.inner_text() and patient.id_number not in page.content()
    assert page.locator(f"a[href='/patients/{patient.pk}/']").count() == 0
    shot(page, "transfer-04-inbox")
    card.locator("select[name=village_code]").select_option("990102002001")
    card.locator("button:has-text('接收')").click()
    page.wait_for_url(f"{base}/intake/transfers/*/")
    assert "已接收" in page.inner_text("main") and "丙村" in page.inner_text("main")
    shot(page, "transfer-05-accepted")
    page.click("text=打开患者档案")
    page.wait_for_url(f"{base}/patients/{patient.pk}/")
    main = page.inner_text("main")
    assert "柏迁居" in main and "丙村" in main
    shot(page, "transfer-06-destination-opens-file")

    logout(page)
    login(page, base, users["doctor"].username)
    response = page.goto(f"{base}/patients/{patient.pk}/")
    assert response.status == 404 and "柏迁居" not in page.content()
    shot(page, "transfer-07-origin-404")
