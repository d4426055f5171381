"""Coded values of the patient file, with the wording of the national forms.

Codes are the API's (the OpenAPI document); labels are what users read. The words sit in core, the
bottom layer, because every layer speaks them: the policy profiles (condition classes), the audit
rows, the registry, the follow-up rules and the areas.
"""

DIAGNOSES = {
    "schizophrenia": "精神分裂症",
    "schizoaffective": "分裂情感性障碍",
    "paranoid_psychosis": "持久的妄想性障碍（偏执性精神病）",
    "bipolar": "双相（情感）障碍",
    "epilepsy": "癫痫所致精神障碍",
    "intellectual_disability": "精神发育迟滞伴发精神障碍",
}

STATUSES = {
    "at_home": "在家居住",
    "hospitalized": "住院治疗",
    "in_custody": "羁押/服刑",
    "drug_rehab": "强制隔离戒毒",
    "missing": "走失/下落不明",
    "moved_out": "迁出/外出",
    "deceased": "死亡",
}

# Sub-classes of whereabouts (当阳乡2022 lists whereabouts by these).
STATUS_DETAILS = {
    "at_home": {"studying": "在家（就学）", "working": "在家（务工/务农）", "resting": "在家（休养）"},
    "hospitalized": {
        "psychiatric_hospital": "精神卫生医疗机构",
        "compulsory_treatment": "强制医疗所",
        "welfare_institution": "精神卫生福利机构/救助机构",
    },
    "in_custody": {"detained": "羁押", "serving_sentence": "服刑", "community_correction": "社区矫正"},
    "drug_rehab": {"compulsory": "强制隔离戒毒"},
    "missing": {"missing": "下落不明"},
    "moved_out": {"moved": "迁居外地", "working_away": "外出务工"},
    "deceased": {"deceased": "死亡"},
}

DEATH_CAUSES = {
    "physical_illness": "躯体疾病",
    "suicide": "自杀",
    "homicide": "他杀",
    "accident": "意外",
    "psychiatric_complication": "精神疾病相关并发症",
    "other": "其他",
}

