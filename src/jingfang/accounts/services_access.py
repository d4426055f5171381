"""Granting and changing access (三员分立): who has which role, in which region, active or not.

- The system administrator (MANAGE_USERS) asks for a grant or change; the console (``actor=None``:
  management commands run by the operator) may ask too.
- A grant (roles.access_change_needs_approval: a new user, a changed role or region, reactivation)
  is only recorded as a pending AccessRequest; a security administrator (APPROVE_ACCESS) other than
  the requester and other than the user concerned applies or rejects it. Taking access away
  (deactivating) is applied at once.
- Nobody changes their own role, region or active flag, whatever the way in.
- Every request, decision and applied change is audited with the before and after values and the
  client's address; an applied change ends the user's sessions and tokens (services.on_access_changed).
"""

import functools

from django.db import transaction
from django.utils import timezone

from jingfang.audit import log as audit
from jingfang.regions.models import Region

from . import roles
from .models import AccessRequest, User
from .services import access_change_reason, on_access_changed

SELF_CHANGE = "不能修改自己的角色、所属区划或启用状态"


class AccessRefused(Exception):
    """An access change that may not be made; the message (Chinese) says why."""

    def __init__(self, message: str, outcome: str = "denied", target: str = ""):
        super().__init__(message)
        self.message, self.outcome, self.target = message, outcome, target


def _audited(service):
    """Run the service in its own transaction; a refusal is audited after that rolled back."""

    @functools.wraps(service)
    def wrapped(*, actor, request=None, **kwargs):
        try:
            with transaction.atomic():
                return service(actor=actor, request=request, **kwargs)
        except AccessRefused as exc:
            audit.record(actor, "admin", request=request, outcome=exc.outcome, target=exc.target,
                         username="" if actor else "console", detail={"op": "access_refused", "reason": exc.message})
            raise

    return wrapped


def snapshot(user: User) -> dict:
    return {"role": user.role, "region": user.region_id, "active": bool(user.is_active)}


def _refuse(actor, request, message: str, *, target: str, outcome: str = "denied"):
    raise AccessRefused(message, outcome, target)


def _apply(user: User, after: dict) -> None:
    user.role, user.region_id, user.is_active = after["role"], after["region"], after["active"]
    user.is_staff = roles.is_admin_role(user.role) and user.is_active  # Django admin: the three administrators
    user.is_superuser = False
    User.objects.filter(pk=user.pk).update(
        role=user.role, region_id=user.region_id, is_active=user.is_active, is_staff=user.is_staff,
        is_superuser=False,
    )


@_audited
def request_access_change(
    *, actor, user: User, role: str, region: str, active: bool, new_user: bool = False, request=None
) -> AccessRequest | None:
    """Ask for ``user`` to have ``role`` in ``region`` (code), active or not.

    Returns the pending request when a security administrator must approve it; None when nothing
    changes or the change only takes access away (applied here). ``new_user``: ``user`` was just
    created inactive and this asks for it to be activated with its role and region.
    """
    target = f"user:{user.pk}"
    if actor is not None and not (actor.is_active and roles.can(actor.role, roles.MANAGE_USERS)):
        _refuse(actor, request, "只有系统管理员可以申请变更用户的角色、所属区划或启用状态", target=target)
    if actor is not None and actor.pk == user.pk:
        _refuse(actor, request, SELF_CHANGE, target=target)
    if role not in roles.ROLES:
        _refuse(actor, request, f"角色“{role}”无效", target=target, outcome="invalid")
    if not Region.objects.filter(code=region).exists():
        _refuse(actor, request, f"所属区划“{region}”不存在", target=target, outcome="invalid")
    user = User.objects.select_for_update().get(pk=user.pk)
    before, after = snapshot(user), {"role": role, "region": region, "active": bool(active)}
    if before == after and not new_user:
        return None
    superseded = AccessRequest.objects.filter(user=user, status=AccessRequest.PENDING).update(
        status=AccessRequest.SUPERSEDED, decided_at=timezone.now()
    )
    if not new_user and not roles.access_change_needs_approval(before, after):
        _apply(user, after)
        audit.record(actor, "admin", request=request, target=target, username="" if actor else "console",
                     detail={"op": "access_change", "before": before, "after": after, "superseded": superseded})
        on_access_changed(user, reason=access_change_reason(before, after),
                          actor=actor, request=request)
        return None
    pending = AccessRequest.objects.create(
        user=user, requested_by=actor, requested_ip=audit.client_ip(request), new_user=new_user,
        role_before=before["role"], region_before=before["region"], active_before=before["active"],
        role=role, region_id=region, active=bool(active),
    )
    audit.record(actor, "admin", request=request, target=target, username="" if actor else "console",
                 detail={"op": "access_request", "request": pending.pk, "new_user": new_user, "before": before,
                         "after": after, "superseded": superseded})
    return pending


def _check_approver(actor, pending: AccessRequest, request) -> None:
    target = f"access_request:{pending.pk}"
    if not (actor.is_active and roles.can(actor.role, roles.APPROVE_ACCESS)):
        _refuse(actor, request, "只有安全管理员可以审批角色、所属区划或启用状态的变更", target=target)
    if pending.status != AccessRequest.PENDING:
        _refuse(actor, request, "该申请已处理，不能再次审批", target=target, outcome="conflict")
    if pending.requested_by_id is not None and pending.requested_by_id == actor.pk:
        _refuse(actor, request, "不能审批自己提交的申请", target=target)
    if pending.user_id == actor.pk:
        _refuse(actor, request, SELF_CHANGE, target=target)


def _decided(pending: AccessRequest, actor, status: str, request) -> None:
    pending.status, pending.decided_by, pending.decided_at = status, actor, timezone.now()
    pending.decided_ip = audit.client_ip(request)
    pending.save(update_fields=["status", "decided_by", "decided_at", "decided_ip"])


def _requester(pending: AccessRequest) -> str:
    return pending.requested_by.username if pending.requested_by_id else "console"


@_audited
def approve_access_request(*, actor, access_request: AccessRequest, request=None) -> User:
    """A security administrator applies a pending request; returns the changed user."""
    pending = AccessRequest.objects.select_for_update().get(pk=access_request.pk)
    _check_approver(actor, pending, request)
    user = User.objects.select_for_update().get(pk=pending.user_id)
    current = snapshot(user)
    if current != pending.before:
        _refuse(actor, request, "该用户的角色、所属区划或启用状态在申请后已被修改，请系统管理员重新提交申请",
                target=f"access_request:{pending.pk}", outcome="conflict")
    _apply(user, pending.after)
    _decided(pending, actor, AccessRequest.APPROVED, request)
    audit.record(actor, "admin", request=request, target=f"user:{user.pk}",
                 detail={"op": "access_approve", "request": pending.pk, "requested_by": _requester(pending),
                         "requested_ip": pending.requested_ip, "before": current, "after": pending.after})
    on_access_changed(user, reason=access_change_reason(current, pending.after),
                      actor=actor, request=request)
    return user


@_audited
def reject_access_request(*, actor, access_request: AccessRequest, request=None) -> AccessRequest:
    """A security administrator refuses a pending request; the user's row stays as it is."""
    pending = AccessRequest.objects.select_for_update().get(pk=access_request.pk)
    _check_approver(actor, pending, request)
    _decided(pending, actor, AccessRequest.REJECTED, request)
    audit.record(actor, "admin", request=request, target=f"user:{pending.user_id}",
                 detail={"op": "access_reject", "request": pending.pk, "requested_by": _requester(pending),
                         "before": pending.before, "after": pending.after})
    return pending
