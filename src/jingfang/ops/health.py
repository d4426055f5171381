"""Health checks for the load balancer and for monitoring.

``GET /healthz``: liveness, including the primary database (``SELECT 1``): ``{"status": "ok"}`` 200, or
``{"status": "error"}`` 503. ``GET /healthz?ready=1``: readiness, which also says whether every
migration has been applied (an app server started before ``jingfang migrate`` is not ready) and, when
a read replica is configured, whether it answers and how far behind it is (a lagging replica does
not make the server unready: report pages then read from the primary).

Answers name the checks and their state and nothing else: no versions, host names, exception text or
counts. No sign-in, no session, no audit row; never cached.
"""

import logging
import time

from django.db import DatabaseError, connections
from django.http import JsonResponse
from django.views.decorators.cache import never_cache

from . import routers

log = logging.getLogger(__name__)
MIGRATIONS_CHECK_EVERY = 60.0
_migrations = {"checked": -MIGRATIONS_CHECK_EVERY, "ok": False}


def database_ok(alias: str = "default") -> bool:
    try:
        with connections[alias].cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone()[0] == 1
    except DatabaseError:
        log.warning("health check: database %s unreachable", alias, exc_info=True)
        connections[alias].close()
        return False


def migrations_ok(now: float | None = None) -> bool:
    """No unapplied migration (reading the migration files is slow: at most once a minute per process)."""
    now = time.monotonic() if now is None else now
    if now - _migrations["checked"] >= MIGRATIONS_CHECK_EVERY or not _migrations["ok"]:
        from django.db.migrations.executor import MigrationExecutor

        try:
            executor = MigrationExecutor(connections["default"])
            plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
        except DatabaseError:
            log.warning("health check: migrations could not be read", exc_info=True)
            plan = [None]
        _migrations.update(checked=now, ok=not plan)
    return _migrations["ok"]


def checks(ready: bool) -> tuple[bool, dict[str, str]]:
    results = {"database": "ok" if database_ok() else "error"}
    healthy = results["database"] == "ok"
    if ready:
        results["migrations"] = "ok" if healthy and migrations_ok() else "error"
        healthy = healthy and results["migrations"] == "ok"
        if routers.replica_configured():
            lag = routers.replica_lag()
            max_lag = routers.max_lag()
            results["replica"] = "unreachable" if lag is None else ("lagging" if lag > max_lag else "ok")
    return healthy, results


@never_cache
def healthz(request):
    ready = request.GET.get("ready") == "1"
    healthy, results = checks(ready)
    body = {"status": "ok" if healthy else "error"}
    if ready:
        body["checks"] = results
    return JsonResponse(body, status=200 if healthy else 503)
