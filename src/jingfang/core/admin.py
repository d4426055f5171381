from django.contrib import admin

from jingfang.accounts.admin import _system_admin

from .models import CalendarDay


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    """Admins enter the State Council's holiday notice for years the calendar package does not know."""

    list_display = ("date", "is_workday", "name", "source")
    list_filter = ("is_workday", "source")
    date_hierarchy = "date"
    search_fields = ("name",)

    def has_module_permission(self, request):
        return _system_admin(request)

    has_view_permission = has_change_permission = has_add_permission = has_delete_permission = (
        lambda self, request, obj=None: _system_admin(request)
    )

    def save_model(self, request, obj, form, change):
        obj.source = "admin"
        super().save_model(request, obj, form, change)
