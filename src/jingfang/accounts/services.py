"""Signing in (pages and API alike): lockout after repeated failures, identical answers, audit."""

import datetime as dt

from django.conf import settings
from django.contrib.auth import authenticate
from django.db.models import F
from django.utils import timezone

from jingfang.audit import log as audit

from .models import ApiToken, User, hash_token

# One message whatever went wrong, so that nobody learns whether a username exists.
LOGIN_FAILED = "用户名或密码错误，或账号已被暂时锁定"


def sign_in(request, username: str, password: str) -> User | None:
    """Check credentials with lockout; returns the user or None. Audits success and failure."""
    username = (username or "").strip()[:150]
    now = timezone.now()
    user = User.objects.filter(username=username).first()
    # The password is always hashed, so a locked account answers as slowly as any other.
    authed = authenticate(request, username=username, password=password or "")
    if user is not None and user.is_locked(now):
        audit.record(None, "login_failed", request=request, outcome="locked", username=username)
        return None
    if authed is None:
        if user is not None:
            User.objects.filter(pk=user.pk).update(failed_logins=F("failed_logins") + 1)
            user.refresh_from_db(fields=["failed_logins"])
            if user.failed_logins >= settings.JINGFANG_LOCKOUT_FAILURES:
                User.objects.filter(pk=user.pk).update(
                    locked_until=now + dt.timedelta(minutes=settings.JINGFANG_LOCKOUT_MINUTES), failed_logins=0
                )
        audit.record(None, "login_failed", request=request, outcome="denied", username=username)
        return None
    if authed.failed_logins or authed.locked_until:
        User.objects.filter(pk=authed.pk).update(failed_logins=0, locked_until=None)
    audit.record(authed, "login", request=request)
    return authed


def issue_token(user: User, request=None) -> str:
    raw = ApiToken.new_raw()
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
