"""API: background jobs (``/api/v1/jobs``). A user reads their own jobs; administrators also the
system's. Progress is ``done``/``total`` and ``percent``; files (reports, exports) download from
``/api/v1/jobs/{id}/files/{purpose}``."""

import datetime as dt

from django.db import transaction
from django.http import HttpResponse
from ninja import Field, Query, Router, Schema, Status

from jingfang.audit import log as audit
from jingfang.core import api_support

from . import kinds, selectors, services
from .models import Job, JobFile
from .progress import live

router = Router(tags=["后台任务"])


Detail = api_support.Detail  # one schema of that name in the OpenAPI document


class FileOut(Schema):
    purpose: str = Field(..., description="report 校验报告；result 结果文件")
    name: str
    size: int
    url: str


class JobOut(Schema):
    id: int
    kind: str
    kind_label: str
    title: str
    status: str = Field(..., description="queued 排队中；running 进行中；succeeded 已完成；failed 失败")
    status_label: str
    done: int
    total: int
    percent: int
    message: str
    error: str
    retryable: bool = Field(..., description="失败后可重新运行（未留下部分结果）")
    result: dict
    files: list[FileOut]
    created_at: dt.datetime
    started_at: dt.datetime | None
    finished_at: dt.datetime | None


class JobPage(Schema):
    count: int
    items: list[JobOut]


class JobFilters(Schema):
    page: api_support.Page = None
    page_size: api_support.PageSize = None


def job_data(job: Job) -> dict:
    job = live(job)
    files = [
        {"purpose": f.purpose, "name": f.name, "size": f.size, "url": f"/api/v1/jobs/{job.pk}/files/{f.purpose}"}
        for f in job.files.all().only("id", "purpose", "name", "size") if f.purpose != JobFile.INPUT
    ]
    return {
        "id": job.pk, "kind": job.kind, "kind_label": kinds.label(job.kind), "title": job.title,
        "status": job.status, "status_label": job.status_label, "done": job.done, "total": job.total,
        "percent": job.percent, "message": job.message, "error": job.error, "retryable": job.retryable,
        "result": job.result or {}, "files": files, "created_at": job.created_at, "started_at": job.started_at,
        "finished_at": job.finished_at,
    }


@router.get("/jobs", response=JobPage, summary="我的后台任务")
def list_jobs(request, filters: Query[JobFilters]):
    services.reap_stale()
    count, rows = api_support.paginate(selectors.jobs_for(request.user), filters.page, filters.page_size)
    return {"count": count, "items": [job_data(j) for j in rows]}


@router.get("/jobs/{id}", response={200: JobOut, 404: Detail}, summary="后台任务的进度与结果")
def get_job(request, id: int):
    job = selectors.get_job_for(request, id)
    if job.status == Job.RUNNING:
        services.reap_stale()
        job.refresh_from_db()
    return job_data(job)


@router.get("/jobs/{id}/files/{purpose}", response={200: None, 404: Detail}, summary="下载任务文件")
def get_file(request, id: int, purpose: str):
    """校验报告（report）或结果文件（result），xlsx。下载记入审计。"""
    job = selectors.get_job_for(request, id)
    f = JobFile.objects.filter(job=job, purpose=purpose).exclude(purpose=JobFile.INPUT).first()
    if f is None:
        audit.record_request(request, "export", outcome="not_found", target=f"job:{job.pk}", detail={"file": purpose})
        return Status(404, {"detail": "文件不存在或已过保留期"})
    audit.record_request(request, "export", target=f"job:{job.pk}", detail={"file": purpose, "bytes": f.size})
    from urllib.parse import quote

    response = HttpResponse(services.unseal(bytes(f.data)), content_type=f.content_type)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(f.name)}"
    response["Cache-Control"] = "no-store"
    return response


@router.post("/jobs/{id}/rerun", response={202: JobOut, 404: Detail, 409: Detail}, summary="重新运行失败的任务")
def rerun_job(request, id: int):
    """仅限发起人，且任务因后台进程中断等原因失败、未留下部分结果（retryable=true）。"""
    job = selectors.get_job_for(request, id)
    if job.owner_id != request.user.pk:
        audit.record_request(request, "update", outcome="denied", target=f"job:{job.pk}")
        return Status(409, {"detail": "只有发起人可以重新运行此任务"})
    try:
        with transaction.atomic():  # queued again only with its audit row
            job = services.rerun(job)
            audit.record_request(request, "update", target=f"job:{job.pk}", detail={"rerun": True})
    except ValueError as exc:
        return Status(409, {"detail": str(exc)})
    return Status(202, job_data(job))
