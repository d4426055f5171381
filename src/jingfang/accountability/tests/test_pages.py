"""Pages: the list (filters, paging, 按期整改率), issuing (also from an incident's review, pre-linked), the
measure and its closing, the register's xlsx, and the joint consultation's record on the meeting's page
and in its xlsx; no clinical content reaches non-health roles."""

import datetime as dt
import io

import pytest
from openpyxl import load_workbook

from jingfang.accountability import services
from jingfang.accountability.models import Measure
from jingfang.care import services as care_services
from jingfang.stats.kpis import WITHHELD_TEXT as WITHHELD

from .conftest import TODAY, consultation_data, measure_data

pytestmark = pytest.mark.django_db


def page(client, user, url, **kw):
    client.force_login(user)
    return client.get(url, **kw)


def test_list_filters_and_summary(client, users):
    a = services.issue(users["office"], data=measure_data())
    b = services.issue(users["office"], data=measure_data(kind="notice", target_name="甲村卫生室", target_unit="village_clinic"))
    services.close(users["office"], measure=b, data={"closing_text": "已整改", "version": 1})
    html = page(client, users["office"], "/accountability/").content.decode()
    assert "甲村卫生室" in html and "共 <strong>2</strong> 项" in html and "按期整改率 <strong>100.0%</strong>" in html
    html = page(client, users["office"], "/accountability/?state=open").content.decode()
    assert f"/accountability/{a.pk}/" in html and f"/accountability/{b.pk}/" not in html
    html = page(client, users["office"], "/accountability/?kind=notice").content.decode()
    assert f"/accountability/{a.pk}/" not in html and f"/accountability/{b.pk}/" in html


def test_issue_from_the_review(client, users, reviewed):
    html = page(client, users["office"], f"/care/incidents/{reviewed.pk}/review/").content.decode()
    link = f"/accountability/new/?incident={reviewed.pk}"
    assert link in html
    assert link not in page(client, users["doctor"], f"/care/incidents/{reviewed.pk}/review/").content.decode()
    form = page(client, users["office"], link).content.decode()
    assert f'name="incident_ids" value="{reviewed.pk}" checked' in form
    assert 'value="liability" selected' in form and "倒查于" in form
    r = client.post("/accountability/new/", {
        "kind": "liability", "target_region_code": "990102001001", "target_unit": "village_committee",
        "reason": "甲村发生肇事事件，倒查发现未按期随访", "rectification": "追究包村干部责任", "incident_ids": [str(reviewed.pk)]})
    m = Measure.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/accountability/{m.pk}/"
    assert list(m.incidents.all()) == [reviewed]


def test_form_errors_keep_what_was_typed(client, users):
    client.force_login(users["office"])
    r = client.post("/accountability/new/", {"kind": "supervision", "target_region_code": "990102001001",
                                             "target_unit": "village_committee", "reason": "隐患突出", "rectification": ""})
    html = r.content.decode()
    assert r.status_code == 422 and "挂牌督办：须关联" in html and "整改要求" in html and "隐患突出" in html
    assert not Measure.objects.exists()


def test_detail_and_close(client, users, incident):
    m = services.issue(users["office"], data=measure_data(incident_ids=[incident.pk]))
    for who in ("police", "cadre"):  # the village committee's cadre sees it; the police do not (not theirs)
        r = page(client, users[who], f"/accountability/{m.pk}/")
        assert r.status_code == (200 if who == "cadre" else 404)
    html = page(client, users["cadre"], f"/accountability/{m.pk}/").content.decode()
    assert "村委会门口" in html and "尚未倒查" in html
    assert "县精神卫生中心" not in html and "甲患者" not in html  # no hospital, no patient
    assert "销号</button>" not in html
    client.force_login(users["cadre"])
    assert client.post(f"/accountability/{m.pk}/close/", {"closing_text": "已整改", "version": "1"}).status_code == 403
    client.force_login(users["office"])
    r = client.post(f"/accountability/{m.pk}/close/", {"closing_text": "", "version": "1"})
    assert r.status_code == 422 and "整改情况" in r.content.decode()
    r = client.post(f"/accountability/{m.pk}/close/", {"closing_text": "已补齐随访", "version": "1",
                                                       "closed_on": TODAY.isoformat()})
    assert r.status_code == 302
    r = client.post(f"/accountability/{m.pk}/close/", {"closing_text": "再次", "version": "1"})
    assert r.status_code == 409 and "已被销号" in r.content.decode()
    m.refresh_from_db()
    assert m.closing_text == "已补齐随访"


