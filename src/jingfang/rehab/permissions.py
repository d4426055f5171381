"""Who may see and keep community rehabilitation records. Pure: role names in, booleans out; the
jurisdiction is checked by the selectors (registry.selectors for patients).

- Facilities and the multi-function team are not patient data, but jurisdiction-scoped: the county
  supervisor, the township office, health staff, civil affairs and the DPF (who run facilities) read
  them; the county supervisor and the township doctor register and change facilities (区卫计局会同残联、
  民政, 薛城区2016 二（二）2); the county supervisor keeps the team (区精神病防治院, 二（一）2).
- A patient's enrolment and attendance are patient data. Health staff (county supervisor, township and
  village doctors) read every programme; the township and village doctors record them. The DPF reads and
  records home rehabilitation training (区残联负责社区家庭康复训练, 三) and facilities the DPF runs; civil
  affairs those of facilities it runs. Neither ever receives clinical content (the follow-ups' 康复措施
  are shown to health staff only).
- The KPIs (aggregate, per township and village) for the county supervisor, the township office, health
  staff, civil affairs and the DPF. Police, village cadres and judicial offices: nothing (403, audited).
"""

from jingfang.accounts import roles

from . import vocab

CS, TO, TD, VD = roles.COUNTY_SUPERVISOR, roles.TOWNSHIP_OFFICE, roles.TOWNSHIP_DOCTOR, roles.VILLAGE_DOCTOR
CA, DPF = roles.CIVIL_AFFAIRS, roles.DPF

REGISTER_VIEW = frozenset({CS, TO, TD, VD, CA, DPF})
FACILITY_EDIT = frozenset({CS, TD})
TEAM_EDIT = frozenset({CS})
KPI_VIEW = REGISTER_VIEW
HEALTH = frozenset({CS, TD, VD})
ENROL_VIEW = frozenset({CS, TD, VD, CA, DPF})
ENROL_EDIT = frozenset({TD, VD, CA, DPF})
# The programmes a department runs (Enrolment.owner / Facility.operator): what it reads and records.
OWN_PROGRAMMES = {CA: frozenset({"civil_affairs"}), DPF: frozenset({"dpf"})}


def _active(user) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active
                and roles.can(user.role, roles.VIEW_PATIENTS))


def has(user, role_set: frozenset[str]) -> bool:
    return _active(user) and user.role in role_set


def is_health(user) -> bool:
    return has(user, HEALTH)


def owners_for(user) -> frozenset[str] | None:
    """The programme owners whose enrolments the user reads: None for all (health staff), else a set
    (empty: none)."""
    if not has(user, ENROL_VIEW):
        return frozenset()
    if user.role in HEALTH:
        return None
    return OWN_PROGRAMMES.get(user.role, frozenset())


def may_view_owner(user, owner: str) -> bool:
    owners = owners_for(user)
    return owners is None and has(user, ENROL_VIEW) or (owners is not None and owner in owners)


def may_record(user, owner: str) -> bool:
    """Enrol a patient in, or record attendance of, a programme run by ``owner``."""
    if not has(user, ENROL_EDIT):
        return False
    return user.role in (TD, VD) or owner in OWN_PROGRAMMES.get(user.role, ())


def programme_owner(programme: str, facility=None) -> str:
    if programme == vocab.HOME:
        return "dpf"
    return facility.operator if facility is not None else "health"


def roles_text(role_set) -> str:
    return "、".join(roles.label(r) for r in sorted(role_set))
