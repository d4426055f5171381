from django import forms
from django.contrib import admin

from jingfang.accounts.admin import _system_admin

from .models import Region
from .signals import policies_changed, policy_problem


class RegionForm(forms.ModelForm):
    class Meta:
        model = Region
        fields = ["code", "name", "level", "parent", "population", "policy"]

    def clean_policy(self):
        name = (self.cleaned_data.get("policy") or "").strip()
        problem = policy_problem(name) if name else ""
        if problem:
            raise forms.ValidationError(problem)
        return name


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "level", "parent", "population", "policy")
    list_filter = ("level",)
    search_fields = ("code", "name")
    raw_id_fields = ("parent",)
    form = RegionForm

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and "policy" in form.changed_data:
            policies_changed.send(sender=Region, codes=[obj.code])

    def has_module_permission(self, request):
        return _system_admin(request)

    has_view_permission = has_change_permission = has_add_permission = (
        lambda self, request, obj=None: _system_admin(request)
    )

    def has_delete_permission(self, request, obj=None):
        return False
