"""Cases of the accounts' writes (sign-in, tokens, passwords, authenticators, access changes) and the console commands."""

import io
import tempfile
from pathlib import Path

from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from jingfang.accounts import roles

from .. import world
from .common import D, _client, fresh, new_user, u


# accounts
def c_complete_sign_in(w):
    from jingfang.accounts.models import User
    from jingfang.accounts.services import complete_sign_in

    user = u(w, roles.VILLAGE_DOCTOR)
    User.objects.filter(pk=user.pk).update(failed_logins=2)
    user = fresh(user)
    return lambda: complete_sign_in(None, user)


def c_issue_token(w):
    from jingfang.accounts.services import issue_token

    return lambda: issue_token(u(w, roles.POLICE))


def c_password_change(w):
    user = new_user(roles.VILLAGE_DOCTOR, "990102001001", "atomic_password")
    client = _client(user)
    new = "Atomic#Change-2027"
    return lambda: client.post(reverse("accounts:password_change"), {
        "old_password": world.PASSWORD, "new_password1": new, "new_password2": new})


def _code(device) -> str:
    from jingfang.accounts import otp

    return otp._totp(device.secret).now()


def _enrol_client(user) -> Client:
    """A signed-in client whose enrolment code (issued by the security administrator) was accepted."""
    from jingfang.accounts import otp, views

    client = _client(user)
    _, code = otp.issue_enrolment_code(user, issued_by=None)
    session = client.session
    session[views.ENROL_CODE] = {"uid": user.pk, "code": code.pk}
    session.save()
    return client


def c_totp_enrol(w):
    from jingfang.accounts import otp

    user = new_user(roles.VILLAGE_DOCTOR, "990102001001", "atomic_totp")
    client = _enrol_client(user)
    device = otp.fresh_pending_device(user)
    return lambda: client.post(reverse("accounts:totp_enrol"), {"code": _code(device)})


def c_totp_disable(w):
    from jingfang.accounts import otp
    from jingfang.accounts.models import TOTPDevice

    user = new_user(roles.VILLAGE_DOCTOR, "990102001001", "atomic_totp_off")
    client = _client(user)
    device = otp.fresh_pending_device(user)
    TOTPDevice.objects.filter(pk=device.pk).update(confirmed=True)
    return lambda: client.post(reverse("accounts:totp_enrol"), {"action": "disable", "code": _code(device)})


def c_enrol_code_step(w):
    from jingfang.accounts import otp

    user = new_user(roles.VILLAGE_DOCTOR, "990102001001", "atomic_enrol_code")
    client = _client(user)
    otp.fresh_pending_device(user)  # an earlier unconfirmed device: replaced by the step
    raw, _ = otp.issue_enrolment_code(user, issued_by=None)
    return lambda: client.post(reverse("accounts:totp_enrol"), {"enrol_code": raw})


def c_issue_enrolment_code(w):
    from jingfang.accounts import otp

    user = new_user(roles.VILLAGE_DOCTOR, "990102001001", "atomic_enrol_issue")
    otp.issue_enrolment_code(user, issued_by=None)  # an earlier unused code: ended by the new one
    return lambda: otp.issue_enrolment_code(user, issued_by=u(w, roles.SECURITY_ADMIN))


def c_logout(w):
    from jingfang.accounts.services import issue_token

    user = new_user(roles.VILLAGE_DOCTOR, "990102001001", "atomic_logout")
    issue_token(user)
    client = _client(user)
    return lambda: client.post(reverse("accounts:logout"))


def _with_token(username):
    from jingfang.accounts.services import issue_token

    user = new_user(roles.VILLAGE_DOCTOR, "990102001001", username)
    return user, issue_token(user)


def c_revoke_all_tokens_own(w):
    from jingfang.accounts.services import revoke_all_tokens

    user, _ = _with_token("atomic_revoke_own")
    return lambda: revoke_all_tokens(user, "logout")


def c_revoke_all_tokens_by_admin(w):
    from jingfang.accounts.services import revoke_all_tokens

    user, _ = _with_token("atomic_revoke_admin")
    return lambda: revoke_all_tokens(user, "password_change", actor=u(w, roles.SECURITY_ADMIN))


def c_revoke_token(w):
    from jingfang.accounts.models import ApiToken
    from jingfang.accounts.services import revoke_token

    user, _ = _with_token("atomic_revoke_one")
    token = ApiToken.objects.get(user=user)
    return lambda: revoke_token(token.pk)


def c_token_for_idle(w):
    from django.test import override_settings
    from django.utils import timezone

    from jingfang.accounts.models import ApiToken
    from jingfang.accounts.services import token_for

    user, raw = _with_token("atomic_idle_token")
    ApiToken.objects.filter(user=user).update(last_used_at=timezone.now() - D(hours=2))

    def run():
        with override_settings(JINGFANG_IDLE_MINUTES=30):
            return token_for(raw)

    return run


def c_request_access_deactivate(w):
    from jingfang.accounts import services_access

    user = new_user(roles.VILLAGE_DOCTOR, "990102001001", "atomic_deactivate")
    return lambda: services_access.request_access_change(
        actor=u(w, roles.ADMIN), user=user, role=user.role, region=user.region_id, active=False)


def c_request_access_role(w):
    from jingfang.accounts import services_access

    user = new_user(roles.VILLAGE_DOCTOR, "990102001001", "atomic_role")
    services_access.request_access_change(  # an earlier pending request: superseded by the new one
        actor=u(w, roles.ADMIN), user=user, role=roles.VILLAGE_CADRE, region=user.region_id, active=True)
    return lambda: services_access.request_access_change(
        actor=u(w, roles.ADMIN), user=user, role=roles.TOWNSHIP_DOCTOR, region="990102001000", active=True)


def _pending_access(w, username):
    from jingfang.accounts import services_access

    user = new_user(roles.VILLAGE_DOCTOR, "990102001001", username)
    pending = services_access.request_access_change(
        actor=u(w, roles.ADMIN), user=user, role=roles.TOWNSHIP_DOCTOR, region="990102001000", active=True)
    assert pending is not None
    return pending


def c_approve_access_request(w):
    from jingfang.accounts import services_access

    pending = _pending_access(w, "atomic_approve")
    return lambda: services_access.approve_access_request(actor=u(w, roles.SECURITY_ADMIN), access_request=pending)


def c_reject_access_request(w):
    from jingfang.accounts import services_access

    pending = _pending_access(w, "atomic_reject")
    return lambda: services_access.reject_access_request(actor=u(w, roles.SECURITY_ADMIN), access_request=pending)


def c_create_user(w):
    return lambda: call_command("create_user", "atomic_console", role=roles.VILLAGE_DOCTOR, region="990102001001",
                                password=world.PASSWORD, stdout=io.StringIO())


def c_purge_audit(w):
    return lambda: call_command("purge_audit", before="2001-01-01", stdout=io.StringIO())


def c_load_regions(w):
    path = Path(tempfile.mkdtemp()) / "regions.csv"
    path.write_text("code,name,parent_code,population\n990102001003,新村,990102001000,1200\n", encoding="utf-8")
    return lambda: call_command("load_regions", str(path), stdout=io.StringIO())
