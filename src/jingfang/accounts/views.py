import time
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.contrib import auth, messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm
from django.db import transaction
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from jingfang.audit import log as audit

from . import otp, services
from .models import TOTPDevice, User

# Session keys. PENDING: the password was right, the TOTP code is still due (not signed in yet).
PENDING = "jf_otp_pending"
# Set only by this login view: the role requires a second factor the user has not enrolled yet.
MUST_ENROL = "jf_must_enrol"
STARTED = "jf_started"
LAST_SEEN = "jf_last_seen"
PENDING_SECONDS = 300


def _safe_target(request, target: str | None) -> str:
    target = target or "/"
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return "/"
    return target


def _with_next(url_name: str, target: str) -> str:
    url = reverse(url_name)
    return url if target == "/" else f"{url}?{urlencode({'next': target})}"


def _start_session(request, user: User, target: str) -> HttpResponseRedirect:
    auth.login(request, user)  # rotates the session id
    now = time.time()
    request.session[STARTED] = now
    request.session[LAST_SEEN] = now
    if otp.must_enrol(user):
        request.session[MUST_ENROL] = True
        return HttpResponseRedirect(_with_next("accounts:totp_enrol", target))
    return HttpResponseRedirect(target)


def login(request):
    error = ""
    username = ""
    if request.method == "POST":
        username = request.POST.get("username", "")
        try:
            user = services.check_password(request, username, request.POST.get("password", ""))
        except services.SignInThrottled as exc:
            return _login_page(request, str(exc), username, status=429)
        if user is not None:
            target = _safe_target(request, request.POST.get("next") or request.GET.get("next"))
            if otp.confirmed_device(user) is not None:
                request.session.cycle_key()
                request.session[PENDING] = {"uid": user.pk, "at": time.time(), "next": target}
                return HttpResponseRedirect(reverse("accounts:login_otp"))
            services.complete_sign_in(request, user)
            return _start_session(request, user, target)
        error = services.LOGIN_FAILED
    return _login_page(request, error, username, status=401 if error else 200)


def _login_page(request, error: str, username: str, status: int):
    return render(
        request,
        "accounts/login.html",
        {"error": error, "username": username, "next": request.GET.get("next", "")},
        status=status,
    )


def _pending_user(request) -> tuple[User | None, str]:
    pending = request.session.get(PENDING)
    if not isinstance(pending, dict) or time.time() - pending.get("at", 0) > PENDING_SECONDS:
        return None, "/"
    user = User.objects.filter(pk=pending.get("uid"), is_active=True).first()
    return user, pending.get("next") or "/"


def login_otp(request):
    """Second sign-in step: the 6-digit code of the user's authenticator."""
    user, target = _pending_user(request)
    if user is None:
        request.session.pop(PENDING, None)
        messages.info(request, "请重新输入用户名和密码")
        return HttpResponseRedirect(reverse("accounts:login"))
    error = ""
    if request.method == "POST":
        try:
            passed = services.check_second_factor(request, user, request.POST.get("code", ""))
        except services.SignInThrottled as exc:
            return render(request, "accounts/login_otp.html", {"error": str(exc)}, status=429)
        if passed:
            request.session.pop(PENDING, None)
            services.complete_sign_in(request, user, ("password", "totp"))
            return _start_session(request, user, _safe_target(request, target))
        if user.is_locked():
            request.session.pop(PENDING, None)
            return render(request, "accounts/login.html", {"error": services.LOGIN_FAILED}, status=401)
        error = "动态口令不正确或已使用过，请输入验证器中当前显示的6位数字"
    return render(request, "accounts/login_otp.html", {"error": error}, status=401 if error else 200)


@require_POST
def logout(request):
    if request.user.is_authenticated:
        with transaction.atomic():  # the audit row and the tokens' end together or not at all
            audit.record_request(request, "logout")
            services.revoke_all_tokens(request.user, "logout", request=request)
    auth.logout(request)
    return HttpResponseRedirect(reverse("accounts:login"))


class ChangePasswordForm(PasswordChangeForm):
    def clean(self):
        cleaned = super().clean()
        new = cleaned.get("new_password2")
        if new and self.user.check_password(new):
            self.add_error("new_password2", "新密码不能与当前密码相同")
        return cleaned


