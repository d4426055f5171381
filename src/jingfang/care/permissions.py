"""What each role may do in the care area (care teams, meetings, guardianship, incidents).

Pure data and functions on top of accounts.roles: every action here also needs VIEW_PATIENTS (the
patient must be visible at all), and reading follows the registry's jurisdiction rules.
"""

from jingfang.accounts import roles

MANAGE_TEAM = "care_manage_team"  # build and change a patient's care team
RECORD_MEETING = "care_record_meeting"  # record and edit team / township meetings and their tasks
MANAGE_AGREEMENT = "care_manage_agreement"  # draw up a guardianship agreement
REVOKE_AGREEMENT = "care_revoke_agreement"  # revoke an agreement or replace the guardian (齐云山镇2024 三（七）)
RECORD_INCIDENT = "care_record_incident"  # record an incident (肇事肇祸)
REVIEW_INCIDENT = "care_review_incident"  # write the retrospective review's findings (倒查)

_FRONTLINE = {roles.TOWNSHIP_OFFICE, roles.TOWNSHIP_DOCTOR, roles.VILLAGE_DOCTOR, roles.VILLAGE_CADRE}

PERMISSIONS: dict[str, frozenset[str]] = {
    # The group's leader is a village cadre; health staff and the governance office keep the files.
    MANAGE_TEAM: frozenset(_FRONTLINE),
    MANAGE_AGREEMENT: frozenset(_FRONTLINE),
    RECORD_MEETING: frozenset(_FRONTLINE),
    # Revoking the subsidy or changing the guardian is the township's decision (齐云山镇2024 三（七）).
    REVOKE_AGREEMENT: frozenset({roles.TOWNSHIP_OFFICE, roles.TOWNSHIP_DOCTOR}),
    # Police respond first; the governance office coordinates on-site handling (中梁乡2022 三、5).
    RECORD_INCIDENT: frozenset(_FRONTLINE | {roles.POLICE}),
    # Every serious incident is reviewed by the township / county (齐云山镇2024 四、3; 平桥区2025).
    REVIEW_INCIDENT: frozenset({roles.COUNTY_SUPERVISOR, roles.TOWNSHIP_OFFICE, roles.TOWNSHIP_DOCTOR}),
}

LABELS = {
    MANAGE_TEAM: "维护关爱帮扶小组",
    RECORD_MEETING: "登记会议",
    MANAGE_AGREEMENT: "签订监护协议",
    REVOKE_AGREEMENT: "撤销监护协议或更换监护人",
    RECORD_INCIDENT: "登记肇事肇祸",
    REVIEW_INCIDENT: "填写倒查结论",
}


def can(user_or_role, action: str) -> bool:
    """May this user (or role) perform the care ``action``? Inactive users may do nothing."""
    if isinstance(user_or_role, str):
        role = user_or_role
    else:
        if user_or_role is None or not getattr(user_or_role, "is_active", False):
            return False
        role = user_or_role.role
    return roles.can(role, roles.VIEW_PATIENTS) and role in PERMISSIONS.get(action, frozenset())


def sees_incident_hospital(user) -> bool:
    """The hospital an incident's patient was taken to, and whether it was compulsory: a treatment
    fact, for health staff and the roles whose duty is the risk (police, the township office:
    roles.RISK_ROLES), who take part in sending the patient (《精神卫生法》第二十八条)."""
    return roles.sees_risk(user.role)


def sees_review_findings(user) -> bool:
    """The retrospective review's findings (倒查结论: free text about the care before the incident):
    health staff and those who write reviews."""
    return roles.sees_clinical(user.role) or can(user, REVIEW_INCIDENT)


def flags(user) -> dict:
    """Template flags: {"can_manage_team": bool, …}."""
    return {
        "can_manage_team": can(user, MANAGE_TEAM),
        "can_record_meeting": can(user, RECORD_MEETING),
        "can_manage_agreement": can(user, MANAGE_AGREEMENT),
        "can_revoke_agreement": can(user, REVOKE_AGREEMENT),
        "can_record_incident": can(user, RECORD_INCIDENT),
        "can_review_incident": can(user, REVIEW_INCIDENT),
        "can_reveal": user.can(roles.REVEAL_IDENTIFIERS),
        "sees_clinical": roles.sees_clinical(user.role),
        "sees_incident_hospital": sees_incident_hospital(user),
        "sees_review_findings": sees_review_findings(user),
    }
