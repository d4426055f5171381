"""TOTP enrolment needs a one-time code an administrator issued out of band (M7): the password alone
never binds an authenticator, for the first enrolment and after a reset."""

import datetime as dt
import io

import pyotp
import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone

from conftest import PASSWORD
from jingfang.accounts import otp
from jingfang.accounts.models import TOTPDevice, TOTPEnrolmentCode, User
from jingfang.accounts.views import ENROL_CODE_LAPSED, ENROL_CODE_WRONG
from jingfang.audit.models import AuditEvent

pytestmark = pytest.mark.django_db

URL = "/accounts/totp/"


@pytest.fixture(autouse=True)
def _enforce(settings):
    settings.JINGFANG_TOTP_ENFORCE = True
    settings.JINGFANG_TOTP_REQUIRED_ROLES = ["county_supervisor", "admin", "township_office"]
    settings.JINGFANG_TOTP_ENROL_CODE_HOURS = 72


def signed_in(user):
    client = Client()
    client.force_login(user)
    return client


def bind(client, user):
    """Finish the second step with the secret shown; returns the response of the confirmation."""
    page = client.get(URL)
    assert page.context["step"] == "bind"
    secret = page.context["secret"]
    assert TOTPDevice.objects.get(user=user, confirmed=False).secret == secret
    return client.post(URL, {"code": pyotp.TOTP(secret).now()})


def test_without_a_code_no_secret_is_shown_or_created(users):
    client = signed_in(users["office"])
    page = client.get(URL)
    text = page.content.decode()
    assert page.status_code == 200 and page.context["step"] == "code"
    assert "绑定码" in text and "otpauth://" not in text and "<svg" not in text
    assert not TOTPDevice.objects.exists()
    # Posting a TOTP code instead of the enrolment code binds nothing.
    assert client.post(URL, {"code": "123456"}).status_code == 400
    assert not TOTPDevice.objects.exists()


def test_the_code_is_stored_hashed_single_use_and_audited(users):
    office, admin_user = users["office"], users["admin"]
    raw, code = otp.issue_enrolment_code(office, issued_by=admin_user)
    assert len(raw) == 14 and raw.count("-") == 2
    row = TOTPEnrolmentCode.objects.get(pk=code.pk)
    assert raw not in row.code_hash and row.code_hash == TOTPEnrolmentCode.hash(raw)
    event = AuditEvent.objects.get(target=f"totp_enrol_code:{office.username}")
    assert event.user_id == admin_user.pk and raw not in str(event.detail)

    client = signed_in(office)
    assert client.post(URL, {"enrol_code": raw}).status_code == 302
    assert bind(client, office).status_code == 302
    assert TOTPDevice.objects.get(user=office).confirmed
    row.refresh_from_db()
    assert row.used_at is not None
    assert AuditEvent.objects.filter(target=f"totp_enrol:{office.username}").exists()
    # Used: after a reset the same code no longer opens enrolment.
    TOTPDevice.objects.filter(user=office).delete()
    again = signed_in(office)
    r = again.post(URL, {"enrol_code": raw})
    assert r.status_code == 400 and ENROL_CODE_WRONG in r.content.decode()


def test_another_users_code_is_refused(users):
    raw, _ = otp.issue_enrolment_code(users["county"], issued_by=users["admin"])
    client = signed_in(users["office"])
    assert client.post(URL, {"enrol_code": raw}).status_code == 400
    assert not TOTPDevice.objects.exists()


def test_an_expired_code_is_refused(users):
    raw, code = otp.issue_enrolment_code(users["office"], issued_by=users["admin"])
    TOTPEnrolmentCode.objects.filter(pk=code.pk).update(expires_at=timezone.now() - dt.timedelta(minutes=1))
    r = signed_in(users["office"]).post(URL, {"enrol_code": raw})
    assert r.status_code == 400 and ENROL_CODE_WRONG in r.content.decode()


