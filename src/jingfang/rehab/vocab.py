"""Words of community rehabilitation (薛城区2016 一（二）2, 一（一）2 and 二（二）)."""

# 二（二）2: 中途宿舍、庇护工厂、日间康复站、职业康复中心等多种形式的社区康复机构; "other" is a form the county
# names itself (kind_other).
FACILITY_KINDS = {
    "halfway_house": "中途宿舍",
    "sheltered_workshop": "庇护工厂",
    "day_station": "日间康复站",
    "vocational_centre": "职业康复中心",
    "other": "其他形式（县定）",
}
OTHER_KIND = "other"

# 二（二）2: 区卫计局会同残联、民政等部门; 一（一）6 and （七）: 社会组织 by government purchase of services.
OPERATORS = {
    "health": "卫生健康部门",
    "civil_affairs": "民政部门",
    "dpf": "残联",
    "social_org": "社会组织",
}

FACILITY_STATUSES = {"operating": "运营中", "suspended": "暂停运营", "closed": "已关闭"}
OPERATING, SUSPENDED, CLOSED = "operating", "suspended", "closed"

# 二（一）2: 由精神科医生、护士、心理治疗师、康复师、社会工作者组建的多功能服务团队.
TEAM_ROLES = {
    "psychiatrist": "精神科医生",
    "nurse": "护士",
    "psychotherapist": "心理治疗师",
    "rehab_therapist": "康复师",
    "social_worker": "社会工作者",
    "volunteer": "志愿者/社会团体人员",
}
REQUIRED_TEAM_ROLES = ("psychiatrist", "nurse", "psychotherapist", "rehab_therapist", "social_worker")

# A programme a patient is enrolled in: a facility, or the DPF's home rehabilitation training (三 区残联:
# 社区家庭康复训练).
HOME = "home"
PROGRAMMES = {"facility": "社区康复机构", HOME: "家庭康复训练（残联）"}

END_REASONS = {
    "completed": "完成康复训练",
    "employed": "就业/回归社会",
    "hospitalized": "住院治疗",
    "moved": "迁出/外出",
    "withdrew": "本人或监护人退出",
    "deceased": "死亡",
    "other": "其他",
}
