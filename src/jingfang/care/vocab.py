"""Coded values of the care area in the words of the policy documents (docs/sources.md).

Documents are cited by place and year: 齐云山镇2024, 中梁乡2022, 平桥区2025 (full titles in docs/sources.md).
"""

# Care team (关爱帮扶小组 / 联合服务管理小组 / 五位一体) -----------------------------------------------------
MEMBER_ROLES = {
    "leader": "组长（村/社区书记、主任）",
    "township_doctor": "乡镇卫生院精防医生",
    "police": "社区（包村）民警",
    "civil_affairs": "民政干部",
    "rehab_coordinator": "康复协调员",
    "guardian": "监护人",
    "township_cadre": "乡镇包村干部",
    "grid_worker": "网格员",
    "volunteer": "志愿者",
}

# Which of these a patient's team must have is policy: the [care_team] of the patient's profile
# (care/team_rule.py): 中梁乡2022 lists six members in every patient's group (组长, 卫生院医生, 社区民警,
# 民政办主任, 康复协调员, 监护人); 平桥区2025's "五位一体" five (乡镇包村干部, 派出所包村民警, 村干部, 基层精防医生,
# 患者监护人); the national profile the four every document names.

# Each role's duties. 中梁乡2022 二、1–6 for the six roles it names; the others from 齐云山镇2024、平桥区2025.
DUTIES = {
    "leader": (
        "组织小组成员开展监测、预警、救治、救助等服务管理工作，合理安排小组成员落实定期随访；组织做好患者肇事肇祸"
        "行为先期应急处置工作，并及时报告乡综合管理小组办公室；定期随访，发现病情波动或肇事肇祸倾向及时报告，"
        "协助监护人或乡、相关单位送医治疗。",
        "中梁乡2022，二、1",
    ),
    "township_doctor": (
        "定期随访，做好电子及纸质档案填写；对患者及其监护人进行健康教育、生活技能训练、护理等康复指导；发现病情"
        "波动或肇事肇祸倾向及时报告乡综合管理小组办公室和小组组长，协助送医治疗；每年至少1次健康检查；在精神科医生"
        "指导下指导患者服药，根据实际情况调整药物治疗方案；协助精神科医生做好应急医疗处置。",
        "中梁乡2022，二、2",
    ),
    "police": (
        "及时将患者信息录入公安信息系统，按分类分级动态管控要求开展随访，督促监护人履行监护责任；发现病情波动或"
        "肇事肇祸倾向及时报告乡综合管理小组办公室和小组组长，协助送医治疗；迅速处置患者滋事、扰乱社会秩序行为，"
        "依法实施临时保护性约束措施，严防发生恶性案件。",
        "中梁乡2022，二、3",
    ),
    "civil_affairs": (
        "定期随访，发现病情波动或肇事肇祸倾向及时报告；按照救助政策实施救助，为低保户购买城乡居民医疗保险；"
        "“一站式”报销后个人负担仍较大的，通过临时救助予以救助；做好“三无”及无监护人、近亲属或户籍地属市外"
        "患者的送诊、住院治疗、临时救助、护送移交等工作。",
        "中梁乡2022，二、4",
    ),
    "rehab_coordinator": (
        "定期随访，发现病情波动或肇事肇祸倾向及时报告；协助符合条件但未办理精神残疾证的患者办理残疾证；协助民政等"
        "部门做好救治救助工作；做好社区康复工作，促进康复后有劳动能力的患者就业。",
        "中梁乡2022，二、5",
    ),
    "guardian": (
        "积极配合小组工作，依法履行监护责任；承担患者日常生活照料看管义务；按照医嘱监督患者按时服药；引导患者"
        "逐渐适应社会，参加力所能及的劳动；监测病情变化，发现病情波动或肇事肇祸倾向，立即向小组组长以及公安派出所"
        "报告，配合将患者送至定点收治医院治疗。",
        "中梁乡2022，二、6",
    ),
    "township_cadre": (
        "乡镇包村干部与派出所包村民警、村干部、基层精防医生、患者监护人落实“五位一体”监护包保责任，"
        "落实“查、收、管、治”各环节任务。",
        "平桥区2025，三（三）",
    ),
    "grid_worker": (
        "作为关爱帮扶小组成员，建立通讯录、及时沟通，协同随访患者，共同开展日常复查和登记，交换信息，"
        "掌握辖区在册患者基本情况。",
        "齐云山镇2024，三（一）1、三（六）1",
    ),
    "volunteer": (
        "作为关爱帮扶小组成员，协同随访，关心患者及其家庭生活困难，协助解决实际困难。",
        "齐云山镇2024，三（一）1、三（九）",
    ),
}

