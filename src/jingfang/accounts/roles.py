"""Roles, what each may do, and which patient fields each may see.

Pure data and functions. Police, civil affairs, the disabled persons' federation and judicial users
see what their duty needs (identity, address, guardian, key-person flags, benefits) but never clinical
fields; the risk level only where the duty is the risk (police, the township office: RISK_ROLES): 《中华人民共和国个人信息保护法》第六条、第三十四条 (minimum necessary) and
《中华人民共和国精神卫生法》第四条 (confidentiality).
"""

COUNTY_SUPERVISOR = "county_supervisor"
TOWNSHIP_OFFICE = "township_office"
TOWNSHIP_DOCTOR = "township_doctor"
VILLAGE_DOCTOR = "village_doctor"
VILLAGE_CADRE = "village_cadre"
POLICE = "police"
CIVIL_AFFAIRS = "civil_affairs"
DPF = "dpf"
JUDICIAL = "judicial"
# 三员分立 (等保 2.0): three administrators, none of whom sees patient data. ``admin`` keeps its name
# (existing databases) and is the system administrator: users' non-privileged details, regions,
# settings, and requests for role/region changes, which only a security administrator applies.
ADMIN = "admin"
SECURITY_ADMIN = "security_admin"
AUDIT_ADMIN = "audit_admin"

ROLE_LABELS = {
    COUNTY_SUPERVISOR: "县级督导（疾控/卫健/政法）",
    TOWNSHIP_OFFICE: "乡镇综治中心/平安办",
    TOWNSHIP_DOCTOR: "乡镇卫生院精防人员",
    VILLAGE_DOCTOR: "村医",
    VILLAGE_CADRE: "村干部/网格员",
    POLICE: "社区民警",
    CIVIL_AFFAIRS: "民政",
    DPF: "残联",
    JUDICIAL: "司法所",
    ADMIN: "系统管理员",
    SECURITY_ADMIN: "安全管理员",
    AUDIT_ADMIN: "审计管理员",
}
ROLES = tuple(ROLE_LABELS)
ROLE_CHOICES = list(ROLE_LABELS.items())

# The three administrators: they use the Django admin (is_staff) and never see patient data.
ADMIN_ROLES = frozenset({ADMIN, SECURITY_ADMIN, AUDIT_ADMIN})

# Roles whose duty is health care: they see clinical fields.
HEALTH_ROLES = frozenset({COUNTY_SUPERVISOR, TOWNSHIP_DOCTOR, VILLAGE_DOCTOR})

# Actions.
VIEW_PATIENTS = "view_patients"
CREATE_PATIENT = "create_patient"
EDIT_PATIENT = "edit_patient"
CHANGE_STATUS = "change_status"
REVEAL_IDENTIFIERS = "reveal_identifiers"
EXPORT = "export"
VIEW_AUDIT = "view_audit"
MANAGE_USERS = "manage_users"
# Apply (approve) or refuse a requested grant or change of a user's role, region or active flag, and
# reset credentials (passwords, lost authenticators): the security administrator's duty.
APPROVE_ACCESS = "approve_access"
RECORD_FOLLOWUP = "record_followup"
VIEW_WORKLIST = "view_worklist"
MANAGE_PLANS = "manage_plans"
ROLL_CALL = "roll_call"
LOG_SEARCH = "log_search"
SET_SENSITIVE_PERIODS = "set_sensitive_periods"
# Emergency access (紧急查阅, "break the glass"; emergency app): open one patient outside the
# jurisdiction with a written reason, for a limited time, read-only. Given to the roles that respond
# in person to an emergency (health staff treating, police handling an incident or a missing person);
# what they see is still their role's view (police never receive clinical fields). The patient's
# township office is notified and acknowledges; the county supervisor reviews every grant.
BREAK_GLASS = "break_glass"
ACKNOWLEDGE_EMERGENCY = "acknowledge_emergency"
REVIEW_EMERGENCY = "review_emergency"
# The offline field app (offline app): download one's own due work and sync visits recorded without
# signal; the township doctor reviews the visits a sync held (patient gone elsewhere, died, file closed).
OFFLINE_FIELD = "offline_field"
REVIEW_OFFLINE = "review_offline"