def test_a_code_expiring_between_the_steps_binds_nothing(users):
    office = users["office"]
    raw, code = otp.issue_enrolment_code(office, issued_by=users["admin"])
    client = signed_in(office)
    client.post(URL, {"enrol_code": raw})
    secret = client.get(URL).context["secret"]
    TOTPEnrolmentCode.objects.filter(pk=code.pk).update(expires_at=timezone.now() - dt.timedelta(minutes=1))
    r = client.post(URL, {"code": pyotp.TOTP(secret).now()})
    assert r.status_code == 400 and r.context["step"] == "code"  # back to asking for a code
    assert ENROL_CODE_LAPSED in r.content.decode()
    assert not TOTPDevice.objects.filter(user=office, confirmed=True).exists()
    assert not AuditEvent.objects.filter(action="login_failed").exists()  # not a wrong code


def test_reissuing_ends_the_earlier_code(users):
    office = users["office"]
    old, _ = otp.issue_enrolment_code(office, issued_by=users["admin"])
    new, _ = otp.issue_enrolment_code(office, issued_by=users["admin"])
    client = signed_in(office)
    assert client.post(URL, {"enrol_code": old}).status_code == 400
    assert client.post(URL, {"enrol_code": new}).status_code == 302


def test_reissuing_between_the_steps_binds_nothing(users):
    office = users["office"]
    raw, _ = otp.issue_enrolment_code(office, issued_by=users["admin"])
    client = signed_in(office)
    client.post(URL, {"enrol_code": raw})
    secret = client.get(URL).context["secret"]
    otp.issue_enrolment_code(office, issued_by=users["admin"])
    r = client.post(URL, {"code": pyotp.TOTP(secret).now()})
    assert r.status_code == 400 and r.context["step"] == "code"
    assert not TOTPDevice.objects.filter(user=office, confirmed=True).exists()


def test_the_secret_is_fresh_once_the_code_is_accepted(users):
    """A secret shown before (e.g. an unconfirmed device from before this rule) is never the one bound."""
    office = users["office"]
    stale = TOTPDevice.objects.create(user=office, secret=pyotp.random_base32())
    raw, _ = otp.issue_enrolment_code(office, issued_by=users["admin"])
    client = signed_in(office)
    client.post(URL, {"enrol_code": raw})
    assert client.get(URL).context["secret"] != stale.secret
    assert not TOTPDevice.objects.filter(pk=stale.pk).exists()


def test_wrong_codes_count_toward_the_lockout(users, settings):
    settings.JINGFANG_LOCKOUT_FAILURES = 3
    office = users["office"]
    otp.issue_enrolment_code(office, issued_by=users["admin"])
    client = signed_in(office)
    for _ in range(2):
        assert client.post(URL, {"enrol_code": "AAAA-BBBB-CCCC"}).status_code == 400
    r = client.post(URL, {"enrol_code": "AAAA-BBBB-CCCC"})
    assert r.status_code == 302 and r["Location"] == "/accounts/login/"
    assert User.objects.get(pk=office.pk).is_locked()
    assert AuditEvent.objects.filter(action="login_failed", detail__step="totp_enrol_code").count() == 3


def test_the_login_flow_with_an_enrolment_code(users):
    county = users["county"]
    client = Client()
    r = client.post("/accounts/login/", {"username": county.username, "password": PASSWORD})
    assert r["Location"] == URL
    raw, _ = otp.issue_enrolment_code(county, issued_by=users["admin"])
    assert client.get("/patients/").status_code == 302  # still enrol-first
    assert client.post(URL + "?next=/patients/", {"enrol_code": raw}).status_code == 302
    page = client.get(URL + "?next=/patients/")
    secret = page.context["secret"]
    r = client.post(URL + "?next=/patients/", {"code": pyotp.TOTP(secret).now(), "next": "/patients/"})
    assert r.status_code == 302 and r["Location"] == "/patients/"
    assert client.get("/patients/").status_code == 200


