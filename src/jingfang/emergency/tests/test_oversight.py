"""The township office is notified of every grant on its patients (worklist and notices page) until it
acknowledges; the county supervisor reviews every grant on the county's patients; both are scoped to
their region and audited."""

import io

import pytest
from openpyxl import load_workbook

from jingfang.audit.models import AuditEvent
from jingfang.emergency.models import Grant

from .conftest import REASON, ask, expire

pytestmark = pytest.mark.django_db


@pytest.fixture
def grant(client, users, bing):
    ask(client, users["police"], bing)
    client.logout()
    return Grant.objects.get()


def test_the_patients_township_office_sees_the_notice_until_it_acknowledges(client, users, west_office, grant):
    client.force_login(west_office)
    work = client.get("/worklist/").content.decode()
    assert "紧急查阅通知：丙患者" in work and "肇事肇祸处置" in work and REASON in work
    assert "社区民警" in work and "东镇" in work  # who, from where
    page = client.get("/emergency/notices/").content.decode()
    assert "丙患者" in page and "确认知悉" in page

    r = client.post(f"/emergency/notices/{grant.pk}/ack/")
    assert r.status_code == 302
    grant.refresh_from_db()
    assert grant.acknowledged_by == west_office and grant.acknowledged_at is not None
    assert "紧急查阅通知：丙患者" not in client.get("/worklist/").content.decode()
    assert "丙患者" not in client.get("/emergency/notices/?state=pending").content.decode()
    assert "丙患者" in client.get("/emergency/notices/?state=done").content.decode()
    assert AuditEvent.objects.get(action="emergency_ack").detail == {"grant": grant.pk}
    client.post(f"/emergency/notices/{grant.pk}/ack/")  # twice: nothing changes
    assert AuditEvent.objects.filter(action="emergency_ack").count() == 1


def test_other_townships_offices_see_nothing(client, users, grant):
    east_office = users["office"]  # 东镇: the police officer's township, not the patient's
    client.force_login(east_office)
    assert "紧急查阅通知：" not in client.get("/worklist/").content.decode()
    assert "丙患者" not in client.get("/emergency/notices/").content.decode()
    assert client.post(f"/emergency/notices/{grant.pk}/ack/").status_code == 404
    assert AuditEvent.objects.get(action="emergency_ack").outcome == "denied"
    grant.refresh_from_db()
    assert grant.acknowledged_at is None


def test_the_county_reviews_pending_first(client, users, make_patient, bing, grant):
    county = users["county"]
    client.force_login(users["police"])
    assert client.get(f"/patients/{bing.pk}/").status_code == 200  # the police officer looks, under the grant
    ask(client, users["doctor"], bing, category="emergency_care", reason="患者在镇卫生院急诊，需要了解既往用药")
    second = Grant.objects.exclude(pk=grant.pk).get()
    Grant.objects.filter(pk=second.pk).update(reviewed_at=second.started_at, review_outcome="reasonable",
                                              reviewed_by=county)
    client.force_login(county)
    html = client.get("/emergency/review/").content.decode()
    assert html.index(f"/emergency/review/{grant.pk}/") < html.index(f"/emergency/review/{second.pk}/")
    assert "待审核 1" in html
    detail = client.get(f"/emergency/review/{grant.pk}/").content.decode()
    assert REASON in detail and "申请紧急查阅" in detail and "紧急查阅档案" in detail  # what happened under it

    bad = client.post(f"/emergency/review/{grant.pk}/", {"outcome": "unreasonable", "note": ""})
    assert bad.status_code == 422 and "结论为“不合理”时请写明原因" in bad.content.decode()
    ok = client.post(f"/emergency/review/{grant.pk}/", {"outcome": "unreasonable", "note": "非紧急情况，应联系属地民警"})
    assert ok.status_code == 302
    grant.refresh_from_db()
    assert (grant.review_outcome, grant.review_note, grant.reviewed_by) == ("unreasonable", "非紧急情况，应联系属地民警", county)
    again = client.post(f"/emergency/review/{grant.pk}/", {"outcome": "reasonable"})
    assert again.status_code == 409 and "不能重复审核" in again.content.decode()
    grant.refresh_from_db()
    assert grant.review_outcome == "unreasonable"
    rows = AuditEvent.objects.filter(action="emergency_review").order_by("seq")
    assert [(r.outcome, r.detail.get("outcome")) for r in rows] == [
        ("invalid", None), ("ok", "unreasonable"), ("conflict", None)]


def test_another_countys_supervisor_sees_nothing(client, make_user, grant):
    other = make_user("county_supervisor", "other_county")
    client.force_login(other)
    assert "丙患者" not in client.get("/emergency/review/").content.decode()
    assert client.get(f"/emergency/review/{grant.pk}/").status_code == 404
    assert client.post(f"/emergency/review/{grant.pk}/", {"outcome": "reasonable"}).status_code == 404
    grant.refresh_from_db()
    assert not grant.reviewed
    assert AuditEvent.objects.filter(target=f"emergency_grant:{grant.pk}", outcome="denied").count() == 2


@pytest.mark.parametrize("who, url", [
    ("doctor", "/emergency/review/"), ("police", "/emergency/notices/"), ("county", "/emergency/notices/"),
    ("office", "/emergency/review/"), ("cadre", "/emergency/"), ("admin", "/emergency/review/"),
])
def test_pages_are_for_their_roles_only(client, users, who, url):
    client.force_login(users[who])
    assert client.get(url).status_code == 403


def test_the_queue_exports_to_xlsx_stamped_and_audited(client, users, grant):
    expire(grant)
    client.force_login(users["county"])
    r = client.get("/emergency/review/export.xlsx")
    assert r.status_code == 200 and r["Content-Type"].startswith("application/vnd.openxmlformats")
    ws = load_workbook(io.BytesIO(r.content)).active
    rows = [[c.value for c in row] for row in ws.iter_rows()]
    assert rows[0][0] == "紧急查阅审核" and "导出人：" in rows[1][0]
    assert rows[2][:4] == ["编号", "开始时间", "有效至", "时长（小时）"]
    data = rows[3]
    assert data[0] == grant.pk and data[7] == "丙患者" and data[9] == "肇事肇祸处置" and data[10] == REASON
    assert data[12] == "待审核"
    export = AuditEvent.objects.get(action="export", target="emergency_grants.xlsx")
    assert export.detail["count"] == 1


def test_nav_shows_each_role_its_emergency_pages(client, users, west_office):
    expected = {"doctor": ["紧急查阅"], "police": ["紧急查阅"], "county": ["紧急查阅审核"], "cadre": []}
    for who, labels in expected.items():
        client.force_login(users[who])
        html = client.get("/patients/").content.decode()
        for label in labels:
            assert f">{label}</a>" in html, (who, label)
        if not labels:
            assert "<summary>紧急查阅</summary>" not in html
    client.force_login(west_office)
    assert ">紧急查阅通知</a>" in client.get("/patients/").content.decode()
