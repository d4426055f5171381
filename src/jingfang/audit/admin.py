from django.contrib import admin

from jingfang.accounts import roles
from jingfang.accounts.admin import _admin_role_only

from .models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only: the application never changes or deletes audit rows. The audit administrator's
    (三员分立): neither the system nor the security administrator reads the audit log."""

    list_display = ("seq", "at", "username", "role", "action", "outcome", "patient_id", "target", "ip")
    list_filter = ("action", "outcome", "role")
    search_fields = ("username", "target")

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
