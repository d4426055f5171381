"""The checklist and the target groups, word for word from 齐云山镇2024 and 当阳乡2022."""

import pytest

from jingfang.screening import permissions, vocab

# 齐云山镇2024 三（二）: 精神行为异常识别清单 ①–⑨.
SEED_000_SIGNS = [
    (1, "曾在精神科住院治疗"),
    (2, "因精神异常而被家人关锁"),
    (3, "无故冲动，伤人、毁物，或无故离家出走"),
    (4, "行为举止古怪，在公共场合蓬头垢面或赤身露体"),
    (5, "经常无故自语自笑，或说一些不合常理的话"),
    (6, "变得疑心大，认为周围人都针对他或迫害他"),
    (7, "变得过分兴奋话多、活动多、爱惹事、到处乱跑等"),
    (8, "变得冷漠、孤僻、懒散，无法正常学习、工作和生活"),
    (9, "有过自杀行为或企图"),
]

# 齐云山镇2024: 就医摸排，警情核查，监护人自报，调查走访，群众反映、信息交换.
SEED_000_SOURCES = ["就医摸排", "警情核查", "监护人自报", "调查走访", "群众反映", "信息交换"]

# 当阳乡2022 四（一）: the six groups (一是 … 六是), the first with the campaign's date.
SEED_001_GROUPS = [
    ("risk3", "2022年01月01日以来危险性评估曾在3级（含）以上的"),
    ("hospitalized", "曾在精神卫生医疗机构（含具有医疗资质的精神卫生社会福利机构）、强制医疗所接受住院治疗、救助的"),
    ("compulsory_order", "曾被决定执行强制医疗的"),
    ("forensic", "在司法鉴定机构设立以来的所有精神鉴定人员"),
    ("welfare_disability", "曾被精神卫生社会福利、救助管理机构救助或办理精神残疾证的肇事肇祸等严重精神障碍患者"),
    ("suspected", "在本单位工作的疑似肇事肇祸等严重精神障碍患者"),
]

# 当阳乡2022 三、时间步骤: 制定方案、组织实施、查漏补缺、巩固提升.
SEED_001_PHASES = ["制定方案", "组织实施", "查漏补缺", "巩固提升"]


@pytest.mark.parametrize("code,text", SEED_000_SIGNS)
def test_nine_signs_have_the_official_wording(code, text):
    assert vocab.SIGNS[code] == text
    assert vocab.sign_labels([code]) == [f"{'①②③④⑤⑥⑦⑧⑨'[code - 1]}{text}"]


def test_checklist_has_exactly_nine_signs_and_six_sources():
    assert list(vocab.SIGNS) == list(range(1, 10))
    assert list(vocab.SOURCES.values()) == SEED_000_SOURCES


@pytest.mark.parametrize("code,text", SEED_001_GROUPS)
def test_six_target_groups_have_the_official_wording(code, text):
    import datetime as dt

    assert vocab.group_label(code, dt.date(2022, 1, 1)) == text


def test_groups_phases_and_report():
    assert list(vocab.GROUPS) == [g for g, _ in SEED_001_GROUPS]
    assert list(vocab.PHASES.values()) == SEED_001_PHASES
    assert "forensic" not in vocab.IMPORTABLE  # no data in the files: listed by hand
    assert vocab.REPORT_TO == "县司法局、公安机关、卫健部门"
    assert vocab.CONFIDENTIAL == "内部资料 注意保密"


@pytest.mark.parametrize("role,report,manage,confirm,campaigns", [
    ("township_doctor", True, True, True, True),
    ("township_office", True, True, False, True),
    ("county_supervisor", True, False, False, True),
    ("village_doctor", True, False, False, False),
    ("village_cadre", True, False, False, False),
    ("police", True, False, False, False),
    ("judicial", True, False, False, False),
    ("admin", False, False, False, False),
])
def test_permissions(role, report, manage, confirm, campaigns):
    assert permissions.can(role, permissions.REPORT_LEAD) is report
    assert permissions.can(role, permissions.MANAGE_LEADS) is manage
    assert permissions.can(role, permissions.CONFIRM_LEAD) is confirm
    assert permissions.can(role, permissions.MANAGE_CAMPAIGNS) is campaigns


def test_every_listing_role_has_a_department():
    for role in permissions.PERMISSIONS[permissions.LIST_PERSONS]:
        assert vocab.ROLE_DEPARTMENT[role] in vocab.DEPARTMENTS
