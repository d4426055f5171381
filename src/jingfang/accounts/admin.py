from django.contrib import admin, messages
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.views import redirect_to_login
from django.template.response import TemplateResponse
from django.urls import reverse

from . import otp, services
from .models import TOTPDevice, User


def _admin_role_only(request) -> bool:
    """Django admin is for system administrators only (role admin), never for patient data."""
    user = request.user
    return bool(user.is_active and user.is_authenticated and user.is_staff and user.role == "admin")


def _login_through_accounts(request, extra_context=None):
    """The admin's own login form would skip the lockout and the second factor: use ours."""
    target = request.GET.get(REDIRECT_FIELD_NAME) or reverse("admin:index")
    return redirect_to_login(target, reverse("accounts:login"))


admin.site.has_permission = _admin_role_only
admin.site.login = _login_through_accounts
admin.site.site_header = "精防 · 系统管理"
admin.site.site_title = "精防系统管理"
admin.site.index_title = "用户与区划"


@admin.register(User)
class JingfangUserAdmin(UserAdmin):
    list_display = ("username", "first_name", "role", "region", "is_active", "last_login")
    list_filter = ("role", "is_active")
    search_fields = ("username", "first_name", "last_name")
    raw_id_fields = ("region",)
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        ("个人信息", {"fields": ("first_name", "last_name", "phone", "email")}),
        ("角色与辖区", {"fields": ("role", "region", "is_active", "is_staff")}),
        ("登录", {"fields": ("last_login", "failed_logins", "locked_until", "password_changed_at")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("username", "role", "region", "password1", "password2")}),
    )
    readonly_fields = ("last_login", "password_changed_at")
    actions = ["issue_totp_enrolment_codes"]

    @admin.action(description="签发动态口令绑定码（只显示一次）")
    def issue_totp_enrolment_codes(self, request, queryset):
        """One-time codes the selected users need to bind an authenticator (M7), shown once, here."""
        issued, skipped = [], []
        for user in queryset.order_by("username"):
            if user.pk == request.user.pk:
                skipped.append((user, "不能为自己签发：请由另一位系统管理员签发，或在服务器上运行 issue_totp_code"))
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

    def save_model(self, request, obj, form, change):
        before = User.objects.filter(pk=obj.pk).first() if change else None
        super().save_model(request, obj, form, change)
        # A new role or region, or deactivation, ends every API token of the user (M4).
        reasons = services.access_changes(before, obj)
        if reasons:
            services.revoke_all_tokens(obj, "+".join(reasons), actor=request.user, request=request)

    def user_change_password(self, request, id, form_url=""):
        response = super().user_change_password(request, id, form_url)
        if request.method == "POST" and response.status_code == 302:  # the new password was saved
            user = User.objects.filter(pk=id).first()
            if user is not None:
                services.revoke_all_tokens(user, "password_change", actor=request.user, request=request)
        return response

    def has_module_permission(self, request):
        return _admin_role_only(request)

    has_view_permission = has_change_permission = has_add_permission = (
        lambda self, request, obj=None: _admin_role_only(request)
    )


@admin.register(TOTPDevice)
class TOTPDeviceAdmin(admin.ModelAdmin):
    """Deleting a device resets a lost authenticator: the user enrols again at the next sign-in, with a
    new enrolment code (the user list's action 签发动态口令绑定码)."""

    list_display = ("user", "confirmed", "created_at", "confirmed_at")
    list_filter = ("confirmed",)
    search_fields = ("user__username",)
    fields = ("user", "confirmed", "created_at", "confirmed_at")
    readonly_fields = fields  # the secret is never shown here

    def has_add_permission(self, request):
        return False

    def has_module_permission(self, request):
        return _admin_role_only(request)

    has_view_permission = has_change_permission = has_delete_permission = (
        lambda self, request, obj=None: _admin_role_only(request)
    )