@login_required
def password_change(request):
    user = request.user
    target = _safe_target(request, request.POST.get("next") or request.GET.get("next"))
    form = ChangePasswordForm(user, request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            with transaction.atomic():  # the new password and its audit row together or not at all
                form.save()  # set_password() also stamps password_changed_at
                audit.record_request(request, "admin", target=f"password_change:{user.username}")
                services.revoke_all_tokens(user, "password_change", request=request)
            auth.update_session_auth_hash(request, form.user)
            messages.success(request, "密码已修改")
            return HttpResponseRedirect(target)
        if form.has_error("old_password", "password_incorrect"):
            # A wrong current password counts toward the lockout, as at the login page.
            services.record_failure(request, user, user.username, detail={"step": "password_change"})
            user.refresh_from_db(fields=["locked_until"])
            if user.is_locked():
                auth.logout(request)
                return HttpResponseRedirect(reverse("accounts:login"))
        else:
            audit.record_request(
                request, "admin", outcome="invalid", target=f"password_change:{user.username}"
            )
    return render(
        request,
        "accounts/password_change.html",
        {
            "form": form,
            "expired": user.password_expired(),
            "max_days": settings.JINGFANG_PASSWORD_MAX_DAYS,
            "next": request.GET.get("next", ""),
        },
        status=400 if form.errors else 200,
    )


class CodeForm(forms.Form):
    code = forms.CharField(label="6位动态口令", max_length=10)


# Session key: the enrolment code this user typed and that was accepted (the QR code may be shown).
ENROL_CODE = "jf_enrol_code"
ENROL_CODE_WRONG = "绑定码不正确、已使用或已过期，请核对后重新输入，或联系系统管理员重新签发"
ENROL_CODE_LAPSED = "绑定码已过期或已被重新签发，请重新输入绑定码"


def _accepted_code(request, user: User):
    pending = request.session.get(ENROL_CODE)
    if not isinstance(pending, dict) or pending.get("uid") != user.pk:
        return None
    return otp.valid_enrolment_code(user, pk=pending.get("code"))


@login_required
def totp_enrol(request):
    """Bind an authenticator app: first the one-time enrolment code an administrator issued (M7), then
    scan the QR code (or type the secret) and confirm with one code. Users with one may disable it."""
    user = request.user
    target = _safe_target(request, request.POST.get("next") or request.GET.get("next"))
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    required = otp.role_requires(user.role)
    error = ""
    if device is not None:
        if request.method == "POST" and request.POST.get("action") == "disable" and not required:
            with transaction.atomic():  # the device's removal and its audit row together or not at all
                disabled = otp.verify(device, request.POST.get("code", ""))
                if disabled:
                    device.delete()
                    audit.record_request(request, "admin", target=f"totp_disable:{user.username}")
            if disabled:
                messages.success(request, "已停用动态口令")
                return HttpResponseRedirect(reverse("accounts:totp_enrol"))
            error = "动态口令不正确"
        return render(
            request,
            "accounts/totp_enrol.html",
            {"enabled": True, "required": required, "error": error, "device": device},
            status=400 if error else 200,
        )
    accepted = _accepted_code(request, user)
    context = {
        "enabled": False,
        "required": required,
        "must_enrol": bool(request.session.get(MUST_ENROL)),
        "next": request.GET.get("next", ""),
        "code_hours": settings.JINGFANG_TOTP_ENROL_CODE_HOURS,
    }
    if accepted is None:
        return _enrol_code_step(request, user, context)
    device = otp.pending_device(user)
    if device is None:  # e.g. removed by an administrator meanwhile
        device = otp.fresh_pending_device(user)
    if request.method == "POST":
        with transaction.atomic():  # the device, the code's use and the audit row together or not at all
            ok = otp.confirm(device, request.POST.get("code", ""))
            if ok and not otp.use_enrolment_code(accepted):
                transaction.set_rollback(True)  # the enrolment code was replaced or expired meanwhile
                request.session.pop(ENROL_CODE, None)
                messages.error(request, ENROL_CODE_WRONG)
                return HttpResponseRedirect(request.get_full_path())
            if ok:
                audit.record_request(request, "admin", target=f"totp_enrol:{user.username}")
        if ok:
            request.session.pop(MUST_ENROL, None)
            request.session.pop(ENROL_CODE, None)
            messages.success(request, "动态口令已启用，今后登录时需输入验证器中的6位数字")
            return HttpResponseRedirect(target)
        error = "动态口令不正确，请检查手机时间并输入当前显示的6位数字"
    uri = otp.provisioning_uri(device)
    context.update(
        {"step": "bind", "error": error, "secret": device.secret, "uri": uri, "qr_svg": otp.qr_svg(uri)}
    )
    return render(request, "accounts/totp_enrol.html", context, status=400 if error else 200)


def _enrol_code_step(request, user: User, context: dict):
    """Ask for the enrolment code; a wrong one counts toward the lockout like a wrong password."""
    context["step"] = "code"
    if request.method != "POST":
        return render(request, "accounts/totp_enrol.html", context)
    if "enrol_code" not in request.POST:  # the second step's form, after its enrolment code lapsed
        context["error"] = ENROL_CODE_LAPSED
        return render(request, "accounts/totp_enrol.html", context, status=400)
    try:
        services.refuse_throttled(request, user.username)
    except services.SignInThrottled as exc:
        context["error"] = str(exc)
        return render(request, "accounts/totp_enrol.html", context, status=429)
    code = otp.valid_enrolment_code(user, raw=request.POST.get("enrol_code", "")[:64])
    if code is None:
        services.record_failure(request, user, user.username, detail={"step": "totp_enrol_code"})
        user.refresh_from_db(fields=["locked_until"])
        if user.is_locked():
            auth.logout(request)
            return HttpResponseRedirect(reverse("accounts:login"))
        context["error"] = ENROL_CODE_WRONG
        return render(request, "accounts/totp_enrol.html", context, status=400)
    with transaction.atomic():  # the new device and its audit row together or not at all
        otp.fresh_pending_device(user)  # a new secret, seen only from now on
        audit.record_request(request, "admin", target=f"totp_enrol_code_accepted:{user.username}")
    request.session[ENROL_CODE] = {"uid": user.pk, "code": code.pk}
    return HttpResponseRedirect(request.get_full_path())
