"""Deployment settings read from the environment: the read replica and the proxy's X-Forwarded-Proto."""

import json
import os
import subprocess
import sys

import pytest

from .conftest import SRC

PRINT = (
    "import json, django; django.setup(); from django.conf import settings as s; print(json.dumps({"
    "'databases': sorted(s.DATABASES), 'replica_test': s.DATABASES.get('replica', {}).get('TEST'),"
    "'replica_host': s.DATABASES.get('replica', {}).get('HOST'),"
    "'routers': s.DATABASE_ROUTERS, 'middleware': s.MIDDLEWARE, 'proxy': s.SECURE_PROXY_SSL_HEADER,"
    "'exempt': s.SECURE_REDIRECT_EXEMPT}))"
)


def settings_with(tmp_path, **env) -> dict:
    clean = {k: v for k, v in os.environ.items()
             if k not in ("JINGFANG_REPLICA_URL", "JINGFANG_BEHIND_PROXY", "DATABASE_URL")}
    clean.update(env, DJANGO_SETTINGS_MODULE="jingfang.settings", JINGFANG_VAR_DIR=str(tmp_path),
                 PYTHONPATH=str(SRC))
    done = subprocess.run([sys.executable, "-c", PRINT], env=clean, capture_output=True, text=True,
                          timeout=60, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_one_database_and_no_router_by_default(tmp_path):
    s = settings_with(tmp_path)
    assert s["databases"] == ["default"] and s["routers"] == []
    assert "jingfang.ops.routers.ReplicaReadsMiddleware" not in s["middleware"]
    assert s["proxy"] is None  # X-Forwarded-Proto is not trusted unless behind a proxy
    assert s["exempt"] == ["^healthz$"]


def test_replica_url_adds_the_replica_router_and_middleware(tmp_path):
    s = settings_with(tmp_path, DATABASE_URL="postgres://jingfang@db1:5432/jingfang",
                      JINGFANG_REPLICA_URL="postgres://jingfang_ro@db2:5432/jingfang")
    assert s["databases"] == ["default", "replica"] and s["replica_host"] == "db2"
    assert s["replica_test"]["MIRROR"] == "default"  # tests read the replica alias from the test database
    assert s["routers"] == ["jingfang.ops.routers.ReplicaRouter"]
    assert s["middleware"][-1] == "jingfang.ops.routers.ReplicaReadsMiddleware"


def test_behind_proxy_trusts_x_forwarded_proto(tmp_path):
    assert settings_with(tmp_path, JINGFANG_BEHIND_PROXY="1")["proxy"] == ["HTTP_X_FORWARDED_PROTO", "https"]


@pytest.mark.parametrize(("trusted", "header", "secure"), [
    (True, "https", True),
    (True, "http", False),
    (True, None, False),
    (False, "https", False),  # not behind a proxy: a client cannot claim HTTPS with a header
])
def test_x_forwarded_proto_decides_https(client, settings, trusted, header, secure):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if trusted else None
    settings.SECURE_HSTS_SECONDS = 3600
    extra = {"HTTP_X_FORWARDED_PROTO": header} if header else {}
    response = client.get("/accounts/login/", **extra)
    assert response.wsgi_request.is_secure() is secure
    assert ("Strict-Transport-Security" in response.headers) is secure  # HSTS only over HTTPS


def test_the_https_redirect_spares_the_health_check(client, settings, db):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    assert client.get("/healthz").status_code == 200
    response = client.get("/accounts/login/")
    assert response.status_code == 301 and response["Location"].startswith("https://")
    assert client.get("/accounts/login/", HTTP_X_FORWARDED_PROTO="https").status_code == 200


MODES = (
    "import json, os, stat, django; django.setup(); from django.conf import settings as s;"
    "from django.db import connection; c = connection.cursor(); c.execute('create table t (x)');"
    "c.execute('insert into t values (1)'); var = s.VAR_DIR; db = var / 'jingfang.sqlite3';"
    "mode = lambda p: oct(stat.S_IMODE(os.stat(p).st_mode));"
    "print(json.dumps({'var': mode(var), 'db': mode(db), 'wal': mode(f'{db}-wal'), 'shm': mode(f'{db}-shm')}))"
)


def test_the_var_directory_is_0700_and_the_sqlite_files_0600(tmp_path):
    """L7: created by the settings under a permissive umask, the var directory is the user's alone and
    the database (with its -wal and -shm files, which SQLite creates with the database's mode) too."""
    var = tmp_path / "fresh" / "var"
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(DJANGO_SETTINGS_MODULE="jingfang.settings", JINGFANG_VAR_DIR=str(var), PYTHONPATH=str(SRC))
    run = [sys.executable, "-c", "import os; os.umask(0o022); exec(os.environ['CODE'])"]
    done = subprocess.run(run, env={**env, "CODE": MODES}, capture_output=True, text=True, timeout=60, check=True)
    modes = json.loads(done.stdout.strip().splitlines()[-1])
    assert modes == {"var": "0o700", "db": "0o600", "wal": "0o600", "shm": "0o600"}
    # A database file left readable by others (an older release, a copy) is narrowed at start.
    db = var / "jingfang.sqlite3"
    os.chmod(db, 0o644)
    subprocess.run(run, env={**env, "CODE": "import django; django.setup()"}, timeout=60, check=True)
    assert oct(db.stat().st_mode & 0o777) == "0o600"


def test_make_run_serves_as_production_does():
    """`make run` shows a new user the real error pages (debug off), on the port they choose."""
    from pathlib import Path

    makefile = (Path(__file__).resolve().parents[4] / "Makefile").read_text()
    recipe = makefile[makefile.index("run: $(STAMP)"):makefile.index("browser:")]
    assert "JINGFANG_DEBUG" not in recipe
    assert "--port $(PORT)" in recipe and "PORT ?= 8000" in makefile
