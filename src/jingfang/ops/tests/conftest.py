"""Helpers for backup and restore tests: a fresh target database per vendor, and a console run
against another database (a subprocess with its own DATABASE_URL)."""

import os
import subprocess
import sys
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection

ON_POSTGRES = connection.vendor == "postgresql"
SRC = Path(__file__).resolve().parents[3]


def database_url(db: dict, name: str) -> str:
    auth = quote(db.get("USER") or "", safe="")
    if db.get("PASSWORD"):
        auth += ":" + quote(db["PASSWORD"], safe="")
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or 5432
    return f"postgres://{auth}@{host}:{port}/{name}"


@pytest.fixture
def fresh_target(tmp_path):
    """The URL of an empty database of the suite's vendor (PostgreSQL: created here, dropped after)."""
    if not ON_POSTGRES:
        yield f"sqlite:///{tmp_path / 'restored.sqlite3'}"
        return
    from jingfang.ops import pgtools

    db = dict(connection.settings_dict)
    name = f"jf_restore_{uuid.uuid4().hex[:12]}"
    admin = pgtools.connect({**db, "NAME": "postgres"}, autocommit=True)
    admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield database_url(db, name)
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def console(database_url: str, *args: str, var_dir: Path) -> subprocess.CompletedProcess:
    """`jingfang ARGS` in a new process against database_url, with the suite's test keys."""
    from django.conf import settings

    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "JINGFANG_VAR_DIR": str(var_dir),
        "JINGFANG_FIELD_KEYS": getattr(settings, "JINGFANG_FIELD_KEYS", ""),
        "JINGFANG_INDEX_KEY": getattr(settings, "JINGFANG_INDEX_KEY", ""),
        "JINGFANG_AUDIT_KEY": getattr(settings, "JINGFANG_AUDIT_KEY", ""),
        "JINGFANG_AUDIT_CHECKPOINT_FILE": getattr(settings, "JINGFANG_AUDIT_CHECKPOINT_FILE", ""),
        "JINGFANG_DEV_KEYS": "0",
        "PYTHONPATH": str(SRC),
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    return subprocess.run([sys.executable, "-m", "jingfang", *args], env=env, capture_output=True,
                          text=True, timeout=120, check=False)
