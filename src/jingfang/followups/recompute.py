"""Recomputing stored schedules in bulk: after a region's policy profile changed (signal from the
regions app) or on demand (`jingfang recompute_schedules`)."""

from jingfang.regions import codes
from jingfang.registry.models import Patient

from . import engine


def recompute_under(region_codes: list[str], progress=None, chunk: int = 200) -> int:
    """Refresh every patient living under any of the regions (all patients when the list is empty)."""
    engine.clear_caches()
    qs = Patient.objects.all()
    if region_codes:
        from django.db.models import Q

        cond = Q()
        for code in region_codes:
            lo, hi = codes.code_range(code)
            cond |= Q(region_id__gte=lo, region_id__lte=hi)
        qs = qs.filter(cond)
    ids = list(qs.values_list("pk", flat=True))
    total = len(ids)
    for start in range(0, total, chunk):
        for patient in Patient.objects.filter(pk__in=ids[start : start + chunk]):
            engine.refresh(patient)
        if progress:
            progress(min(start + chunk, total), total)
    return total


def on_policies_changed(sender, codes, **kwargs):
    recompute_under(list(codes))
