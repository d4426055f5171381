import sys

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, HttpResponseRedirect, JsonResponse
from django.template import loader
from django.urls import reverse
from django.views import defaults

from jingfang.accounts import roles


@login_required
def home(request):
    role = request.user.role
    if role in (roles.COUNTY_SUPERVISOR, roles.TOWNSHIP_OFFICE):
        return HttpResponseRedirect(reverse("stats:dashboard"))  # county and township home: the KPIs
    if roles.can(role, roles.VIEW_WORKLIST):
        return HttpResponseRedirect(reverse("followups:worklist"))
    if roles.can(role, roles.VIEW_PATIENTS):
        return HttpResponseRedirect(reverse("registry:patient_list"))
    if roles.can(role, roles.MANAGE_USERS) or roles.can(role, roles.APPROVE_ACCESS):
        return HttpResponseRedirect(reverse("admin:index"))
    return HttpResponseRedirect(reverse("audit:list"))


def healthz(request):
    """For the load balancer: JSON status of the database (and, with ?ready=1, migrations and replica)."""
    from jingfang.ops.health import healthz as check

    return check(request)


# Answers to an unhandled exception (``handler500``, jingfang.urls) -------------------------------
OUTAGE = "数据库暂时无法访问，请稍后重试。"
SERVER_ERROR = "服务器处理请求时出错，请稍后重试；如反复出现，请联系系统管理员"
JSON = "application/json; charset=utf-8"


def server_error(request):
    """Django's error handler: a database outage answers 503 with ``Retry-After`` (a page in Chinese, or
    the API's JSON error body); anything else 500, as JSON without internals under /api/.

    Runs after the exception (``sys.exc_info``) and must not touch the database (it may be down): the
    templates are rendered without the request (no context processors, no session, no user).
    """
    exc = sys.exc_info()[1]
    outage = isinstance(exc, OperationalError | InterfaceError)
    api = request.path.startswith("/api/")
    if outage:
        if api:
            response = JsonResponse({"detail": OUTAGE}, status=503, json_dumps_params={"ensure_ascii": False},
                                    content_type=JSON)
        else:
            response = HttpResponse(loader.get_template("503.html").render({"message": OUTAGE}), status=503)
        response["Retry-After"] = str(settings.JINGFANG_RETRY_AFTER_SECONDS)
        return response
    if api:
        return JsonResponse({"detail": SERVER_ERROR}, status=500, json_dumps_params={"ensure_ascii": False},
                            content_type=JSON)
    return defaults.server_error(request)  # 500.html, rendered without the request
