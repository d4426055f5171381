"""Words of the workforce register (薛城区2016 一（二）4)."""

INSTITUTION_KINDS = {
    "township_hc": "镇街卫生院（社区卫生服务中心）",
    "county_mh": "县级精神卫生专业机构",
    "county_general": "县级综合医院",
    "other": "其他医疗卫生机构",
}
TOWNSHIP_HC = "township_hc"

STAFF_KINDS = {
    "psychiatrist": "精神科执业（助理）医师",
    "prevention": "精防人员",
    "gp_psych": "加注精神卫生执业范围的全科医生",
}
PSYCHIATRIST, PREVENTION, GP_PSYCH = "psychiatrist", "prevention", "gp_psych"

EMPLOYMENT = {"full_time": "专职", "part_time": "兼职"}
