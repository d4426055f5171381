from django import template

register = template.Library()


@register.filter
def num(value):
    """1234 -> '1,234'; 800.5 -> '800.50'; None -> '—'."""
    if value is None or value == "":
        return "—"
    try:
        value = float(value)
    except (TypeError, ValueError):
        return value
    return f"{int(value):,}" if value.is_integer() else f"{value:,.2f}"


@register.filter
def get(mapping, key):
    try:
        return mapping.get(key)
    except AttributeError:
        return None


@register.simple_tag
def met_tag(met):
    from django.utils.html import format_html

    if met is None:
        return ""
    return format_html('<span class="tag {}">{}</span>', "stable" if met else "unstable", "达标" if met else "未达标")


@register.filter
def can_view_stats(user) -> bool:
    """For the navigation: {% load stats_tags %}{% if user|can_view_stats %}…"""
    from jingfang.stats import permissions

    return permissions.can_view(user)


@register.filter
def can_see_inspections(user) -> bool:
    from jingfang.stats import permissions

    return permissions.can_view(user) and user.role in permissions.CLOSER_ROLES
