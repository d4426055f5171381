"""The phone app's shell, manifest and service worker: served from the repository, no personal data,
and the service worker never touches the API."""

import json
import re

import pytest
from django.urls import reverse

from jingfang.mobile import views

pytestmark = pytest.mark.django_db


def test_the_shell_is_for_those_who_record_followups_and_holds_no_personal_data(client, users, make_patient):
    make_patient("990102001001", name="甄隐私")
    client.force_login(users["vdoc"])
    response = client.get("/m/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'lang="zh-hans"' in html and "精防随访" in html
    assert "甄隐私" not in html and users["vdoc"].username not in html  # the same page for everyone
    assert 'rel="manifest" href="/m/manifest.webmanifest"' in html
    assert "csrftoken" in response.cookies  # the app's POSTs carry it
    assert "no-store" in response["Cache-Control"]
    assert not re.search(r"https?://", html)  # nothing from elsewhere

    client.force_login(users["police"])
    assert client.get("/m/").status_code == 403
    client.logout()
    response = client.get("/m/")
    assert response.status_code == 302 and response["Location"] == "/accounts/login/?next=/m/"


def test_the_manifest_installs_the_app_under_m(client):
    response = client.get("/m/manifest.webmanifest")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/manifest+json")
    manifest = json.loads(response.content)
    assert manifest["name"] == "精防随访"
    assert manifest["start_url"] == "/m/" and manifest["scope"] == "/m/"
    assert manifest["display"] == "standalone"
    sizes = {icon["sizes"]: icon["src"] for icon in manifest["icons"]}
    assert set(sizes) == {"192x192", "512x512"}
    for size, src in sizes.items():
        png = (views.STATIC_DIR / src.rsplit("/", 1)[1]).read_bytes()
        assert png[:8] == b"\x89PNG\r\n\x1a\n"
        width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
        assert f"{width}x{height}" == size


def test_the_service_worker_caches_only_the_shell_and_never_the_api(client):
    response = client.get("/m/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    script = response.content.decode()
    files = json.loads(re.search(r"const FILES = (\[.*?\]);", script).group(1))
    assert files[0] == reverse("mobile:shell")
    assert all(f == "/m/" or f.startswith("/static/mobile/") for f in files)
    assert not any("/api/" in f for f in files)
    assert 'startsWith("/api/")) return null' in script  # API requests are left to the network
    for f in files[1:]:
        assert client.get(f).status_code == 200, f  # every cached file exists
    assert re.search(r'const VERSION = "[0-9a-f]{16}"', script)


def test_post_is_not_accepted(client, users):
    client.force_login(users["vdoc"])
    for url in ("/m/", "/m/manifest.webmanifest", "/m/sw.js"):
        assert client.post(url).status_code == 405
