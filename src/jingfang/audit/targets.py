"""What an audit row's ``target`` means, in Chinese, with a link to the object where the reader may open it.

Rows store the target as a stable key (``patient:464``, ``lead:12``, ``worklist``, ``患者名单.xlsx``):
it is part of the hashed row and never changes. The audit pages and the export show it as words
("患者档案 #464") instead. Pure apart from ``reverse``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from django.apps import apps
from django.urls import NoReverseMatch, reverse

from jingfang.accounts import roles
from jingfang.core import ids

# kind -> (noun, URL name of the object's page taking the object's id, or None)
KINDS: dict[str, tuple[str, str | None]] = {
    "patient": ("患者档案", "registry:patient_detail"),
    "followup": ("随访记录", None),
    "lead": ("疑似患者线索", "screening:lead_detail"),
    "campaign": ("摸排行动", "screening:campaign_detail"),
    "campaign_person": ("摸排名单人员", None),
    "report_card": ("报告卡/出院信息单", "intake:report_detail"),
    "release": ("释放衔接通知", "intake:release_detail"),
    "transfer": ("患者转移", "intake:transfer_detail"),
    "care_team": ("关爱帮扶小组", None),
    "directory": ("联系名录", None),
    "meeting": ("会议", "care:meeting"),
    "meeting_task": ("会议任务", None),
    "guardianship": ("监护协议", None),
    "incident": ("肇事肇祸事件", "care:incident"),
    "reward_run": ("以奖代补核算", "support:reward_run"),
    "run": ("以奖代补核算", "support:reward_run"),
    "insurance": ("责任险名单", None),
    "benefit": ("救助帮扶待遇", None),
    "application": ("住院救助申请", "support:relief_detail"),
    "cost": ("医疗费用记录", "support:cost_edit"),
    "staff": ("精神卫生人员", "workforce:staff"),
    "facility": ("社区康复机构", "rehab:facility"),
    "rehab_team": ("多功能服务团队", "rehab:team"),
    "enrolment": ("社区康复登记", "rehab:enrolment"),
    "fund": ("住院救助资金", None),
    "inspection": ("督查报告", "stats:inspection"),
    "inspection_item": ("整改事项", None),
    "accountability": ("督办问责措施", "accountability:measure"),
    "consultation": ("联合会商材料", "care:meeting"),
    "kpi": ("统计指标", None),
    "stats": ("统计", None),
    "exchange_table": ("信息交换表", "exchange:table"),
    "reconciliation": ("名单核对", "exchange:run"),
    "reconciliation_line": ("名单核对条目", None),
    "plan": ("一人一策", None),
    "measure": ("一人一策措施", None),
    "sensitive_period": ("敏感时期", None),
    "rollcall": ("每日点名", None),
    "job": ("后台任务", None),
    "emergency_grant": ("紧急查阅", None),
    "offline_entry": ("离线随访", "offline:held_detail"),
    "paper_token": ("纸质随访表编号", None),
    "export_request": ("导出审批申请", None),
    "access_request": ("角色/辖区变更申请", None),
    "registration_check": ("是否已在他处登记的查询", None),
    "user": ("用户", None),
    "create_user": ("新建用户", None),
    "password_change": ("修改密码", None),
    "revoke_tokens": ("撤销接口令牌", None),
    "totp_enrol": ("绑定动态口令", None),
    "totp_enrol_code": ("动态口令绑定码", None),
    "totp_enrol_code_accepted": ("动态口令绑定码（已使用）", None),
    "totp_disable": ("解除动态口令", None),
    "region": ("行政区划", None),
    "load_regions": ("导入行政区划", None),
    "page": ("页面", None),
}

# Targets that are a page or a list rather than one object.
WORDS: dict[str, str] = {
    "worklist": "工作清单",
    "patients": "患者列表",
    "search": "患者搜索",
    "leads": "疑似患者线索列表",
    "lead": "疑似患者线索",
    "lead_duplicates": "线索查重",
    "campaigns": "摸排行动列表",
    "report_cards": "报告卡列表",
    "report_card": "报告卡",
    "releases": "释放衔接列表",
    "release": "释放衔接通知",
    "transfers": "转移列表",
    "transfer": "患者转移",
    "transfer_inbox": "待接收转移",
    "transfer_form": "患者转移登记",
    "patient_picker": "患者查找（表单选择患者）",
    "care_team": "关爱帮扶小组",
    "meetings": "会议列表",
    "meeting_form": "会议登记",
    "guardianship": "监护协议",
    "incidents": "肇事肇祸列表",
    "incident": "肇事肇祸事件",
    "incident_form": "肇事肇祸登记",
    "relief": "住院救助列表",
    "relief_new": "住院救助申请登记",
    "relief_summary": "住院救助季度汇总",
    "reward_runs": "以奖代补核算列表",
    "benefit_gaps": "应享未享救助名单",
    "costs": "医疗费用负担台账",
    "cost_burden": "费用负担较重的贫困患者名单",
    "insurance": "责任险名单",
    "stats": "统计",
    "inspection": "督查报告",
    "inspection_items": "整改事项",
    "accountability_measures": "督办问责措施列表",
    "accountability": "督办问责措施",
    "accountability.xlsx": "导出：督办问责台账",
    "exchange_tables": "信息交换表列表",
    "exchange_table": "信息交换表",
    "reconciliations": "名单核对列表",
    "imports": "台账导入",
    "export_queue": "导出审批待办",
    "export_requests": "导出审批申请",
    "emergency_grants": "紧急查阅记录",
    "emergency_request": "紧急查阅申请",
    "offline_package": "离线包下载",
    "offline_sync": "离线同步",
    "offline_visit": "离线同步：随访",
    "offline_roll_call": "离线同步：点名",
    "offline_outcomes": "离线随访审核结果",
    "offline_held": "离线随访待审核",
    "offline_entry": "离线随访",
    "offline_paper": "纸质随访表打印",
    "paper_code": "纸质随访表编号查询",
    "workforce": "精神卫生人才队伍",
    "workforce:staff": "精神卫生人员名册",
    "rehab": "社区康复",
    "rehab_facilities": "社区康复机构列表",
    "rehab_teams": "多功能服务团队列表",
    "rehab_enrolments": "社区康复登记列表",
    "audit": "审计日志",
    "demo": "示范数据",
    "followup": "随访记录",
    # export files
    "patients.xlsx": "导出：患者名单",
    "leads.xlsx": "导出：疑似患者线索",
    "worklist.xlsx": "导出：工作清单",
    "audit.xlsx": "导出：审计日志",
    "emergency_grants.xlsx": "导出：紧急查阅记录",
    "stats:dashboard.xlsx": "导出：统计概览",
    "stats:kpis.xlsx": "导出：统计指标",
    "workforce:register.xlsx": "导出：精神卫生人员名册",
    "rehab:register.xlsx": "导出：社区康复机构登记表",
    "rehab:enrolments.xlsx": "导出：社区康复登记台账",
}

# Patient-scoped objects whose page is reached through the patient: kind -> URL name taking the patient's id.
THROUGH_PATIENT = {
    "care_team": "care:team",
    "directory": "care:team",
    "guardianship": "care:guardianship",
    "benefit": "support:patient_benefits",
    "plan": "followups:plan",
    "measure": "followups:plan",
    "followup": "followups:list",
}

EMERGENCY_SCOPES = {"mine": "本人的紧急查阅", "township": "紧急查阅通知", "county": "紧急查阅审核"}

# Kinds whose key is a region code or a name, not a row's id.
CODES = {"region", "directory", "insurance", "load_regions", "kpi", "stats", "rollcall"}
_LATIN = re.compile(r"[A-Za-z_]")


@dataclass(frozen=True)
class Shown:
    text: str
    url: str = ""


@cache
def _model_nouns() -> dict[str, str]:
    """Django admin rows name the model (``user:3``, ``region:4401``): model name -> its verbose name."""
    return {m._meta.model_name: str(m._meta.verbose_name) for m in apps.get_models()
            if not _LATIN.search(str(m._meta.verbose_name))}


def _url(name: str | None, pk) -> str:
    if not name:
        return ""
    try:
        return reverse(name, args=[pk])
    except NoReverseMatch:
        return ""


def describe(target: str, patient_id: int | None = None, *, links: bool = False) -> Shown:
    """``target`` as words; with ``links``, the URL of the object's page when there is one."""
    target = (target or "").strip()
    if not target:
        return Shown("")
    if target in WORDS:
        return Shown(WORDS[target])
    kind, sep, rest = target.partition(":")
    if kind == "patients" and ids.is_digits(rest):
        return Shown(f"患者档案 {rest} 份（批量导入）")
    if kind == "emergency_grants":
        return Shown(EMERGENCY_SCOPES.get(rest, WORDS["emergency_grants"]))
    if sep and kind in KINDS:
        noun, url_name = KINDS[kind]
        if kind == "page":
            return Shown(f"{noun} {rest}")
        if rest == "lookup":
            return Shown(f"{noun}（按证件号查找）")
        if not ids.is_digits(rest) or kind in CODES:
            # Not an id: a user name, a date, a KPI key, a region code…
            return Shown(f"{noun} {rest}" if rest else noun)
        url = ""
        if links:
            url = _url(url_name, rest)
            if not url and patient_id and kind in THROUGH_PATIENT:
                url = _url(THROUGH_PATIENT[kind], patient_id)
        return Shown(f"{noun} #{rest}", url)
    if sep and kind in _model_nouns():
        return Shown(f"{_model_nouns()[kind]} #{rest}" if rest else _model_nouns()[kind])
    if target.endswith(".xlsx") and not _LATIN.search(target.removesuffix(".xlsx")):
        return Shown(f"导出：{target.removesuffix('.xlsx')}")
    if not _LATIN.search(target):
        return Shown(target)  # already Chinese (a file name, a heading)
    if sep and ids.is_digits(rest):
        return Shown(f"其他对象 #{rest}")
    return Shown("其他")


def patient(patient_id: int | None, *, links: bool = False) -> Shown:
    """The row's patient: "患者档案 #464", linked to the file for those who may open files."""
    if not patient_id:
        return Shown("")
    return Shown(f"患者档案 #{patient_id}", _url("registry:patient_detail", patient_id) if links else "")


def may_follow_links(user) -> bool:
    """Links to objects are offered to readers who may open patients' files at all (the pages check
    jurisdiction again); an audit administrator reads the log only."""
    return roles.can(getattr(user, "role", ""), roles.VIEW_PATIENTS)
