"""Answers no input may break and no cache may keep (security review L5, L6).

- L5: an 18-digit number where an object id goes (every ``<int:…>`` page and ``{id}`` API path) and a
  multipart body without a usable boundary answer 404/400, never 500, and the refusal is audited
  without the number (core.middleware.RequestHygieneMiddleware).
- L6: pages, API answers, reveals and exports carry ``Cache-Control: no-store`` and ``Pragma: no-cache``
  (core.middleware.NoStoreMiddleware); static files keep their own caching.
"""

import re

import pytest
from django.urls import URLResolver, get_resolver

from jingfang.accounts.services import issue_token
from jingfang.audit.models import AuditEvent

pytestmark = pytest.mark.django_db

BIG = "110101199003077777"  # 18 digits, shaped like an ID number
ID_PARAM = re.compile(r"<(?:int:)?[a-z_]*(?:id|pk)>")


def _routes(resolver=None, prefix=""):
    for p in (resolver or get_resolver()).url_patterns:
        route = str(p.pattern)
        if isinstance(p, URLResolver):
            yield from _routes(p, prefix + route)
        else:
            yield prefix + route


ID_ROUTES = sorted({"/" + ID_PARAM.sub(BIG, r) for r in _routes()
                    if ID_PARAM.search(r) and not r.startswith(("admin", "^"))} - {None})
ID_ROUTES = [r for r in ID_ROUTES if "<" not in r]


def test_the_walk_covers_pages_and_api_paths():
    assert len(ID_ROUTES) > 100
    assert f"/patients/{BIG}/" in ID_ROUTES and f"/api/v1/patients/{BIG}/reveal" in ID_ROUTES


@pytest.mark.parametrize("debug", [False, True])
def test_an_18_digit_id_is_404_everywhere_never_500(client, users, settings, debug):
    settings.DEBUG = debug  # the audit refuses (rather than scrubs) ID-shaped text in debug
    client.raise_request_exception = False
    bad = []
    for who in ("doctor", "police"):
        client.force_login(users[who])
        for path in ID_ROUTES:
            for method in ("get", "post"):
                r = getattr(client, method)(path)
                if r.status_code != 404:
                    bad.append((who, method, path, r.status_code))
    assert not bad
    events = AuditEvent.objects.filter(detail__reason="id_out_of_range")
    assert events.count() == 2 * 2 * len(ID_ROUTES)
    assert all(BIG not in (e.path + e.target) for e in events)
    assert {e.outcome for e in events} == {"not_found"}


def test_the_api_answers_its_json_404_and_small_ids_still_work(client, users, make_patient):
    p = make_patient()
    headers = {"HTTP_AUTHORIZATION": f"Bearer {issue_token(users['doctor'])}"}
    r = client.get(f"/api/v1/patients/{BIG}", **headers)
    assert r.status_code == 404 and r.json() == {"detail": "未找到"}
    assert client.get(f"/api/v1/patients/{'9' * 15}", **headers).status_code == 404
    assert client.get(f"/api/v1/patients/{p.pk}", **headers).status_code == 200


@pytest.mark.parametrize("url", [f"/api/v1/incidents?patient_id={BIG}", f"/care/incidents/?patient={BIG}",
                                 f"/care/incidents/new/?patient={BIG}", f"/support/relief/new/?patient={BIG}",
                                 f"/audit/?patient={BIG}"])
def test_an_18_digit_id_parameter_is_404_never_500(client, users, settings, url):
    settings.DEBUG = True
    client.raise_request_exception = False
    client.force_login(users["office"])
    headers = {"HTTP_AUTHORIZATION": f"Bearer {issue_token(users['office'])}"} if url.startswith("/api/") else {}
    assert client.get(url, **headers).status_code == 404
    event = AuditEvent.objects.latest("id")
    assert event.detail == {"reason": "id_out_of_range"} and BIG not in event.path


def test_a_form_field_naming_an_18_digit_patient_is_404(client, users, settings):
    settings.DEBUG = True
    client.raise_request_exception = False
    client.force_login(users["doctor"])
    assert client.post("/care/incidents/new/", {"patient": BIG}).status_code == 404
    event = AuditEvent.objects.latest("id")  # the jurisdiction gate: not found, without the number
    assert event.outcome == "not_found" and event.target == "patient:out_of_range"
    # The free-text search still takes a whole ID number (by POST), as before.
    assert client.post("/patients/", {"q": BIG}).status_code == 200


@pytest.mark.parametrize("content_type", ["multipart/form-data", "multipart/form-data; boundary=",
                                          "multipart/form-data; boundary=\u00e9"])
@pytest.mark.parametrize("path", ["/patients/new/", "/api/v1/reconciliations", "/api/v1/patients",
                                  "/accounts/login/", "/api/v1/auth/token"])
def test_a_multipart_body_without_a_boundary_is_400_and_audited(client, users, settings, path, content_type):
    settings.DEBUG = True
    client.raise_request_exception = False
    client.force_login(users["doctor"])
    r = client.generic("POST", path, b"--abc\r\nxx", content_type=content_type)
    assert r.status_code == 400
    assert "multipart" in r.content.decode()
    event = AuditEvent.objects.latest("id")
    assert event.outcome == "invalid" and event.detail == {"reason": "bad_multipart"}


def _no_store(r):
    assert "no-store" in r["Cache-Control"] and r["Pragma"] == "no-cache", r.request["PATH_INFO"]


def test_pages_api_reveals_and_exports_are_not_stored(client, users, make_patient):
    p = make_patient()
    client.force_login(users["doctor"])
    for url in ("/patients/", f"/patients/{p.pk}/", "/no-such-page/", "/accounts/login/"):
        _no_store(client.get(url))
    reveal = client.post(f"/patients/{p.pk}/reveal/")
    assert reveal.status_code == 200 and p.id_number in reveal.content.decode()
    _no_store(reveal)
    export = client.get("/patients/export.xlsx")
    assert export.status_code == 200 and "attachment" in export["Content-Disposition"]
    _no_store(export)
    headers = {"HTTP_AUTHORIZATION": f"Bearer {issue_token(users['doctor'])}"}
    for r in (client.get("/api/v1/patients", **headers), client.get(f"/api/v1/patients/{p.pk}", **headers),
              client.post(f"/api/v1/patients/{p.pk}/reveal", **headers)):
        assert r.status_code == 200
        _no_store(r)
    client.logout()
    _no_store(client.get("/patients/"))  # the redirect to the login page too


def test_static_files_keep_their_caching(client):
    r = client.get("/static/jingfang/app.css")
    assert r.status_code == 200 and "no-store" not in r.get("Cache-Control", "")
