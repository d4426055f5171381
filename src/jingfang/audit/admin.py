from django.contrib import admin

from jingfang.accounts import roles
from jingfang.accounts.admin import _admin_role_only

from . import targets
from .models import AuditEvent


class RoleFilter(admin.SimpleListFilter):
    title = "角色"
    parameter_name = "role"

    def lookups(self, request, model_admin):
        return roles.ROLE_CHOICES

    def queryset(self, request, queryset):
        return queryset.filter(role=self.value()) if self.value() else queryset


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only: the application never changes or deletes audit rows. The audit administrator's
    (三员分立): neither the system nor the security administrator reads the audit log."""

    list_display = ("seq", "at", "username", "role_shown", "action", "outcome", "patient_shown", "target_shown", "ip")
    list_filter = ("action", "outcome", RoleFilter)
    search_fields = ("username", "target")

    @admin.display(description="角色", ordering="role")
    def role_shown(self, obj):
        return roles.label(obj.role) if obj.role else ""

    @admin.display(description="患者", ordering="patient_id")
    def patient_shown(self, obj):
        return targets.patient(obj.patient_id).text

    @admin.display(description="对象")
    def target_shown(self, obj):
        return targets.describe(obj.target, obj.patient_id).text

    def has_module_permission(self, request):
        return _admin_role_only(request, roles.VIEW_AUDIT)

    def has_view_permission(self, request, obj=None):
        return _admin_role_only(request, roles.VIEW_AUDIT)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
