"""/healthz for the load balancer: checks the database, answers JSON, says nothing else."""

import pytest
from django.db import OperationalError, connections
from django.db.migrations.executor import MigrationExecutor

from jingfang.audit.models import AuditEvent
from jingfang.ops import health, routers

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_cache(monkeypatch):
    monkeypatch.setitem(health._migrations, "checked", -1e9)
    monkeypatch.setitem(health._migrations, "ok", False)


def test_healthy(client):
    before = AuditEvent.objects.count()
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}  # nothing but the status
    assert response["Content-Type"] == "application/json"
    assert "no-store" in response["Cache-Control"]
    assert "sessionid" not in response.cookies and "csrftoken" not in response.cookies
    assert AuditEvent.objects.count() == before


def test_database_down_is_503_without_details(client, monkeypatch):
    def broken(*args, **kwargs):
        raise OperationalError('could not connect to server "db.internal" password=secret')

    monkeypatch.setattr(connections["default"], "cursor", broken)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "error"}
    assert b"db.internal" not in response.content and b"secret" not in response.content


def test_ready_also_checks_migrations(client):
    response = client.get("/healthz?ready=1")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "migrations": "ok"}}


def test_unapplied_migrations_make_the_server_unready(client, monkeypatch):
    monkeypatch.setattr(MigrationExecutor, "migration_plan", lambda self, targets: [("registry", "0999")])
    response = client.get("/healthz?ready=1")
    assert response.status_code == 503
    assert response.json() == {"status": "error", "checks": {"database": "ok", "migrations": "error"}}
    assert client.get("/healthz").status_code == 200  # alive all the same


@pytest.mark.parametrize(("lag", "state"), [(0.0, "ok"), (120.0, "lagging"), (None, "unreachable")])
def test_ready_reports_the_replica_without_failing(client, monkeypatch, settings, lag, state):
    settings.JINGFANG_REPLICA_MAX_LAG = 30
    monkeypatch.setattr(routers, "replica_configured", lambda: True)
    monkeypatch.setattr(routers, "replica_lag", lambda: lag)
    response = client.get("/healthz?ready=1")
    assert response.status_code == 200  # report pages fall back to the primary
    assert response.json()["checks"]["replica"] == state