def test_register_xlsx(client, users, inspection, incident):
    services.issue(users["office"], data=measure_data(incident_ids=[incident.pk], inspection_ids=[inspection.pk]))
    r = page(client, users["office"], "/accountability/export.xlsx")
    assert r.status_code == 200
    ws = load_workbook(io.BytesIO(b"".join(r.streaming_content) if r.streaming else r.content)).active
    rows = [[c for c in row] for row in ws.iter_rows(values_only=True)]
    assert rows[0][0] == "东镇通报、约谈、挂牌督办、责任追究台账"
    assert rows[3][:3] == ["序号", "措施类型", "对象"]
    assert rows[4][1] == "约谈" and rows[4][2] == "甲村" and "未倒查" in rows[4][4] and "督导检查报告" in rows[4][4]
    assert rows[4][9] == "整改中"
    assert ws.page_setup.orientation == "landscape"
    assert page(client, users["cadre"], "/accountability/export.xlsx").status_code == 403  # no export right


def test_consultation_on_the_meeting_page_and_xlsx(client, users, patient, inspection):
    services.issue(users["office"], data=measure_data(issued_on=(TODAY - dt.timedelta(days=2)).isoformat()))
    meeting = care_services.save_meeting(users["office"], consultation_data(users))
    html = page(client, users["doctor"], f"/care/meetings/{meeting.pk}/").content.decode()
    assert "会商材料：本期工作指标与问题短板" in html and "督导整改逾期" in html and "约谈：甲村" in html
    assert "病情稳定率" in html
    police = page(client, users["police"], f"/care/meetings/{meeting.pk}/").content.decode()
    assert "会商材料" in police and WITHHELD in police  # the police see the record, without clinical figures
    r = page(client, users["office"], f"/accountability/consultations/{meeting.pk}/export.xlsx")
    assert r.status_code == 200
    wb = load_workbook(io.BytesIO(r.content))
    first = [row for row in wb["会商调度记录"].iter_rows(values_only=True)]
    assert first[0][0] == "东镇严重精神障碍患者服务管理联合会商调度记录"
    assert any(row[0] == "核实失访患者去向" for row in first)
    second = [row for row in wb["指标与短板"].iter_rows(values_only=True)]
    assert any(row[0] == "督办问责未销号" for row in second)
    stable = next(row for row in second if row[0] == "病情稳定率")
    assert stable[1] is None and stable[2] is None and stable[3] == WITHHELD  # the office is not a health role: no figure


def test_regenerate(client, users, patient):
    meeting = care_services.save_meeting(users["office"], consultation_data(users))
    m = services.issue(users["office"], data=measure_data(issued_on=TODAY.isoformat()))
    client.force_login(users["police"])
    assert client.post(f"/accountability/consultations/{meeting.pk}/regenerate/").status_code == 403
    client.force_login(users["office"])
    r = client.post(f"/accountability/consultations/{meeting.pk}/regenerate/")
    assert r.status_code == 302
    assert [x["id"] for x in meeting.consultation_record.__class__.objects.get(meeting=meeting).snapshot["measures"]] == [m.pk]


def test_menu_link(client, users):
    for who, shown in (("office", True), ("police", True), ("doctor", True), ("admin", False)):
        html = page(client, users[who], "/", follow=True).content.decode()
        assert ('href="/accountability/"' in html) is shown, who
