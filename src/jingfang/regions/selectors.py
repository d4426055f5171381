from jingfang.regions import codes

from .models import Region


def subregions_for(user) -> list:
    """Townships and villages within the user's region, for filters and pickers (not personal data):
    rows with ``code``, ``name`` and ``level`` (a county's picker lists a few hundred regions; rows cost
    a fraction of model instances)."""
    lo, hi = codes.code_range(user.region_id)
    return list(
        Region.objects.filter(code__gte=lo, code__lte=hi, level__gte=codes.TOWNSHIP).order_by("code")
        .values_list("code", "name", "level", named=True)
    )
