"""The Django admin: the three administrators of 三员分立, each for their own duty, none for patient data.

- system administrator (``admin``, MANAGE_USERS): users' non-privileged details, regions, settings;
  a new user, or a changed role, region or reactivation, is only requested here (services_access);
- security administrator (APPROVE_ACCESS): approves or rejects those requests, resets passwords and
  lost authenticators;
- audit administrator (VIEW_AUDIT): reads the audit log (audit.admin).
Nobody changes their own role, region or active flag.
"""

import functools

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.urls import reverse

from jingfang.audit import log as audit

from . import otp, roles
from .models import AccessRequest, TOTPDevice, User
from .services import on_access_changed
from .services_access import (
    AccessRefused,
    approve_access_request,
    reject_access_request,
    request_access_change,
)


def _admin_role_only(request, action: str | None = None) -> bool:
    """The admin site is for the three administrators only (is_staff, an administrator's role), never
    for patient data; with ``action``, only for the administrator whose role has that permission."""
    user = request.user
    if not (user.is_active and user.is_authenticated and user.is_staff and roles.is_admin_role(user.role)):
        return False
    return action is None or roles.can(user.role, action)


def _system_admin(request) -> bool:
    return _admin_role_only(request, roles.MANAGE_USERS)


def _security_admin(request) -> bool:
    return _admin_role_only(request, roles.APPROVE_ACCESS)


def _login_through_accounts(request, extra_context=None):
    """The admin's own login form would skip the lockout and the second factor: use ours."""
    target = request.GET.get(REDIRECT_FIELD_NAME) or reverse("admin:index")
    return redirect_to_login(target, reverse("accounts:login"))


def _admin_view_audited(view, cacheable=False, _wrap=admin.site.admin_view):
    """Every admin view runs with its request known to the audit log: the rows of the admin's own
    LogEntries then carry the client's address (audit.log.record_admin_entry)."""
    inner = _wrap(view, cacheable)

    @functools.wraps(inner)
    def wrapped(request, *args, **kwargs):
        with audit.admin_request(request):
            return inner(request, *args, **kwargs)

    return wrapped


admin.site.has_permission = _admin_role_only
admin.site.admin_view = _admin_view_audited
admin.site.login = _login_through_accounts
admin.site.site_header = "精防 · 系统管理"
admin.site.site_title = "精防系统管理"
admin.site.index_title = "用户与区划"

ACCESS_FIELDS = ("role", "region", "is_active")


class NewUserForm(forms.ModelForm):
    """A new user as the system administrator asks for it: no password. Issuing the first password is
    a credential for the security administrator, once the user is approved; a password typed here
    would let the system administrator sign in as the user it asked for."""

    class Meta:
        model = User
        fields = ("username", "first_name", "role", "region")


@admin.register(User)
class JingfangUserAdmin(UserAdmin):
    """Users: the system administrator edits details and requests access changes; the security
    administrator sees users and resets their passwords."""

    list_display = ("username", "first_name", "role", "region", "is_active", "last_login")
    list_filter = ("role", "is_active")
    search_fields = ("username", "first_name", "last_name")
    raw_id_fields = ("region",)
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        ("个人信息", {"fields": ("first_name", "last_name", "phone", "email")}),
        ("角色与辖区（变更须经安全管理员审批）", {"fields": ("role", "region", "is_active", "is_staff")}),
        ("登录", {"fields": ("last_login", "failed_logins", "locked_until", "password_changed_at")}),
    )
    add_form = NewUserForm
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("username", "first_name", "role", "region")}),
    )

    def get_readonly_fields(self, request, obj=None):
        fields = ["last_login", "password_changed_at", "is_staff"]  # is_staff follows the role
        if obj is not None and obj.pk == request.user.pk:
            fields += ACCESS_FIELDS  # nobody changes their own role, region or active flag
        return fields

    def save_model(self, request, obj, form, change):
        """Role, region and active flag are never written by the form: they become a request
        (services_access), applied at once only when access is taken away."""
        if not change:
            wanted = {"role": obj.role, "region": obj.region_id, "active": True}
            obj.is_active = obj.is_staff = obj.is_superuser = False  # nobody signs in before approval
            obj.set_unusable_password()  # the security administrator issues the first password
            super().save_model(request, obj, form, change)
            self._request(request, obj, wanted, new_user=True)
            return
        stored = User.objects.get(pk=obj.pk)
        wanted = {"role": obj.role, "region": obj.region_id, "active": obj.is_active}
        obj.role, obj.region_id, obj.is_active = stored.role, stored.region_id, stored.is_active
        obj.is_staff, obj.is_superuser = stored.is_staff, stored.is_superuser
        super().save_model(request, obj, form, change)
        if any(f in form.changed_data for f in ACCESS_FIELDS):
            self._request(request, obj, wanted)

    def _request(self, request, user, wanted: dict, new_user: bool = False) -> None:
        try:
            pending = request_access_change(actor=request.user, user=user, role=wanted["role"],
                                            region=wanted["region"], active=wanted["active"], new_user=new_user,
                                            request=request)
        except AccessRefused as exc:
            self.message_user(request, exc.message, messages.ERROR)
            return
        user.refresh_from_db()
        if pending is not None:
            self.message_user(request, f"已提交申请（{pending.summary()}），须由安全管理员审批后生效"
                              + ("；初始密码由安全管理员设置" if new_user else ""), messages.WARNING)

    def user_change_password(self, request, id, form_url=""):
        """Resetting another user's password is the security administrator's (never one's own here:
        that is the password page, which asks for the old one)."""
        if not _security_admin(request) or str(request.user.pk) == str(id):
            raise PermissionDenied
        request._jingfang_credential_reset = True
        response = super().user_change_password(request, id, form_url)
        if request.method == "POST" and response.status_code == 302:
            user = User.objects.get(pk=id)
            audit.record_request(request, "admin", target=f"user:{user.pk}", detail={"op": "credential_reset",
                                                                                     "credential": "password"})
            # whoever held the old password holds no session or token
            on_access_changed(user, reason="password_change", actor=request.user, request=request)
        return response

    actions = ["issue_totp_enrolment_codes"]

    @admin.action(description="签发动态口令绑定码（只显示一次）")
    def issue_totp_enrolment_codes(self, request, queryset):
        """One-time codes the selected users need to bind an authenticator (M7), shown once, here."""
        if not _security_admin(request):  # issuing credentials is the security administrator's
            self.message_user(request, "签发动态口令绑定码须由安全管理员操作", messages.ERROR)
            return None
        issued, skipped = [], []
        for user in queryset.order_by("username"):
            if user.pk == request.user.pk:
                skipped.append((user, "不能为自己签发：请由另一位安全管理员签发，或在服务器上运行 issue_totp_code"))
            elif not user.is_active:
                skipped.append((user, "账号已停用"))
            elif otp.confirmed_device(user) is not None:
                skipped.append((user, "已绑定动态口令：如需重新绑定，请先在“动态口令设备”中删除（重置）其设备"))
            else:
                raw, code = otp.issue_enrolment_code(user, issued_by=request.user, request=request)
                issued.append((user, raw, code.expires_at))
        if not issued:
            for user, why in skipped:
                self.message_user(request, f"{user.username}：{why}", messages.WARNING)
            return None
        response = TemplateResponse(
            request,
            "admin/accounts/enrolment_codes.html",
            {**self.admin_site.each_context(request), "title": "动态口令绑定码", "issued": issued, "skipped": skipped},
        )
        response["Cache-Control"] = "no-store"
        return response

    def has_delete_permission(self, request, obj=None):
        return False  # deactivate instead: audit rows keep naming the user

    def has_module_permission(self, request):
        return _system_admin(request) or _security_admin(request)

    def has_view_permission(self, request, obj=None):
        return _system_admin(request) or _security_admin(request)

    def has_add_permission(self, request):
        return _system_admin(request)

    def has_change_permission(self, request, obj=None):
        if getattr(request, "_jingfang_credential_reset", False):
            return _security_admin(request)
        return _system_admin(request)


