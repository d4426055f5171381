"""Running one job: claim it, call its kind's handler with a progress reporter, record how it ended.

Claiming is a conditional update (queued -> running, attempt + 1), so a job runs once even if its
task is delivered twice. Every later write to the row names the attempt, so a run that was given up
for dead (``services.reap_stale``) and then re-run cannot overwrite the newer run's progress.
"""

import logging

from django.db.models import F
from django.utils import timezone

from . import kinds
from .models import Job
from .progress import Reporter, clear_side

log = logging.getLogger(__name__)

INTERNAL_ERROR = "任务执行出错（{name}），已通知管理员。{note}"
RERUN_NOTE = "未留下部分结果，可重新运行。"
KILLED = "后台进程在任务运行中被终止。" + RERUN_NOTE


def _finish(job: Job, status: str, **values) -> None:
    Job.objects.filter(pk=job.pk, attempt=job.attempt).update(
        status=status, finished_at=timezone.now(), heartbeat_at=timezone.now(), **values
    )
    clear_side(job.pk)


def execute(job_id: int, task_id: str = "") -> dict:
    now = timezone.now()
    claimed = Job.objects.filter(pk=job_id, status=Job.QUEUED).update(
        status=Job.RUNNING, started_at=now, heartbeat_at=now, finished_at=None, attempt=F("attempt") + 1,
        done=0, error="", retryable=False, message="开始运行", **({"task_id": task_id} if task_id else {}),
    )
    if not claimed:
        log.warning("job %s is not queued (gone, or already taken): not run", job_id)
        return {"job": job_id, "ran": False}
    job = Job.objects.get(pk=job_id)
    kind = kinds.get(job.kind)
    report = Reporter(job)
    try:
        result = kind.handler(job, report) or {}
    except kinds.JobFailed as exc:
        _finish(job, Job.FAILED, error=exc.message[:500], result=exc.result, retryable=exc.retryable,
                message=report.message)
        return {"job": job_id, "ran": True, "status": Job.FAILED}
    except Exception as exc:
        log.exception("job %s (%s) failed", job_id, job.kind)
        note = RERUN_NOTE if kind.rerunnable else ""
        _finish(job, Job.FAILED, error=INTERNAL_ERROR.format(name=type(exc).__name__, note=note)[:500],
                retryable=kind.rerunnable, message=report.message)
        raise
    except BaseException:  # the worker asked to stop now (second Ctrl+C): say so, then stop
        _finish(job, Job.FAILED, error=KILLED if kind.rerunnable else "后台进程在任务运行中被终止。",
                retryable=kind.rerunnable, message=report.message)
        raise
    _finish(job, Job.SUCCEEDED, result=result, done=report.total or report.done, total=report.total or report.done,
            message=str(result.get("message", "完成"))[:200])
    return {"job": job_id, "ran": True, "status": Job.SUCCEEDED}
