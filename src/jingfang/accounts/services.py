"""Signing in (pages and API alike): lockout after repeated failures, identical answers, audit."""

import datetime as dt

from django.conf import settings
from django.contrib.auth import authenticate
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from jingfang.audit import log as audit

from . import otp
from .models import ApiToken, User, hash_token

# One message whatever went wrong, so that nobody learns whether a username exists.
LOGIN_FAILED = "用户名或密码错误，或账号已被暂时锁定"


def check_password(request, username: str, password: str) -> User | None:
    """First factor with lockout: the user when the password is right and the account not locked.

    A failure is counted and audited. Success does not reset the failure count: that happens only
    once every factor has passed (``complete_sign_in``), so second-factor guesses stay counted.
    """
    username = (username or "").strip()[:150]
    now = timezone.now()
    user = User.objects.filter(username=username).first()
    # The password is always hashed, so a locked account answers as slowly as any other.
    authed = authenticate(request, username=username, password=password or "")
    if user is not None and user.is_locked(now):
        audit.record(None, "login_failed", request=request, outcome="locked", username=username)
        return None
    if authed is None:
        record_failure(request, user, username)
        return None
    return authed


def record_failure(request, user: User | None, username: str, detail: dict | None = None) -> None:
    """Count a failed attempt (password or second factor) toward the lockout, and audit it."""
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
    """Second factor with lockout: a wrong code, or a locked account, is a failure like a wrong password."""
    user.refresh_from_db(fields=["failed_logins", "locked_until", "is_active"])
    if not user.is_active:
        return False
    if user.is_locked():
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
    raw = ApiToken.new_raw()
    with transaction.atomic():  # the token and its audit row together or not at all
        ApiToken.objects.create(
            user=user,
            key_hash=hash_token(raw),
            expires_at=timezone.now() + dt.timedelta(hours=settings.JINGFANG_TOKEN_HOURS),
        )
        audit.record(user, "token", request=request)
    return raw


def user_for_token(raw: str) -> User | None:
    if not raw:
        return None
    token = ApiToken.objects.select_related("user", "user__region").filter(key_hash=hash_token(raw)).first()
    now = timezone.now()
    if token is None or token.expires_at <= now or not token.user.is_active:
        return None
    if token.last_used_at is None or now - token.last_used_at > dt.timedelta(minutes=5):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user
