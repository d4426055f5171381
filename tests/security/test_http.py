"""HTTP hardening (security item 7): CSP and other security headers on every response, no inline
script in any template, and no ID number in a URL (the patient search is POSTed)."""

import re
from pathlib import Path

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from jingfang.audit.models import AuditEvent
from jingfang.registry import views as registry_views

pytestmark = pytest.mark.django_db

SRC = Path(__file__).resolve().parents[2] / "src" / "jingfang"


def directives(response) -> dict[str, list[str]]:
    header = response.headers.get("Content-Security-Policy", "")
    parts = [p.strip().split() for p in header.split(";") if p.strip()]
    return {p[0]: p[1:] for p in parts}


def assert_strict_csp(response):
    policy = directives(response)
    assert policy, f"no Content-Security-Policy on {response.request['PATH_INFO']}"
    assert policy["script-src"] == ["'self'"]
    assert "'unsafe-inline'" not in policy["script-src"] and "'unsafe-eval'" not in policy["script-src"]
    assert policy["frame-ancestors"] == ["'none'"] and policy["object-src"] == ["'none'"]
    assert policy["default-src"] == ["'self'"] and policy["base-uri"] == ["'self'"]
    assert policy["form-action"] == ["'self'"]


def assert_security_headers(response):
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["Cross-Origin-Opener-Policy"] == "same-origin"


def _plain_get_urls(resolver=None, prefix=""):
    """Every URL of the project that takes no argument (no <int:pk> etc.)."""
    resolver = resolver or get_resolver()
    for p in resolver.url_patterns:
        route = str(p.pattern)
        if "<" in route or "(?P" in route or route.startswith("^"):
            continue
        if isinstance(p, URLResolver):
            yield from _plain_get_urls(p, prefix + route)
        elif isinstance(p, URLPattern):
            yield "/" + prefix + route


PAGE_URLS = sorted(
    {u for u in _plain_get_urls() if "logout" not in u and not u.startswith("/admin/")}
    | {"/admin/login/", "/api/docs", "/api/openapi.json", "/no-such-page/", "/accounts/login/"}
)


def test_the_url_walk_covers_the_main_pages():
    assert {"/", "/patients/", "/accounts/login/", "/api/docs"} <= set(PAGE_URLS)
    assert len(PAGE_URLS) > 20


@pytest.mark.parametrize("url", PAGE_URLS)
def test_every_page_carries_a_strict_csp_and_the_security_headers(client, users, url):
    client.force_login(users["doctor"])
    response = client.get(url)
    assert response.status_code < 500, url
    assert_strict_csp(response)
    assert_security_headers(response)


def test_signed_out_pages_and_error_pages_carry_the_headers(client):
    for url in ("/accounts/login/", "/patients/", "/missing/", "/admin/login/", "/api/docs"):
        response = client.get(url)
        assert_strict_csp(response)
        assert_security_headers(response)


def test_hsts_and_redirect_settings(settings):
    from jingfang import settings as project

    if not project.DEBUG and project.SESSION_COOKIE_SECURE:
        assert project.SECURE_HSTS_SECONDS >= 31536000
    assert project.SECURE_CROSS_ORIGIN_OPENER_POLICY == "same-origin"
    assert project.X_FRAME_OPTIONS == "DENY"


# Templates -------------------------------------------------------------------------------------
INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc=)[^>]*>", re.I)
EVENT_HANDLER = re.compile(r"""\son[a-z]+\s*=\s*["']""", re.I)
HX_ON = re.compile(r"\s(?:data-)?hx-on(?:[:-]|\w*=)", re.I)
TEMPLATES = sorted(SRC.rglob("*.html"))


def test_templates_were_found():
    assert len(TEMPLATES) > 50
    assert SRC / "core" / "templates" / "404.html" in TEMPLATES


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: str(p.relative_to(SRC)))
def test_no_template_has_inline_script_or_event_handlers(path):
    text = path.read_text(encoding="utf-8")
    assert not INLINE_SCRIPT.search(text), "inline <script> (the CSP allows only <script src>)"
    assert not EVENT_HANDLER.search(text), "inline on*= event handler (use data-* and core/static/jingfang/app.js)"
    assert not HX_ON.search(text), "hx-on needs eval, which htmx is configured not to use"
    assert "js:" not in re.sub(r"https?://\S+", "", " ".join(re.findall(r'hx-va(?:ls|rs)=\S+', text)))


def test_base_template_loads_the_script_file_and_turns_off_htmx_eval(client, users):
    client.force_login(users["doctor"])
    html = client.get("/patients/").content.decode()
    assert '<script src="/static/jingfang/app.js"' in html
    assert '"allowEval": false' in html and '"allowScriptTags": false' in html
    assert client.get("/static/jingfang/app.js").status_code == 200


def test_charts_carry_no_script():
    from jingfang.stats import charts

    assert "<script" not in charts._svg(charts.pygal.Line(**charts._config()), "图")


# No ID number in URLs ----------------------------------------------------------------------------
@pytest.fixture
def two(make_patient):
    return make_patient("990102001001", name="甲患者"), make_patient("990102001002", name="乙患者")


