from django import template
from django.urls import reverse

register = template.Library()


@register.filter
def export_links(user) -> list[tuple[str, str, int]]:
    """For the navigation: (url, label, pending count) of the export-approval pages this user has."""
    from jingfang.accounts import roles

    from .. import selectors

    if user is None or not user.is_authenticated:
        return []
    links = []
    if selectors.is_approver(user):
        links.append((reverse("exports:queue"), "导出审批", selectors.pending_for(user).count()))
    if roles.can(user.role, roles.EXPORT):
        links.append((reverse("exports:mine"), "我的导出申请", 0))
    return links