# Issuing: the Django admin and the console -----------------------------------------------------
def _admin_client(users, who="admin"):
    User.objects.filter(pk=users[who].pk).update(is_staff=True)
    return signed_in(User.objects.get(pk=users[who].pk))


def test_admin_action_shows_each_code_once(users):
    client = _admin_client(users, "secadmin")
    office, county = users["office"], users["county"]
    r = client.post(
        "/admin/accounts/user/",
        {"action": "issue_totp_enrolment_codes", "_selected_action": [office.pk, county.pk, users["secadmin"].pk]},
    )
    assert r.status_code == 200 and "no-store" in r["Cache-Control"]
    text = r.content.decode()
    issued = {user.username: raw for user, raw, _ in r.context["issued"]}
    assert set(issued) == {office.username, county.username}
    for raw in issued.values():
        assert raw in text
    assert "不能为自己签发" in text  # the administrator's own account
    office_client = signed_in(office)
    assert office_client.post(URL, {"enrol_code": issued[office.username]}).status_code == 302
    events = AuditEvent.objects.filter(action="admin", target__startswith="totp_enrol_code:",
                                       user_id=users["secadmin"].pk)
    assert events.count() == 2


def test_the_system_administrator_issues_no_enrolment_code(users):
    r = _admin_client(users).post("/admin/accounts/user/", {"action": "issue_totp_enrolment_codes",
                                                            "_selected_action": [users["office"].pk]})
    assert r.status_code == 302 and not TOTPEnrolmentCode.objects.exists()


def test_admin_action_skips_users_with_an_authenticator(users):
    client = _admin_client(users, "secadmin")
    office = users["office"]
    TOTPDevice.objects.create(user=office, secret=pyotp.random_base32(), confirmed=True)
    r = client.post("/admin/accounts/user/", {"action": "issue_totp_enrolment_codes", "_selected_action": [office.pk]})
    assert r.status_code == 302
    assert not TOTPEnrolmentCode.objects.exists()


def test_reset_then_reenrol_needs_a_new_code(users):
    office = users["office"]
    device = TOTPDevice.objects.create(user=office, secret=pyotp.random_base32(), confirmed=True)
    client = _admin_client(users, "secadmin")
    r = client.post(f"/admin/accounts/totpdevice/{device.pk}/delete/", {"post": "yes"})
    assert r.status_code == 302 and not TOTPDevice.objects.exists()
    office_client = signed_in(office)
    assert office_client.get(URL).context["step"] == "code"
    r = client.post("/admin/accounts/user/", {"action": "issue_totp_enrolment_codes", "_selected_action": [office.pk]})
    raw = r.context["issued"][0][1]
    assert office_client.post(URL, {"enrol_code": raw}).status_code == 302
    assert bind(office_client, office).status_code == 302


def test_console_command_prints_the_code_once(users):
    out = io.StringIO()
    call_command("issue_totp_code", users["admin"].username, stdout=out)
    raw = next(line for line in out.getvalue().splitlines() if line.count("-") == 2 and len(line.strip()) == 14)
    code = TOTPEnrolmentCode.objects.get(user=users["admin"])
    assert code.code_hash == TOTPEnrolmentCode.hash(raw.strip()) and code.issued_by is None
    assert AuditEvent.objects.filter(target=f"totp_enrol_code:{users['admin'].username}", username="console").exists()
    with pytest.raises(CommandError, match="不存在"):
        call_command("issue_totp_code", "nobody", stdout=io.StringIO())


def test_console_command_refuses_a_user_with_an_authenticator(users):
    TOTPDevice.objects.create(user=users["office"], secret=pyotp.random_base32(), confirmed=True)
    with pytest.raises(CommandError, match="已绑定"):
        call_command("issue_totp_code", users["office"].username, stdout=io.StringIO())


def test_codes_are_hard_to_guess():
    codes = {TOTPEnrolmentCode.new_raw() for _ in range(200)}
    assert len(codes) == 200
    assert all(set(c.replace("-", "")) <= set("ABCDEFGHJKMNPQRSTUVWXYZ23456789") for c in codes)
