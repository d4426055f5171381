"""Read replica: report-only pages read from a PostgreSQL streaming replica, everything else from the primary.

Enabled only when JINGFANG_REPLICA_URL is set (settings.py adds the "replica" database, this router and
ReplicaReadsMiddleware). A read goes to the replica only when all of these hold (``decide``):

- the request is a GET/HEAD of one of REPORT_VIEWS (statistics pages, their exports, the KPI API):
  pages that write never read from the replica, so they never miss their own writes;
- the client has not written anything in the last JINGFANG_REPLICA_STICKY_SECONDS (a cookie set after
  every POST/PUT/PATCH/DELETE), so a dashboard opened right after saving a follow-up shows it;
- the model is not one of PRIMARY_APPS (sign-in, sessions, tokens, the audit chain: always current);
- no transaction is open on the primary (reads inside a transaction stay with its writes);
- the replica answered and was at most JINGFANG_REPLICA_MAX_LAG seconds behind at its last check
  (checked at most every 30 seconds per process); otherwise the primary is used.

Writes always go to the primary and migrations run only there (a hot standby is read-only).
"""

import contextvars
import time

from django.conf import settings
from django.db import DatabaseError, connections

PRIMARY, REPLICA = "default", "replica"
REPORT_VIEWS = frozenset({
    "stats:dashboard", "stats:dashboard_export", "stats:kpis", "stats:kpi_export", "stats:kpi_patients",
    "api:get_kpis", "api:get_trend", "api:get_ranking",
})
PRIMARY_APPS = frozenset({
    "auth", "accounts", "sessions", "contenttypes", "admin", "audit", "django_tasks_database", "jobs",
})
STICKY_COOKIE = "jf_wrote"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CHECK_EVERY = 30.0

_replica_reads = contextvars.ContextVar("jingfang_replica_reads", default=False)


def decide(*, configured: bool, report_request: bool, app_label: str, in_transaction: bool,
           replica_ok: bool) -> str:
    """Which database a read goes to (pure: the table in tests/test_routers.py)."""
    if not (configured and report_request and replica_ok):
        return PRIMARY
    if app_label in PRIMARY_APPS or in_transaction:
        return PRIMARY
    return REPLICA


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES


class ReplicaRouter:
    def db_for_read(self, model, **hints):
        instance = hints.get("instance")
        if instance is not None and instance._state.db:  # follow the object's own database
            return instance._state.db
        if not _replica_reads.get():
            return PRIMARY
        return decide(
            configured=replica_configured(), report_request=True, app_label=model._meta.app_label,
            in_transaction=connections[PRIMARY].in_atomic_block, replica_ok=True,
        )

    def db_for_write(self, model, **hints):
        return PRIMARY

    def allow_relation(self, obj1, obj2, **hints):
        return {obj1._state.db, obj2._state.db} <= {PRIMARY, REPLICA, None}

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == PRIMARY


# ---- replica health ---------------------------------------------------------------------------

_health = {"checked": -CHECK_EVERY, "ok": False, "lag": None}

LAG_SQL = (
    "SELECT CASE WHEN NOT pg_is_in_recovery() THEN 0 "
    "WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0 "
    "ELSE COALESCE(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()), 0) END"
)


def replica_lag() -> float | None:
    """Seconds the replica is behind (0 when caught up); None when it cannot be reached."""
    try:
        conn = connections[REPLICA]
        with conn.cursor() as cursor:
            if conn.vendor != "postgresql":
                cursor.execute("SELECT 1")
                return 0.0
            cursor.execute(LAG_SQL)
            return float(cursor.fetchone()[0])
    except DatabaseError:
        connections[REPLICA].close()
        return None


def max_lag() -> float:
    return float(getattr(settings, "JINGFANG_REPLICA_MAX_LAG", 30))


def replica_healthy(now: float | None = None) -> bool:
    """Whether report pages may read from the replica (checked at most every CHECK_EVERY seconds)."""
    now = time.monotonic() if now is None else now
    if now - _health["checked"] >= CHECK_EVERY:
        lag = replica_lag()
        _health.update(checked=now, lag=lag, ok=lag is not None and lag <= max_lag())
    return _health["ok"]


# ---- middleware -------------------------------------------------------------------------------

def is_report_request(request, view_name: str | None) -> bool:
    return (
        request.method in ("GET", "HEAD")
        and view_name in REPORT_VIEWS
        and STICKY_COOKIE not in request.COOKIES
    )


class ReplicaReadsMiddleware:
    """Turns replica reads on for the duration of a report-only request; marks clients that wrote."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request._replica_token = None
        try:
            response = self.get_response(request)
        finally:
            if request._replica_token is not None:
                _replica_reads.reset(request._replica_token)
        if request.method not in SAFE_METHODS:
            response.set_cookie(
                STICKY_COOKIE, "1", max_age=int(getattr(settings, "JINGFANG_REPLICA_STICKY_SECONDS", 10)),
                httponly=True, samesite="Lax", secure=settings.SESSION_COOKIE_SECURE,
            )
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        match = getattr(request, "resolver_match", None)
        if is_report_request(request, match.view_name if match else None) and replica_healthy():
            request._replica_token = _replica_reads.set(True)
        return None
