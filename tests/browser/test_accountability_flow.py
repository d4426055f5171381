"""On a desktop and on a 390 px phone: the township office records the quarter's joint consultation (齐云山镇
2024 四、2) and finds the quarter's indicators and shortcomings attached to it; the task decided there is on
its owner's (the police officer's) worklist; then, from an incident's retrospective review (倒查), the
office opens a 责任追究 with the incident linked (齐云山镇2024 四、3) and closes it (销号) once rectified."""

import datetime as dt
import re

import pytest

from jingfang.accountability.models import ConsultationRecord, Measure
from jingfang.core import clock
from tests.browser.signin import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SIZES = {"desktop": (1280, 900), "phone": (390, 844)}


@pytest.fixture(params=sorted(SIZES))
def sized(request, browser):
    width, height = SIZES[request.param]
    context = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(20000)
    yield request.param, page
    context.close()


def no_sideways_scroll(page, size):
    assert page.evaluate("document.documentElement.scrollWidth") <= SIZES[size][0]


def test_consultation_then_a_measure_from_a_review(live_server, sized, shot, users, make_patient):
    from jingfang.care import services as care

    size, page = sized
    base = live_server.url
    patient = make_patient("990102001001", name="柏问责")
    incident = care.record_incident(users["police"], patient, {
        "date": "2026-01-05", "place": "村委会门口", "kind": "trouble", "injuries": 0, "deaths": 0,
        "property_loss_yuan": "0", "hospital": "县精神卫生中心"})
    care.save_review(users["office"], incident, "事发前随访逾期两次。")

    # the joint consultation, with a task for the police officer
    login(page, base, users["office"].username)
    page.goto(f"{base}/care/meetings/new/?kind=joint_consultation_quarterly&region=990102001000")
    page.fill("input[name=a-0-name]", "王主任")
    page.fill("input[name=a-0-unit]", "镇政法委")
    page.fill("textarea[name=minutes]", "政法委、卫健委、派出所联合会商本季度工作")
    page.fill("textarea[name=decisions]", "失访患者由派出所协助查找")
    page.fill("input[name=t-0-text]", "协助查找失访患者")
    page.select_option("#t-0-owner_id", str(users["police"].pk))
    page.fill("input[name=t-0-due_date]", (clock.today() + dt.timedelta(days=5)).isoformat())
    page.click("button:has-text('保存')")
    page.wait_for_url(re.compile(r".*/care/meetings/\d+/$"))
    record = ConsultationRecord.objects.get()
    panel = page.inner_text("#consultation-record")
    assert "会商材料" in panel and "工作指标" in panel and "管理率" in panel and "肇事肇祸：统计期内" in panel
    no_sideways_scroll(page, size)
    shot(page, f"accountability-01-consultation-{size}")

    login(page, base, users["police"].username, fresh=True)
    page.goto(f"{base}/worklist/?kind=deadline")
    assert "会议任务：协助查找失访患者" in page.inner_text("body")
    page.goto(f"{base}/care/meetings/{record.meeting_id}/")
    assert "会商材料" in page.inner_text("#consultation-record")
    shot(page, f"accountability-02-police-{size}")

    # a 责任追究 opened from the review, then closed
    login(page, base, users["office"].username, fresh=True)
    page.goto(f"{base}/care/incidents/{incident.pk}/review/")
    page.click("a:has-text('据此下达')")
    page.wait_for_url(re.compile(r".*/accountability/new/\?incident=\d+$"))
    assert page.is_checked(f"input[name=incident_ids][value='{incident.pk}']")
    assert page.input_value("select[name=kind]") == "liability"
    page.fill("textarea[name=rectification]", "追究包村干部责任，补签监护协议")
    no_sideways_scroll(page, size)
    shot(page, f"accountability-03-issue-{size}")
    page.click("button:has-text('下达')")
    page.wait_for_url(re.compile(r".*/accountability/\d+/$"))
    text = page.inner_text("body")
    assert "责任追究" in text and "倒查于" in text and "县精神卫生中心" not in text
    page.fill("textarea[name=closing_text]", "已约谈包村干部并补签监护协议")
    page.click("button:has-text('销号')")
    page.wait_for_url(re.compile(r".*/accountability/\d+/$"))
    assert "已销号" in page.inner_text("h1")
    m = Measure.objects.get()
    assert m.closed_on and list(m.incidents.all()) == [incident]
    no_sideways_scroll(page, size)
    shot(page, f"accountability-04-closed-{size}")
    page.goto(f"{base}/accountability/")
    no_sideways_scroll(page, size)
    shot(page, f"accountability-05-list-{size}")