def test_search_by_id_number_is_posted_finds_and_audits_no_number(client, users, two):
    client.force_login(users["doctor"])
    number = two[1].id_number
    response = client.post("/patients/", {"q": number, "region": "", "status": "", "key_person": ""})
    assert response.status_code == 200
    assert [p.pk for p in response.context["page"].object_list] == [two[1].pk]
    event = AuditEvent.objects.filter(action="search").latest("id")
    assert number not in event.path and number not in str(event.detail)
    assert event.detail == {"count": 1, "filters": ["q"]}


def test_htmx_search_returns_rows_and_pushes_a_url_without_the_query(client, users, two):
    client.force_login(users["doctor"])
    number = two[0].id_number
    response = client.post("/patients/", {"q": number, "status": "at_home"}, HTTP_HX_REQUEST="true")
    assert "甲患者" in response.content.decode() and "乙患者" not in response.content.decode()
    assert response["HX-Push-Url"] == "/patients/?status=at_home"
    assert number not in response["HX-Push-Url"]


def test_search_post_needs_the_csrf_token(users, two):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(users["doctor"])
    assert client.post("/patients/", {"q": two[1].id_number}).status_code == 403


@pytest.mark.parametrize("query", ["id", "phone"])
def test_get_with_an_id_or_phone_number_in_the_url_does_not_search(client, users, two, query):
    client.force_login(users["doctor"])
    q = two[1].id_number if query == "id" else "13800001234"
    response = client.get("/patients/", {"q": q})
    assert response.status_code == 200
    assert {p.pk for p in response.context["page"].object_list} == {two[0].pk, two[1].pk}  # unfiltered
    assert response.context["filters"]["q"] == ""
    html = response.content.decode()
    assert registry_views.URL_QUERY_NOTICE in html and q not in html
    event = AuditEvent.objects.filter(action__in=["list", "search"]).latest("id")
    assert event.action == "list" and q not in event.path


def test_get_still_filters_by_the_other_fields_and_pages(client, users, two, settings):
    settings.JINGFANG_PAGE_SIZE = 1
    client.force_login(users["doctor"])
    response = client.get("/patients/", {"region": "990102001002"})
    assert [p.pk for p in response.context["page"].object_list] == [two[1].pk]
    second = client.get("/patients/", {"page": "2"})
    assert second.context["page"].number == 2


def test_paging_and_export_carry_no_query_in_a_url(client, users, two, settings):
    settings.JINGFANG_PAGE_SIZE = 1
    client.force_login(users["county"])  # may export
    response = client.post("/patients/", {"q": "患者"})
    html = response.content.decode()
    assert response.context["page"].paginator.num_pages == 2
    hrefs = re.findall(r'(?:href|action|hx-get|hx-post)="([^"]*)"', html)
    assert hrefs and not [h for h in hrefs if "q=" in h or "患者" in h or "page=" in h]
    assert "/patients/export.xlsx?" not in html
    # the pager and the export are POST forms carrying the query in a hidden field
    assert re.search(r'<form class="pager" method="post"', html)
    assert re.search(r'<form class="list-actions" method="post" action="/patients/export.xlsx"', html)
    assert html.count('<input type="hidden" name="q" value="患者">') == 2
    page2 = client.post("/patients/", {"q": "患者", "page": "2"})
    assert page2.context["page"].number == 2 and page2.context["filters"]["q"] == "患者"


def test_export_by_post_applies_the_query(client, users, two):
    import io

    from openpyxl import load_workbook

    client.force_login(users["county"])
    response = client.post("/patients/export.xlsx", {"q": two[0].id_number})
    assert response.status_code == 200
    cells = {c for row in load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True)
             for c in row if c}
    assert "甲患者" in cells and "乙患者" not in cells
    event = AuditEvent.objects.filter(action="export").latest("id")
    assert two[0].id_number not in event.path and event.detail["filters"] == ["q"]


def test_api_search_by_id_number_is_a_post(client, users, two):
    from jingfang.accounts.services import issue_token

    headers = {"HTTP_AUTHORIZATION": f"Bearer {issue_token(users['doctor'])}"}
    number = two[1].id_number
    response = client.post("/api/v1/patients/search", {"q": number}, content_type="application/json", **headers)
    assert response.status_code == 200, response.content
    assert [i["id"] for i in response.json()["items"]] == [two[1].pk]
    assert number not in response.content.decode()
    event = AuditEvent.objects.filter(action="search").latest("id")
    assert number not in event.path and event.detail == {"count": 1, "filters": ["q"]}
    paged = client.post("/api/v1/patients/search", {"region_code": "990102001000", "page": 1, "page_size": 1},
                        content_type="application/json", **headers)
    assert paged.json()["count"] == 2 and len(paged.json()["items"]) == 1
    bad = client.post("/api/v1/patients/search", {"q": "x", "id_number": number},
                      content_type="application/json", **headers)
    assert bad.status_code == 422
    assert client.post("/api/v1/patients/search", {"page_size": 0}, content_type="application/json",
                       **headers).status_code == 422
