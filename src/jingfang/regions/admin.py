from django.contrib import admin

from jingfang.accounts.admin import _admin_role_only

from .models import Region


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "level", "parent", "population", "policy")
    list_filter = ("level",)
    search_fields = ("code", "name")
    raw_id_fields = ("parent",)

    def has_module_permission(self, request):
        return _admin_role_only(request)

    has_view_permission = has_change_permission = has_add_permission = (
        lambda self, request, obj=None: _admin_role_only(request)
    )

    def has_delete_permission(self, request, obj=None):
        return False
