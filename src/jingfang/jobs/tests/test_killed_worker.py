"""A real `jingfang worker` process killed (SIGKILL) in the middle of an import's write leaves nothing;
the job is then given up as dead and its re-run, by another worker, imports every row once.

Needs a database a second process can reach, so it runs on PostgreSQL only (the SQLite test database
lives in this process's memory)."""

import os
import signal
import subprocess
import sys
import time

import pytest
from django.db import connection
from django_tasks_db.models import DBTaskResult

from conftest import TEST_AUDIT_KEY, TEST_FIELD_KEYS, TEST_INDEX_KEY
from jingfang.imports import services, synthetic
from jingfang.imports.jobs import IMPORTING
from jingfang.imports.models import ImportBatch
from jingfang.jobs import progress
from jingfang.jobs import services as jobs
from jingfang.jobs.models import Job
from jingfang.registry.models import Patient

pytestmark = pytest.mark.django_db(transaction=True)
ROWS = 20000  # enough for the write to last several progress intervals (0.5 s) however fast it gets


def _worker_env(tmp_path) -> dict:
    db = connection.settings_dict
    url = f"postgres://{db['USER']}:{db.get('PASSWORD') or ''}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    return {**os.environ, "DATABASE_URL": url, "JINGFANG_VAR_DIR": str(tmp_path), "JINGFANG_FIELD_KEYS": TEST_FIELD_KEYS,
            "JINGFANG_INDEX_KEY": TEST_INDEX_KEY, "JINGFANG_AUDIT_KEY": TEST_AUDIT_KEY, "JINGFANG_DEV_KEYS": "0",
            "JINGFANG_DEBUG": "0"}


def _worker(env, *extra) -> list[str]:
    return [sys.executable, "-m", "jingfang", "worker", "--no-schedule", "--no-startup-delay", "--verbosity", "0",
            *extra]


def _open_transactions() -> list:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                       "AND pid <> pg_backend_pid() AND backend_type = 'client backend' AND xact_start IS NOT NULL")
        return cursor.fetchall()


def test_a_worker_killed_mid_import_leaves_nothing_and_the_rerun_imports_once(users, database_backend, settings,
                                                                               tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("a second process cannot reach the in-memory SQLite test database")
    from django.core.files.uploadedfile import SimpleUploadedFile

    data = synthetic.workbook(synthetic.rows(ROWS, ["990102001001", "990102001002"], seed=5))
    job = services.start_import(users["doctor"], SimpleUploadedFile("台账.xlsx", data), services.IMPORT)
    env = _worker_env(tmp_path)
    worker = subprocess.Popen(_worker(env), env=env)
    try:
        deadline, writing = time.monotonic() + 240, None
        while time.monotonic() < deadline and worker.poll() is None:
            seen = progress.live(Job.objects.get(pk=job.pk))
            if seen.message == IMPORTING and seen.done > 0:
                writing = seen.done
                break
            time.sleep(0.05)
    finally:
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait()
    assert writing is not None and writing < ROWS, "the worker was killed while it wrote"
    # its transaction ended with it: no process it started (the ledger reader) keeps the session open
    deadline = time.monotonic() + 10
    while _open_transactions() and time.monotonic() < deadline:
        time.sleep(0.1)
    left = _open_transactions()
    with connection.cursor() as cursor:  # so that a failure here fails instead of hanging the teardown
        for (pid,) in left:
            cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
    assert left == []
    assert Patient.objects.count() == 0 and ImportBatch.objects.count() == 0  # the transaction died with it
    settings.JINGFANG_JOB_STALE_SECONDS = 1
    time.sleep(1.5)
    assert jobs.reap_stale() == 1
    job.refresh_from_db()
    assert job.status == Job.FAILED and job.retryable and "可重新运行" in job.error
    task = DBTaskResult.objects.get(id=job.task_id)  # the task queue's row agrees (its worker died RUNNING)
    assert task.status == "FAILED" and task.finished_at is not None and "可重新运行" in task.traceback

    jobs.rerun(job)
    subprocess.run(_worker(env, "--batch"), env=env, check=True, timeout=600)
    job.refresh_from_db()
    assert job.status == Job.SUCCEEDED and job.attempt == 2
    assert Patient.objects.count() == ROWS and ImportBatch.objects.get().created_count == ROWS
