"""Idle timeout, absolute lifetime, session id rotation and cookie flags."""

import importlib.util
import time

import pytest

import jingfang.settings as project_settings
from conftest import PASSWORD
from jingfang.accounts.views import LAST_SEEN, STARTED
from jingfang.audit.models import AuditEvent

pytestmark = pytest.mark.django_db


def _login(client, user):
    r = client.post("/accounts/login/", {"username": user.username, "password": PASSWORD})
    assert r.status_code == 302
    return r


def _shift(client, key, seconds_ago):
    session = client.session
    session[key] = time.time() - seconds_ago
    session.save()


def test_idle_session_is_ended_audited_and_explained(client, users, settings):
    settings.JINGFANG_IDLE_MINUTES = 30
    user = users["doctor"]
    _login(client, user)
    assert client.get("/patients/").status_code == 200
    _shift(client, LAST_SEEN, 29 * 60)
    assert client.get("/patients/").status_code == 200  # activity within the limit keeps it alive
    _shift(client, LAST_SEEN, 31 * 60)
    r = client.get("/patients/?page=2")
    assert r.status_code == 302 and r["Location"].startswith("/accounts/login/?next=")
    page = client.get(r["Location"])
    assert "长时间未操作，已自动退出" in page.content.decode()
    event = AuditEvent.objects.get(action="logout", username=user.username)
    assert event.detail == {"reason": "idle"}
    assert client.get("/patients/").status_code == 302  # really signed out
    assert client.get("/api/v1/me").status_code == 401


def test_idle_api_session_answers_401(client, users, settings):
    settings.JINGFANG_IDLE_MINUTES = 30
    _login(client, users["doctor"])
    _shift(client, LAST_SEEN, 31 * 60)
    assert client.get("/api/v1/me").status_code == 401
    assert AuditEvent.objects.get(action="logout").detail == {"reason": "idle"}


def test_activity_moves_the_idle_clock(client, users, settings):
    settings.JINGFANG_IDLE_MINUTES = 30
    _login(client, users["doctor"])
    _shift(client, LAST_SEEN, 20 * 60)
    client.get("/patients/")
    assert time.time() - client.session[LAST_SEEN] < 5


def test_a_page_polling_by_itself_does_not_keep_the_session_alive(client, users, settings):
    """The job card reloads itself every second (hx-trigger="every 1s", header X-Poll): left open on an
    unattended screen it must not hold the session open past the idle timeout."""
    settings.JINGFANG_IDLE_MINUTES = 30
    _login(client, users["doctor"])
    _shift(client, LAST_SEEN, 20 * 60)
    poll = {"HTTP_HX_REQUEST": "true", "HTTP_X_POLL": "1"}
    assert client.get("/patients/", **poll).status_code == 200
    assert time.time() - client.session[LAST_SEEN] >= 20 * 60 - 5  # not moved
    _shift(client, LAST_SEEN, 31 * 60)
    r = client.get("/patients/", **poll)
    assert r.status_code == 204 and r["HX-Redirect"].startswith("/accounts/login/")  # htmx goes to the login page
    assert AuditEvent.objects.get(action="logout").detail == {"reason": "idle"}


def test_the_job_card_marks_its_polling(client, users):
    from jingfang.jobs.models import Job

    _login(client, users["doctor"])
    job = Job.objects.create(kind="import_patients", owner=users["doctor"], region_code=users["doctor"].region_id,
                             title="导入患者台账", status=Job.RUNNING)
    html = client.get(f"/jobs/{job.pk}/").content.decode()
    assert 'hx-trigger="every 1s"' in html and """hx-headers='{"X-Poll": "1"}'""" in html


def test_absolute_lifetime_ends_even_an_active_session(client, users, settings):
    settings.SESSION_COOKIE_AGE = 8 * 3600
    _login(client, users["doctor"])
    _shift(client, STARTED, 8 * 3600 + 1)
    _shift(client, LAST_SEEN, 1)
    r = client.get("/patients/")
    assert r.status_code == 302 and r["Location"].startswith("/accounts/login/")
    assert "登录已超过最长时限" in client.get(r["Location"]).content.decode()
    assert AuditEvent.objects.get(action="logout").detail == {"reason": "expired"}


def test_session_id_rotates_at_login(client, users):
    client.get("/accounts/login/")
    session = client.session
    session["probe"] = "anonymous"
    session.save()
    before = session.session_key
    _login(client, users["doctor"])
    after = client.session.session_key
    assert after and after != before
    from django.contrib.sessions.models import Session

    assert not Session.objects.filter(session_key=before).exists()


def _fresh_settings(monkeypatch, **env):
    for name in ("JINGFANG_DEBUG", "JINGFANG_SECURE_COOKIES", "JINGFANG_TOTP_ENFORCE"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    spec = importlib.util.spec_from_file_location("jingfang_settings_probe", project_settings.__file__)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_cookies_are_secure_when_debug_is_off(client, users, settings, monkeypatch):
    production = _fresh_settings(monkeypatch)
    assert production.DEBUG is False
    assert production.SESSION_COOKIE_SECURE is True and production.CSRF_COOKIE_SECURE is True
    assert production.SESSION_COOKIE_HTTPONLY is True and production.SESSION_COOKIE_SAMESITE == "Lax"
    assert production.JINGFANG_TOTP_ENFORCE is True

    settings.SESSION_COOKIE_SECURE = production.SESSION_COOKIE_SECURE
    r = _login(client, users["doctor"])
    cookie = r.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["secure"] is True and cookie["httponly"] is True and cookie["samesite"] == "Lax"


def test_debug_relaxes_secure_cookies_and_totp_unless_asked(monkeypatch):
    debug = _fresh_settings(monkeypatch, JINGFANG_DEBUG="1")
    assert debug.SESSION_COOKIE_SECURE is False
    assert debug.JINGFANG_TOTP_ENFORCE is False
    assert _fresh_settings(monkeypatch, JINGFANG_DEBUG="1", JINGFANG_TOTP_ENFORCE="1").JINGFANG_TOTP_ENFORCE is True
