from django import template

register = template.Library()


@register.filter
def can_view_measures(user) -> bool:
    """For the navigation: may the user open the list of accountability measures?"""
    from jingfang.accountability import permissions

    return permissions.can_view(user)
