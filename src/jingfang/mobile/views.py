"""The phone app's shell (/m/): an installable web app that records follow-ups offline.

The shell holds no personal data (the same page for every user), so the service worker may keep it;
the app downloads the offline package from the API (``no-store``) and keeps it encrypted in IndexedDB.
The manifest and the service worker are code, not data: they answer without sign-in (browsers fetch a
manifest without cookies).
"""

import hashlib
import json
from functools import cache
from pathlib import Path

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import reverse
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.decorators.http import require_safe

from jingfang.accounts import roles

APP_NAME = "精防随访"
STATIC_DIR = Path(__file__).resolve().parent / "static" / "mobile"
# The shell's static files, in the order the service worker caches them.
SHELL_FILES = ("app.js", "crypto.js", "store.js", "form.js", "paper.js", "scan.js", "vendor/jsQR.js", "mobile.css",
               "icon-192.png", "icon-512.png")
NOT_FOR_ROLE = "离线随访仅供村医和乡镇精防人员使用"


def may_use(user) -> bool:
    """Those who may download the offline package and sync."""
    return roles.can(user.role, roles.OFFLINE_FIELD)


@cache
def _version() -> str:
    """Changes whenever a shell file or the shell page changes, so the service worker replaces its cache."""
    digest = hashlib.sha256()
    for name in SHELL_FILES:
        digest.update((STATIC_DIR / name).read_bytes())
    digest.update((Path(__file__).resolve().parent / "templates" / "mobile" / "shell.html").read_bytes())
    digest.update((Path(__file__).resolve().parent / "templates" / "mobile" / "sw.js").read_bytes())
    return digest.hexdigest()[:16]


@require_safe
@login_required
@ensure_csrf_cookie
def shell(request):
    if not may_use(request.user):
        raise PermissionDenied(NOT_FOR_ROLE)
    return render(request, "mobile/shell.html", {"app_name": APP_NAME})


@require_safe
def manifest(request):
    body = {
        "name": APP_NAME,
        "short_name": APP_NAME,
        "lang": "zh-Hans",
        "start_url": reverse("mobile:shell"),
        "scope": reverse("mobile:shell"),
        "display": "standalone",
        "orientation": "portrait",
        "background_color": "#ffffff",
        "theme_color": "#1f5f8b",
        "icons": [
            {"src": static("mobile/icon-192.png"), "sizes": "192x192", "type": "image/png"},
            {"src": static("mobile/icon-512.png"), "sizes": "512x512", "type": "image/png"},
        ],
    }
    return HttpResponse(json.dumps(body, ensure_ascii=False), content_type="application/manifest+json; charset=utf-8")


@require_safe
def service_worker(request):
    files = [reverse("mobile:shell"), *(static(f"mobile/{name}") for name in SHELL_FILES)]
    template = (Path(__file__).resolve().parent / "templates" / "mobile" / "sw.js").read_text(encoding="utf-8")
    body = (template.replace("__VERSION__", _version())
            .replace("__SHELL__", reverse("mobile:shell"))
            .replace("__FILES__", json.dumps(files)))
    response = HttpResponse(body, content_type="text/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = reverse("mobile:shell")
    return response
