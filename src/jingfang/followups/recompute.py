"""Recomputing stored schedules in bulk: after a region's policy profile changed (signal from the
regions app) or on demand (`jingfang recompute_schedules`, the background job of that name)."""

from jingfang.jobs.kinds import JobFailed
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


def recompute_schedules(job, report) -> dict:
    """The background job (kind ``recompute_schedules``, registered in FollowupsConfig.ready()).
    ``params``: {"region": "<12-digit code>"} or {} for every patient."""
    region = (job.params or {}).get("region", "")
    if region and not codes.is_valid_code(region):
        raise JobFailed(f"区划代码“{region}”格式不正确，应为12位数字")
    report.phase("正在重新计算随访计划")
    total = recompute_under([region] if region else [], progress=lambda done, total: report(done, total))
    return {"message": f"已重新计算{total}名患者的随访计划", "summary": [["患者人数", total]], "patients": total}
