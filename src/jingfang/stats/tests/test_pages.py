"""Dashboard, KPI table, drill-down lists (scoped, audited, no clinical fields for non-health roles), exports."""

import io
import re

import pytest
from openpyxl import load_workbook

from jingfang.audit.models import AuditEvent
from jingfang.stats import permissions

pytestmark = pytest.mark.django_db
T1, T2 = "990102001000", "990102002000"


def test_dashboard_for_a_county_supervisor(client, users, three):
    client.force_login(users["county"])
    r = client.get("/stats/")
    assert r.status_code == 200
    html = r.content.decode()
    for text in ("报告患病率", "管理率", "规范管理率", "面访率", "服药率", "病情稳定率", "失访率", "乡镇（街道）排名", "东镇", "西镇"):
        assert text in html
    charts = re.findall(r'<div class="(?:wide|narrow)">(.*?)</div>', html, re.S)
    assert len(charts) == 6 and all(c.lstrip().startswith("<svg") for c in charts)  # 3 charts, 2 sizes each
    assert all("<script" not in c and "xlink:href=\"http" not in c for c in charts)  # static, nothing fetched
    assert "Pygal" not in html and "<title>主要指标逐月趋势</title>" in html  # titled in words, not by the library
    assert html.count("<table") >= 3  # a table under every chart


def test_township_dashboard_ranks_villages(client, users, three):
    client.force_login(users["doctor"])
    html = client.get("/stats/?rank=face_to_face").content.decode()
    assert "村（社区）排名：面访率" in html and "甲村" in html and "西镇" not in html


@pytest.mark.parametrize("who", ["police", "cadre", "civil", "admin"])
def test_other_roles_may_not_see_statistics(client, users, who):
    client.force_login(users[who])
    assert client.get("/stats/").status_code == 403
    assert AuditEvent.objects.filter(username=users[who].username, outcome="denied").exists()


def test_a_region_outside_is_a_404_like_an_unknown_one(client, users, three):
    client.force_login(users["doctor2"])
    outside = client.get(f"/stats/kpis/?region={T1}")
    unknown = client.get("/stats/kpis/?region=990102009000")
    assert outside.status_code == unknown.status_code == 404
    outcomes = set(AuditEvent.objects.filter(username=users["doctor2"].username).values_list("outcome", flat=True))
    assert {"denied", "not_found"} <= outcomes


def test_kpi_table_shows_definitions_and_links(client, users, three, county_period):
    client.force_login(users["county"])
    r = client.get(f"/stats/kpis/?start={county_period.start}&end={county_period.end}")
    html = r.content.decode()
    # definition, numerator and denominator in words (《严重精神障碍管理治疗工作规范（2018年版）》: phone counts)
    assert "统计期内至少有1次随访到患者（门诊、入户或电话随访均计，未随访到患者的不计）的在册患者数" in html
    assert "<b>分母</b>：在册患者数（统计期末前建档" in html and "依据：《严重精神障碍管理治疗工作规范（2018年版）》" in html
    assert "见面" not in html
    assert "/stats/kpis/management/patients/?" in html and "which=denominator" in html
    assert "/stats/kpis/prevalence/patients/?" in html


def test_drill_down_is_scoped_and_audited(client, users, three, county_period):
    qs = f"start={county_period.start}&end={county_period.end}"
    client.force_login(users["county"])
    r = client.get(f"/stats/kpis/prevalence/patients/?{qs}&which=numerator")
    assert {s["name"] for _, s in r.context["rows"]} == {"张甲", "李乙", "王丙"}
    r = client.get(f"/stats/kpis/face_to_face/patients/?{qs}&which=numerator")
    assert [s["name"] for _, s in r.context["rows"]] == ["张甲"]
    assert AuditEvent.objects.filter(action="list", target="kpi:face_to_face:numerator", username=users["county"].username,
                                     detail__count=1).exists()
    event = AuditEvent.objects.filter(target="kpi:face_to_face:numerator").latest("seq")
    shown = [p.pk for p, _ in r.context["rows"]]
    assert event.detail["patients"] == shown and event.detail["page"] == 1
    assert (event.detail["start"], event.detail["end"]) == (str(county_period.start), str(county_period.end))
    # doctor2 (西镇) sees nothing of 东镇: its region is a 404, and its own lists hold only 西镇's patients
    client.force_login(users["doctor2"])
    assert client.get(f"/stats/kpis/prevalence/patients/?{qs}&region={T1}").status_code == 404
    r = client.get(f"/stats/kpis/prevalence/patients/?{qs}&which=denominator")
    assert r.status_code == 404  # residents are not patients
    r = client.get(f"/stats/kpis/prevalence/patients/?{qs}")
    assert {s["name"] for _, s in r.context["rows"]} == {"王丙"}
    assert client.get("/stats/kpis/nonsense/patients/").status_code == 404


