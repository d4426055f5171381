"""The audit log reads as Chinese: roles by their names, targets as words ("患者档案 #464") with a link
to the object for readers who may open it, never a stored key such as `county_supervisor` or
`patient:464` — on the page, in the xlsx export and in the Django admin."""

import io
import re
from pathlib import Path

import openpyxl
import pytest

from jingfang.audit import targets

SRC = Path(__file__).resolve().parents[2]
# target="worklist" / target=f"lead:{…}" / target = f"transfer:{…}" in the code that records audit rows
LITERAL = re.compile(r"\btarget\s*=\s*f?\"([^\"{]*)")


@pytest.mark.parametrize("target,patient_id,text,url", [
    ("patient:464", 464, "患者档案 #464", "/patients/464/"),
    ("lead:12", None, "疑似患者线索 #12", "/screening/leads/12/"),
    ("transfer:7", 3, "患者转移 #7", "/intake/transfers/7/"),
    ("application:5", 3, "住院救助申请 #5", "/support/relief/5/"),
    ("guardianship:9", 3, "监护协议 #9", "/care/patients/3/guardianship/"),
    ("care_team:2", 3, "关爱帮扶小组 #2", "/care/patients/3/team/"),
    ("job:4", None, "后台任务 #4", ""),
    ("worklist", None, "工作清单", ""),
    ("patients.xlsx", None, "导出：患者名单", ""),
    ("审计日志.xlsx", None, "导出：审计日志", ""),
    ("stats:kpis.xlsx", None, "导出：统计指标", ""),
    ("password_change:doctor1", None, "修改密码 doctor1", ""),
    ("page:/care/meetings/", None, "页面 /care/meetings/", ""),
    ("patient:lookup", None, "患者档案（按证件号查找）", ""),
    ("user:3", None, "用户 #3", ""),
    ("region:990102001000", None, "行政区划 990102001000", ""),
    ("calendarday:17", None, "节假日与调休 #17", ""),
    ("patients:12", None, "患者档案 12 份（批量导入）", ""),
    ("emergency_grants:county", None, "紧急查阅审核", ""),
    ("something_new:8", None, "其他对象 #8", ""),
    ("something_new", None, "其他", ""),
    ("", None, "", ""),
])
def test_targets_in_words_with_links(target, patient_id, text, url):
    shown = targets.describe(target, patient_id, links=True)
    assert (shown.text, shown.url) == (text, url)
    assert targets.describe(target, patient_id).url == ""  # no links unless asked


def test_every_target_the_code_records_has_words():
    found = set()
    for path in SRC.rglob("*.py"):
        if "tests" in path.parts or "migrations" in path.parts or path.name == "targets.py":
            continue
        found |= {m.group(1) for m in LITERAL.finditer(path.read_text(encoding="utf-8"))}
    found = {f for f in found if f and not f.startswith(("#", "_"))}  # htmx hx-target values
    assert {"worklist", "patient:", "transfer:"} <= found
    unknown = sorted(f for f in found if targets.describe(f + ("1" if f.endswith(":") else "")).text.startswith("其他"))
    assert unknown == [], f"audit targets without words in audit/targets.py: {unknown}"


def _audit_page(client, user, patient_pk):
    client.force_login(user)
    response = client.get(f"/audit/?patient={patient_pk}")
    assert response.status_code == 200
    return response.content.decode()


def test_the_page_shows_roles_actions_and_targets_in_chinese_with_links(client, users, make_patient):
    p = make_patient()
    client.force_login(users["doctor"])
    client.get(f"/patients/{p.pk}/")
    html = _audit_page(client, users["county"], p.pk)
    assert 'data-label="角色">乡镇卫生院精防人员<' in html and 'data-label="操作">查看档案<' in html
    assert f'<a href="/patients/{p.pk}/">患者档案 #{p.pk}</a>' in html
    assert f'href="?patient={p.pk}"' in html
    for raw in [">township_doctor<", f"patient:{p.pk}", ">view<"]:
        assert raw not in html, raw


def test_an_audit_administrator_reads_words_but_gets_no_links_to_files(client, users, make_patient):
    p = make_patient()
    client.force_login(users["doctor"])
    client.get(f"/patients/{p.pk}/")
    html = _audit_page(client, users["auditor"], p.pk)
    assert f"患者档案 #{p.pk}" in html and "乡镇卫生院精防人员" in html
    assert f'href="/patients/{p.pk}/"' not in html and f"patient:{p.pk}" not in html


def test_the_export_is_in_chinese_too(client, users, make_patient):
    p = make_patient()
    client.force_login(users["doctor"])
    client.get(f"/patients/{p.pk}/")
    client.force_login(users["county"])
    response = client.get(f"/audit/export.xlsx?patient={p.pk}")
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content) if response.streaming
                                              else response.content)).active
    cells = [str(c.value) for row in sheet.iter_rows() for c in row if c.value is not None]
    assert "乡镇卫生院精防人员" in cells and f"患者档案 #{p.pk}" in cells
    assert not [c for c in cells if c in ("township_doctor", f"patient:{p.pk}")]


def test_the_django_admin_list_shows_words(client, users, make_patient):
    p = make_patient()
    client.force_login(users["doctor"])
    client.get(f"/patients/{p.pk}/")
    users["auditor"].is_staff = True
    users["auditor"].save()
    client.force_login(users["auditor"])
    response = client.get("/admin/audit/auditevent/?role=township_doctor")
    assert response.status_code == 200
    html = response.content.decode()
    assert ">乡镇卫生院精防人员<" in html and f"患者档案 #{p.pk}" in html
    assert ">township_doctor<" not in html and f"patient:{p.pk}" not in html


@pytest.mark.django_db
def test_the_export_link_is_offered_only_to_readers_who_may_export(client, users):
    for role, offered in (("auditor", False), ("county", True)):
        client.force_login(users[role])
        page = client.get("/audit/").content.decode()
        assert ("export.xlsx" in page) == offered, role
        answer = client.get("/audit/export.xlsx")
        assert (answer.status_code == 200) == offered, (role, answer.status_code)
