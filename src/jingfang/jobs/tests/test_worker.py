"""The real path: django-tasks' database backend stores the task, `jingfang worker` (django-tasks-db's
db_worker) picks it up and runs it; the nightly clock queues its job once per day."""

import datetime as dt
import io
import zoneinfo

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from jingfang.jobs import schedule, services
from jingfang.jobs.models import Job

pytestmark = pytest.mark.django_db(transaction=True)
SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


def _work() -> str:
    out = io.StringIO()
    call_command("worker", "--batch", "--no-startup-delay", "--no-schedule", "--interval", "0", stdout=out)
    return out.getvalue()


def test_the_database_backend_and_the_worker_run_a_job(database_backend):
    job = services.submit("count", owner=None, title="数数", params={"n": 3})
    assert job.status == Job.QUEUED and job.task_id
    task = DBTaskResult.objects.get(id=job.task_id)
    assert task.status == "READY"
    _work()
    job.refresh_from_db()
    assert (job.status, job.done, job.total, job.result["message"]) == (Job.SUCCEEDED, 3, 3, "数到3")
    assert DBTaskResult.objects.get(id=job.task_id).status == "SUCCESSFUL"


def test_the_worker_records_a_crash_and_a_rerun_goes_through_it_again(database_backend):
    job = services.submit("crash", owner=None, title="崩溃")
    _work()
    job.refresh_from_db()
    assert job.status == Job.FAILED and job.retryable
    assert DBTaskResult.objects.get(id=job.task_id).status == "FAILED"
    Job.objects.filter(pk=job.pk).update(kind="count")
    job.refresh_from_db()
    services.rerun(job)
    _work()
    job.refresh_from_db()
    assert job.status == Job.SUCCEEDED and job.attempt == 2


def test_the_worker_gives_up_dead_runs_when_it_starts(database_backend, settings):
    settings.JINGFANG_JOB_STALE_SECONDS = 30
    dead = Job.objects.create(kind="crash", title="死了", status=Job.RUNNING, attempt=1,
                              heartbeat_at=timezone.now() - dt.timedelta(minutes=5))
    assert "已将1个中断的任务标记为失败" in _work()
    dead.refresh_from_db()
    assert dead.status == Job.FAILED and dead.retryable


def test_recompute_schedules_in_the_background(database_backend, make_patient):
    make_patient()
    out = io.StringIO()
    call_command("recompute_schedules", "--background", stdout=out)
    job = Job.objects.get(kind="recompute_schedules")
    assert f"后台任务 {job.pk}" in out.getvalue() and job.status == Job.QUEUED
    _work()
    job.refresh_from_db()
    assert job.status == Job.SUCCEEDED and job.result["patients"] == 1 and job.percent == 100


@pytest.mark.parametrize(("local", "due"), [
    ("2026-05-01 02:29", None), ("2026-05-01 02:30", "nightly:2026-05-01"), ("2026-05-01 05:29", "nightly:2026-05-01"),
    ("2026-05-01 05:30", None), ("2026-05-01 12:00", None),
])
def test_the_nightly_window(settings, local, due):
    settings.JINGFANG_NIGHTLY_AT = "02:30"
    now = dt.datetime.fromisoformat(local).replace(tzinfo=SHANGHAI)
    assert schedule.nightly_due(now) == due


def test_the_clock_queues_the_nightly_job_once(database_backend, settings):
    settings.JINGFANG_NIGHTLY_AT = "02:30"
    now = dt.datetime(2026, 5, 1, 2, 40, tzinfo=SHANGHAI)
    first = schedule.tick(now)
    second = schedule.tick(now + dt.timedelta(minutes=1))  # another minute, or another worker
    assert any(line.startswith("queued") for line in first) and second == []
    job = Job.objects.get(schedule_key="nightly:2026-05-01")
    assert job.kind == "recompute_schedules" and job.owner is None
    settings.JINGFANG_NIGHTLY_AT = ""
    assert schedule.tick(now + dt.timedelta(days=1)) == []


def test_a_dead_runs_task_row_is_failed_with_its_job(database_backend, settings):
    """A worker killed mid-task leaves django-tasks' row RUNNING; giving the job up fails the row too."""
    job = services.submit("count", owner=None, title="数数", params={"n": 3})
    task = DBTaskResult.objects.get(id=job.task_id)
    task.claim("killed-worker")  # as the worker that then died did
    stale = timezone.now() - dt.timedelta(hours=1)
    Job.objects.filter(pk=job.pk).update(status=Job.RUNNING, attempt=1, heartbeat_at=stale, started_at=stale)
    other = DBTaskResult.objects.create(args_kwargs={"args": [0], "kwargs": {}}, task_path=task.task_path,
                                        backend_name=task.backend_name, run_after=task.run_after)
    other.claim("alive-worker")  # another task's row, running: left alone
    assert services.reap_stale() == 1
    task.refresh_from_db()
    assert task.status == "FAILED" and task.finished_at is not None and "停止响应" in task.traceback
    assert DBTaskResult.objects.get(id=other.id).status == "RUNNING"
    job.refresh_from_db()
    assert job.status == Job.FAILED and "停止响应" in job.error