def test_drill_down_hides_clinical_fields_from_the_township_office(client, users, three, county_period):
    qs = f"start={county_period.start}&end={county_period.end}"
    client.force_login(users["office"])
    r = client.get(f"/stats/kpis/management/patients/?{qs}")
    assert r.status_code == 200 and {s["name"] for _, s in r.context["rows"]} == {"张甲", "李乙"}
    assert all("condition" not in s for _, s in r.context["rows"])
    assert "<th>病情分类</th>" not in r.content.decode()
    # who is stable or on medication is itself clinical: no list, and no figure either (stats.permissions)
    assert client.get(f"/stats/kpis/stable/patients/?{qs}").status_code == 403
    assert client.get(f"/stats/kpis/medication/patients/?{qs}").status_code == 403
    assert client.get(f"/stats/kpis/stable/patients/?{qs}&which=denominator").status_code == 200  # at home
    table = client.get(f"/stats/kpis/?{qs}").content.decode()
    links = re.findall(r'/stats/kpis/(\w+)/patients/\?[^"]*which=(\w+)', table)
    assert ("management", "numerator") in links and ("lost", "denominator") in links
    assert not any(key in permissions.CLINICAL_KPIS for key, _ in links)  # their figures are withheld
    assert table.count("仅卫生健康人员可见") == len(permissions.CLINICAL_KPIS)
    assert ("stable", "numerator") not in links and ("medication", "numerator") not in links
    client.force_login(users["doctor"])
    r = client.get(f"/stats/kpis/stable/patients/?{qs}")
    assert r.status_code == 200 and all(s["condition"] == "stable" for _, s in r.context["rows"])
    assert "<th>病情分类</th>" in r.content.decode()


def test_exports(client, users, three, county_period):
    qs = f"start={county_period.start}&end={county_period.end}"
    client.force_login(users["county"])
    wb = load_workbook(io.BytesIO(client.get(f"/stats/kpis/export.xlsx?{qs}").content))
    rows = list(wb.active.iter_rows(values_only=True))
    management = next(r for r in rows if r[0] == "管理率")
    assert management[3] == 2 and management[5] == 3
    wb = load_workbook(io.BytesIO(client.get(f"/stats/export.xlsx?{qs}").content))
    assert wb.sheetnames == ["指标", "趋势", "下级排名", "人才队伍", "社区康复"]  # workforce and rehabilitation (no names)
    assert any(r[1] == "东镇" for r in wb["下级排名"].iter_rows(values_only=True))
    assert AuditEvent.objects.filter(action="export", target="stats:dashboard.xlsx").exists()
    client.force_login(users["vdoc"])
    assert client.get(f"/stats/kpis/export.xlsx?{qs}").status_code == 200


def test_a_bad_period_falls_back_with_a_warning(client, users, three):
    client.force_login(users["county"])
    r = client.get("/stats/kpis/?start=2026-05-01&end=2026-01-01")
    assert r.status_code == 200 and "统计期无效" in r.content.decode()


def test_village_doctor_sees_the_village_without_a_ranking(client, users, three):
    client.force_login(users["vdoc"])
    html = client.get("/stats/").content.decode()
    assert "甲村没有下级区划" in html and "督导检查" not in html
    from django.template import Context, Template

    nav = Template("{% load stats_tags %}{% if user|can_view_stats %}统计{% endif %}{% if user|can_see_inspections %}督导{% endif %}")
    assert nav.render(Context({"user": users["vdoc"]})) == "统计"
    assert nav.render(Context({"user": users["county"]})) == "统计督导"
    assert nav.render(Context({"user": users["police"]})) == ""


def test_dashboard_kpi_page_xlsx_and_api_agree(client, users, three, county_period):
    """The same figures and the same words everywhere; 李乙 (one phone call) is managed, not face-to-face."""
    qs = f"start={county_period.start}&end={county_period.end}"
    client.force_login(users["county"])
    dashboard = {k.key: k for k in client.get(f"/stats/?{qs}").context["kpis"]}
    page = {k.key: k for k in client.get(f"/stats/kpis/?{qs}").context["kpis"]}
    api = {k["key"]: k for k in client.get(f"/api/v1/kpis?{qs}").json()["items"]}
    wb = load_workbook(io.BytesIO(client.get(f"/stats/kpis/export.xlsx?{qs}").content))
    sheet = {r[0]: r for r in wb.active.iter_rows(min_row=4, values_only=True)}
    assert set(dashboard) == set(page) == set(api)
    for key, k in page.items():
        d, a, x = dashboard[key], api[key], sheet[k.name]
        assert (d.numerator, d.denominator, d.display, d.definition) == (k.numerator, k.denominator, k.display,
                                                                          k.definition)
        assert (a["numerator"], a["denominator"], a["display"], a["definition"], a["numerator_text"],
                a["denominator_text"], a["basis"]) == (k.numerator, k.denominator, k.display, k.definition,
                                                       k.numerator_text, k.denominator_text, k.basis)
        assert (x[1], x[3], x[5], x[11], x[12], x[13]) == (k.definition, k.numerator, k.denominator,
                                                           k.numerator_text, k.denominator_text, k.basis)
    li = three["李乙"].pk
    assert li in page["management"].numerator_ids and li not in page["face_to_face"].numerator_ids
    assert (page["management"].numerator, page["face_to_face"].numerator) == (2, 1)
