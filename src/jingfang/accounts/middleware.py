"""Session policy for signed-in users: idle timeout, absolute lifetime, enrol-first, password expiry."""

import functools
import time
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import auth, messages
from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponse, HttpResponseRedirect, JsonResponse
from django.urls import reverse

from jingfang.audit import log as audit

from .views import LAST_SEEN, MUST_ENROL, STARTED

IDLE_MESSAGE = "长时间未操作，已自动退出"
EXPIRED_MESSAGE = "登录已超过最长时限，请重新登录"
ENROL_API_MESSAGE = "请先在网页上绑定动态口令（双因素认证）"
# Writing the session on every request is wasteful; the idle clock is kept to this many seconds.
TOUCH_SECONDS = 30
POLL_HEADER = "X-Poll"  # set by elements that reload themselves (hx-trigger="every …")


def _is_api(request) -> bool:
    return request.path.startswith("/api/")


def _redirect(request, url: str):
    if request.headers.get("HX-Request"):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return HttpResponseRedirect(url)


class SessionPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self._before(request)
        if response is None:
            response = self.get_response(request)
        if _is_api(request):
            user = getattr(request, "user", None)  # a bearer token's user too (core.api_support)
            if user is not None and user.is_authenticated and user.password_expired():
                response["X-Password-Expired"] = "1"
        return response

    def _exempt(self, request) -> bool:
        path = request.path
        if path.startswith("/" + settings.STATIC_URL.lstrip("/")):
            return True
        return path in _exempt_paths()

    def _before(self, request):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        session = request.session
        now = time.time()
        started = session.get(STARTED)
        if started is None:  # e.g. a session from before this policy, or Client.force_login in tests
            session[STARTED] = started = now
        last = session.get(LAST_SEEN)
        idle_seconds = settings.JINGFANG_IDLE_MINUTES * 60
        reason = None
        if now - started > settings.SESSION_COOKIE_AGE:
            reason = "expired"
        elif idle_seconds and last is not None and now - last > idle_seconds:
            reason = "idle"
        if reason:
            audit.record_request(request, "logout", detail={"reason": reason})
            auth.logout(request)
            if _is_api(request):
                return None  # continues signed out: the API answers 401
            messages.info(request, IDLE_MESSAGE if reason == "idle" else EXPIRED_MESSAGE)
            return _redirect(request, redirect_to_login(request.get_full_path()).url)
        # A page polling by itself (a job's progress card: the X-Poll header) is not the user at work:
        # it must not keep an unattended session open for ever.
        if last is None or (now - last >= TOUCH_SECONDS and not request.headers.get(POLL_HEADER)):
            session[LAST_SEEN] = now

        if session.get(MUST_ENROL) and not self._exempt(request):
            if _is_api(request):
                return JsonResponse({"detail": ENROL_API_MESSAGE}, status=403)
            return _redirect(request, _with_next(request, "accounts:totp_enrol"))
        if not _is_api(request) and not self._exempt(request) and user.password_expired():
            return _redirect(request, _with_next(request, "accounts:password_change"))
        return None


@functools.cache
def _exempt_paths() -> frozenset[str]:
    """The pages a signed-in user may reach before enrolling or changing an expired password."""
    names = ("login", "login_otp", "logout", "password_change", "totp_enrol")
    return frozenset(reverse(f"accounts:{name}") for name in names)


def _with_next(request, url_name: str) -> str:
    url = reverse(url_name)
    if request.method != "GET" or request.headers.get("HX-Request"):
        return url  # never send anyone back to a POST endpoint or a page fragment
    return f"{url}?{urlencode({'next': request.get_full_path()})}"
