"""Job kinds that belong to no single page: the recomputation of stored schedules."""

from jingfang.regions import codes


def recompute_schedules(job, report) -> dict:
    """``params``: {"region": "<12-digit code>"} or {} for every patient (followups.recompute)."""
    from jingfang.followups.recompute import recompute_under

    region = (job.params or {}).get("region", "")
    if region and not codes.is_valid_code(region):
        from .kinds import JobFailed

        raise JobFailed(f"区划代码“{region}”格式不正确，应为12位数字")
    report.phase("正在重新计算随访计划")
    total = recompute_under([region] if region else [], progress=lambda done, total: report(done, total))
    return {"message": f"已重新计算{total}名患者的随访计划", "summary": [["患者人数", total]], "patients": total}
