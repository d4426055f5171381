"""Progress and heartbeat of a running job, visible to the pages while the job works.

Outside a transaction the job's row is updated directly (at most every ``interval`` seconds, and
that update is the heartbeat). Inside the long write transaction of an import the row cannot be
updated on the job's own connection (nobody would see it before the commit), so ``Reporter.writing()``
switches to a side channel until the transaction ends:

- PostgreSQL: a second connection to the same database, in autocommit, updates the row;
- SQLite: the database has one writer at a time (the import holds it), so the progress goes to a small
  JSON file next to the database (``VAR_DIR/jobs/``; SQLite means one machine) that the pages and the
  stale-job check read through ``live()``.
"""

import datetime as dt
import hashlib
import json
import logging
import os
import time
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.db import connections
from django.utils import timezone

from .models import Job

log = logging.getLogger(__name__)


def _sqlite(alias: str = "default") -> bool:
    return connections[alias].vendor == "sqlite"


def side_file(job_id: int, alias: str = "default") -> Path:
    """Where a job's progress goes while it writes on SQLite (named after the database, so that two
    databases on one machine, e.g. two test runs, never share a file)."""
    db = str(connections[alias].settings_dict.get("NAME") or "")
    tag = hashlib.sha256(db.encode()).hexdigest()[:10]
    return Path(settings.VAR_DIR) / "jobs" / f"{tag}-{job_id}.json"


def read_side(job_id: int) -> dict | None:
    if not _sqlite():
        return None
    try:
        return json.loads(side_file(job_id).read_text())
    except (OSError, ValueError):
        return None


def clear_side(job_id: int) -> None:
    if _sqlite():
        side_file(job_id).unlink(missing_ok=True)


def live(job: Job) -> Job:
    """The job with the progress its worker has reported on a side channel, if newer than the row."""
    if job.status != Job.RUNNING:
        return job
    side = read_side(job.pk)
    if side and side.get("attempt") == job.attempt:
        at = dt.datetime.fromtimestamp(side["at"], tz=dt.UTC)
        if job.heartbeat_at is None or at > job.heartbeat_at:
            job.done, job.total, job.message, job.heartbeat_at = side["done"], side["total"], side["message"], at
    return job


class Reporter:
    """``report(done, total=None, message=None)``: called as often as convenient; writes at most every
    ``interval`` seconds (and always when ``force`` is set or the message changes)."""

    def __init__(self, job: Job, interval: float = 0.5):
        self.job = job
        self.interval = interval
        self.done, self.total, self.message = job.done, job.total, job.message
        self._last = 0.0
        self._side = None  # None: write the row; "file" or a connection while writing
        self._side_conn = None

    def __call__(self, done: int, total: int | None = None, message: str | None = None, *, force: bool = False):
        changed = message is not None and message != self.message
        self.done = int(done)
        if total is not None:
            self.total = int(total)
        if message is not None:
            self.message = message[:200]
        now = time.monotonic()
        if force or changed or now - self._last >= self.interval:
            self._last = now
            self._write()

    def phase(self, message: str, total: int | None = None) -> None:
        """Start a new phase (e.g. from checking to writing): the count starts again."""
        self(0, total, message, force=True)

    def _write(self) -> None:
        values = {"done": self.done, "total": self.total, "message": self.message}
        if self._side is None:
            Job.objects.filter(pk=self.job.pk, attempt=self.job.attempt).update(
                heartbeat_at=timezone.now(), **values
            )
        elif self._side == "file":
            path = side_file(self.job.pk)
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(".tmp")
            tmp.write_text(json.dumps({**values, "attempt": self.job.attempt, "at": time.time()}, ensure_ascii=False))
            os.replace(tmp, path)
        else:
            self._update_on_side_connection(values)

    def _update_on_side_connection(self, values: dict) -> None:
        conn = self._side_conn
        table = conn.ops.quote_name(Job._meta.db_table)
        try:
            with conn.cursor() as cursor:
                cursor.execute(
                    f"UPDATE {table} SET done = %s, total = %s, message = %s, heartbeat_at = %s "
                    "WHERE id = %s AND attempt = %s",
                    [values["done"], values["total"], values["message"], timezone.now(), self.job.pk,
                     self.job.attempt],
                )
        except Exception:  # noqa: BLE001 - progress is best effort; the work itself must go on
            log.warning("job %s: progress update on the side connection failed", self.job.pk, exc_info=True)

    @contextmanager
    def writing(self):
        """Report through the side channel while the caller holds a write transaction open."""
        if _sqlite():
            self._side = "file"
        else:
            wrapper = connections["default"]
            self._side_conn = type(wrapper)(dict(wrapper.settings_dict), alias="jobs-progress")
            self._side = "connection"
        try:
            yield self
        finally:
            if self._side_conn is not None:
                self._side_conn.close()
            self._side, self._side_conn = None, None
            clear_side(self.job.pk)
