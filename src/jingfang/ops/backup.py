"""Taking a backup: a consistent copy of the database plus a manifest of what it holds.

SQLite: the online backup API copies the database in one step under a read lock (a consistent
snapshot even while the application writes; never a file copy). The manifest is computed from that
copy. PostgreSQL: a REPEATABLE READ transaction exports its snapshot; ``pg_dump --snapshot`` dumps
exactly that snapshot and the manifest is computed in the same transaction, so both describe the same
moment.

The audit chain heads of the snapshot are written as a ``backup`` checkpoint to the audit checkpoint
file (audit/checkpoints.py), and the manifest carries that checkpoint and every line of the file, so
that a restore can restore the checkpoints too (and a lost checkpoint file has copies).
"""

import datetime as dt
import gzip
import shutil
import sqlite3
import tempfile
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import connections
from django.utils import timezone

from . import archive, manifest, pgtools
from .archive import BackupError


@dataclass
class BackupResult:
    path: Path
    manifest: dict

    @property
    def rows(self) -> int:
        return sum(t["rows"] for t in self.manifest["tables"].values())


def jingfang_version() -> str:
    try:
        from importlib.metadata import version

        return version("jingfang")
    except Exception:  # noqa: BLE001 - not installed as a distribution (e.g. run from a source tree)
        from jingfang import __version__

        return __version__


def default_name(now: dt.datetime | None = None, encrypted: bool = False) -> str:
    now = timezone.localtime(now or timezone.now())
    return f"jingfang-{now:%Y%m%d-%H%M%S}.tar" + (".enc" if encrypted else "")


def resolve_target(output: str | None, encrypted: bool) -> Path:
    """A file name, or a folder to put a dated file in (default: VAR_DIR/backups, created 0700)."""
    if output and not output.endswith("/") and not Path(output).is_dir():
        path = Path(output)
    else:
        folder = Path(output) if output else Path(settings.VAR_DIR) / "backups"
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        path = folder / default_name(encrypted=encrypted)
    if path.exists():
        raise BackupError(f"备份文件已存在，不会覆盖：{path}")
    if not path.parent.is_dir():
        raise BackupError(f"备份目录不存在：{path.parent}")
    return path


def _sqlite_snapshot(alias: str, workdir: Path, progress) -> tuple[Path, dict]:
    wrapper = connections[alias]
    if wrapper.in_atomic_block:  # the backup API would wait for this very transaction forever
        raise BackupError("不能在未结束的数据库事务中备份 SQLite")
    wrapper.ensure_connection()
    copy = workdir / "database.sqlite3"
    progress("正在复制 SQLite 数据库（在线备份接口，一致性快照）…")
    target = sqlite3.connect(copy)
    try:
        wrapper.connection.backup(target)
    finally:
        target.close()
    conn = sqlite3.connect(f"file:{copy}?mode=ro", uri=True)
    try:
        info = _describe(conn, "sqlite", progress)
        info["server"] = f"SQLite {sqlite3.sqlite_version}"
    finally:
        conn.close()
    packed = workdir / archive.DATA_MEMBERS["sqlite"]
    progress("正在压缩…")
    with open(copy, "rb") as src, gzip.open(packed, "wb", compresslevel=6) as dst:
        shutil.copyfileobj(src, dst, 1024 * 1024)
    copy.unlink()
    return packed, info


def _postgres_snapshot(alias: str, workdir: Path, progress) -> tuple[Path, dict]:
    db = connections[alias].settings_dict
    conn = pgtools.connect(db)
    try:
        conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        snapshot = conn.execute("SELECT pg_export_snapshot()").fetchone()[0]
        server = pgtools.server_major(conn)
        target = workdir / archive.DATA_MEMBERS["postgresql"]
        progress(f"正在用 pg_dump 导出快照 {snapshot}…")
        client = pgtools.dump(db, snapshot, target, server)
        info = _describe(conn, "postgresql", progress)
        info["server"] = conn.execute("SHOW server_version").fetchone()[0]
        info["pg_dump"] = client
        info["pg_major"] = server
        conn.rollback()
    finally:
        conn.close()
    return target, info


def _describe(conn, vendor: str, progress) -> dict:
    specs = manifest.specs_from_models()
    progress("正在计算各表行数和校验和…")
    sums = manifest.checksums(conn, vendor, specs, progress)
    from jingfang.audit import checkpoints

    return {
        "audit_heads": checkpoints.heads_from(conn),
        "migrations": manifest.migration_state(conn),
        "tables": sums,
        "schema": {s.table: s.as_dict() for s in specs if s.table in sums},
    }


def _audit_checkpoints(heads: list, progress) -> dict:
    """Checkpoint the snapshot's audit chain heads; the manifest keys holding it and the file's lines."""
    from jingfang.audit import checkpoints
    from jingfang.core.crypto import KeyConfigError

    try:
        entry = checkpoints.append("backup", heads)
        lines = checkpoints.read().lines
    except (KeyConfigError, OSError) as exc:
        progress(f"警告：未能写入审计检查点（{exc}）；备份中不含审计检查点", 0)
        return {}
    return {"audit_checkpoint": entry, "audit_checkpoints": lines}


def make_backup(output: str | None = None, *, passphrase: str | None = None, progress=None,
                alias: str = "default") -> BackupResult:
    progress = progress or (lambda message, level=1: None)
    vendor = connections[alias].vendor
    if vendor not in archive.DATA_MEMBERS:
        raise BackupError(f"不支持备份此类数据库：{vendor}（支持 SQLite 和 PostgreSQL）")
    path = resolve_target(output, encrypted=bool(passphrase))
    workdir = Path(tempfile.mkdtemp(prefix=".jingfang-backup-", dir=path.parent))
    try:
        if vendor == "sqlite":
            data, info = _sqlite_snapshot(alias, workdir, progress)
        else:
            data, info = _postgres_snapshot(alias, workdir, progress)
        info.update(_audit_checkpoints(info.pop("audit_heads"), progress))
        body = {
            "format": archive.FORMAT,
            "created_at": timezone.localtime().isoformat(timespec="seconds"),
            "jingfang_version": jingfang_version(),
            "vendor": vendor,
            "checksum": "sha256 of canonical JSON rows ordered by primary key (jingfang.ops.manifest)",
            **info,
        }
        progress("正在写入备份文件…")
        return BackupResult(path, archive.write(path, body, data, passphrase))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
