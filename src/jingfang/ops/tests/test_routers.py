"""Read-replica routing (ops/routers.py): which database each read goes to, as a table, and the
middleware that turns replica reads on only for report-only GETs of clients that did not just write."""

import pytest
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import resolve

from jingfang.accounts.models import User
from jingfang.audit.models import AuditEvent
from jingfang.followups.models import FollowUp
from jingfang.ops import routers
from jingfang.ops.routers import PRIMARY, REPLICA, ReplicaReadsMiddleware, ReplicaRouter, decide
from jingfang.registry.models import Patient

# configured, report-only request, model's app, transaction open on the primary, replica healthy -> db
DECISIONS = [
    (True, True, "registry", False, True, REPLICA),     # a statistics page reading patients
    (True, True, "followups", False, True, REPLICA),
    (True, True, "regions", False, True, REPLICA),
    (False, True, "registry", False, True, PRIMARY),    # no JINGFANG_REPLICA_URL: one database
    (True, False, "registry", False, True, PRIMARY),    # any page that is not report-only (may write)
    (True, True, "accounts", False, True, PRIMARY),     # the signed-in user, tokens: always current
    (True, True, "sessions", False, True, PRIMARY),
    (True, True, "auth", False, True, PRIMARY),
    (True, True, "audit", False, True, PRIMARY),        # the audit chain head is read with its writes
    (True, True, "registry", True, True, PRIMARY),      # inside a transaction: read what it wrote
    (True, True, "registry", False, False, PRIMARY),    # replica unreachable or lagging
]


@pytest.mark.parametrize(("configured", "report", "app", "in_tx", "ok", "expected"), DECISIONS)
def test_which_database_a_read_goes_to(configured, report, app, in_tx, ok, expected):
    assert decide(configured=configured, report_request=report, app_label=app, in_transaction=in_tx,
                  replica_ok=ok) == expected


def test_writes_and_migrations_only_on_the_primary():
    router = ReplicaRouter()
    assert router.db_for_write(Patient) == PRIMARY
    assert router.allow_migrate(PRIMARY, "registry") is True
    assert router.allow_migrate(REPLICA, "registry") is False


# view name, method, client wrote a moment ago -> report request?
REQUESTS = [
    ("stats:dashboard", "GET", False, True),
    ("stats:kpis", "HEAD", False, True),
    ("stats:kpi_export", "GET", False, True),
    ("api:get_kpis", "GET", False, True),
    ("stats:dashboard", "GET", True, False),   # the sticky cookie after a write: read own writes
    ("stats:dashboard", "POST", False, False),
    ("stats:inspection", "GET", False, False),  # inspection pages write (regenerate, findings)
    ("registry:patient_list", "GET", False, False),
    ("followups:worklist", "GET", False, False),
    (None, "GET", False, False),
]


@pytest.mark.parametrize(("view", "method", "wrote", "expected"), REQUESTS)
def test_report_only_requests(view, method, wrote, expected):
    request = RequestFactory().generic(method, "/x")
    if wrote:
        request.COOKIES[routers.STICKY_COOKIE] = "1"
    assert routers.is_report_request(request, view) is expected


def test_report_views_exist():
    from django.urls import reverse

    for name in routers.REPORT_VIEWS:
        kwargs = {"key": "managed"} if name == "stats:kpi_patients" else {}
        assert resolve(reverse(name, kwargs=kwargs)).view_name == name


@pytest.fixture
def replica_on(monkeypatch):
    monkeypatch.setattr(routers, "replica_configured", lambda: True)
    monkeypatch.setattr(routers, "replica_healthy", lambda now=None: True)


def run_middleware(request, seen: dict):
    router = ReplicaRouter()

    def view(request):
        seen["patient"] = router.db_for_read(Patient)
        seen["followup"] = router.db_for_read(FollowUp)
        seen["user"] = router.db_for_read(User)
        seen["audit"] = router.db_for_read(AuditEvent)
        return HttpResponse("ok")

    middleware = ReplicaReadsMiddleware(lambda r: (middleware.process_view(r, view, (), {}), view(r))[1])
    request.resolver_match = resolve(request.path)
    return middleware(request)


def test_a_dashboard_reads_patients_from_the_replica_and_the_user_from_the_primary(replica_on):
    seen = {}
    response = run_middleware(RequestFactory().get("/stats/"), seen)
    assert seen == {"patient": REPLICA, "followup": REPLICA, "user": PRIMARY, "audit": PRIMARY}
    assert routers.STICKY_COOKIE not in response.cookies
    assert ReplicaRouter().db_for_read(Patient) == PRIMARY  # switched off again after the request


def test_after_a_write_the_client_reads_from_the_primary(replica_on, settings):
    settings.JINGFANG_REPLICA_STICKY_SECONDS = 10
    seen = {}
    response = run_middleware(RequestFactory().post("/patients/"), seen)
    assert seen["patient"] == PRIMARY
    cookie = response.cookies[routers.STICKY_COOKIE]
    assert cookie["max-age"] == 10 and cookie["httponly"]

    request = RequestFactory().get("/stats/")
    request.COOKIES[routers.STICKY_COOKIE] = "1"
    run_middleware(request, seen)
    assert seen["patient"] == PRIMARY


def test_pages_that_write_never_read_from_the_replica(replica_on):
    seen = {}
    run_middleware(RequestFactory().get("/worklist/"), seen)
    assert set(seen.values()) == {PRIMARY}


def test_an_unhealthy_replica_sends_reads_to_the_primary(monkeypatch):
    monkeypatch.setattr(routers, "replica_configured", lambda: True)
    monkeypatch.setattr(routers, "replica_lag", lambda: None)
    monkeypatch.setitem(routers._health, "checked", -1e9)
    seen = {}
    run_middleware(RequestFactory().get("/stats/"), seen)
    assert seen["patient"] == PRIMARY


@pytest.mark.parametrize(("lag", "healthy"), [(0.0, True), (29.9, True), (30.1, False), (None, False)])
def test_replica_health_from_its_lag(monkeypatch, settings, lag, healthy):
    settings.JINGFANG_REPLICA_MAX_LAG = 30
    monkeypatch.setattr(routers, "replica_lag", lambda: lag)
    monkeypatch.setitem(routers._health, "checked", -1e9)
    assert routers.replica_healthy(now=1000.0) is healthy
    monkeypatch.setattr(routers, "replica_lag", lambda: 0.0)
    assert routers.replica_healthy(now=1010.0) is healthy  # cached for CHECK_EVERY seconds
    assert routers.replica_healthy(now=1000.0 + routers.CHECK_EVERY) is True
