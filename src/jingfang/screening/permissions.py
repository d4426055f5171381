"""Who may do what in screening (摸排筛查), on top of accounts.roles.

- REPORT_LEAD: every role that views patients (including village cadres and police): anyone who
  meets a suspected case reports it (齐云山镇2024, 三（二）: 调查走访，群众反映，警情核查…). The same roles read
  leads and campaigns inside their jurisdiction.
- MANAGE_LEADS: refer for diagnosis and exclude (the township health centre and governance office).
- CONFIRM_LEAD: MANAGE_LEADS plus the registry's CREATE_PATIENT, since confirming creates the file.
- MANAGE_CAMPAIGNS: create campaigns and import candidates from the files.
- LIST_PERSONS: list a person under a target group on behalf of the user's department (当阳乡2022).
- ASSESS_PERSONS: record a listed person's whereabouts and diagnosis/assessment result (the campaign
  managers and the village doctor, who knows the village).
"""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied

from jingfang.accounts import roles
from jingfang.audit import log as audit

from .vocab import ROLE_DEPARTMENT

REPORT_LEAD = "report_lead"
VIEW_SCREENING = "view_screening"
MANAGE_LEADS = "manage_leads"
CONFIRM_LEAD = "confirm_lead"
MANAGE_CAMPAIGNS = "manage_campaigns"
LIST_PERSONS = "list_persons"
ASSESS_PERSONS = "assess_persons"
EXPORT = roles.EXPORT

_VIEWERS = frozenset(r for r in roles.ROLES if roles.can(r, roles.VIEW_PATIENTS))
_MANAGERS = frozenset({roles.TOWNSHIP_DOCTOR, roles.TOWNSHIP_OFFICE})

PERMISSIONS: dict[str, frozenset[str]] = {
    REPORT_LEAD: _VIEWERS,
    VIEW_SCREENING: _VIEWERS,
    MANAGE_LEADS: _MANAGERS,
    CONFIRM_LEAD: frozenset(r for r in _MANAGERS if roles.can(r, roles.CREATE_PATIENT)),
    MANAGE_CAMPAIGNS: frozenset({roles.TOWNSHIP_OFFICE, roles.COUNTY_SUPERVISOR, roles.TOWNSHIP_DOCTOR}),
    LIST_PERSONS: frozenset(r for r in _VIEWERS if r in ROLE_DEPARTMENT),
    ASSESS_PERSONS: frozenset({roles.TOWNSHIP_OFFICE, roles.COUNTY_SUPERVISOR, roles.TOWNSHIP_DOCTOR,
                               roles.VILLAGE_DOCTOR}),
    EXPORT: frozenset(r for r in _VIEWERS if roles.can(r, roles.EXPORT)),
}


def can(user_or_role, action: str) -> bool:
    role = getattr(user_or_role, "role", user_or_role)
    if hasattr(user_or_role, "is_active") and not user_or_role.is_active:
        return False
    return role in PERMISSIONS.get(action, frozenset())


def flags(user) -> dict:
    """Template flags: what buttons to show."""
    return {
        "can_report": can(user, REPORT_LEAD),
        "can_manage_leads": can(user, MANAGE_LEADS),
        "can_confirm": can(user, CONFIRM_LEAD),
        "can_manage_campaigns": can(user, MANAGE_CAMPAIGNS),
        "can_list": can(user, LIST_PERSONS),
        "can_assess": can(user, ASSESS_PERSONS),
        "can_export_screening": can(user, EXPORT),
    }


def deny(request, audit_action: str = "view", target: str = ""):
    audit.record_request(request, audit_action, outcome="denied", target=target or f"page:{request.path[:100]}")
    raise PermissionDenied("您的角色无权执行此操作")


def require(action: str, audit_action: str = "view"):
    """Page guard: signed in, and the role may perform the screening ``action``; refusals audited."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not can(request.user, action):
                deny(request, audit_action)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
