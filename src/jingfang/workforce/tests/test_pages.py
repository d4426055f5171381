"""Workforce pages per role: the county supervisor keeps the register, the township doctor reads their
township's, the township office sees counts and shortfalls without a name; others are refused. Every look
at names is audited; outside the region answers 404 like a missing record."""

import io

import pytest
from openpyxl import load_workbook

from jingfang.audit.models import AuditEvent
from jingfang.workforce.models import StaffMember

pytestmark = pytest.mark.django_db
NAMES = ("赵医师", "钱精防", "孙全科", "李精防")


def login(client, users, who):
    client.force_login(users[who])
    return client


@pytest.mark.parametrize("who, status", [
    ("county", 200), ("office", 200), ("doctor", 200), ("vdoc", 403), ("cadre", 403), ("police", 403),
    ("civil", 403), ("dpf", 403), ("judicial", 403), ("admin", 403), ("secadmin", 403), ("auditor", 403)])
def test_overview_per_role(client, users, register, who, status):
    r = login(client, users, who).get("/workforce/")
    assert r.status_code == status
    if status == 200:
        text = r.content.decode()
        assert "每10万人口精神科执业（助理）医师数" in text and "镇街卫生院精防人员与培训合格全科医生配备率" in text
        assert not any(name in text for name in NAMES)  # the overview never shows a name
    else:
        assert AuditEvent.objects.filter(user_id=users[who].pk, outcome="denied").exists()


def test_county_overview_shows_targets_and_shortfalls(client, users, register):
    text = login(client, users, "county").get("/workforce/").content.decode()
    assert "1.67" in text and "目标≥3人" in text and "未达标" in text
    assert "西镇" in text and "缺培训合格的加注精神卫生执业范围全科医生" in text and "目标≥100%" in text


def test_office_sees_counts_only(client, users, register):
    client = login(client, users, "office")
    text = client.get("/workforce/").content.decode()
    assert "机构与人员名册" not in text  # no link to names
    assert client.get("/workforce/institutions/").status_code == 403
    assert client.get(f"/workforce/staff/{register['prev'].pk}/").status_code == 403
    assert client.get("/workforce/export.xlsx").status_code == 403


def test_township_doctor_reads_own_township(client, users, register):
    client = login(client, users, "doctor")
    listing = client.get("/workforce/institutions/").content.decode()
    assert "东镇卫生院" in listing and "西镇卫生院" not in listing and "测试县精神病防治院" not in listing
    r = client.get(f"/workforce/institutions/{register['east'].pk}/")
    assert r.status_code == 200 and "钱精防" in r.content.decode() and "登记人员" not in r.content.decode()
    assert AuditEvent.objects.filter(user_id=users["doctor"].pk, target=f"institution:{register['east'].pk}",
                                     outcome="ok").count() == 1
    # 西镇's health centre and its staff: 404 like a missing record, audited
    assert client.get(f"/workforce/institutions/{register['west'].pk}/").status_code == 404
    assert client.get(f"/workforce/staff/{register['west_prev'].pk}/").status_code == 404
    assert AuditEvent.objects.filter(user_id=users["doctor"].pk, outcome="not_found").count() == 2
    # reading is not writing
    r = client.post(f"/workforce/institutions/{register['east'].pk}/", {"name": "某某", "kind": "prevention"})
    assert r.status_code == 403 and not StaffMember.objects.filter(name="某某").exists()
    r = client.post(f"/workforce/staff/{register['prev'].pk}/trainings/", {"course": "培训", "hours": "8",
                                                                           "date": "2025-01-01"})
    assert r.status_code == 403 and not register["prev"].trainings.exists()


