from django.contrib import auth
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from jingfang.audit import log as audit

from . import services


def login(request):
    error = ""
    username = ""
    if request.method == "POST":
        username = request.POST.get("username", "")
        user = services.sign_in(request, username, request.POST.get("password", ""))
        if user is not None:
            auth.login(request, user)  # rotates the session id
            target = request.POST.get("next") or request.GET.get("next") or "/"
            if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
                target = "/"
            return HttpResponseRedirect(target)
        error = services.LOGIN_FAILED
    return render(
        request,
        "accounts/login.html",
        {"error": error, "username": username, "next": request.GET.get("next", "")},
        status=401 if error else 200,
    )


@require_POST
def logout(request):
    if request.user.is_authenticated:
        audit.record_request(request, "logout")
    auth.logout(request)
    return HttpResponseRedirect(reverse("accounts:login"))
