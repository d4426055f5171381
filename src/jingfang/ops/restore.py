"""Restoring a backup into an empty database (or, with force, over an existing one) and proving it.

Order: check the file (manifest, data SHA-256), the database type, the migrations (a backup from newer
code is refused), the target (must have no tables unless forced); SQLite backups are verified against
the manifest *before* the target is touched; then restore; then recompute every table's row count
and checksum on the target with the manifest's own table list and compare; then record the backup's
audit checkpoints, and the restore itself, in the audit checkpoint file (audit/checkpoints.py). Same vendor only:
SQLite -> SQLite and PostgreSQL -> PostgreSQL.
"""

import gzip
import shutil
import sqlite3
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import dj_database_url
from django.conf import settings
from django.db import connections

from . import archive, manifest, pgtools
from .archive import BackupError


@dataclass
class RestoreResult:
    manifest: dict
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def vendor_of(db: dict) -> str:
    engine = db.get("ENGINE", "")
    if "sqlite3" in engine:
        return "sqlite"
    if "postgresql" in engine:
        return "postgresql"
    raise BackupError(f"不支持恢复到此类数据库：{engine}")


def target_settings(database_url: str | None) -> dict:
    return dj_database_url.parse(database_url) if database_url else dict(connections["default"].settings_dict)


def migration_check(recorded: dict[str, str]) -> tuple[list[str], list[str]]:
    """(unknown, behind): migrations this code lacks (a newer backup) and apps this code has moved past."""
    from django.db.migrations.loader import MigrationLoader

    loader = MigrationLoader(None, ignore_no_migrations=True)
    unknown = [f"{app}.{name}" for app, name in recorded.items() if (app, name) not in loader.disk_migrations]
    behind = sorted(
        f"{app}（备份：{recorded.get(app, '无')}，本程序：{name}）"
        for app, name in loader.graph.leaf_nodes()
        if recorded.get(app, "") < name
    )
    return unknown, behind


def _sqlite_tables(path: Path) -> int:
    if not path.exists() or path.stat().st_size == 0:
        return 0
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return len(manifest.existing_tables(conn, "sqlite"))
    finally:
        conn.close()


def _verify(conn, vendor: str, body: dict, progress) -> list[str]:
    specs = [manifest.TableSpec.from_dict(t, d) for t, d in sorted(body.get("schema", {}).items())]
    actual = manifest.checksums(conn, vendor, specs, progress)
    return manifest.compare(body["tables"], actual)


def _restore_sqlite(data: Path, workdir: Path, target: Path, force: bool, body: dict, progress) -> list[str]:
    if target.name in ("", ":memory:") or str(target).startswith("file:"):
        raise BackupError("SQLite 恢复目标须是一个文件路径")
    tables = _sqlite_tables(target)
    if tables and not force:
        raise BackupError(f"目标数据库 {target} 已有{tables}张表：拒绝覆盖。请恢复到新文件，或确认后加 --force")
    copy = workdir / "database.sqlite3"
    progress("正在解压…")
    with gzip.open(data, "rb") as src, open(copy, "wb") as dst:
        shutil.copyfileobj(src, dst, 1024 * 1024)
    progress("恢复前核验备份内容…")
    source = sqlite3.connect(f"file:{copy}?mode=ro", uri=True)
    try:
        problems = _verify(source, "sqlite", body, progress)
        if problems:
            raise BackupError("备份内容与清单不符，拒绝恢复（目标数据库未改动）：\n" + "\n".join(problems))
        target.parent.mkdir(parents=True, exist_ok=True)
        progress(f"正在写入 {target}…")
        connections.close_all()
        dest = sqlite3.connect(target)
        try:
            source.backup(dest)
        finally:
            dest.close()
    finally:
        source.close()
    target.chmod(0o600)
    progress("恢复后核验…")
    conn = sqlite3.connect(f"file:{target}?mode=ro", uri=True)
    try:
        return _verify(conn, "sqlite", body, progress)
    finally:
        conn.close()


def _restore_postgres(data: Path, db: dict, force: bool, body: dict, progress) -> list[str]:
    conn = pgtools.connect(db)
    try:
        server = pgtools.server_major(conn)
        tables = len(manifest.existing_tables(conn, "postgresql"))
        conn.rollback()
        if tables and not force:
            raise BackupError(
                f"目标数据库“{db['NAME']}”已有{tables}张表：拒绝覆盖。请恢复到新建的空数据库，或确认后加 --force"
            )
        pgtools.require_client("pg_restore", max(server, int(body.get("pg_major") or 0)))
        if tables:
            progress(f"--force：清空目标数据库“{db['NAME']}”的现有表…")
            pgtools.clear_schema(conn)
    finally:
        conn.close()
    connections.close_all()
    progress(f"正在用 pg_restore 恢复到“{db['NAME']}”（单一事务）…")
    pgtools.restore(db, data, server)
    progress("恢复后核验…")
    conn = pgtools.connect(db)
    try:
        return _verify(conn, "postgresql", body, progress)
    finally:
        conn.close()


def _audit_checkpoints(body: dict, path) -> list[str]:
    """The backup's audit checkpoints into the checkpoint file, and a restore line (audit/checkpoints.py)."""
    from jingfang.audit import checkpoints
    from jingfang.core.crypto import KeyConfigError

    try:
        return checkpoints.merge_from_backup(body.get("audit_checkpoints") or [], body.get("audit_checkpoint"),
                                             source=str(path))
    except (KeyConfigError, OSError) as exc:
        return [f"未能把备份的审计检查点记入检查点文件（{exc}）：恢复后的 verify_audit 可能报告链尾缺失"]


def restore_backup(path, *, database_url: str | None = None, force: bool = False,
                   passphrase: str | None = None, progress=None) -> RestoreResult:
    progress = progress or (lambda message, level=1: None)
    db = target_settings(database_url)
    vendor = vendor_of(db)
    workdir = Path(tempfile.mkdtemp(prefix=".jingfang-restore-", dir=settings.VAR_DIR))
    try:
        progress(f"正在读取并核对备份文件 {path}…")
        body, data = archive.read(Path(path), workdir, passphrase, progress)
        result = RestoreResult(body)
        rows = sum(t["rows"] for t in body["tables"].values())
        progress(f"备份时间 {body['created_at']}，jingfang {body['jingfang_version']}，{body['vendor']}，"
                 f"{len(body['tables'])}张表、{rows:,}行，数据部分SHA-256核对无误")
        if body["vendor"] != vendor:
            raise BackupError(
                f"备份来自 {body['vendor']}，目标是 {vendor}：不支持跨数据库类型恢复（SQLite→SQLite、PostgreSQL→PostgreSQL）"
            )
        unknown, behind = migration_check(body["migrations"])
        if unknown and not force:
            raise BackupError(
                "备份来自更新版本的 jingfang（本程序没有这些迁移：" + "、".join(unknown) + "）：请先升级 jingfang 再恢复"
            )
        if vendor == "sqlite":
            result.problems = _restore_sqlite(data, workdir, Path(db["NAME"]), force, body, progress)
        else:
            result.problems = _restore_postgres(data, db, force, body, progress)
        if result.ok:
            result.notes.extend(_audit_checkpoints(body, path))
        if behind:
            result.notes.append("备份早于本程序的数据库结构，请运行 jingfang migrate：" + "；".join(behind))
        return result
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
