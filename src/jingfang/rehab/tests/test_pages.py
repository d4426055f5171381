"""Rehabilitation pages per role: who sees the KPIs, the register, enrolments (patient data, audited) and
the follow-ups' 康复措施 (health staff only); the xlsx exports."""

import io

import pytest
from openpyxl import load_workbook

from jingfang.audit.models import AuditEvent
from jingfang.core import clock
from jingfang.followups import services as followup_services
from jingfang.rehab import services

pytestmark = pytest.mark.django_db
TODAY = clock.today()
ALL = ["county", "office", "doctor", "vdoc", "cadre", "police", "civil", "dpf", "judicial", "admin", "secadmin",
       "auditor"]
REGISTER = {"county", "office", "doctor", "vdoc", "civil", "dpf"}
ENROL = {"county", "doctor", "vdoc", "civil", "dpf"}


@pytest.fixture
def enrolled(users, rehab):
    """张甲 at the health-run station (with April's attendance), 李乙 in the DPF's home training; a follow-up of
    张甲 with 康复措施 (a clinical record: health staff only)."""
    station = services.enrol(users["doctor"], patient=rehab["张甲"], data={
        "programme": "facility", "facility_id": str(rehab["station"].pk), "start": TODAY.isoformat()})
    services.record_attendance(users["doctor"], enrolment=station, data={"month": f"{TODAY:%Y-%m}", "days": "9"})
    home = services.enrol(users["dpf"], patient=rehab["李乙"], data={"programme": "home", "start": TODAY.isoformat()})
    followup_services.record_followup(users["doctor"], rehab["张甲"], {
        "date": TODAY.isoformat(), "mode": "home_visit", "seen": "on", "risk_level": 0, "insight": "full",
        "social_function": "good", "adherence": "regular", "adverse_reaction": "none", "physical_illness": "none",
        "rehab_measures": ["vocational"]})
    return {**rehab, "station_enrolment": station, "home_enrolment": home}


@pytest.mark.parametrize("who", ALL)
def test_who_opens_what(client, users, enrolled, who):
    client.force_login(users[who])
    expect = {"/rehab/": who in REGISTER, "/rehab/facilities/": who in REGISTER, "/rehab/teams/": who in REGISTER,
              "/rehab/enrolments/": who in ENROL, f"/rehab/patients/{enrolled['张甲'].pk}/": who in ENROL}
    for url, allowed in expect.items():
        r = client.get(url)
        assert (r.status_code == 200) is allowed, (who, url, r.status_code)
        if not allowed:
            assert r.status_code in (403, 404)


def test_overview_shows_the_kpis_against_the_profile(client, users, enrolled):
    client.force_login(users["county"])
    page = client.get("/rehab/").content.decode()
    assert "镇街社区康复机构覆盖率" in page and "50%" in page and "目标≥60%" in page
    assert "居家患者社区康复参与率" in page and "政策未设定目标" in page
    assert "西镇" in page
    client.force_login(users["office"])
    page = client.get("/rehab/").content.decode()
    assert "甲村" in page and "100%" in page  # 东镇's villages: 甲村 1 of 1


def test_enrolments_follow_the_department(client, users, enrolled):
    for who, sees, hidden in (("doctor", ["张甲", "李乙"], []), ("dpf", ["李乙"], ["张甲"]), ("civil", [], ["张甲", "李乙"])):
        client.force_login(users[who])
        page = client.get("/rehab/enrolments/").content.decode()
        assert all(n in page for n in sees) and not any(n in page for n in hidden), who
    client.force_login(users["dpf"])
    assert client.get(f"/rehab/enrolments/{enrolled['station_enrolment'].pk}/").status_code == 404
    assert AuditEvent.objects.filter(username=users["dpf"].username, outcome="not_found",
                                     target=f"enrolment:{enrolled['station_enrolment'].pk}").exists()
    r = client.get(f"/rehab/enrolments/{enrolled['home_enrolment'].pk}/")
    assert r.status_code == 200 and AuditEvent.objects.filter(
        username=users["dpf"].username, action="view", patient_id=enrolled["李乙"].pk).exists()


def test_followup_measures_only_for_health_staff(client, users, enrolled):
    url = f"/rehab/patients/{enrolled['张甲'].pk}/"
    client.force_login(users["doctor"])
    page = client.get(url).content.decode()
    assert "随访记录的康复措施" in page and "职业训练" in page and "东镇日间康复站" in page
    for who in ("dpf", "civil"):
        client.force_login(users[who])
        page = client.get(url).content.decode()
        assert "随访记录的康复措施" not in page and "职业训练" not in page and "精神分裂" not in page
        assert "东镇日间康复站" not in page  # a health-run programme is not theirs to see


def test_patient_outside_is_404_audited(client, users, enrolled):
    client.force_login(users["doctor"])
    assert client.get(f"/rehab/patients/{enrolled['王丙'].pk}/").status_code == 404
    assert AuditEvent.objects.filter(username=users["doctor"].username, outcome="denied",
                                     patient_id=enrolled["王丙"].pk).exists()


