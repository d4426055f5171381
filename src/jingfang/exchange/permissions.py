"""Who may do what with exchange tables and list reconciliation (齐云山镇2024 三（六）2; 中梁乡2022 三、6; 平桥区2025 三（二）), on top of accounts.roles.

- VIEW_TABLES: the exchange's parties read the month's table (齐云山镇2024、中梁乡2022、平桥区2025: the governance centre,
  health centre, police, civil affairs, DPF, judicial) and the county supervises; village roles do not.
  The lines hold no clinical field, so every party reads the same table.
- GENERATE_TABLES / RECORD_RECEIPTS: the township's governance office (综治中心), which runs the exchange.
- EXPORT_TABLES: VIEW_TABLES and the registry's EXPORT (the judicial office may read but not export).
- UPLOAD_LISTS: police, civil affairs, DPF and judicial upload their own lists; they read and resolve
  only their own department's results. The governance office reads and resolves all of its township's.

Where: a table or run belongs to a township; the user's region must contain it (jurisdiction_range).
"""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied

from jingfang.accounts import roles
from jingfang.audit import log as audit

VIEW_TABLES = "exchange_view_tables"
GENERATE_TABLES = "exchange_generate_tables"
RECORD_RECEIPTS = "exchange_record_receipts"
EXPORT_TABLES = "exchange_export_tables"
UPLOAD_LISTS = "exchange_upload_lists"
VIEW_RECONCILIATIONS = "exchange_view_reconciliations"
RESOLVE_LINES = "exchange_resolve_lines"

# A department user's department (ReconciliationRun.department).
ROLE_DEPARTMENT = {
    roles.POLICE: "police",
    roles.CIVIL_AFFAIRS: "civil_affairs",
    roles.DPF: "dpf",
    roles.JUDICIAL: "judicial",
}
_VIEWERS = frozenset({roles.TOWNSHIP_OFFICE, roles.TOWNSHIP_DOCTOR, roles.COUNTY_SUPERVISOR, *ROLE_DEPARTMENT})
_RECONCILERS = frozenset({roles.TOWNSHIP_OFFICE, *ROLE_DEPARTMENT})

PERMISSIONS: dict[str, frozenset[str]] = {
    VIEW_TABLES: _VIEWERS,
    GENERATE_TABLES: frozenset({roles.TOWNSHIP_OFFICE}),
    RECORD_RECEIPTS: frozenset({roles.TOWNSHIP_OFFICE}),
    EXPORT_TABLES: frozenset(r for r in _VIEWERS if roles.can(r, roles.EXPORT)),
    UPLOAD_LISTS: frozenset(ROLE_DEPARTMENT),
    VIEW_RECONCILIATIONS: _RECONCILERS,
    RESOLVE_LINES: _RECONCILERS,
}


def can(user_or_role, action: str) -> bool:
    role = getattr(user_or_role, "role", user_or_role)
    if hasattr(user_or_role, "is_active") and not user_or_role.is_active:
        return False
    return role in PERMISSIONS.get(action, frozenset())


def department_of(user) -> str | None:
    """The department whose runs a user reads: their own, or None for the governance office (all)."""
    return ROLE_DEPARTMENT.get(getattr(user, "role", ""))


def required(action: str, audit_action: str = "view"):
    """Page guard like accounts.decorators.permission_required, for the actions above."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not can(request.user, action):
                audit.record_request(request, audit_action, outcome="denied", target=f"page:{request.path[:100]}")
                raise PermissionDenied("您的角色无权访问此页面")
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def signed_in(view):
    """Page guard for pages whose object decides access (a 404 for anything out of scope)."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return view(request, *args, **kwargs)

    return wrapped


def flags(user) -> dict:
    """Template switches for the exchange pages."""
    return {
        "can_view_tables": can(user, VIEW_TABLES),
        "can_generate": can(user, GENERATE_TABLES),
        "can_record_receipts": can(user, RECORD_RECEIPTS),
        "can_export_tables": can(user, EXPORT_TABLES),
        "can_upload_lists": can(user, UPLOAD_LISTS),
        "can_view_reconciliations": can(user, VIEW_RECONCILIATIONS),
        "can_resolve": can(user, RESOLVE_LINES),
    }
