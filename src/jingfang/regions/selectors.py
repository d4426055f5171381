from django.db.models import Case, IntegerField, Q, Value, When

from jingfang.core import picker
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


def townships_named(q: str, *, limit: int) -> tuple[list, bool]:
    """Townships (乡镇/街道) anywhere in the tree whose name, or the name of one of whose villages, holds
    ``q`` (a transfer's destinations; regions are not personal data): at most ``limit``, names beginning
    with ``q`` first, and whether there were more. Each row carries ``via_village`` (matched by a village)."""
    villages = Region.objects.filter(level=codes.VILLAGE, name__icontains=q).values("parent_id")
    qs = (Region.objects.filter(level=codes.TOWNSHIP).filter(Q(name__icontains=q) | Q(code__in=villages))
          .annotate(starts=Case(When(name__startswith=q, then=Value(0)),
                                When(name__icontains=q, then=Value(1)), default=Value(2), output_field=IntegerField()))
          .order_by("starts", "code"))
    found, more = picker.limited(qs, limit)
    for region in found:
        region.via_village = region.starts == 2
    return found, more
