from django import template
from django.urls import reverse

register = template.Library()


@register.filter
def emergency_links(user) -> list[tuple[str, str]]:
    """For the navigation: the emergency-access pages this user has, as (url, label)."""
    from jingfang.accounts import roles

    if user is None or not user.is_authenticated:
        return []
    links = []
    if roles.can(user.role, roles.BREAK_GLASS):
        links.append((reverse("emergency:request"), "紧急查阅"))
    if roles.can(user.role, roles.ACKNOWLEDGE_EMERGENCY):
        links.append((reverse("emergency:notices"), "紧急查阅通知"))
    if roles.can(user.role, roles.REVIEW_EMERGENCY):
        links.append((reverse("emergency:queue"), "紧急查阅审核"))
    return links
