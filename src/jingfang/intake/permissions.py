"""Who may do what with report cards, release handovers and transfers (齐云山镇2024 三（五）3、三（六）3; 当阳乡2022 四（三）).

Pure data, in the manner of accounts.roles: an action -> the roles that may perform it. The region a
user may act in is still decided by the selectors (the user's own region and what lies beneath it).
"""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied

from jingfang.accounts import roles
from jingfang.audit import log as audit

# Report cards / discharge forms (报告卡/出院信息单): the township health centre receives them (齐云山镇2024).
VIEW_REPORTS = "intake_view_reports"
RECEIVE_REPORTS = "intake_receive_reports"  # record receipt, accept, police query, refer to the county CDC
ENTER_REPORTS = "intake_enter_reports"  # create or link the patient's file (卫生院精防人员录入信息系统)
# Release handovers (释放/解除衔接, 当阳乡2022): partner units notify, the township takes over.
VIEW_RELEASES = "intake_view_releases"
RECORD_RELEASE = "intake_record_release"
TAKE_OVER_RELEASE = "intake_take_over_release"
# Transfers (转移, 齐云山镇2024、中梁乡2022).
VIEW_TRANSFERS = "intake_view_transfers"
SEND_TRANSFER = "intake_send_transfer"
ACCEPT_TRANSFER = "intake_accept_transfer"  # accept or return

PERMISSIONS: dict[str, frozenset[str]] = {
    VIEW_REPORTS: frozenset({roles.COUNTY_SUPERVISOR, roles.TOWNSHIP_DOCTOR, roles.TOWNSHIP_OFFICE}),
    RECEIVE_REPORTS: frozenset({roles.TOWNSHIP_DOCTOR, roles.TOWNSHIP_OFFICE}),
    ENTER_REPORTS: frozenset({roles.TOWNSHIP_DOCTOR}),
    VIEW_RELEASES: frozenset({roles.COUNTY_SUPERVISOR, roles.TOWNSHIP_DOCTOR, roles.TOWNSHIP_OFFICE, roles.POLICE,
                              roles.JUDICIAL}),
    RECORD_RELEASE: frozenset({roles.POLICE, roles.JUDICIAL, roles.TOWNSHIP_OFFICE, roles.TOWNSHIP_DOCTOR}),
    TAKE_OVER_RELEASE: frozenset({roles.TOWNSHIP_OFFICE, roles.TOWNSHIP_DOCTOR}),
    VIEW_TRANSFERS: frozenset({roles.COUNTY_SUPERVISOR, roles.TOWNSHIP_DOCTOR, roles.TOWNSHIP_OFFICE}),
    SEND_TRANSFER: frozenset({roles.TOWNSHIP_DOCTOR}),
    ACCEPT_TRANSFER: frozenset({roles.TOWNSHIP_DOCTOR, roles.TOWNSHIP_OFFICE}),
}


def can(role: str, action: str) -> bool:
    return role in PERMISSIONS.get(action, frozenset())


def user_can(user, action: str) -> bool:
    return user is not None and user.is_authenticated and user.is_active and can(user.role, action)


def required(action: str, audit_action: str = "view"):
    """Page guard like accounts.decorators.permission_required, for the actions above."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not can(request.user.role, action):
                audit.record_request(request, audit_action, outcome="denied", target=f"page:{request.path[:100]}")
                raise PermissionDenied("您的角色无权访问此页面")
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def flags(user) -> dict:
    """Template switches for the intake pages."""
    role = getattr(user, "role", "")
    return {
        "can_view_reports": can(role, VIEW_REPORTS),
        "can_receive_reports": can(role, RECEIVE_REPORTS),
        "can_enter_reports": can(role, ENTER_REPORTS),
        "can_view_releases": can(role, VIEW_RELEASES),
        "can_record_release": can(role, RECORD_RELEASE),
        "can_take_over": can(role, TAKE_OVER_RELEASE),
        "can_view_transfers": can(role, VIEW_TRANSFERS),
        "can_send_transfer": can(role, SEND_TRANSFER),
        "can_accept_transfer": can(role, ACCEPT_TRANSFER),
        "can_view_dual": roles.can(role, roles.VIEW_PATIENTS),
    }