# Meetings -----------------------------------------------------------------------------------------------
MEETING_KINDS = {
    "team_monthly": "关爱帮扶小组例会（每月）",
    "township_group_monthly": "乡镇综合管理小组例会（每月）",
    "joint_consultation_quarterly": "联合会商调度（每季度）",
}
# The region a meeting belongs to: team meetings are held by a village's group, the others by a township.
MEETING_LEVEL = {"team_monthly": "village", "township_group_monthly": "township",
                 "joint_consultation_quarterly": "township"}
# The policy profile's cadence key for each kind (policies/*.toml [cadences.*]).
MEETING_CADENCE = {"team_monthly": "care_team_meeting", "township_group_monthly": "township_group_meeting",
                   "joint_consultation_quarterly": "joint_consultation"}
MEETING_CITE = "齐云山镇2024，三（一）1、四、2；中梁乡2022，三、1"

# Guardianship --------------------------------------------------------------------------------------------
AGREEMENT_TYPES = {"management": "监护管理协议", "reward": "有奖监护协议"}
AGREEMENT_STATES = {"active": "有效", "revoked": "已撤销", "expired": "已到期", "pending": "未生效"}
# 齐云山镇2024 三（七）: the guardian's duties under the agreement, the default text of a new agreement.
DEFAULT_DUTIES = (
    "一、妥善看护未住院治疗的患者；\n"
    "二、按照医嘱督促患者按时服药，接受随访或治疗；\n"
    "三、如实报告患者身体状况和言行表现；\n"
    "四、发现患者不知去向，立即查找，并报告综合管理小组协同查找；\n"
    "五、发现患者有肇事肇祸行为和倾向，在保护自身安全的前提下予以阻止并报告公安机关；\n"
    "六、积极保障和维护患者的合法权益，不得对患者实施家暴、遗弃、虐待、“关门上锁”。\n"
    "监护人不履责或责任不到位的，取消其监护补贴或调整监护人。（齐云山镇2024，三（七））"
)


def default_duties() -> str:
    """The default duties of a new agreement (a callable, so that migrations do not copy the text)."""
    return DEFAULT_DUTIES

# Incidents (肇事肇祸) --------------------------------------------------------------------------------------
# Kinds are core.vocab.DANGEROUS_ACTS keys; these are the national form's definitions in words.
INCIDENT_DEFINITIONS = {
    "minor_trouble": "轻度滋事：公安机关出警但仅作一般教育等处理的案情，如患者打骂他人或者扰乱秩序，"
                     "但没有造成生命财产损失。（2018规范 个人信息补充表填表说明）",
    "trouble": "肇事：患者的行为触犯了《治安管理处罚法》但未触犯《刑法》，如行凶伤人毁物等，"
               "但未导致被害人轻、重伤。（2018规范 个人信息补充表填表说明）",
    "disaster": "肇祸：患者的行为触犯了《刑法》，属于犯罪行为。（2018规范 个人信息补充表填表说明）",
    "other_harm": "其他危害行为：以上三类之外、危害他人或公共安全的行为。（本系统说明）",
    "self_harm": "自伤：有意伤害自己身体、但无死亡意图的行为。（本系统说明）",
    "suicide_attempt": "自杀未遂：有结束自己生命的意图并付诸行动，但未导致死亡。（本系统说明）",
}
INCIDENT_CITE = "中梁乡2022，三、5（联合处置）；齐云山镇2024，四、3（倒查）"
REVIEW_MONTHS = 12
