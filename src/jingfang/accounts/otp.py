"""TOTP second factor (RFC 6238 through pyotp): who needs it, enrolment, verification.

Binding an authenticator needs a one-time enrolment code an administrator issued to the user out of
band (M7): the password alone never binds one, so whoever learns a password cannot enrol first.
"""

import datetime as dt
import time

import pyotp
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from jingfang.audit import log as audit

from .models import TOTPDevice, TOTPEnrolmentCode, User

DIGITS = 6
INTERVAL = 30
# Codes of the previous and next 30-second step are accepted too (clock drift).
VALID_WINDOW = 1


def enforced() -> bool:
    return bool(getattr(settings, "JINGFANG_TOTP_ENFORCE", True))


def role_requires(role: str) -> bool:
    """Must users of this role use a second factor (now, with the current settings)?"""
    return enforced() and role in set(getattr(settings, "JINGFANG_TOTP_REQUIRED_ROLES", ()))


def confirmed_device(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def needs_code(user: User) -> bool:
    """Must this user give a code to sign in? Anyone with a confirmed device, and required roles."""
    return role_requires(user.role) or confirmed_device(user) is not None


def must_enrol(user: User) -> bool:
    return role_requires(user.role) and confirmed_device(user) is None


def _totp(secret: str) -> pyotp.TOTP:
    return pyotp.TOTP(secret, digits=DIGITS, interval=INTERVAL)


def pending_device(user: User) -> TOTPDevice | None:
    """The user's unconfirmed device, if any."""
    return TOTPDevice.objects.filter(user=user, confirmed=False).first()


def fresh_pending_device(user: User) -> TOTPDevice:
    """A new unconfirmed device with a fresh secret, replacing any unconfirmed one (whose secret may
    have been seen by someone else)."""
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user, confirmed=False).delete()
        return TOTPDevice.objects.create(user=user, secret=pyotp.random_base32())


# Enrolment codes ------------------------------------------------------------------------------
def issue_enrolment_code(user: User, *, issued_by: User | None, request=None) -> tuple[str, TOTPEnrolmentCode]:
    """A new enrolment code for ``user``, returned once (only its hash is kept); the user's earlier
    unused codes stop working. Audited; ``issued_by`` None: issued on the server's console."""
    raw = TOTPEnrolmentCode.new_raw()
    with transaction.atomic():
        TOTPEnrolmentCode.objects.filter(user=user, used_at__isnull=True).delete()
        code = TOTPEnrolmentCode.objects.create(
            user=user,
            code_hash=TOTPEnrolmentCode.hash(raw),
            issued_by=issued_by,
            expires_at=timezone.now() + dt.timedelta(hours=settings.JINGFANG_TOTP_ENROL_CODE_HOURS),
        )
        audit.record(
            issued_by,
            "admin",
            request=request,
            target=f"totp_enrol_code:{user.username}",
            detail={"expires_at": code.expires_at.isoformat(timespec="minutes")},
            username="" if issued_by is not None else "console",
        )
    return raw, code


def valid_enrolment_code(user: User, *, raw: str | None = None, pk: int | None = None) -> TOTPEnrolmentCode | None:
    """The user's unused, unexpired enrolment code matching ``raw`` (as typed) or ``pk``, or None."""
    codes = TOTPEnrolmentCode.objects.filter(user=user, used_at__isnull=True, expires_at__gt=timezone.now())
    if raw is not None:
        return codes.filter(code_hash=TOTPEnrolmentCode.hash(raw)).first() if raw.strip() else None
    return codes.filter(pk=pk).first() if pk is not None else None


def use_enrolment_code(code: TOTPEnrolmentCode) -> bool:
    """Mark the code used; False when it was used, replaced or expired meanwhile (conditional update)."""
    return bool(
        TOTPEnrolmentCode.objects.filter(pk=code.pk, used_at__isnull=True, expires_at__gt=timezone.now()).update(
            used_at=timezone.now()
        )
    )


def provisioning_uri(device: TOTPDevice) -> str:
    return _totp(device.secret).provisioning_uri(name=device.user.username, issuer_name=settings.JINGFANG_TOTP_ISSUER)


def qr_svg(uri: str) -> str:
    """The otpauth URI as an inline SVG QR code."""
    import segno

    return segno.make(uri, error="m").svg_inline(scale=4, border=2, dark="#000", light="#fff")


def _matching_step(secret: str, code: str, now: float | None = None) -> int | None:
    code = (code or "").strip().replace(" ", "")
    if len(code) != DIGITS or not code.isdigit():
        return None
    now = time.time() if now is None else now
    totp = _totp(secret)
    current = int(now // INTERVAL)
    for step in range(current - VALID_WINDOW, current + VALID_WINDOW + 1):
        if pyotp.utils.strings_equal(totp.generate_otp(step), code):
            return step
    return None


def verify(device: TOTPDevice | None, code: str, now: float | None = None) -> bool:
    """Check ``code`` against ``device``; a code (time step) once accepted is never accepted again."""
    if device is None:
        return False
    step = _matching_step(device.secret, code, now)
    if step is None:
        return False
    with transaction.atomic():
        # Conditional update: two requests racing with the same code cannot both win.
        won = TOTPDevice.objects.filter(pk=device.pk, last_step__lt=step).update(last_step=step)
    if won:
        device.last_step = step
    return bool(won)


def confirm(device: TOTPDevice, code: str) -> bool:
    if not verify(device, code):
        return False
    TOTPDevice.objects.filter(pk=device.pk).update(confirmed=True, confirmed_at=timezone.now())
    device.confirmed = True
    return True


def verify_user(user: User, code: str) -> bool:
    return verify(confirmed_device(user), code)
