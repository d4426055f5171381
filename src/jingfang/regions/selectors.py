from jingfang.regions import codes

from .models import Region


def subregions_for(user) -> list[Region]:
    """Townships and villages within the user's region, for filters and pickers (not personal data)."""
    lo, hi = codes.code_range(user.region_id)
    return list(
        Region.objects.filter(code__gte=lo, code__lte=hi, level__gte=codes.TOWNSHIP).order_by("code")
    )
