"""Per-address sign-in throttle beside the per-account lockout (L8): password spraying from one address
is slowed, and one address cannot lock every account."""

import datetime as dt
import json

import pyotp
import pytest
from django.test import Client
from django.utils import timezone

from conftest import PASSWORD
from jingfang.accounts.models import SignInFailure, TOTPDevice, User
from jingfang.accounts.services import LOGIN_FAILED
from jingfang.audit.models import AuditEvent

pytestmark = pytest.mark.django_db

LIMIT = 4


@pytest.fixture(autouse=True)
def _limit(settings):
    settings.JINGFANG_SIGNIN_ADDRESS_FAILURES = LIMIT
    settings.JINGFANG_SIGNIN_ADDRESS_MINUTES = 15
    settings.JINGFANG_LOCKOUT_FAILURES = 5


def from_address(ip, **extra):
    return Client(REMOTE_ADDR=ip, **extra)


def login(client, username, password):
    return client.post("/accounts/login/", {"username": username, "password": password})


def spray(client, users, n=LIMIT):
    names = [u.username for u in users.values()]
    for i in range(n):
        assert login(client, names[i % len(names)], "wrong-password").status_code == 401


def test_spraying_from_one_address_is_paused_without_locking_accounts(users):
    attacker = from_address("203.0.113.7")
    spray(attacker, users)
    # Even the right password is not looked at from that address now, and no account gets locked.
    victim = users["doctor"]
    counted = User.objects.get(pk=victim.pk).failed_logins  # 1: the spray tried it once
    for _ in range(10):
        r = login(attacker, victim.username, "wrong-password")
        assert r.status_code == 429 and "登录失败次数过多" in r.content.decode()
    r = login(attacker, victim.username, PASSWORD)
    assert r.status_code == 429 and "_auth_user_id" not in attacker.session
    assert not User.objects.filter(locked_until__isnull=False).exists()
    assert User.objects.get(pk=victim.pk).failed_logins == counted
    assert AuditEvent.objects.filter(action="login_failed", detail__throttled="address", ip="203.0.113.7").count() == 11
    # Everyone else signs in as usual, the victim included.
    other = from_address("198.51.100.2")
    assert login(other, victim.username, PASSWORD).status_code == 302


def test_the_pause_ends_with_the_window(users):
    client = from_address("203.0.113.8")
    spray(client, users)
    assert login(client, users["doctor"].username, PASSWORD).status_code == 429
    SignInFailure.objects.update(at=timezone.now() - dt.timedelta(minutes=16))
    assert login(client, users["doctor"].username, PASSWORD).status_code == 302


def test_old_failures_are_not_kept(users):
    SignInFailure.objects.create(ip="192.0.2.1", at=timezone.now() - dt.timedelta(hours=1))
    login(from_address("203.0.113.9"), "nobody", "x")
    assert list(SignInFailure.objects.values_list("ip", flat=True)) == ["203.0.113.9"]


def test_the_api_answers_429(users):
    client = from_address("203.0.113.10")
    spray(client, users)
    body = {"username": users["doctor"].username, "password": PASSWORD}
    r = client.post("/api/v1/auth/token", data=json.dumps(body), content_type="application/json")
    assert r.status_code == 429 and "登录失败次数过多" in r.json()["detail"]
    other = from_address("203.0.113.11")
    r = other.post("/api/v1/auth/token", data=json.dumps(body), content_type="application/json")
    assert r.status_code == 200


def test_api_failures_count_too(users):
    client = from_address("203.0.113.12")
    for _ in range(LIMIT):
        body = {"username": "nobody", "password": "x"}
        r = client.post("/api/v1/auth/token", data=json.dumps(body), content_type="application/json")
        assert r.status_code == 401 and r.json() == {"detail": LOGIN_FAILED}
    assert login(client, users["doctor"].username, PASSWORD).status_code == 429


def test_the_second_step_is_throttled_too(users):
    vdoc = users["vdoc"]
    device = TOTPDevice.objects.create(user=vdoc, secret=pyotp.random_base32(), confirmed=True)
    client = from_address("203.0.113.13")
    assert login(client, vdoc.username, PASSWORD)["Location"] == "/accounts/login/otp/"
    for _ in range(LIMIT - 1):
        assert client.post("/accounts/login/otp/", {"code": "abcdef"}).status_code == 401
    spray(client, users, n=1)
    assert login(client, vdoc.username, PASSWORD).status_code == 429
    r = client.post("/accounts/login/otp/", {"code": pyotp.TOTP(device.secret).now()})
    assert r.status_code == 429 and "登录失败次数过多" in r.content.decode()
    assert "_auth_user_id" not in client.session


def test_behind_the_proxy_each_forwarded_address_counts_apart(users, settings):
    settings.JINGFANG_BEHIND_PROXY = True
    settings.JINGFANG_PROXY_IPS = ["127.0.0.1"]
    spray(from_address("127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.20"), users)
    assert login(from_address("127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.20"), "x", "y").status_code == 429
    ok = login(from_address("127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.21"), users["doctor"].username, PASSWORD)
    assert ok.status_code == 302


def test_zero_turns_the_throttle_off(users, settings):
    settings.JINGFANG_SIGNIN_ADDRESS_FAILURES = 0
    client = from_address("203.0.113.30")
    spray(client, users, n=LIMIT * 2)
    assert not SignInFailure.objects.exists()
    assert login(client, users["doctor"].username, PASSWORD).status_code == 302
