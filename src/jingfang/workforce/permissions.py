"""Who may see and keep the workforce register (staff are employees, not patients; their names are
personal data of staff).

- The county supervisor keeps the register (institutions, staff, training) of institutions within the
  region and reads it.
- The township doctor reads the register of the institutions of their own township.
- The township office (综治) reads the aggregate figures only: counts, KPIs and shortfalls, never a name.
- Every other role: nothing (403, audited).
"""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied

from jingfang.accounts import roles
from jingfang.audit import log as audit

WRITERS = frozenset({roles.COUNTY_SUPERVISOR})
NAME_READERS = frozenset({roles.COUNTY_SUPERVISOR, roles.TOWNSHIP_DOCTOR})
COUNT_READERS = NAME_READERS | {roles.TOWNSHIP_OFFICE}


def _active(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


def can_count(user) -> bool:
    return _active(user) and user.role in COUNT_READERS


def can_read(user) -> bool:
    return _active(user) and user.role in NAME_READERS


def can_write(user) -> bool:
    return _active(user) and user.role in WRITERS


def can_export(user) -> bool:
    return can_read(user) and roles.can(user.role, roles.EXPORT)


def required(check, message: str = "您的角色无权查看精神卫生人员"):
    """Page guard: signed in, and ``check(user)``; a refusal is audited."""

    def decorate(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not check(request.user):
                action = "export" if request.path.endswith(".xlsx") else "view"
                audit.record_request(request, action, outcome="denied", target=f"page:{request.path[:100]}")
                raise PermissionDenied(message)
            return view(request, *args, **kwargs)

        return wrapped

    return decorate
