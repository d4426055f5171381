"""Coded values of screening (摸排筛查), in the words of the policy documents (docs/sources.md).

齐云山镇2024 三（二） gives the 9-sign checklist and the sources of leads; 当阳乡2022
(当阳乡2022，三、四（一）) gives the campaign's four phases and its six target groups.
"""

from jingfang.accounts import roles

# 精神行为异常识别清单 (齐云山镇2024, 三（二）): the official wording, numbered ①–⑨.
SIGNS = {
    1: "曾在精神科住院治疗",
    2: "因精神异常而被家人关锁",
    3: "无故冲动，伤人、毁物，或无故离家出走",
    4: "行为举止古怪，在公共场合蓬头垢面或赤身露体",
    5: "经常无故自语自笑，或说一些不合常理的话",
    6: "变得疑心大，认为周围人都针对他或迫害他",
    7: "变得过分兴奋话多、活动多、爱惹事、到处乱跑等",
    8: "变得冷漠、孤僻、懒散，无法正常学习、工作和生活",
    9: "有过自杀行为或企图",
}
CIRCLED = "①②③④⑤⑥⑦⑧⑨"

# Where a lead came from (齐云山镇2024, 三（二）: 就医摸排，警情核查，监护人自报，调查走访，群众反映、信息交换).
SOURCES = {
    "hospital_visit": "就医摸排",
    "police_call": "警情核查",
    "guardian_report": "监护人自报",
    "door_to_door": "调查走访",
    "public_report": "群众反映",
    "info_exchange": "信息交换",
}

# A suspected case is sent for diagnosis, then confirmed (enrolled) or excluded (齐云山镇2024 三（二）; 当阳乡2022 四（二）).
LEAD_STATES = {
    "reported": "已报告，待转诊",
    "referred": "已转诊，待诊断",
    "confirmed": "已确诊建档",
    "excluded": "已排除",
}
OPEN_STATES = ("reported", "referred")
TRANSITIONS = {
    "reported": {"referred", "excluded"},
    "referred": {"confirmed", "excluded"},
    "confirmed": set(),
    "excluded": set(),
}
TRANSITION_LABELS = {"referred": "转诊", "confirmed": "确诊建档", "excluded": "排除"}

# The campaign's phases (当阳乡2022, 三、时间步骤), in order.
PHASES = {
    "plan": "制定方案",
    "implement": "组织实施",
    "fill_gaps": "查漏补缺",
    "consolidate": "巩固提升",
}

# The six target groups (当阳乡2022, 四（一）), in the document's words; the first takes the campaign's date.
# Group 1's level is part of the campaign's own definition (its words below), not a county's threshold.
RISK_GROUP_MIN_LEVEL = 3
GROUPS = {
    "risk3": "{since}以来危险性评估曾在3级（含）以上的",
    "hospitalized": "曾在精神卫生医疗机构（含具有医疗资质的精神卫生社会福利机构）、强制医疗所接受住院治疗、救助的",
    "compulsory_order": "曾被决定执行强制医疗的",
    "forensic": "在司法鉴定机构设立以来的所有精神鉴定人员",
    "welfare_disability": "曾被精神卫生社会福利、救助管理机构救助或办理精神残疾证的肇事肇祸等严重精神障碍患者",
    "suspected": "在本单位工作的疑似肇事肇祸等严重精神障碍患者",
}
GROUP_SHORT = {
    "risk3": "危险性3级以上",
    "hospitalized": "曾住院治疗/救助",
    "compulsory_order": "曾被决定强制医疗",
    "forensic": "曾做精神鉴定",
    "welfare_disability": "曾获救助或持精神残疾证",
    "suspected": "疑似患者",
}
# Groups whose candidates can be drawn from the files (从档案导入); the others are listed by hand.
IMPORTABLE = ("risk3", "hospitalized", "compulsory_order", "welfare_disability", "suspected")

# Departments that list people (当阳乡2022, 四（三）: 公安、卫健、民政、残联、司法 + the township office).
DEPARTMENTS = {
    "health": "卫健（卫生院/村医）",
    "police": "公安",
    "civil_affairs": "民政",
    "dpf": "残联",
    "judicial": "司法",
    "township_office": "乡镇综治中心/平安办",
}
ROLE_DEPARTMENT = {
    roles.COUNTY_SUPERVISOR: "health",
    roles.TOWNSHIP_DOCTOR: "health",
    roles.VILLAGE_DOCTOR: "health",
    roles.POLICE: "police",
    roles.CIVIL_AFFAIRS: "civil_affairs",
    roles.DPF: "dpf",
    roles.JUDICIAL: "judicial",
    roles.TOWNSHIP_OFFICE: "township_office",
    roles.VILLAGE_CADRE: "township_office",
}

# Result of the diagnosis/assessment every listed person receives (当阳乡2022, 四（二）).
ASSESSMENT_RESULTS = {
    "confirmed": "确诊，符合入库标准",
    "not_met": "不符合入库标准",
}

# The upward report goes to these (当阳乡2022, 四（一）).
REPORT_TO = "县司法局、公安机关、卫健部门"
CONFIDENTIAL = "内部资料 注意保密"


def sign_labels(codes) -> list[str]:
    return [f"{CIRCLED[c - 1]}{SIGNS[c]}" for c in sorted(codes or []) if c in SIGNS]


def group_label(code: str, since=None) -> str:
    text = GROUPS.get(code, code)
    return text.format(since=f"{since:%Y年%m月%d日}" if since else "规定日期")


def choices(mapping: dict) -> list[tuple]:
    return list(mapping.items())
