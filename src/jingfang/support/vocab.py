"""Coded values of guardian rewards, benefits and hospitalisation relief (齐云山镇2024、平桥区2025、薛城区2016).

Codes are the API's; labels are what users read.
"""

# Benefits (齐云山镇2024 三（九）; 平桥区2025 二（一）（三）; 薛城区2016 二（三）2) -------------------------------
BENEFIT_KINDS = {
    "medical_insurance": "基本医疗保险（参保）",
    "premium_aid": "医保个人缴费资助（困难患者全额代缴）",
    "chronic_card": "门诊重症慢性病证",
    "dibao": "最低生活保障（低保）",
    "wubao_tekun": "五保/特困人员供养",
    "poverty_registered": "建档立卡贫困户",
    "temporary_relief": "临时救助",
    "disability_card": "残疾人证",
    "living_subsidy": "困难残疾人生活补贴",
    "nursing_subsidy": "重度残疾人护理补贴",
    "free_medication": "免费服药（药费补助）",
    "guardian_subsidy": "监护补贴（以奖代补）",
}
INSURANCE_SCHEMES = {"resident": "城乡居民基本医疗保险", "employee": "城镇职工基本医疗保险"}
DISABILITY_GRADES = {1: "一级", 2: "二级", 3: "三级", 4: "四级"}

# Which roles record which benefit (the department that grants it, and the township office that
# coordinates). Health staff record insurance, the chronic-disease card and free medication.
BENEFIT_EDITORS = {
    "medical_insurance": ("township_doctor", "township_office", "civil_affairs"),
    "premium_aid": ("civil_affairs", "township_office"),
    "chronic_card": ("township_doctor",),
    "dibao": ("civil_affairs",),
    "wubao_tekun": ("civil_affairs",),
    "poverty_registered": ("civil_affairs", "township_office"),
    "temporary_relief": ("civil_affairs", "township_office"),
    "disability_card": ("dpf",),
    "living_subsidy": ("civil_affairs", "dpf"),
    "nursing_subsidy": ("civil_affairs", "dpf"),
    "free_medication": ("township_doctor",),
    "guardian_subsidy": ("township_office", "civil_affairs"),
}

# Hospitalisation relief (平桥区2025 二（二） and its annex) ------------------------------------------------
INSURANCE_TYPES = {
    "resident": "城乡居民基本医疗保险",
    "employee": "城镇职工基本医疗保险",
    "none": "未参加基本医疗保险",
}
RELIEF_STATES = {
    "draft": "草稿",
    "submitted": "已提交，待村委会初审",
    "village_reviewed": "村委会已初审，待乡镇审批",
    "township_approved": "乡镇已审批，待定点医院办理",
    "rejected": "未予救助",
    "admitted": "定点医院已办理",
    "closed": "已存档",
}
RELIEF_ACTIONS = {
    "submit": "提交申请",
    "village_review": "村委会初审",
    "village_reject": "村委会不予推荐",
    "approve": "乡镇审批同意",
    "reject": "乡镇不予救助",
    "admit": "定点医院登记入院与费用",
    "close": "存档",
}
# Annex 说明3: the government may fund the whole stay for these (codes are ours).
FULL_FUNDING = {
    "court_ordered": "法院判决强制医疗人员",
    "wubao": "“五保”（特困供养）人员",
    "no_close_relative": "无直系亲属监护的人员",
    "extreme_dibao": "特别困难的低保户",
}
CLOSE_RELATIVES = ("parent", "spouse", "child")  # core.vocab.GUARDIAN_RELATIONS codes: 直系亲属
LEDGER_KINDS = {
    "commit": "审批占用",
    "release": "释放占用",
    "payment": "救助支出",
}

# Guardian rewards ---------------------------------------------------------------------------------
# Incidents (core.vocab.DANGEROUS_ACTS keys) that count as 肇事肇祸: they void the reward for the
# period and make a "past incident" patient (薛城区2016). Self-harm is not 肇事肇祸.
INCIDENT_KINDS = ("minor_trouble", "trouble", "disaster", "other_harm")
ELIGIBILITY_LABELS = {
    "risk": "危险性评估{min_risk}级以上",
    "unstable": "病情不稳定",
    "potential_risk": "有潜在风险（重点人员）",
    "past_incident": "曾有肇事肇祸行为",
}
# Said instead of "病情不稳定" to roles that may not see the condition class (as registry.serializers).
HIDDEN_CLINICAL_REASON = "卫生健康部门评估认定"
AGREEMENT_TYPES = {"management": "监护管理协议", "reward": "有奖监护协议"}


def choices(mapping: dict) -> list[tuple]:
    return list(mapping.items())


# Treatment cost burden (薛城区2016 一（二）3, 二（三）1) ------------------------------------------------------
# A patient is poor on a day when one of these benefits is in force then (as recorded by civil affairs).
POOR_BENEFIT_KINDS = ("dibao", "wubao_tekun", "poverty_registered")
EPISODE_KINDS = {"outpatient": "门诊", "inpatient": "住院"}
# The payments that together with 自付 make up an episode's total, in the order of 薛城区2016 二（三）1
# ("医保先报、民政救助、残联（慈善）补助"). relief_paid of an episode linked to a relief application is
# that application's 救助基金支付 (read through the link, never typed again).
PAYMENT_FIELDS = {
    "insurance_paid": "基本医疗保险支付",
    "serious_illness_paid": "大病保险支付",
    "assistance_paid": "民政医疗救助",
    "relief_paid": "救助基金支付",
    "dpf_paid": "残联补助",
    "other_paid": "其他（慈善等）支付",
}