def test_county_keeps_the_register(client, users, register):
    client = login(client, users, "county")
    r = client.post("/workforce/institutions/", {"region_code": "990102002000", "name": "西镇社区卫生服务中心",
                                                 "kind": "township_hc"})
    assert r.status_code == 302
    r = client.post(r["Location"], {"name": "周全科", "kind": "gp_psych", "employment": "part_time"})
    assert r.status_code == 302
    staff = StaffMember.objects.get(name="周全科")
    r = client.post(f"/workforce/staff/{staff.pk}/trainings/", {"course": "全科医生精神卫生培训", "hours": "60",
                                                                "date": "2025-09-01", "certificate": "JW-9",
                                                                "passed": "on"}, follow=True)
    assert "全科医生精神卫生培训" in r.content.decode()
    text = client.get("/workforce/").content.decode()
    assert "各镇街均已配齐" in text
    r = client.post(f"/workforce/staff/{staff.pk}/", {"name": "周全科", "kind": "gp_psych", "employment": "part_time",
                                                      "started": "2025-05-01", "left_on": "2025-01-01"}, follow=True)
    assert "离岗日期不能早于到岗日期" in r.content.decode()


def test_invalid_input_answers_in_chinese(client, users, register):
    client = login(client, users, "county")
    r = client.post("/workforce/institutions/", {"region_code": "990103001000", "name": "北镇卫生院",
                                                 "kind": "township_hc"}, follow=True)
    assert r.status_code == 200 and "请选择辖区内" in r.content.decode()
    assert client.get("/workforce/staff/99999999999999999999/").status_code == 404
    assert client.get("/workforce/?region=990103000000").status_code == 404


def test_export_prints_like_the_ledger(client, users, register):
    r = login(client, users, "county").get("/workforce/export.xlsx")
    assert r.status_code == 200
    wb = load_workbook(io.BytesIO(r.content))
    ws = wb["精神卫生人员名册"]
    assert ws["A1"].value == "测试县精神卫生人员名册"
    assert ws.page_setup.orientation == "landscape" and ws.print_title_rows == "$1:$4"
    rows = [[c.value for c in row] for row in ws.iter_rows(min_row=5)]
    assert [r[3] for r in rows if r[3] in NAMES] == ["赵医师", "钱精防", "孙全科", "李精防"]
    assert any("全科医生精神卫生转岗培训/120学时" in (r[9] or "") for r in rows)
    kpis = [[c.value for c in row] for row in wb["指标与缺口"].iter_rows()]
    assert ["每10万人口精神科执业（助理）医师数", 1, 60000, "1.67", "≥3人", "未达标"] in kpis
    assert AuditEvent.objects.filter(user_id=users["county"].pk, action="export", outcome="ok").exists()


def test_doctor_export_holds_only_own_township(client, users, register):
    r = login(client, users, "doctor").get("/workforce/export.xlsx")
    assert r.status_code == 200
    values = {c.value for row in load_workbook(io.BytesIO(r.content))["精神卫生人员名册"].iter_rows() for c in row}
    assert {"钱精防", "孙全科"} <= values and not values & {"赵医师", "李精防"}


@pytest.mark.parametrize("who, shown", [("county", True), ("office", True), ("doctor", True), ("vdoc", False)])
def test_dashboard_shows_the_workforce_kpis(client, users, register, who, shown):
    text = login(client, users, who).get("/stats/").content.decode()
    assert ('id="workforce"' in text) is shown
    if who == "county":
        assert "每10万人口精神科执业（助理）医师数" in text and "目标≥3人" in text and "西镇（缺培训合格" in text


def test_dashboard_export_has_the_workforce_sheet(client, users, register):
    r = login(client, users, "county").get("/stats/export.xlsx")
    assert r.status_code == 200
    rows = [[c.value for c in row] for row in load_workbook(io.BytesIO(r.content))["人才队伍"].iter_rows()]
    assert any(row[0] == "每10万人口精神科执业（助理）医师数" and row[3] == "1.67" for row in rows)
    assert ["缺口：西镇", "缺培训合格的加注精神卫生执业范围全科医生"] in [row[:2] for row in rows]
    assert not any(name in str(rows) for name in NAMES)
