"""Signing in (pages and API alike): lockout after repeated failures, identical answers, audit."""

import datetime as dt

from django.conf import settings
from django.contrib.auth import SESSION_KEY, authenticate
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from jingfang.audit import log as audit

from . import otp
from .models import ApiToken, SignInFailure, User, hash_token

# One message whatever went wrong, so that nobody learns whether a username exists.
LOGIN_FAILED = "用户名或密码错误，或账号已被暂时锁定"
PASSWORD_EXPIRED = "密码已过期，请先在网页上修改密码（修改前只能撤销令牌）"
# The only API calls a user whose password has expired may make (method, path): ending their token.
EXPIRED_PASSWORD_ALLOWS = frozenset({("DELETE", "/api/v1/auth/token")})


def refused_for_expired_password(request, user) -> bool:
    """Must this API call be refused because the user's password has expired (L4)?"""
    return user.password_expired() and (request.method, request.path) not in EXPIRED_PASSWORD_ALLOWS


class SignInThrottled(Exception):
    """Too many failed sign-ins from the client's address lately: not even checked (L8)."""

    def __init__(self) -> None:
        minutes = settings.JINGFANG_SIGNIN_ADDRESS_MINUTES
        super().__init__(f"此网络地址登录失败次数过多，已暂停登录，请{minutes}分钟后再试")


def _address_window() -> dt.timedelta:
    return dt.timedelta(minutes=settings.JINGFANG_SIGNIN_ADDRESS_MINUTES)


def address_throttled(request) -> bool:
    """Have JINGFANG_SIGNIN_ADDRESS_FAILURES sign-ins failed from this address within the window?"""
    limit = settings.JINGFANG_SIGNIN_ADDRESS_FAILURES
    ip = audit.client_ip(request)
    if not limit or ip is None:
        return False
    since = timezone.now() - _address_window()
    return SignInFailure.objects.filter(ip=ip, at__gte=since).count() >= limit


def _count_address_failure(request) -> None:
    ip = audit.client_ip(request)
    if not settings.JINGFANG_SIGNIN_ADDRESS_FAILURES or ip is None:
        return
    now = timezone.now()
    SignInFailure.objects.create(ip=ip, at=now)
    SignInFailure.objects.filter(at__lt=now - _address_window()).delete()  # only the window is kept


def refuse_throttled(request, username: str) -> None:
    """Raise SignInThrottled (audited) when the client's address is throttled."""
    if address_throttled(request):
        audit.record(
            None, "login_failed", request=request, outcome="denied", username=username,
            detail={"throttled": "address"},
        )
        raise SignInThrottled()


def check_password(request, username: str, password: str) -> User | None:
    """First factor with lockout: the user when the password is right and the account not locked.

    A failure is counted and audited, against the account and the client's address. Success does not
    reset the failure count: that happens only once every factor has passed (``complete_sign_in``), so
    second-factor guesses stay counted. Raises SignInThrottled, before looking at anything, when the
    address has failed too often lately: the attempt counts toward no account's lockout, so one
    address cannot lock out every user.
    """
    username = (username or "").strip()[:150]
    refuse_throttled(request, username)
    now = timezone.now()
    user = User.objects.filter(username=username).first()
    # The password is always hashed, so a locked account answers as slowly as any other.
    authed = authenticate(request, username=username, password=password or "")
    if user is not None and user.is_locked(now):
        _count_address_failure(request)
        audit.record(None, "login_failed", request=request, outcome="locked", username=username)
        return None
    if authed is None:
        record_failure(request, user, username)
        return None
    return authed


def record_failure(request, user: User | None, username: str, detail: dict | None = None) -> None:
    """Count a failed attempt (password or second factor) toward the lockout and the address
    throttle, and audit it."""
    _count_address_failure(request)
    if user is not None:
        now = timezone.now()
        User.objects.filter(pk=user.pk).update(failed_logins=F("failed_logins") + 1)
        user.refresh_from_db(fields=["failed_logins"])
        if user.failed_logins >= settings.JINGFANG_LOCKOUT_FAILURES:
            User.objects.filter(pk=user.pk).update(
                locked_until=now + dt.timedelta(minutes=settings.JINGFANG_LOCKOUT_MINUTES), failed_logins=0
            )
            user.refresh_from_db(fields=["failed_logins", "locked_until"])
    audit.record(None, "login_failed", request=request, outcome="denied", username=username, detail=detail)


def check_second_factor(request, user: User, code: str) -> bool:
    """Second factor with lockout: a wrong code, or a locked account, is a failure like a wrong password.

    Raises SignInThrottled when the client's address is throttled."""
    refuse_throttled(request, user.username)
    user.refresh_from_db(fields=["failed_logins", "locked_until", "is_active"])
    if not user.is_active:
        return False
    if user.is_locked():
        _count_address_failure(request)
        audit.record(None, "login_failed", request=request, outcome="locked", username=user.username)
        return False
    if otp.verify_user(user, code):
        return True
    record_failure(request, user, user.username, detail={"factor": "totp"})
    return False


def complete_sign_in(request, user: User, factors: tuple[str, ...] = ("password",)) -> User:
    """Every required factor passed: reset the failure count and audit the login (one transaction)."""
    with transaction.atomic():
        if user.failed_logins or user.locked_until:
            User.objects.filter(pk=user.pk).update(failed_logins=0, locked_until=None)
        audit.record(user, "login", request=request, detail={"factors": list(factors)})
    user.failed_logins, user.locked_until = 0, None
    return user


