from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from .models import User


def _admin_role_only(request) -> bool:
    """Django admin is for system administrators only (role admin), never for patient data."""
    user = request.user
    return bool(user.is_active and user.is_authenticated and user.is_staff and user.role == "admin")


admin.site.has_permission = _admin_role_only
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
        ("登录", {"fields": ("last_login", "failed_logins", "locked_until")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("username", "role", "region", "password1", "password2")}),
    )
    readonly_fields = ("last_login",)

    def has_delete_permission(self, request, obj=None):
        return False  # deactivate instead: audit rows keep naming the user

    def has_module_permission(self, request):
        return _admin_role_only(request)

    has_view_permission = has_change_permission = has_add_permission = (
        lambda self, request, obj=None: _admin_role_only(request)
    )
