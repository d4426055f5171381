"""Work the worker starts by itself, on the clock (django-tasks has no periodic tasks).

``tick()`` runs every minute in a thread of `jingfang worker`: it gives up on dead runs
(``services.reap_stale``) and, once a day after ``JINGFANG_NIGHTLY_AT`` (local time, within the
following hours, so that a worker started at noon does not recompute at noon), queues the nightly
recomputation and purges old job files, the task queue's old finished rows and the answers kept
for idempotent API writes (``JINGFANG_IDEMPOTENCY_DAYS``). Each day's run has
a unique ``schedule_key``, so several workers queue it once. It also writes a checkpoint of the
audit chain heads to the audit checkpoint file when the file's last line is older than
``JINGFANG_AUDIT_CHECKPOINT_MINUTES`` (audit/checkpoints.py; logged, not in the returned list).
"""

import datetime as dt
import logging
import threading

from django.conf import settings
from django.db import close_old_connections
from django.utils import timezone

log = logging.getLogger(__name__)
WINDOW = dt.timedelta(hours=3)


def nightly_time() -> dt.time | None:
    text = (getattr(settings, "JINGFANG_NIGHTLY_AT", "") or "").strip()
    if not text:
        return None
    hour, _, minute = text.partition(":")
    return dt.time(int(hour), int(minute or 0))


def nightly_due(now: dt.datetime) -> str | None:
    """The schedule key of the nightly run due at ``now`` (local), or None outside its window."""
    at = nightly_time()
    if at is None:
        return None
    local = timezone.localtime(now)
    start = local.replace(hour=at.hour, minute=at.minute, second=0, microsecond=0)
    if start <= local < start + WINDOW:
        return f"nightly:{start.date().isoformat()}"
    return None


def tick(now: dt.datetime | None = None) -> list[str]:
    from . import services

    now = now or timezone.now()
    done = []
    if services.reap_stale(now):
        done.append("reaped")
    key = nightly_due(now)
    if key:
        job = services.submit_scheduled("recompute_schedules", key, title="夜间重新计算随访计划")
        if job is not None:
            done.append(f"queued job {job.pk}")
            services.purge_files(now=now)
            _prune_task_results()
            _purge_idempotency_keys(now)
        # After the schedules: the KPI counts per township that county-and-above KPI tables add up.
        stats = services.submit_scheduled("stats_snapshot", f"{key}:stats", title="夜间汇总工作指标")
        if stats is not None:
            done.append(f"queued job {stats.pk}")
    _audit_checkpoint()
    return done


def _audit_checkpoint() -> None:
    """A checkpoint of the audit chain heads when one is due; a failure is logged, the tick goes on."""
    from jingfang.audit import checkpoints

    try:
        if checkpoints.checkpoint_if_due() is not None:
            log.info("schedule: audit checkpoint written to %s", checkpoints.path())
    except Exception:  # noqa: BLE001 - e.g. the file or the key is missing: logged, retried next minute
        log.exception("audit checkpoint failed")


def _purge_idempotency_keys(now: dt.datetime) -> None:
    """Answers kept for retried API writes, older than ``JINGFANG_IDEMPOTENCY_DAYS`` (core.idempotency)."""
    from jingfang.core import idempotency

    deleted = idempotency.purge(now=now)
    if deleted:
        log.info("schedule: %d idempotency keys purged", deleted)


def _prune_task_results() -> None:
    """The task queue's own finished rows (django-tasks-db); the Job rows are the record users keep."""
    from django.core.management import call_command

    days = str(int(getattr(settings, "JINGFANG_JOB_FILE_DAYS", 7)))
    call_command("prune_db_task_results", "--min-age-days", days, verbosity=0)


def run_forever(stop: threading.Event, every: float = 60.0) -> None:
    while not stop.is_set():
        try:
            for line in tick():
                log.info("schedule: %s", line)
        except Exception:  # noqa: BLE001 - the clock must keep ticking; the error is logged
            log.exception("schedule tick failed")
        finally:
            close_old_connections()
        stop.wait(every)


def start_thread(every: float = 60.0) -> threading.Event:
    stop = threading.Event()
    threading.Thread(target=run_forever, args=(stop, every), name="jingfang-schedule", daemon=True).start()
    return stop
