"""API tokens end with the access they stand for (M4): logout, password change, role/region change,
deactivation, idleness, and DELETE /api/v1/auth/token; only their hash is stored."""

import datetime as dt
import json

import pytest
from django.test import Client
from django.utils import timezone

from conftest import PASSWORD
from jingfang.accounts import services
from jingfang.accounts.models import ApiToken, User, hash_token
from jingfang.audit.models import AuditEvent

pytestmark = pytest.mark.django_db

TOKEN_URL = "/api/v1/auth/token"


def bearer(token):
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def works(token) -> bool:
    status = Client().get("/api/v1/me", **bearer(token)).status_code
    assert status in (200, 401)
    return status == 200


def test_only_the_hash_is_stored(users):
    raw = services.issue_token(users["doctor"])
    stored = ApiToken.objects.get(user=users["doctor"])
    assert stored.key_hash == hash_token(raw) and raw not in stored.key_hash and len(raw) >= 40


def test_delete_revokes_the_current_token_only(client, users):
    first, second = services.issue_token(users["doctor"]), services.issue_token(users["doctor"])
    r = client.delete(TOKEN_URL, **bearer(first))
    assert r.status_code == 204
    assert not works(first) and works(second)
    assert client.delete(TOKEN_URL, **bearer(first)).status_code == 401
    event = AuditEvent.objects.filter(action="logout", user_id=users["doctor"].pk).get()
    assert event.detail == {"reason": "token_revoked", "tokens": 1}


def test_delete_with_the_session_has_no_token_to_revoke(client, users):
    token = services.issue_token(users["doctor"])
    client.force_login(users["doctor"])
    r = client.delete(TOKEN_URL)
    assert r.status_code == 400 and "令牌" in r.json()["detail"]
    assert works(token)


def test_logout_ends_every_token(client, users):
    tokens = [services.issue_token(users["doctor"]) for _ in range(2)]
    other = services.issue_token(users["vdoc"])
    client.force_login(users["doctor"])
    client.post("/accounts/logout/")
    assert not any(works(t) for t in tokens) and works(other)
    assert not ApiToken.objects.filter(user=users["doctor"]).exists()
    assert AuditEvent.objects.filter(action="logout", detail__reason="logout", detail__tokens=2).exists()


def test_password_change_ends_every_token(client, users):
    token = services.issue_token(users["doctor"])
    client.force_login(users["doctor"])
    new = "Fresh#Pass-2026"
    r = client.post("/accounts/password/", {"old_password": PASSWORD, "new_password1": new, "new_password2": new})
    assert r.status_code == 302
    assert not works(token)
    assert client.get("/api/v1/me").status_code == 200  # the session itself stays signed in


def test_a_failed_password_change_keeps_the_tokens(client, users):
    token = services.issue_token(users["doctor"])
    client.force_login(users["doctor"])
    r = client.post("/accounts/password/", {"old_password": "wrong", "new_password1": "x", "new_password2": "x"})
    assert r.status_code == 400
    assert works(token)


def _admin_client(users):
    admin_user = users["admin"]
    User.objects.filter(pk=admin_user.pk).update(is_staff=True)
    client = Client()
    client.force_login(User.objects.get(pk=admin_user.pk))
    return client


def _admin_form(user, **over):
    data = {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "phone": user.phone,
        "email": user.email,
        "role": user.role,
        "region": user.region_id,
        "is_active": "on" if user.is_active else "",
        "is_staff": "on" if user.is_staff else "",
        "failed_logins": user.failed_logins,
        "locked_until_0": "",
        "locked_until_1": "",
    }
    data.update(over)
    return {k: v for k, v in data.items() if v != ""}


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"role": "village_doctor"}, "role_change"),
        ({"region": "990102002000"}, "region_change"),
        ({"is_active": ""}, "deactivated"),
    ],
)
def test_an_applied_access_change_ends_every_token(users, change, reason):
    """A new role or region is only a request until a security administrator approves it (三员分立):
    the tokens end when it is applied; deactivation is applied, and ends them, at once."""
    from jingfang.accounts.models import AccessRequest
    from jingfang.accounts.services_access import approve_access_request

    user = users["doctor"]
    token = services.issue_token(user)
    client = _admin_client(users)
    data = _admin_form(user, **change)
    if change.get("is_active") == "":
        data.pop("is_active", None)
    r = client.post(f"/admin/accounts/user/{user.pk}/change/", data)
    assert r.status_code == 302, r.content.decode()[:2000]
    pending = AccessRequest.objects.filter(user=user, status=AccessRequest.PENDING).first()
    if reason != "deactivated":
        assert works(token)  # asked for, not applied
        approve_access_request(actor=users["secadmin"], access_request=pending)
        approver = users["secadmin"]
    else:
        assert pending is None
        approver = users["admin"]
    assert not ApiToken.objects.filter(user=user).exists()
    assert not works(token)
    event = AuditEvent.objects.get(action="admin", target=f"revoke_tokens:{user.username}")
    assert event.detail == {"reason": reason, "tokens": 1} and event.user_id == approver.pk


