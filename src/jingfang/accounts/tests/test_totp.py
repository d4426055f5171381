"""TOTP second factor: enrolment, the two-step login, lockout, the API and the roles that require it."""

import json
import time

import pyotp
import pytest

from conftest import PASSWORD
from jingfang.accounts import otp
from jingfang.accounts.models import ApiToken, TOTPDevice, User
from jingfang.accounts.services import LOGIN_FAILED
from jingfang.accounts.views import MUST_ENROL
from jingfang.audit.models import AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _enforce(settings):
    settings.JINGFANG_TOTP_ENFORCE = True
    settings.JINGFANG_TOTP_REQUIRED_ROLES = ["county_supervisor", "admin", "township_office"]


def code_for(secret, step_offset=0):
    """A valid code; each offset is a different time step, since a step is only accepted once."""
    return pyotp.TOTP(secret).at(time.time() + 30 * step_offset)


def enrolled(user):
    device = TOTPDevice.objects.create(user=user, secret=pyotp.random_base32(), confirmed=True)
    return device


def login(client, user, password=PASSWORD):
    return client.post("/accounts/login/", {"username": user.username, "password": password})


def test_county_supervisor_must_enrol_before_anything_else(client, users):
    county = users["county"]
    r = login(client, county)
    assert r.status_code == 302 and r["Location"] == "/accounts/totp/"
    assert client.session[MUST_ENROL] is True
    blocked = client.get("/patients/")
    assert blocked.status_code == 302 and blocked["Location"].startswith("/accounts/totp/?next=")
    assert client.get("/api/v1/me").status_code == 403

    # The password alone shows no secret: first the administrator's enrolment code.
    page = client.get("/accounts/totp/")
    assert page.status_code == 200 and page.context["step"] == "code"
    assert "otpauth://" not in page.content.decode() and not TOTPDevice.objects.filter(user=county).exists()
    raw, _ = otp.issue_enrolment_code(county, issued_by=users["admin"])
    r = client.post("/accounts/totp/", {"enrol_code": raw.lower().replace("-", " ")})
    assert r.status_code == 302 and r["Location"] == "/accounts/totp/"

    page = client.get("/accounts/totp/")
    assert page.status_code == 200
    text = page.content.decode()
    device = TOTPDevice.objects.get(user=county)
    assert not device.confirmed
    assert device.secret in text and "<svg" in text and "otpauth://totp/" in text
    assert client.get("/accounts/totp/").context["secret"] == device.secret  # stable across reloads

    wrong = client.post("/accounts/totp/", {"code": "000000" if code_for(device.secret) != "000000" else "111111"})
    assert wrong.status_code == 400
    ok = client.post("/accounts/totp/?next=/patients/", {"code": code_for(device.secret), "next": "/patients/"})
    assert ok.status_code == 302 and ok["Location"] == "/patients/"
    device.refresh_from_db()
    assert device.confirmed and device.confirmed_at
    assert client.get("/patients/").status_code == 200
    assert AuditEvent.objects.filter(target=f"totp_enrol:{county.username}").exists()

    # Next time: password, then the code.
    client.post("/accounts/logout/")
    r = login(client, county)
    assert r.status_code == 302 and r["Location"] == "/accounts/login/otp/"
    assert client.get("/patients/").status_code == 302  # not signed in between the steps
    assert "_auth_user_id" not in client.session
    pending_key = client.session.session_key
    r = client.post("/accounts/login/otp/", {"code": code_for(device.secret, 1)})
    assert r.status_code == 302 and r["Location"] == "/"
    assert client.session.session_key != pending_key
    assert client.get("/patients/").status_code == 200
    assert AuditEvent.objects.filter(action="login", username=county.username).first().detail == {
        "factors": ["password", "totp"]
    }


def test_a_code_is_accepted_only_once(users):
    device = enrolled(users["vdoc"])
    code = code_for(device.secret)
    assert otp.verify(device, code)
    assert not otp.verify(device, code)
    assert otp.verify(device, code_for(device.secret, 1))


def test_force_login_is_not_sent_to_enrolment(client, users):
    # Only the login view sets the enrol-first flag; tests and tools that use force_login are unaffected.
    client.force_login(users["county"])
    assert client.get("/patients/").status_code == 200