def sign_in(request, username: str, password: str, code: str | None = None) -> User | None:
    """Check credentials with lockout in one go (the API); returns the user or None. Audits.

    Users who need a second factor (otp.needs_code) must give a valid TOTP ``code``; when it is
    missing or wrong the answer is the same None as for a wrong password, and it counts as a failure.
    Raises SignInThrottled when the client's address is throttled.
    """
    user = check_password(request, username, password)
    if user is None:
        return None
    if otp.needs_code(user):
        if not check_second_factor(request, user, code or ""):
            return None
        return complete_sign_in(request, user, ("password", "totp"))
    return complete_sign_in(request, user)


def issue_token(user: User, request=None) -> str:
    """A new bearer token for ``user``, returned once; only its SHA-256 is stored."""
    raw = ApiToken.new_raw()
    with transaction.atomic():  # the token and its audit row together or not at all
        ApiToken.objects.create(
            user=user,
            key_hash=hash_token(raw),
            expires_at=timezone.now() + dt.timedelta(hours=settings.JINGFANG_TOKEN_HOURS),
        )
        audit.record(user, "token", request=request)
    return raw


# A token's last use is written at most this often (the idle clock's resolution; a quarter of the
# idle time when that is shorter).
TOKEN_TOUCH_SECONDS = 60


def token_for(raw: str, request=None) -> ApiToken | None:
    """The live token for ``raw`` (its user loaded), or None: unknown, expired, idle or user inactive.

    A token unused for ``JINGFANG_IDLE_MINUTES`` is ended (deleted, audited) like an idle session.
    """
    if not raw:
        return None
    token = ApiToken.objects.select_related("user", "user__region").filter(key_hash=hash_token(raw)).first()
    if token is None:
        return None
    now = timezone.now()
    if token.expires_at <= now or not token.user.is_active:
        return None
    idle = settings.JINGFANG_IDLE_MINUTES
    last = token.last_used_at or token.created_at
    if idle and now - last > dt.timedelta(minutes=idle):
        with transaction.atomic():  # the token's end and its audit row together or not at all
            ApiToken.objects.filter(pk=token.pk).delete()
            audit.record(token.user, "logout", request=request, detail={"reason": "idle", "tokens": 1})
        return None
    touch = min(TOKEN_TOUCH_SECONDS, idle * 15) if idle else TOKEN_TOUCH_SECONDS  # well inside the idle time
    if token.last_used_at is None or now - token.last_used_at > dt.timedelta(seconds=touch):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token


def user_for_token(raw: str, request=None) -> User | None:
    token = token_for(raw, request)
    return None if token is None else token.user


def revoke_token(token_id: int, *, request=None) -> bool:
    """End one token (DELETE /api/v1/auth/token: the caller's own). Audited as a logout."""
    token = ApiToken.objects.select_related("user").filter(pk=token_id).first()
    if token is None:
        return False
    with transaction.atomic():
        ApiToken.objects.filter(pk=token.pk).delete()
        audit.record(token.user, "logout", request=request, detail={"reason": "token_revoked", "tokens": 1})
    return True


def revoke_all_tokens(user: User, reason: str, *, actor=None, request=None) -> int:
    """End every API token of ``user``; returns how many. Audited when there were any.

    Called explicitly wherever a user signs out or changes in a way that must end their access:
    ``logout``, ``password_change`` (own or by an administrator), ``role_change``, ``region_change``,
    ``deactivated``. A service that changes a user's role, region or is_active must call it.
    """
    with transaction.atomic():  # the tokens' end and its audit row together or not at all
        count, _ = ApiToken.objects.filter(user=user).delete()
        if count:
            detail = {"reason": reason, "tokens": count}
            if actor is not None and getattr(actor, "pk", None) != user.pk:
                audit.record(actor, "admin", request=request, target=f"revoke_tokens:{user.username}",
                             detail=detail)
            else:
                audit.record(user, "logout", request=request, detail=detail)
    return count


def access_change_reason(before: dict, after: dict) -> str:
    """Why an access change ends the user's tokens, from services_access's snapshots ({"role", "region",
    "active"}): role_change, region_change, deactivated, joined by "+" ("access_change" if none)."""
    reasons = [r for key, r in (("role", "role_change"), ("region", "region_change")) if before[key] != after[key]]
    if before["active"] and not after["active"]:
        reasons.append("deactivated")
    return "+".join(reasons) or "access_change"


def on_access_changed(user: User, *, reason: str = "access_change", actor=None, request=None) -> int:
    """The user's role, region or active flag has changed: end every web session and API token they
    hold, so that nothing opened under the old access outlives it. Returns how many were ended.

    The one hook for every applied access change (accounts.services_access); sessions are the
    database-backed ones of ``SESSION_ENGINE``.
    """
    from importlib import import_module

    store = import_module(settings.SESSION_ENGINE).SessionStore
    ended = 0
    if hasattr(store, "get_model_class"):
        sessions = store.get_model_class().objects.filter(expire_date__gt=timezone.now())
        doomed = [s.pk for s in sessions.iterator() if str(s.get_decoded().get(SESSION_KEY)) == str(user.pk)]
        ended += store.get_model_class().objects.filter(pk__in=doomed).delete()[0]
    ended += revoke_all_tokens(user, reason, actor=actor, request=request)
    return ended