def test_admin_saving_other_fields_keeps_the_tokens(users):
    user = users["doctor"]
    token = services.issue_token(user)
    client = _admin_client(users)
    r = client.post(f"/admin/accounts/user/{user.pk}/change/", _admin_form(user, first_name="张三"))
    assert r.status_code == 302, r.content.decode()[:2000]
    assert works(token)


def test_admin_setting_a_password_ends_every_token(users):
    """Setting another user's password is the security administrator's credential reset."""
    user = users["doctor"]
    token = services.issue_token(user)
    secadmin = users["secadmin"]
    User.objects.filter(pk=secadmin.pk).update(is_staff=True)
    client = Client()
    client.force_login(User.objects.get(pk=secadmin.pk))
    new = "Admin#Set-2026"
    r = client.post(f"/admin/accounts/user/{user.pk}/password/", {"password1": new, "password2": new})
    assert r.status_code == 302
    assert not works(token)
    assert AuditEvent.objects.filter(target=f"revoke_tokens:{user.username}", detail__reason="password_change").exists()
    assert _admin_client(users).post(f"/admin/accounts/user/{user.pk}/password/",
                                     {"password1": new, "password2": new}).status_code == 403  # not the system admin's


def test_an_idle_token_ends(users, settings):
    settings.JINGFANG_IDLE_MINUTES = 30
    token = services.issue_token(users["doctor"])
    assert works(token)
    ApiToken.objects.update(last_used_at=timezone.now() - dt.timedelta(minutes=31))
    assert not works(token)
    assert not ApiToken.objects.exists()
    assert AuditEvent.objects.filter(action="logout", detail__reason="idle").exists()


def test_an_unused_new_token_ends_after_the_idle_time_too(users, settings):
    settings.JINGFANG_IDLE_MINUTES = 30
    token = services.issue_token(users["doctor"])
    ApiToken.objects.update(created_at=timezone.now() - dt.timedelta(minutes=31))
    assert not works(token)


def test_use_moves_the_token_idle_clock(users, settings):
    settings.JINGFANG_IDLE_MINUTES = 30
    token = services.issue_token(users["doctor"])
    ApiToken.objects.update(last_used_at=timezone.now() - dt.timedelta(minutes=29))
    assert works(token)
    used = ApiToken.objects.get().last_used_at
    assert timezone.now() - used < dt.timedelta(minutes=1)


def test_idle_zero_turns_the_token_idle_clock_off(users, settings):
    settings.JINGFANG_IDLE_MINUTES = 0
    token = services.issue_token(users["doctor"])
    ApiToken.objects.update(last_used_at=timezone.now() - dt.timedelta(hours=5))
    assert works(token)


def test_revoke_all_tokens_is_one_call_for_other_services(users):
    for _ in range(3):
        services.issue_token(users["doctor"])
    assert services.revoke_all_tokens(users["doctor"], "role_change", actor=users["admin"]) == 3
    assert services.revoke_all_tokens(users["doctor"], "role_change", actor=users["admin"]) == 0
    assert AuditEvent.objects.filter(target=f"revoke_tokens:{users['doctor'].username}").count() == 1


def test_token_issue_then_use_via_the_api(client, users):
    body = {"username": users["doctor"].username, "password": PASSWORD}
    token = client.post(TOKEN_URL, data=json.dumps(body), content_type="application/json").json()["token"]
    assert works(token)
