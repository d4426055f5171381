"""Running jobs: progress on the row (and on the side channel while a transaction is open), how a job
ends, dead runs given up, re-runs."""

import datetime as dt

import pytest
from django.utils import timezone

from jingfang.jobs import progress, runner, services
from jingfang.jobs.models import Job

pytestmark = pytest.mark.django_db


def _job(kind="count", **kw):
    return Job.objects.create(kind=kind, title="测试", **kw)


def test_reporter_writes_progress_and_heartbeat_to_the_row():
    job = _job(status=Job.RUNNING, attempt=1)
    report = progress.Reporter(job, interval=60)
    report(3, 10, "校验中", force=True)
    job.refresh_from_db()
    assert (job.done, job.total, job.message, job.percent) == (3, 10, "校验中", 30)
    assert job.heartbeat_at is not None
    report(4)  # within the interval, same message: not written
    job.refresh_from_db()
    assert job.done == 3
    report(5, message="写入中")  # a new phase's message is written at once
    job.refresh_from_db()
    assert (job.done, job.message) == (5, "写入中")


def test_a_stale_attempt_cannot_overwrite_progress():
    job = _job(status=Job.RUNNING, attempt=1)
    old = progress.Reporter(job)
    Job.objects.filter(pk=job.pk).update(attempt=2, done=0)
    old(9, 10, force=True)
    job.refresh_from_db()
    assert job.done == 0


@pytest.mark.django_db(transaction=True)  # PostgreSQL: the side connection must see the job's row
def test_while_writing_progress_goes_to_the_side_channel(settings):
    job = _job(status=Job.RUNNING, attempt=1, heartbeat_at=timezone.now() - dt.timedelta(minutes=5))
    report = progress.Reporter(job)
    with report.writing():
        report(7, 20, "写入数据库", force=True)
        seen = progress.live(Job.objects.get(pk=job.pk))
        assert (seen.done, seen.total, seen.message) == (7, 20, "写入数据库")
        assert seen.heartbeat_at > timezone.now() - dt.timedelta(seconds=30)
        if progress.read_side(job.pk) is not None:  # SQLite: a file next to the database
            assert progress.side_file(job.pk).parent == settings.VAR_DIR / "jobs"
    assert progress.read_side(job.pk) is None  # removed when the transaction ends


def test_success_failure_and_crash(immediate):
    ok = services.submit("count", owner=None, title="数数", params={"n": 4})
    assert (ok.status, ok.done, ok.total, ok.percent) == (Job.SUCCEEDED, 4, 4, 100)
    assert ok.result["message"] == "数到4" and ok.attempt == 1 and ok.task_id
    assert ok.started_at and ok.finished_at

    failed = services.submit("fail", owner=None, title="失败")
    assert (failed.status, failed.error, failed.retryable) == (Job.FAILED, "输入有误：第3行", False)
    assert failed.result == {"summary": [["错误", 1]]}

    crashed = services.submit("crash", owner=None, title="崩溃")
    assert crashed.status == Job.FAILED and crashed.retryable
    assert "RuntimeError" in crashed.error and "可重新运行" in crashed.error


def test_a_crash_inside_the_write_transaction_leaves_nothing(immediate):
    job = services.submit("write_then_crash", owner=None, title="写到一半")
    assert job.status == Job.FAILED and job.retryable
    assert not Job.objects.filter(title="中途写入的行").exists()
    assert progress.read_side(job.pk) is None


def test_a_job_runs_once_even_if_its_task_comes_twice():
    job = _job(params={"n": 2})
    assert runner.execute(job.pk)["ran"] is True
    assert runner.execute(job.pk)["ran"] is False
    job.refresh_from_db()
    assert job.attempt == 1 and job.status == Job.SUCCEEDED


def test_dead_runs_are_given_up_and_may_be_rerun(immediate, settings):
    settings.JINGFANG_JOB_STALE_SECONDS = 60
    now = timezone.now()
    dead = _job(kind="crash", status=Job.RUNNING, attempt=1, heartbeat_at=now - dt.timedelta(seconds=61))
    alive = _job(status=Job.RUNNING, attempt=1, heartbeat_at=now - dt.timedelta(seconds=10))
    writing = _job(kind="crash", status=Job.RUNNING, attempt=1, heartbeat_at=now - dt.timedelta(seconds=300))
    with progress.Reporter(writing).writing() as report:
        report(1, 2, "写入", force=True)  # a worker busy writing still beats (side channel)
        assert services.reap_stale(now) == (1 if progress.read_side(writing.pk) is not None else 2)
    dead.refresh_from_db()
    alive.refresh_from_db()
    assert dead.status == Job.FAILED and dead.retryable and "停止响应" in dead.error
    assert alive.status == Job.RUNNING
    dead.kind = "count"
    Job.objects.filter(pk=dead.pk).update(kind="count")
    rerun = services.rerun(dead)
    assert rerun.status == Job.SUCCEEDED and rerun.attempt == 2 and not rerun.error


def test_only_failed_rerunnable_jobs_may_be_rerun(immediate):
    job = services.submit("fail", owner=None, title="失败")
    with pytest.raises(ValueError):
        services.rerun(job)
    ok = services.submit("count", owner=None, title="数数")
    with pytest.raises(ValueError):
        services.rerun(ok)


def test_old_files_are_purged(immediate):
    job = services.submit("count", owner=None, title="数数", files=[("report", "r.xlsx", "application/x", b"abc")])
    assert services.purge_files(7) == 0
    Job.objects.filter(pk=job.pk).update(finished_at=timezone.now() - dt.timedelta(days=8))
    assert services.purge_files(7) == 1
    assert services.file_bytes(job, "report") is None


def test_job_files_are_encrypted_at_rest():
    job = _job()
    ledger = "姓名,身份证号\n王建国,990102197804120315\n".encode()
    services.attach(job, "input", "台账.xlsx", "application/octet-stream", ledger)
    from jingfang.jobs.models import JobFile

    stored = bytes(JobFile.objects.get(job=job).data)
    assert b"990102197804120315" not in stored and "王建国".encode() not in stored
    assert stored.startswith(b"v1:")
    assert services.file_bytes(job, "input") == ledger