@admin.register(AccessRequest)
class AccessRequestAdmin(admin.ModelAdmin):
    """Pending grants and changes: the system administrator follows them, a security administrator
    other than the requester approves or rejects them (the actions of the list)."""

    list_display = ("requested_at", "user", "change", "requested_by", "requested_ip", "status", "decided_by",
                    "decided_at")
    list_filter = ("status",)
    search_fields = ("user__username",)
    actions = ("approve", "reject")
    fields = ("user", "change", "new_user", "requested_by", "requested_at", "requested_ip", "status",
              "decided_by", "decided_at", "decided_ip")
    readonly_fields = fields

    @admin.display(description="变更内容")
    def change(self, obj):
        return obj.summary()

    def _decide(self, request, queryset, service, done: str):
        for pending in queryset:
            try:
                service(actor=request.user, access_request=pending, request=request)
            except AccessRefused as exc:
                self.message_user(request, f"{pending.user.username}：{exc.message}", messages.ERROR)
            else:
                self.message_user(request, f"{pending.user.username}：{done}", messages.SUCCESS)

    @admin.action(description="批准所选申请", permissions=["approve"])
    def approve(self, request, queryset):
        self._decide(request, queryset, approve_access_request, "已批准并生效")

    @admin.action(description="驳回所选申请", permissions=["approve"])
    def reject(self, request, queryset):
        self._decide(request, queryset, reject_access_request, "已驳回")

    def has_approve_permission(self, request):
        return _security_admin(request)

    def has_module_permission(self, request):
        return _system_admin(request) or _security_admin(request)

    def has_view_permission(self, request, obj=None):
        return _system_admin(request) or _security_admin(request)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(TOTPDevice)
class TOTPDeviceAdmin(admin.ModelAdmin):
    """Deleting a device resets a lost authenticator: the user enrols again at the next sign-in, with a
    new enrolment code (the user list's action 签发动态口令绑定码). A credential reset: the security
    administrator's, never on their own device."""

    list_display = ("user", "confirmed", "created_at", "confirmed_at")
    list_filter = ("confirmed",)
    search_fields = ("user__username",)
    fields = ("user", "confirmed", "created_at", "confirmed_at")
    readonly_fields = fields  # the secret is never shown here

    def has_add_permission(self, request):
        return False

    def has_module_permission(self, request):
        return _security_admin(request)

    def has_view_permission(self, request, obj=None):
        return _security_admin(request)

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return _security_admin(request) and (obj is None or obj.user_id != request.user.pk)

    def delete_queryset(self, request, queryset):
        for device in queryset.exclude(user_id=request.user.pk):
            self.delete_model(request, device)

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        audit.record_request(request, "admin", target=f"user:{obj.user_id}",
                             detail={"op": "credential_reset", "credential": "totp"})
