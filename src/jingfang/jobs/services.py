"""Writes to jobs: submit (and queue), run again, give up on dead runs, attach files, purge files."""

import datetime as dt
import hashlib
import logging
import os

from cryptography.exceptions import InvalidTag
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from . import kinds
from .models import Job, JobFile
from .progress import clear_side, read_side

log = logging.getLogger(__name__)

STALE = "后台进程已停止响应（超过{seconds}秒没有进展），任务未完成。"
NOT_RERUNNABLE = "此任务不能重新运行"


def _enqueue(job: Job) -> None:
    from .tasks import run_job

    result = run_job.enqueue(job.pk)
    Job.objects.filter(pk=job.pk, task_id="").update(task_id=str(result.id)[:64])


def submit(kind: str, *, owner, title: str, params: dict | None = None, files: list | tuple = (),
           schedule_key: str | None = None) -> Job:
    """Create the job and queue it, in one transaction (with the database backend, the task row
    commits with the job). ``files``: (purpose, name, content_type, bytes). With the immediate
    backend the job runs here and now."""
    kinds.get(kind)  # refuse unknown kinds before writing anything
    with transaction.atomic():
        job = Job.objects.create(
            kind=kind, title=title[:200], owner=owner, region_code=getattr(owner, "region_id", "") or "",
            params=params or {}, schedule_key=schedule_key, message="排队等待后台进程",
        )
        for purpose, name, content_type, data in files:
            attach(job, purpose, name, content_type, data)
        _enqueue(job)
    job.refresh_from_db()
    return job


def submit_scheduled(kind: str, key: str, *, title: str, params: dict | None = None) -> Job | None:
    """Queue a system job once per ``key`` (several workers may try; one wins)."""
    try:
        with transaction.atomic():
            return submit(kind, owner=None, title=title, params=params, schedule_key=key)
    except IntegrityError:
        return None


# Job files hold personal data (an uploaded ledger is full of ID numbers and phones): they are
# encrypted at rest like the identifier columns, with the current field key (core.crypto), as
# b"v1:<key id>:" + nonce + AES-GCM ciphertext; `jingfang rotate_keys` seals them again under a new
# key (``reseal_files``), so that the old key can be dropped at once.
SEALED = b"v1:"
AAD = b"jingfang job file"


def seal(data: bytes) -> bytes:
    from jingfang.core import crypto

    ring = crypto.keyring()
    nonce = os.urandom(crypto.NONCE_BYTES)
    return SEALED + ring.current.encode() + b":" + nonce + ring.aead[ring.current].encrypt(nonce, data, AAD)


def unseal(stored: bytes) -> bytes:
    from jingfang.core import crypto

    if not stored.startswith(SEALED):
        raise crypto.DecryptionError("任务文件不是加密格式")
    kid, _, body = stored[len(SEALED):].partition(b":")
    aead = crypto.keyring().aead.get(kid.decode())
    if aead is None:
        raise crypto.DecryptionError(f"任务文件由字段密钥 {kid.decode()} 加密，但未配置此密钥")
    try:
        return aead.decrypt(body[: crypto.NONCE_BYTES], body[crypto.NONCE_BYTES :], AAD)
    except InvalidTag:
        raise crypto.DecryptionError("任务文件解密失败（密钥被替换或数据被篡改）") from None


def reseal_files(*, write: bool = True) -> int:
    """Job files sealed under a field key other than the current one: how many, and with ``write``
    sealed again under the current key (one file in memory at a time: a ledger may be 40 MB)."""
    from jingfang.core import crypto

    current = SEALED + crypto.keyring().current.encode() + b":"
    changed = 0
    for pk in JobFile.objects.order_by("pk").values_list("pk", flat=True):
        data = bytes(JobFile.objects.filter(pk=pk).values_list("data", flat=True).first() or b"")
        if not data or data.startswith(current):
            continue
        changed += 1
        if write:
            JobFile.objects.filter(pk=pk).update(data=seal(unseal(data)))
    return changed