def test_enrol_and_attend_through_the_pages(client, users, enrolled):
    client.force_login(users["dpf"])
    r = client.post(f"/rehab/patients/{enrolled['张甲'].pk}/", {"programme": "home", "start": TODAY.isoformat()})
    assert r.status_code == 302
    url = r["Location"]
    r = client.post(url, {"op": "attendance", "month": f"{TODAY:%Y-%m}", "days": "40"})
    assert r.status_code == 422 and "参加天数" in r.content.decode()
    client.post(url, {"op": "attendance", "month": f"{TODAY:%Y-%m}", "days": "6"})
    assert "6" in client.get(url).content.decode()
    client.force_login(users["county"])  # the supervisor reads but does not record
    assert client.post(url, {"op": "attendance", "month": f"{TODAY:%Y-%m}", "days": "7"}).status_code == 403


def test_facility_pages(client, users, enrolled):
    client.force_login(users["doctor"])
    r = client.post("/rehab/facilities/", {"region_code": "990102001000", "name": "东镇职业康复中心",
                                           "kind": "vocational_centre", "operator": "social_org", "address": "东镇1号",
                                           "places": "15", "opened_on": "2024-05-01", "status": "operating"})
    assert r.status_code == 302
    page = client.get(r["Location"]).content.decode()
    assert "东镇职业康复中心" in page and "社会组织" in page
    client.force_login(users["office"])  # reads the register, does not keep it
    assert client.post("/rehab/facilities/", {"name": "x"}).status_code == 403
    assert "东镇职业康复中心" in client.get("/rehab/facilities/").content.decode()


def test_team_pages(client, users, rehab):
    client.force_login(users["county"])
    r = client.post("/rehab/teams/", {"region_code": "990102000000", "name": "医院—社区多功能服务团队",
                                      "host": "测试县精神病防治院", "formed_on": "2025-01-01"})
    assert r.status_code == 302
    client.post(r["Location"], {"name": "赵医生", "role": "psychiatrist", "unit": "测试县精神病防治院"})
    page = client.get(r["Location"]).content.decode()
    assert "赵医生" in page and "缺少：护士、心理治疗师、康复师、社会工作者" in page
    client.force_login(users["vdoc"])  # the county's team is seen in every village
    assert "医院—社区多功能服务团队" in client.get("/rehab/teams/").content.decode()


def _sheet(response, name=None):
    wb = load_workbook(io.BytesIO(b"".join(response.streaming_content) if response.streaming else response.content))
    ws = wb[name] if name else wb.active
    return [[c for c in row] for row in ws.iter_rows(values_only=True)], wb


def test_register_export(client, users, enrolled):
    client.force_login(users["county"])
    r = client.get("/rehab/export.xlsx")
    assert r.status_code == 200
    rows, wb = _sheet(r)
    assert wb.sheetnames == ["社区康复机构", "多功能服务团队", "指标"]
    assert rows[0][0] == "测试县精神障碍社区康复机构登记表"
    names = [row[2] for row in rows]
    assert "东镇日间康复站" in names and "东镇阳光庇护工厂" in names
    kpis, _ = _sheet(r, "指标")
    cover = next(row for row in kpis if row[0] == "镇街社区康复机构覆盖率")
    assert cover[1:6] == [1, 2, "50%", "≥60%", "未达标"]
    assert not any("张甲" in str(c) for row in kpis for c in row)  # no patient in the register
    assert AuditEvent.objects.filter(action="export", target="rehab:register.xlsx").exists()


def test_enrolment_export(client, users, enrolled):
    client.force_login(users["doctor"])
    r = client.get("/rehab/enrolments/export.xlsx")
    assert r.status_code == 200
    rows, _ = _sheet(r)
    header = next(row for row in rows if row and row[0] == "序号")
    line = next(row for row in rows if row and row[2] == "张甲")
    assert line[3] == "社区康复机构" and line[4] == "东镇日间康复站"
    assert line[header.index(f"{TODAY.month}月")] == 9 and line[header.index("合计天数")] == 9
    client.force_login(users["dpf"])
    rows, _ = _sheet(client.get("/rehab/enrolments/export.xlsx"))
    assert not any(row and row[2] == "张甲" for row in rows) and any(row and row[2] == "李乙" for row in rows)
    client.force_login(users["vdoc"])
    assert client.get("/rehab/enrolments/export.xlsx").status_code == 200
    client.force_login(users["office"])
    assert client.get("/rehab/enrolments/export.xlsx").status_code == 403


def test_dashboard_shows_rehab(client, users, enrolled):
    client.force_login(users["county"])
    page = client.get("/stats/").content.decode()
    assert 'id="rehab"' in page and "镇街社区康复机构覆盖率" in page