SEXES = {"M": "男", "F": "女"}
HOUSEHOLD_TYPES = {"urban": "城镇", "rural": "农村"}
EMPLOYMENT = {
    "worker": "在岗工人",
    "manager": "在岗管理者",
    "farmer": "农民",
    "unemployed": "下岗或无业",
    "student": "在校学生",
    "retired": "退休",
    "professional": "专业技术人员",
    "other": "其他",
    "unknown": "不详",
}
EDUCATION = {
    "illiterate": "文盲及半文盲",
    "primary": "小学",
    "junior": "初中",
    "senior": "高中/技校/中专",
    "college": "大学专科及以上",
    "unknown": "不详",
}
MARITAL = {"single": "未婚", "married": "已婚", "widowed": "丧偶", "divorced": "离婚", "unknown": "未说明"}
ECONOMIC = {"poor": "贫困（在当地最低生活保障标准以下）", "not_poor": "非贫困", "unknown": "不详"}
CONSENT = {"agreed": "同意参加管理", "refused": "不同意参加管理", "unknown": "未签署"}
OUTPATIENT = {"untreated": "未治", "intermittent": "间断门诊治疗", "continuous": "连续门诊治疗"}
LOCKING = {"none": "无关锁", "locked": "关锁", "released": "关锁已解除"}
TREATMENT_EFFECT = {"recovered": "临床痊愈", "improved": "好转", "unchanged": "无变化", "worse": "加重"}
SYMPTOMS = {
    "hallucination": "幻觉",
    "communication": "交流困难",
    "suspicion": "猜疑",
    "moody": "喜怒无常",
    "bizarre": "行为怪异",
    "excited": "兴奋话多",
    "violence": "伤人毁物",
    "pessimism": "悲观厌世",
    "wandering": "无故外走",
    "self_talk": "自语自笑",
    "withdrawn": "孤僻懒散",
    "other": "其他",
}
DANGEROUS_ACTS = {
    "minor_trouble": "轻度滋事",
    "trouble": "肇事",
    "disaster": "肇祸",
    "other_harm": "其他危害行为",
    "self_harm": "自伤",
    "suicide_attempt": "自杀未遂",
}
GUARDIAN_RELATIONS = {
    "parent": "父母",
    "spouse": "配偶",
    "child": "子女",
    "sibling": "兄弟姐妹",
    "relative": "其他亲属",
    "committee": "村（居）委会",
    "other": "其他",
}
# Reasons that a role without clinical rights (township office, police…) gives when it marks a key person
# by hand: none says anything of the illness. Health roles may write their own words, which only health
# roles read (registry.flags.public_manual_reason).
KEY_PERSON_PUBLIC_REASONS = (
    "拒绝接受随访或面访",
    "监护缺失或监护人不履行监护责任",
    "流动人口，行踪不定",
    "公安机关要求列管",
    "存在矛盾纠纷或涉访涉诉",
    "群众反映有肇事肇祸风险",
    "特殊敏感时期重点关注",
)
CONDITIONS = {"stable": "稳定", "basically_stable": "基本稳定", "unstable": "不稳定"}
RISK_LEVELS = {
    0: "0级：无符合以下1-5级中的任何行为",
    1: "1级：口头威胁，喊叫，但没有打砸行为",
    2: "2级：打砸行为，局限在家里，针对财物，能被劝说制止",
    3: "3级：明显打砸行为，不分场合，针对财物，不能接受劝说而停止",
    4: "4级：持续的打砸行为，不分场合，针对财物或人，不能接受劝说而停止（包括自伤、自杀）",
    5: "5级：持械伤人行为，或纵火、爆炸等行为，无论在家里还是公共场合",
}


def choices(mapping: dict) -> list[tuple]:
    return list(mapping.items())

# Follow-up form (随访服务记录表) -------------------------------------------------------------
FOLLOWUP_MODES = {"clinic": "门诊", "home_visit": "家庭访视", "phone": "电话"}
NOT_SEEN_REASONS = {
    "away_work": "外出打工",
    "moved": "迁居他处",
    "missing": "走失",
    "unreachable": "连续3次未到访（联系不上）",
    "refused": "拒绝访视",
    "other": "其他",
}
INSIGHT = {"full": "自知力完全", "partial": "自知力不全", "none": "自知力缺失"}
GOOD_FAIR_POOR = {"good": "良好", "fair": "一般", "poor": "较差"}
SOCIAL_FUNCTIONS = {
    "self_care": "个人生活料理",
    "housework": "家务劳动",
    "work": "生产劳动及工作",
    "study": "学习能力",
    "social": "社会人际交往",
}
HOSPITAL_SINCE_LAST = {"never": "从未住院", "current": "目前正在住院", "past": "既往住院，现未住院"}
ADHERENCE = {"regular": "按医嘱规律服药", "intermittent": "间断服药", "none": "不服药", "not_required": "医嘱勿需服药"}
ADHERENCE_CAUSES = {
    "economic": "经济困难",
    "inconvenient": "取药不便",
    "poor_compliance": "依从性差/不愿服药",
    "side_effects": "药物不良反应",
    "weak_guardianship": "无监护或弱监护",
    "other": "其他",
}
ADVERSE = {"none": "无", "present": "有", "serious": "严重"}
PHYSICAL = {"none": "无躯体疾病", "stable": "躯体疾病稳定", "serious": "严重躯体疾病"}
REHAB_MEASURES = {
    "life_skills": "生活劳动能力",
    "vocational": "职业训练",
    "study": "学习能力",
    "social": "社会交往",
    "other": "其他",
}
LOCKING_SINCE_LAST = {"none": "无关锁", "locked": "关锁", "released": "关锁已解除"}
