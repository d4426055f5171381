"""Who may do what in support (house convention: accounts.roles holds the general actions; these are
support's own). Pure: role names in, booleans out. Jurisdiction is checked separately (selectors).

平桥区2025: the village committee does the initial review of a relief application (村委会初审, signed
by the branch secretary), the township government approves (乡镇审批, the deputy party secretary or
the 平安办 director), the designated hospital files it. There is no hospital role: the township
health centre's mental-health doctor records the admission and the amounts on the hospital's behalf.
Rewards and the liability insurance are paid by the township (综治中心/平安办); the county (区卫健委)
holds the relief fund.
"""

from jingfang.accounts import roles

from . import vocab

CS, TO, TD, VD, VC = (roles.COUNTY_SUPERVISOR, roles.TOWNSHIP_OFFICE, roles.TOWNSHIP_DOCTOR,
                      roles.VILLAGE_DOCTOR, roles.VILLAGE_CADRE)

REWARD_VIEW = frozenset({CS, TO})
REWARD_MANAGE = frozenset({TO})  # compute, withhold, mark paid
INSURANCE_VIEW = frozenset({CS, TO})
GAPS_VIEW = frozenset({CS, TO, TD, VD, VC, roles.CIVIL_AFFAIRS, roles.DPF})
RELIEF_VIEW = frozenset({CS, TO, TD, VD, VC, roles.CIVIL_AFFAIRS})
RELIEF_FILE = frozenset({VD, TD, VC})  # fill in the form with (or for) the guardian
FUND_VIEW = frozenset({CS, TO, TD})
FUND_EDIT = frozenset({CS})
SUMMARY_VIEW = frozenset({CS, TO, TD})
# Treatment costs are personal and financial (薛城区2016 一（二）3): health staff and civil affairs within
# their jurisdiction; the township doctor records them for the clinic and hospital, civil affairs for
# its medical assistance. Police, cadres, judicial offices, the DPF and the township office never.
COSTS_VIEW = frozenset({CS, TD, VD, roles.CIVIL_AFFAIRS})
COSTS_EDIT = frozenset({TD, roles.CIVIL_AFFAIRS})
# Where a patient was treated (a psychiatric hospital tells the illness) and the episode's free text are
# health information: civil affairs reads and writes the money figures only (《中华人民共和国精神卫生法》第四条).
COSTS_HEALTH_FIELDS = ("hospital", "note")


def sees_cost_details(user) -> bool:
    """May ``user`` read (and write) an episode's COSTS_HEALTH_FIELDS?"""
    return roles.sees_clinical(getattr(user, "role", ""))

# Relief: the one role set allowed to take each step.
RELIEF_STEP_ROLES: dict[str, frozenset[str]] = {
    "submit": RELIEF_FILE,
    "village_review": frozenset({VC}),
    "village_reject": frozenset({VC}),
    "approve": frozenset({TO}),
    "reject": frozenset({TO}),
    "admit": frozenset({TD}),
    "close": frozenset({TD}),
}


def _active(user) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active
                and roles.can(user.role, roles.VIEW_PATIENTS))


def has(user, role_set: frozenset[str]) -> bool:
    return _active(user) and user.role in role_set


def may_edit_benefit(user, kind: str) -> bool:
    return _active(user) and user.role in vocab.BENEFIT_EDITORS.get(kind, ())


def editable_benefit_kinds(user) -> list[str]:
    return [k for k in vocab.BENEFIT_KINDS if may_edit_benefit(user, k)]


def may_view_benefits(user) -> bool:
    return _active(user)


def may_step(user, action: str) -> bool:
    return _active(user) and user.role in RELIEF_STEP_ROLES.get(action, frozenset())


def step_roles_text(action: str) -> str:
    return "、".join(roles.label(r) for r in sorted(RELIEF_STEP_ROLES.get(action, ())))


def roles_text(role_set: frozenset[str]) -> str:
    return "、".join(roles.label(r) for r in sorted(role_set))