PERMISSIONS: dict[str, frozenset[str]] = {
    COUNTY_SUPERVISOR: frozenset(
        {VIEW_PATIENTS, REVEAL_IDENTIFIERS, EXPORT, VIEW_AUDIT, VIEW_WORKLIST, SET_SENSITIVE_PERIODS,
         REVIEW_EMERGENCY}
    ),
    TOWNSHIP_OFFICE: frozenset(
        {VIEW_PATIENTS, CHANGE_STATUS, EDIT_PATIENT, REVEAL_IDENTIFIERS, EXPORT, VIEW_WORKLIST, MANAGE_PLANS,
         ROLL_CALL, LOG_SEARCH, ACKNOWLEDGE_EMERGENCY}
    ),
    TOWNSHIP_DOCTOR: frozenset(
        {VIEW_PATIENTS, CREATE_PATIENT, EDIT_PATIENT, CHANGE_STATUS, REVEAL_IDENTIFIERS, EXPORT, RECORD_FOLLOWUP,
         VIEW_WORKLIST, MANAGE_PLANS, ROLL_CALL, LOG_SEARCH, BREAK_GLASS, OFFLINE_FIELD, REVIEW_OFFLINE}
    ),
    VILLAGE_DOCTOR: frozenset(
        {VIEW_PATIENTS, CREATE_PATIENT, EDIT_PATIENT, CHANGE_STATUS, REVEAL_IDENTIFIERS, EXPORT, RECORD_FOLLOWUP,
         VIEW_WORKLIST, MANAGE_PLANS, ROLL_CALL, LOG_SEARCH, BREAK_GLASS, OFFLINE_FIELD}
    ),
    VILLAGE_CADRE: frozenset({VIEW_PATIENTS, CHANGE_STATUS, VIEW_WORKLIST, ROLL_CALL, LOG_SEARCH}),
    POLICE: frozenset(
        {VIEW_PATIENTS, CHANGE_STATUS, REVEAL_IDENTIFIERS, EXPORT, VIEW_WORKLIST, ROLL_CALL, LOG_SEARCH, BREAK_GLASS}
    ),
    CIVIL_AFFAIRS: frozenset({VIEW_PATIENTS, REVEAL_IDENTIFIERS, EXPORT}),
    DPF: frozenset({VIEW_PATIENTS, REVEAL_IDENTIFIERS, EXPORT}),
    JUDICIAL: frozenset({VIEW_PATIENTS}),
    ADMIN: frozenset({MANAGE_USERS}),
    SECURITY_ADMIN: frozenset({APPROVE_ACCESS}),
    AUDIT_ADMIN: frozenset({VIEW_AUDIT}),
}

# Patient fields that are clinical: only HEALTH_ROLES read or write them.
CLINICAL_FIELDS = frozenset(
    {
        "diagnosis",
        "diagnosis_hospital",
        "diagnosis_date",
        "first_onset_date",
        "past_symptoms",
        "outpatient_history",
        "first_antipsychotic_date",
        "hospitalizations",
        "past_locking",
        "latest_treatment_effect",
        "psychiatrist_opinion",
        "clinical_notes",
        "condition",
        # The next follow-up date follows the condition class of the last visit (2 weeks when unstable,
        # 3 months when stable): telling it tells the class.
        "next_due_date",
    }
)


# The risk level (危险性评估 0–5) is an assessment made by health staff at a follow-up. Beside them it goes
# only to the roles whose duty is the risk itself: the police (《严重精神障碍管理治疗工作规范（2018年版）》:
# 3级及以上 with the police's help, 应急处置) and the township office (综治 coordinates key persons and the
# guardian reward, whose grounds are the risk level). Civil affairs, the DPF, judicial offices and village
# cadres never receive it (nor anything that tells it, e.g. a benefit gap "危险性评估3级以上…").
RISK_ROLES = HEALTH_ROLES | frozenset({POLICE, TOWNSHIP_OFFICE})
RISK_FIELDS = frozenset({"risk_level"})


def can(role: str, action: str) -> bool:
    return action in PERMISSIONS.get(role, frozenset())


def sees_clinical(role: str) -> bool:
    return role in HEALTH_ROLES


def sees_risk(role: str) -> bool:
    """Does ``role`` receive a patient's risk level (RISK_ROLES)?"""
    return role in RISK_ROLES


def visible(role: str, field: str) -> bool:
    """May a user with ``role`` read ``field`` of a patient?"""
    if field in RISK_FIELDS:
        return sees_risk(role)
    return field not in CLINICAL_FIELDS or sees_clinical(role)


def writable_fields(role: str, fields) -> set[str]:
    """Of ``fields``, the ones this role may write when editing a patient."""
    if not can(role, EDIT_PATIENT) and not can(role, CREATE_PATIENT):
        return set()
    return {f for f in fields if visible(role, f)}


def is_admin_role(role: str) -> bool:
    """One of the three administrators (is_staff, Django admin, no patient data)."""
    return role in ADMIN_ROLES


def sees_patient_data(role: str) -> bool:
    """Every role but the three administrators reads patients' personal data."""
    return role in PERMISSIONS and role not in ADMIN_ROLES


def access_change_needs_approval(before: dict | None, after: dict) -> bool:
    """Must a second person (a security administrator) approve this change of a user's access?

    ``before``/``after`` hold ``role``, ``region`` (code) and ``active``; ``before`` is None for a new
    user. Every grant needs approval: a new active user, a changed role or region of an active user, or
    reactivation. Only taking access away (deactivating) is applied at once. Roles that see patient
    data need it for the reason of 三员分立; the administrators' roles need it too, or whoever can
    create a security administrator could approve their own requests.
    """
    if not after.get("active"):
        return False
    if before is None or not before.get("active"):
        return True
    return before.get("role") != after.get("role") or before.get("region") != after.get("region")


def label(role: str) -> str:
    return ROLE_LABELS.get(role, role)
