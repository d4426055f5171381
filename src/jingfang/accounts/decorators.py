from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied

from jingfang.audit import log as audit

from . import roles


def permission_required(action: str, audit_action: str = "view"):
    """Page guard: signed in, and the role may perform ``action``; a refusal is audited."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not roles.can(request.user.role, action):
                audit.record_request(request, audit_action, outcome="denied", target=f"page:{request.path[:100]}")
                raise PermissionDenied("您的角色无权访问此页面")
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
