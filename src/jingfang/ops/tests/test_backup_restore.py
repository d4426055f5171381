"""Backup and restore end to end on the suite's database (SQLite on one run, PostgreSQL on the other):
back up a small demo county, restore into a fresh database, and compare row counts and checksums;
the audit chain verifies and encrypted identifiers read the same on the restored copy."""

import hashlib
import io
import json
import sqlite3
import stat
import tarfile
from io import StringIO
from pathlib import Path

import dj_database_url
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.db.migrations.loader import MigrationLoader

from jingfang.audit.models import AuditEvent
from jingfang.demo.generate import generate
from jingfang.ops import archive, manifest, pgtools
from jingfang.registry.models import Patient

from .conftest import ON_POSTGRES, console

# The backups must see the data. The first test needs committed data (transactional_db: pg_dump
# reads through its own connection). The others need any valid backup: on PostgreSQL that of the
# migrated, otherwise empty test database, which every connection sees (db, no slow flush); SQLite's
# backup API would wait for the test's own open transaction, so there transactional (a fast flush).
pytestmark = pytest.mark.django_db(transaction=not ON_POSTGRES)

CHECK_RESTORED = (
    "from django.core.management import call_command; call_command('verify_audit'); "
    "from jingfang.ops.tests.test_backup_restore import patients_digest; print(patients_digest())"
)


def patients_digest() -> str:
    """Every patient's identifiers as the application reads them (decrypted with the configured keys)."""
    rows = Patient.objects.order_by("pk").values_list("pk", "name", "id_number", "phone")
    return hashlib.sha256(repr(list(rows)).encode()).hexdigest()


def manifest_of(path: Path, tmp_path: Path, passphrase=None) -> dict:
    work = tmp_path / "peek"
    work.mkdir(exist_ok=True)
    body, data = archive.read(path, work, passphrase)
    data.unlink()
    return body


def checksums_at(url: str, body: dict) -> dict:
    db = dj_database_url.parse(url)
    specs = [manifest.TableSpec.from_dict(t, d) for t, d in body["schema"].items()]
    if ON_POSTGRES:
        conn = pgtools.connect(db)
    else:
        conn = sqlite3.connect(db["NAME"])
    try:
        return manifest.checksums(conn, connection.vendor, specs)
    finally:
        conn.close()


def run(name: str, *args, **options) -> str:
    out = StringIO()
    call_command(name, *args, stdout=out, stderr=out, **options)
    return out.getvalue()


@pytest.fixture
def county(transactional_db):
    return generate(patients=12, seed=11)


def test_backup_restores_into_a_fresh_database_with_the_same_rows_and_checksums(county, fresh_target, tmp_path):
    path = tmp_path / "nightly.tar"
    out = run("backup", output=str(path))
    assert f"备份完成：{path}" in out and connection.vendor in out
    assert stat.S_IMODE(path.stat().st_mode) == 0o600  # backups hold personal data

    body = manifest_of(path, tmp_path)
    assert body["vendor"] == connection.vendor and body["jingfang_version"] and body["created_at"]
    assert body["tables"]["registry_patient"]["rows"] == Patient.objects.count() == 12
    assert body["tables"]["audit_auditevent"]["rows"] == AuditEvent.objects.count() > 0
    leaves = dict(MigrationLoader(None, ignore_no_migrations=True).graph.leaf_nodes())
    assert body["migrations"]["registry"] == leaves["registry"]
    assert all(len(t["sha256"]) == 64 for t in body["tables"].values() if t["sha256"])
    from jingfang.audit import checkpoints

    snapshot = body["audit_checkpoint"]  # the snapshot's audit chain heads, checkpointed and carried along
    assert snapshot["kind"] == "backup" and checkpoints.line_of(snapshot) in body["audit_checkpoints"]
    assert sum(h[1] for h in snapshot["heads"]) == AuditEvent.objects.count()

    out = run("restore", str(path), database_url=fresh_target)
    assert "核验通过" in out and f"{len(body['tables'])}张表" in out
    assert "记下此次恢复" in out
    restore = checkpoints.read().entries[-1]
    assert restore["kind"] == "restore" and restore["heads"] == snapshot["heads"]
    assert checksums_at(fresh_target, body) == body["tables"]  # recomputed independently of the command

    restored = console(fresh_target, "shell", "--no-imports", "-c", CHECK_RESTORED, var_dir=tmp_path)
    assert restored.returncode == 0, restored.stderr
    assert f"审计链完整：共{AuditEvent.objects.count()}条" in restored.stdout  # jingfang verify_audit passes
    assert restored.stdout.strip().splitlines()[-1] == patients_digest()  # same keys: identifiers read the same

    with pytest.raises(CommandError, match=r"已有\d+张表：拒绝覆盖"):
        run("restore", str(path), database_url=fresh_target)
    assert "核验通过" in run("restore", str(path), database_url=fresh_target, force=True)


