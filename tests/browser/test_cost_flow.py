"""Treatment cost burden on a phone (薛城区2016 一（二）3): the township doctor records an inpatient stay of a
poor patient, a payment typed too high is refused naming the field, the corrected one shows the computed
自付; civil affairs finds the patient on the list of the highest burden."""

import re

import pytest

from jingfang.core import clock
from jingfang.followups import engine
from jingfang.support.models import Benefit, CostEpisode
from tests.browser.signin import login, logout

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_record_a_stay_and_find_the_burden(live_server, page, shot, users, tree, make_patient):
    tree["county"].policy = "xuecheng-2016"
    tree["county"].save()
    engine.clear_caches()
    p = make_patient("990102001001", name="钱负担")
    today = clock.today()
    Benefit.objects.create(patient=p, kind="dibao", since=today.replace(year=today.year - 1))
    base = live_server.url

    login(page, base, users["doctor"].username)
    page.goto(f"{base}/patients/{p.pk}/")
    page.click("a:has-text('医疗费用')")
    page.wait_for_url(f"{base}/support/patients/{p.pk}/costs/")
    page.select_option("#id_kind", "inpatient")
    page.fill("#id_hospital", "县精神卫生中心")
    page.fill("#id_start", today.isoformat())
    page.fill("#id_total_cost", "12000")
    page.fill("#id_policy_cost", "11000")
    page.fill("#id_insurance_paid", "7700")
    page.fill("#id_assistance_paid", "5000")  # 7700 + 5000 > 12000
    with page.expect_navigation():
        page.click("button:has-text('登记')")
    assert "超过医疗总费用12000" in page.inner_text("main") and not CostEpisode.objects.exists()
    page.fill("#id_assistance_paid", "3000")
    shot(page, "60-cost-record")
    with page.expect_navigation():
        page.locator("#id_note").press("Enter")  # the corrected form, sent from the keyboard
    page.wait_for_selector("text=医疗费用已登记")
    e = CostEpisode.objects.get()
    assert e.self_paid == 1300 and "1300.00（10.8%）" in page.inner_text("main")
    logout(page)

    login(page, base, users["civil"].username)
    page.goto(f"{base}/support/")
    page.click("text=医疗费用负担")
    page.click("a:has-text('费用负担较重的贫困患者')")
    page.wait_for_url(re.compile(r".*/support/costs/burden/\?year=\d+"))
    row = page.locator("tr", has_text="钱负担")
    assert "1300.00" in row.inner_text() and "高于目标" in row.inner_text()
    shot(page, "61-cost-burden")
