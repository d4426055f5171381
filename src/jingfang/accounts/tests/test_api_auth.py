import datetime as dt
import json

import pytest
from django.test import Client
from django.utils import timezone

from conftest import PASSWORD
from jingfang.accounts.models import ApiToken, User, hash_token
from jingfang.accounts.services import LOGIN_FAILED
from jingfang.audit.models import AuditEvent

pytestmark = pytest.mark.django_db

TOKEN_URL = "/api/v1/auth/token"


def post_token(client, username, password):
    return client.post(
        TOKEN_URL, data=json.dumps({"username": username, "password": password}), content_type="application/json"
    )


def bearer(token):
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def test_token_works_on_me_and_is_audited(client, users):
    r = post_token(client, "township_doctor_990102001000", PASSWORD)
    assert r.status_code == 200
    token = r.json()["token"]
    assert ApiToken.objects.filter(user=users["doctor"], key_hash=hash_token(token)).exists()
    me = client.get("/api/v1/me", **bearer(token))
    assert me.status_code == 200
    body = me.json()
    assert body["username"] == "township_doctor_990102001000"
    assert body["role"] == "township_doctor" and body["region_code"] == "990102001000"
    assert body["region_name"] == "测试县东镇" and body["role_label"] == "乡镇卫生院精防人员"
    assert AuditEvent.objects.filter(action="login", user_id=users["doctor"].pk, outcome="ok").exists()
    assert AuditEvent.objects.filter(action="token", user_id=users["doctor"].pk).exists()


def test_wrong_password_and_unknown_user_answer_identically(client, users):
    wrong = post_token(client, "township_doctor_990102001000", "not-the-password")
    unknown = post_token(client, "nobody_here", "not-the-password")
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.content == unknown.content
    assert wrong.json() == {"detail": LOGIN_FAILED}
    failed = AuditEvent.objects.filter(action="login_failed")
    assert set(failed.values_list("username", flat=True)) == {"township_doctor_990102001000", "nobody_here"}
    assert not AuditEvent.objects.filter(action="login").exists()


def test_five_failures_lock_the_account(client, users, settings):
    username = "village_doctor_990102001001"
    for _ in range(settings.JINGFANG_LOCKOUT_FAILURES):
        assert post_token(client, username, "wrong-password").status_code == 401
    assert User.objects.get(username=username).is_locked()
    locked = post_token(client, username, PASSWORD)
    assert locked.status_code == 401 and locked.json() == {"detail": LOGIN_FAILED}
    assert AuditEvent.objects.filter(action="login_failed", username=username, outcome="locked").exists()
    assert not ApiToken.objects.filter(user__username=username).exists()


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"HTTP_AUTHORIZATION": "Bearer garbage-token"},
        {"HTTP_AUTHORIZATION": "Bearer "},
        {"HTTP_AUTHORIZATION": "Token something"},
    ],
    ids=["missing", "garbage", "empty", "wrong-scheme"],
)
def test_missing_or_invalid_token_is_401(client, users, headers):
    for url in ("/api/v1/me", "/api/v1/patients", "/api/v1/regions/990102000000"):
        r = client.get(url, **headers)
        assert r.status_code == 401, url
        assert "detail" in r.json() and "items" not in r.json()


def test_expired_token_is_401(client, users):
    token = post_token(client, "township_doctor_990102001000", PASSWORD).json()["token"]
    assert client.get("/api/v1/me", **bearer(token)).status_code == 200
    ApiToken.objects.filter(key_hash=hash_token(token)).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert client.get("/api/v1/me", **bearer(token)).status_code == 401


def test_token_of_deactivated_user_is_401(client, users):
    token = post_token(client, "township_doctor_990102001000", PASSWORD).json()["token"]
    User.objects.filter(pk=users["doctor"].pk).update(is_active=False)
    assert client.get("/api/v1/me", **bearer(token)).status_code == 401


def test_token_request_rejects_unknown_keys_and_missing_fields(client, users):
    r = client.post(TOKEN_URL, data=json.dumps({"username": "x"}), content_type="application/json")
    assert r.status_code == 422
    assert [e["field"] for e in r.json()["errors"]] == ["password"]
    r = client.post(
        TOKEN_URL, data=json.dumps({"username": "x", "password": "y", "role": "admin"}),
        content_type="application/json",
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "role"


def test_session_login_works_and_unsafe_methods_need_csrf(users):
    client = Client(enforce_csrf_checks=True)
    client.force_login(users["doctor"])
    assert client.get("/api/v1/me").json()["username"] == "township_doctor_990102001000"
    body = json.dumps({"status": "hospitalized", "version": 1})
    r = client.post("/api/v1/patients/1/status", data=body, content_type="application/json")
    assert r.status_code == 403 and "CSRF" in r.json()["detail"]
    client.get("/api/docs")  # sets the csrf cookie
    token = client.cookies["csrftoken"].value
    r = client.post("/api/v1/patients/1/status", data=body, content_type="application/json",
                    HTTP_X_CSRFTOKEN=token)
    assert r.status_code == 404  # past the CSRF check; no such patient


def test_bad_token_does_not_fall_back_to_the_session(client, users):
    client.force_login(users["doctor"])
    assert client.get("/api/v1/me").status_code == 200
    assert client.get("/api/v1/me", HTTP_AUTHORIZATION="Bearer nonsense").status_code == 401