def test_encrypted_backup_round_trip(fresh_target, tmp_path, monkeypatch):
    pytest.importorskip("cryptography")
    secret = tmp_path / "passphrase"
    secret.write_text("a long backup passphrase 2026\n", encoding="utf-8")
    path = tmp_path / "b.tar.enc"
    assert "已加密" in run("backup", output=str(path), encrypt=True, passphrase_file=str(secret))
    assert b"regions_region" not in path.read_bytes()  # nothing readable without the passphrase

    with pytest.raises(CommandError, match="这是加密备份"):
        run("restore", str(path), database_url=fresh_target)
    monkeypatch.setenv("JINGFANG_BACKUP_PASSPHRASE", "not the right passphrase")
    with pytest.raises(CommandError, match="口令错误"):
        run("restore", str(path), database_url=fresh_target)
    monkeypatch.setenv("JINGFANG_BACKUP_PASSPHRASE", "a long backup passphrase 2026")
    assert "核验通过" in run("restore", str(path), database_url=fresh_target)

    damaged = bytearray(path.read_bytes())
    damaged[len(damaged) // 2] ^= 0x01
    path.write_bytes(bytes(damaged))
    with pytest.raises(CommandError, match="文件已损坏"):
        run("restore", str(path), database_url=fresh_target, force=True)


def test_encrypt_needs_a_passphrase(tmp_path, monkeypatch):
    monkeypatch.delenv("JINGFANG_BACKUP_PASSPHRASE", raising=False)
    with pytest.raises(CommandError, match="加密口令至少12个字符"):
        run("backup", output=str(tmp_path / "x.tar.enc"), encrypt=True)
    assert not (tmp_path / "x.tar.enc").exists()


# ---- damaged and mismatched backups --------------------------------------------------------------

@pytest.fixture
def backup_file(tmp_path):
    path = tmp_path / "small.tar"
    run("backup", output=str(path))
    return path


def rewrite(path: Path, change) -> Path:
    """A copy of the backup whose manifest was edited (the data member left as it was)."""
    with tarfile.open(path) as tar:
        body = json.load(tar.extractfile("manifest.json"))
        data_info = next(m for m in tar.getmembers() if m.name != "manifest.json")
        data = tar.extractfile(data_info).read()
    change(body)
    raw = json.dumps(body).encode()
    edited = path.with_name("edited-" + path.name)
    with tarfile.open(edited, "w") as tar:
        info = tarfile.TarInfo("manifest.json")
        info.size = len(raw)
        tar.addfile(info, io.BytesIO(raw))
        tar.addfile(data_info, io.BytesIO(data))
    return edited


def target_tables(url: str) -> int:
    db = dj_database_url.parse(url)
    if ON_POSTGRES:
        conn = pgtools.connect(db)
    else:
        if not Path(db["NAME"]).exists():
            return 0
        conn = sqlite3.connect(db["NAME"])
    try:
        return len(manifest.existing_tables(conn, connection.vendor))
    finally:
        conn.close()


def test_a_flipped_byte_in_the_data_is_refused_before_anything_is_written(backup_file, fresh_target):
    with tarfile.open(backup_file) as tar:
        member = next(m for m in tar.getmembers() if m.name != "manifest.json")
    damaged = bytearray(backup_file.read_bytes())
    damaged[member.offset_data + member.size // 2] ^= 0x01
    backup_file.write_bytes(bytes(damaged))
    with pytest.raises(CommandError, match="SHA-256或大小与清单不符，拒绝恢复"):
        run("restore", str(backup_file), database_url=fresh_target)
    assert target_tables(fresh_target) == 0


def test_a_truncated_file_is_refused(backup_file, fresh_target):
    backup_file.write_bytes(backup_file.read_bytes()[: backup_file.stat().st_size // 2])
    with pytest.raises(CommandError, match="不完整|不符"):
        run("restore", str(backup_file), database_url=fresh_target)
    assert target_tables(fresh_target) == 0


def test_a_manifest_that_does_not_match_the_data_fails_the_restore(backup_file, fresh_target):
    def one_more_row(body):
        body["tables"]["django_migrations"]["rows"] += 1

    edited = rewrite(backup_file, one_more_row)
    if ON_POSTGRES:  # a dump can only be checked once restored: the command fails after restoring
        with pytest.raises(CommandError, match="恢复后核验失败：1张表与备份清单不符"):
            run("restore", str(edited), database_url=fresh_target)
    else:  # a SQLite copy is checked before the target is touched
        with pytest.raises(CommandError, match=r"表 django_migrations：行数不符（清单(\d+)行，实际\d+行）"):
            run("restore", str(edited), database_url=fresh_target)
        assert target_tables(fresh_target) == 0


def test_a_backup_of_the_other_database_type_is_refused(backup_file, fresh_target):
    other = "sqlite" if ON_POSTGRES else "postgresql"
    edited = rewrite(backup_file, lambda body: body.update(vendor=other))
    with pytest.raises(CommandError, match="不支持跨数据库类型恢复"):
        run("restore", str(edited), database_url=fresh_target)


def test_a_backup_from_newer_code_is_refused(backup_file, fresh_target):
    edited = rewrite(backup_file, lambda body: body["migrations"].update(audit="0999_from_the_future"))
    with pytest.raises(CommandError, match="备份来自更新版本的 jingfang.*audit.0999_from_the_future"):
        run("restore", str(edited), database_url=fresh_target)
    assert target_tables(fresh_target) == 0


def test_not_a_backup(tmp_path, fresh_target):
    junk = tmp_path / "junk.tar"
    junk.write_bytes(b"hello" * 1000)
    with pytest.raises(CommandError, match="不完整或已损坏"):
        run("restore", str(junk), database_url=fresh_target)
    with pytest.raises(CommandError, match="找不到备份文件"):
        run("restore", str(tmp_path / "missing.tar"), database_url=fresh_target)
