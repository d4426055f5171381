"""pg_dump / pg_restore: missing or too old programs are named with what to install; the password
never appears on a command line."""

import subprocess

import pytest

from jingfang.ops import pgtools
from jingfang.ops.archive import BackupError

DB = {"NAME": "jingfang", "USER": "jingfang", "PASSWORD": "s3cret", "HOST": "db1", "PORT": 5432}


def test_missing_program_says_what_to_install(monkeypatch):
    monkeypatch.setattr(pgtools.shutil, "which", lambda name: None)
    with pytest.raises(BackupError, match="找不到 pg_dump 程序：请安装.*postgresql-client"):
        pgtools.require_client("pg_dump", 15)


@pytest.mark.parametrize(("client", "server", "ok"), [(15, 15, True), (16, 15, True), (14, 15, False)])
def test_client_must_not_be_older_than_the_server(monkeypatch, client, server, ok):
    monkeypatch.setattr(pgtools.shutil, "which", lambda name: f"/usr/bin/{name}")
    monkeypatch.setattr(pgtools.subprocess, "run", lambda *a, **k: subprocess.CompletedProcess(
        a, 0, stdout=f"pg_dump (PostgreSQL) {client}.3 (Debian)\n", stderr=""))
    if ok:
        assert pgtools.require_client("pg_dump", server) == "/usr/bin/pg_dump"
    else:
        with pytest.raises(BackupError, match=f"版本（{client}）低于数据库服务器（{server}）.*postgresql-client-{server}"):
            pgtools.require_client("pg_dump", server)


def test_the_password_travels_in_the_environment_only(monkeypatch, tmp_path):
    calls = []

    def fake_run(args, **kwargs):
        calls.append((args, kwargs.get("env")))
        return subprocess.CompletedProcess(args, 0, stdout="pg_dump (PostgreSQL) 15.2\n", stderr="")

    monkeypatch.setattr(pgtools.shutil, "which", lambda name: f"/usr/bin/{name}")
    monkeypatch.setattr(pgtools.subprocess, "run", fake_run)
    pgtools.dump(DB, "00000003-0000001B-1", tmp_path / "d.pgdump", 15)
    dump_args, env = next((a, e) for a, e in calls if "-Fc" in a)
    assert "--snapshot=00000003-0000001B-1" in dump_args
    assert not any("s3cret" in arg for arg in dump_args)
    assert env["PGPASSWORD"] == "s3cret" and env["PGHOST"] == "db1" and env["PGPORT"] == "5432"


def test_a_failing_program_reports_its_last_lines(monkeypatch, tmp_path):
    monkeypatch.setattr(pgtools.shutil, "which", lambda name: f"/usr/bin/{name}")

    def fake_run(args, **kwargs):
        if "--version" in args:
            return subprocess.CompletedProcess(args, 0, stdout="pg_restore (PostgreSQL) 15.2\n", stderr="")
        return subprocess.CompletedProcess(args, 1, stdout="", stderr="pg_restore: error: relation exists\n")

    monkeypatch.setattr(pgtools.subprocess, "run", fake_run)
    with pytest.raises(BackupError, match="pg_restore 恢复失败（退出码1）：pg_restore: error: relation exists"):
        pgtools.restore(DB, tmp_path / "d.pgdump", 15)