def attach(job: Job, purpose: str, name: str, content_type: str, data: bytes) -> JobFile:
    JobFile.objects.filter(job=job, purpose=purpose).delete()
    return JobFile.objects.create(
        job=job, purpose=purpose, name=name[:200], content_type=content_type[:100], size=len(data),
        sha256=hashlib.sha256(data).hexdigest(), data=seal(data),
    )


def drop_file(job: Job, purpose: str) -> None:
    JobFile.objects.filter(job=job, purpose=purpose).delete()


def file_bytes(job: Job, purpose: str) -> bytes | None:
    data = JobFile.objects.filter(job=job, purpose=purpose).values_list("data", flat=True).first()
    return None if data is None else unseal(bytes(data))


def rerun(job: Job) -> Job:
    """Queue a failed, re-runnable job again (its worker died, or the database failed mid-way)."""
    if job.status != Job.FAILED or not job.retryable:
        raise ValueError(NOT_RERUNNABLE)
    with transaction.atomic():
        updated = Job.objects.filter(pk=job.pk, status=Job.FAILED, retryable=True).update(
            status=Job.QUEUED, error="", retryable=False, done=0, message="排队等待后台进程（重新运行）",
            task_id="", finished_at=None,
        )
        if not updated:
            raise ValueError(NOT_RERUNNABLE)
        _enqueue(job)
    job.refresh_from_db()
    return job


def stale_seconds() -> int:
    return int(getattr(settings, "JINGFANG_JOB_STALE_SECONDS", 120))


def reap_stale(now: dt.datetime | None = None) -> int:
    """Mark running jobs whose worker has stopped reporting as failed (re-runnable where the kind
    allows). A worker that is merely busy reports at least every few seconds, also while it writes."""
    now = now or timezone.now()
    seconds = stale_seconds()
    cutoff = now - dt.timedelta(seconds=seconds)
    reaped = 0
    for job in Job.objects.filter(status=Job.RUNNING, heartbeat_at__lt=cutoff).only("id", "kind", "attempt", "task_id"):
        side = read_side(job.pk)
        if side and side.get("attempt") == job.attempt and side.get("at", 0) >= cutoff.timestamp():
            continue
        try:
            rerunnable = kinds.get(job.kind).rerunnable
        except LookupError:
            rerunnable = False
        message = STALE.format(seconds=seconds) + ("未留下部分结果，可重新运行。" if rerunnable else "")
        reaped += Job.objects.filter(pk=job.pk, status=Job.RUNNING, attempt=job.attempt).update(
            status=Job.FAILED, error=message, retryable=rerunnable, finished_at=now
        )
        clear_side(job.pk)
        _task_row_failed(job.task_id, message, now)
        log.warning("job %s: no heartbeat for %s seconds, marked failed", job.pk, seconds)
    return reaped


def _task_row_failed(task_id: str, message: str, now: dt.datetime) -> None:
    """The database task backend's own row of a dead run says RUNNING for ever (its worker died before
    recording anything): record it as failed too, so that the queue's tables agree with the job."""
    from django.apps import apps

    if not task_id or not apps.is_installed("django_tasks_db"):
        return
    from django_tasks_db.compat import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    try:
        DBTaskResult.objects.filter(id=task_id, status=TaskResultStatus.RUNNING).update(
            status=TaskResultStatus.FAILED, finished_at=now, exception_class_path="jingfang.jobs.services.StaleWorker",
            traceback=message,
        )
    except (ValueError, ValidationError):  # not a task id of that backend
        pass


def purge_files(older_than_days: int | None = None, now: dt.datetime | None = None) -> int:
    """Delete the files of jobs that ended more than the given days ago (uploads and results hold
    personal data; they are for downloading soon after, not for keeping)."""
    days = older_than_days if older_than_days is not None else int(getattr(settings, "JINGFANG_JOB_FILE_DAYS", 7))
    cutoff = (now or timezone.now()) - dt.timedelta(days=days)
    deleted, _ = JobFile.objects.filter(job__finished_at__lt=cutoff).delete()
    return deleted
