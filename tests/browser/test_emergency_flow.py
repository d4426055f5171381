"""Break the glass on a phone: a police officer of 东镇 cannot open a 西镇 patient, asks for emergency
access with a reason, sees the file read-only under a red banner; 西镇's township office sees the notice
on its worklist and acknowledges it; the county supervisor reviews it in the queue."""

import pytest

from tests.browser.signin import login, logout

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_break_the_glass_notify_and_review(live_server, page, shot, users, make_user, make_patient):
    patient = make_patient("990102002001", name="柏紧急")
    office = make_user("township_office", "t2", username="office_west")
    base = live_server.url

    login(page, base, users["police"].username)
    assert page.goto(f"{base}/patients/{patient.pk}/").status == 404
    page.goto(f"{base}/emergency/")
    page.fill("#id_number", patient.id_number)
    page.select_option("#category", "incident")
    page.fill("#reason", "太短")
    page.click("button:has-text('开启紧急查阅')")
    # the browser's own minlength check keeps the form from being sent
    assert page.url == f"{base}/emergency/"
    page.fill("#reason", "集市上患者持刀滋事，现场处置需了解监护人及联系方式")
    shot(page, "emergency-01-request")
    page.click("button:has-text('开启紧急查阅')")
    page.wait_for_url(f"{base}/patients/{patient.pk}/")
    assert patient.id_number not in page.url
    main = page.inner_text("main")
    assert "紧急查阅，有效至" in main and "所有操作均被记录" in main and "柏紧急" in main
    assert "修改档案" not in main and "变更在管状态" not in main and "诊断与治疗" not in main
    shot(page, "emergency-02-patient-under-grant")

    logout(page)
    login(page, base, office.username)
    page.goto(f"{base}/worklist/")
    assert "紧急查阅通知：柏紧急" in page.inner_text("main")
    shot(page, "emergency-03-office-worklist")
    page.click("text=紧急查阅通知：柏紧急")
    page.wait_for_url(f"{base}/emergency/notices/*")
    assert "持刀滋事" in page.inner_text("main")
    page.click("button:has-text('确认知悉')")
    page.wait_for_url(f"{base}/emergency/notices/")
    assert "已确认知悉" in page.inner_text("main")
    shot(page, "emergency-04-office-acknowledged")

    logout(page)
    login(page, base, users["county"].username)
    page.goto(f"{base}/emergency/review/")
    assert "待审核 1" in page.inner_text("main")
    page.click("a:has-text('待审核')")
    page.wait_for_url(f"{base}/emergency/review/*/")
    assert "紧急查阅档案" in page.inner_text("main")
    page.check("input[name=outcome][value=reasonable]")
    page.fill("#note", "现场处置确需")
    shot(page, "emergency-05-county-review")
    page.click("button:has-text('提交审核')")
    page.wait_for_url(f"{base}/emergency/review/")
    main = page.inner_text("main")
    assert "已审核：合理" in main and "待审核 1" not in main
    shot(page, "emergency-06-county-queue")
