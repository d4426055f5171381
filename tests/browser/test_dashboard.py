"""A county supervisor opens the statistics home page on a phone: headline KPIs, the 12-month trend and
the township ranking render as inline SVG with Chinese labels, and the page fetches nothing from
outside the server."""

import datetime as dt
from urllib.parse import urlparse

import pytest

from jingfang.core import clock
from jingfang.followups import services
from jingfang.registry.models import Patient
from tests.browser.signin import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def visit(user, patient, days_ago, mode="home_visit"):
    services.record_followup(user, patient, {
        "date": (clock.today() - dt.timedelta(days=days_ago)).isoformat(), "mode": mode, "seen": "on",
        "risk_level": 0, "insight": "full", "social_function": "good", "adherence": "regular",
        "adverse_reaction": "none", "physical_illness": "none",
    })


def test_county_dashboard(live_server, page, shot, users, make_patient):
    today = clock.today()
    for i, (name, code) in enumerate((("赵统计", "990102001001"), ("钱统计", "990102001002"), ("孙统计", "990102002001"))):
        p = make_patient(code, name=name)
        Patient.objects.filter(pk=p.pk).update(registered_on=today - dt.timedelta(days=400))
        p.refresh_from_db()
        for days in range(10 + 20 * i, 360, 80):
            visit(users["doctor"] if code.startswith("990102001") else users["doctor2"], p, days,
                  "phone" if i == 1 else "home_visit")

    base = live_server.url
    hosts = set()
    page.on("request", lambda req: hosts.add(urlparse(req.url).netloc))
    login(page, base, users["county"].username)
    page.goto(f"{base}/stats/")
    assert "统计首页" in page.inner_text("h1")
    headline = page.inner_text("#headline")
    for label in ("报告患病率", "管理率", "规范管理率", "面访率", "服药率", "病情稳定率", "失访率"):
        assert label in headline
    for section in ("#trend", "#prevalence", "#ranking"):
        box = page.locator(f"{section} .chart svg >> visible=true").bounding_box()
        assert box and box["width"] > 300 and box["height"] > 150, section
        assert page.locator(f"{section} table").count() == 1  # a table under every chart
    ranking_svg = page.locator("#ranking .chart svg >> visible=true").inner_html()
    assert "东镇" in ranking_svg and "西镇" in ranking_svg
    assert f"{today:%Y-%m}" in page.locator("#trend .chart svg >> visible=true").inner_html()  # month labels
    assert hosts == {urlparse(base).netloc}  # nothing from the network
    shot(page, "30-stats-dashboard")

    page.click("#ranking .tabs a:has-text('面访率')")
    page.wait_for_url("**rank=face_to_face**")
    assert "面访率" in page.inner_text("#ranking h2")
    page.click("text=指标明细与口径")
    page.wait_for_url("**/stats/kpis/**")
    main = page.inner_text("main")
    # each indicator's definition, numerator, denominator and basis; phone follow-ups count for 管理
    assert "统计期内至少有1次随访到患者（门诊、入户或电话随访均计" in main and "见面" not in main
    assert "分母：在册患者数" in main and "依据：《严重精神障碍管理治疗工作规范（2018年版）》" in main
    shot(page, "31-stats-kpi-table")
    page.set_viewport_size({"width": 1280, "height": 900})
    shot(page, "31-stats-kpi-table-desktop")


def test_township_office_sees_no_clinical_figure(live_server, page, shot, users, make_patient):
    """The township office reads the figures of management but not those of medication or condition."""
    today = clock.today()
    p = make_patient("990102001001", name="李统计")
    Patient.objects.filter(pk=p.pk).update(registered_on=today - dt.timedelta(days=400))
    p.refresh_from_db()
    visit(users["doctor"], p, 5)
    base = live_server.url
    login(page, base, users["office"].username)
    page.goto(f"{base}/stats/")
    headline = page.inner_text("#headline")
    assert "管理率" in headline and "100.0%" in headline
    for name in ("服药率", "规律服药率", "病情稳定率", "病情不稳定患者个案管理率"):
        card = page.locator("#headline .kpi-card", has=page.locator(f".name:text-is('{name}')"))
        assert "仅卫生健康人员可见" in card.inner_text(), name
    tabs = page.inner_text("#ranking .tabs")
    assert "管理率" in tabs and "服药率" not in tabs and "病情稳定率" not in tabs
    assert "服药率" not in page.inner_text("#trend ul.legend")
    assert "服药率" not in page.inner_text("#trend thead") and "服药率" not in page.inner_text("#ranking thead")
    assert "仅卫生健康人员可见" in page.inner_text("#trend .withheld-note")
    shot(page, "32-stats-dashboard-office")
    page.set_viewport_size({"width": 1280, "height": 900})
    shot(page, "32-stats-dashboard-office-desktop")
    page.goto(f"{base}/stats/kpis/")
    row = page.inner_text("#kpi-medication")
    assert "仅卫生健康人员可见" in row and "暂无数据" not in row
    shot(page, "33-stats-kpi-table-office-desktop")
    page.set_viewport_size({"width": 390, "height": 844})
    shot(page, "33-stats-kpi-table-office")
