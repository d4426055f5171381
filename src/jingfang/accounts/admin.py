from django.contrib import admin
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.views import redirect_to_login
from django.urls import reverse

from . import services
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
    """Deleting a device resets a lost authenticator: the user enrols again at the next sign-in."""

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
