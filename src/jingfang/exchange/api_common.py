"""What both exchange API modules (tables: api.py, reconciliation: api_recon.py) share."""

from jingfang.audit import log as audit
from jingfang.core import errors

from . import permissions as perms


def forbid_unless(request, action: str, audit_action: str = "list", target: str = "") -> None:
    if not perms.can(request.user, action):
        audit.record_request(request, audit_action, outcome="denied", target=target)
        raise errors.Forbidden("您的角色无权执行此操作")