def test_second_factor_is_optional_for_a_village_doctor(client, users):
    vdoc = users["vdoc"]
    r = login(client, vdoc)
    assert r.status_code == 302 and r["Location"] == "/"
    assert client.get("/patients/").status_code == 200
    page = client.get("/accounts/totp/")
    assert page.status_code == 200 and "可选" in page.content.decode()
    raw, _ = otp.issue_enrolment_code(vdoc, issued_by=users["admin"])
    assert client.post("/accounts/totp/", {"enrol_code": raw}).status_code == 302
    client.get("/accounts/totp/")
    device = TOTPDevice.objects.get(user=vdoc)
    assert client.post("/accounts/totp/", {"code": code_for(device.secret)}).status_code == 302

    client.post("/accounts/logout/")
    assert login(client, vdoc)["Location"] == "/accounts/login/otp/"  # once enrolled, always asked
    assert client.post("/accounts/login/otp/", {"code": code_for(device.secret, 1)}).status_code == 302

    # And may switch it off again with a code (a later one: as if a minute had passed).
    TOTPDevice.objects.filter(pk=device.pk).update(last_step=0)
    r = client.post("/accounts/totp/", {"action": "disable", "code": code_for(device.secret)})
    assert r.status_code == 302 and not TOTPDevice.objects.filter(user=vdoc).exists()
    client.post("/accounts/logout/")
    assert login(client, vdoc)["Location"] == "/"


def test_required_role_cannot_switch_it_off(client, users):
    device = enrolled(users["county"])
    client.force_login(users["county"])
    r = client.post("/accounts/totp/", {"action": "disable", "code": code_for(device.secret)})
    assert r.status_code == 200 and TOTPDevice.objects.filter(pk=device.pk).exists()


def test_wrong_codes_count_toward_the_lockout(client, users, settings):
    settings.JINGFANG_LOCKOUT_FAILURES = 3
    county = users["county"]
    device = enrolled(county)
    good = code_for(device.secret)
    bad = "000000" if good != "000000" else "111111"

    login(client, county)
    assert client.post("/accounts/login/otp/", {"code": bad}).status_code == 401
    assert client.post("/accounts/login/otp/", {"code": bad}).status_code == 401
    # A right password again does not wipe the count: only a complete sign-in does.
    login(client, county)
    r = client.post("/accounts/login/otp/", {"code": bad})
    assert r.status_code == 401 and LOGIN_FAILED in r.content.decode()
    county.refresh_from_db()
    assert county.is_locked()
    # Locked: neither the password step nor a right code gets through.
    r = login(client, county)
    assert r.status_code == 401 and LOGIN_FAILED in r.content.decode()
    assert client.get("/accounts/login/otp/").status_code == 302
    assert AuditEvent.objects.filter(action="login_failed", username=county.username, detail={"factor": "totp"}).count() == 3


def test_enforcement_off_lets_required_roles_in_with_a_password(client, users, settings):
    settings.JINGFANG_TOTP_ENFORCE = False
    r = login(client, users["county"])
    assert r.status_code == 302 and r["Location"] == "/"
    assert client.get("/patients/").status_code == 200
    assert not otp.needs_code(users["county"])


def test_pending_second_step_expires(client, users):
    device = enrolled(users["county"])
    login(client, users["county"])
    session = client.session
    session["jf_otp_pending"]["at"] -= 600
    session.save()
    r = client.post("/accounts/login/otp/", {"code": code_for(device.secret)})
    assert r.status_code == 302 and r["Location"] == "/accounts/login/"


TOKEN_URL = "/api/v1/auth/token"


def post_token(client, username, password=PASSWORD, code=None):
    body = {"username": username, "password": password}
    if code is not None:
        body["otp"] = code
    return client.post(TOKEN_URL, data=json.dumps(body), content_type="application/json")


def test_api_token_needs_otp_for_required_roles(client, users):
    county = users["county"]
    unknown = post_token(client, "nobody_here", "wrong-pass")
    assert unknown.status_code == 401

    # Required role without a device: never a token.
    no_device = post_token(client, county.username, code="123456")
    assert no_device.status_code == 401 and no_device.content == unknown.content

    device = enrolled(county)
    missing = post_token(client, county.username)
    wrong = post_token(client, county.username, code="000000" if code_for(device.secret) != "000000" else "111111")
    assert missing.status_code == wrong.status_code == 401
    assert missing.content == wrong.content == unknown.content
    assert missing.json() == {"detail": LOGIN_FAILED}
    assert not ApiToken.objects.filter(user=county).exists()

    ok = post_token(client, county.username, code=code_for(device.secret))
    assert ok.status_code == 200 and ApiToken.objects.filter(user=county).count() == 1
    assert User.objects.get(pk=county.pk).failed_logins == 0


def test_api_token_otp_optional_for_a_village_doctor(client, users):
    assert post_token(client, users["vdoc"].username).status_code == 200
    device = enrolled(users["vdoc"])
    assert post_token(client, users["vdoc"].username).status_code == 401
    assert post_token(client, users["vdoc"].username, code=code_for(device.secret)).status_code == 200


def test_admin_login_form_is_not_a_way_around_the_second_factor(client, users):
    r = client.get("/admin/login/?next=/admin/")
    assert r.status_code == 302 and r["Location"].startswith("/accounts/login/?next=/admin/")
    r = client.post("/admin/login/", {"username": users["admin"].username, "password": PASSWORD})
    assert r.status_code == 302 and "_auth_user_id" not in client.session
