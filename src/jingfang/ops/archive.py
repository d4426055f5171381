"""The backup file: a tar holding ``manifest.json`` then one data member, optionally encrypted as a whole.

Data members: ``database.sqlite3.gz`` (a consistent SQLite copy, gzip) or ``database.pgdump``
(``pg_dump -Fc``). The manifest records the data member's SHA-256 and size; reading checks both before
anything is restored. Only these two names are accepted and nothing is extracted by the member's own
path (no path traversal). Files are created 0600: backups hold personal data.
"""

import hashlib
import io
import json
import os
import tarfile
import time
from pathlib import Path

from . import crypto

FORMAT = 1
MANIFEST = "manifest.json"
DATA_MEMBERS = {"sqlite": "database.sqlite3.gz", "postgresql": "database.pgdump"}
REQUIRED_KEYS = {"format", "created_at", "jingfang_version", "vendor", "migrations", "tables", "data"}
BLOCK = 1024 * 1024


class BackupError(Exception):
    """A Chinese message for the operator; the command exits non-zero with it."""


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(BLOCK):
            digest.update(block)
    return digest.hexdigest()


def private_file(path: Path):
    """Open a new file for writing that only its owner may read (refuses to overwrite)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    return os.fdopen(fd, "wb")


def _member(name: str, size: int) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.size, info.mode, info.mtime = size, 0o600, int(time.time())
    return info


def write(path: Path, manifest: dict, data_path: Path, passphrase: str | None = None) -> dict:
    """Write the backup file (manifest first, so a reader checks it before the data); the manifest."""
    manifest = dict(manifest, data={
        "name": DATA_MEMBERS[manifest["vendor"]],
        "sha256": sha256_file(data_path),
        "bytes": data_path.stat().st_size,
    }, encrypted=bool(passphrase))
    body = json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True).encode("utf-8")
    partial = path.with_name(path.name + ".partial")
    try:
        with private_file(partial) as raw:
            out = crypto.EncryptingWriter(raw, passphrase) if passphrase else raw
            with tarfile.open(fileobj=out, mode="w|", format=tarfile.PAX_FORMAT) as tar:
                tar.addfile(_member(MANIFEST, len(body)), io.BytesIO(body))
                with open(data_path, "rb") as data:
                    tar.addfile(_member(manifest["data"]["name"], manifest["data"]["bytes"]), data)
            if passphrase:
                out.close()
            raw.flush()
            os.fsync(raw.fileno())
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
    return manifest


def _check_manifest(body: bytes) -> dict:
    try:
        manifest = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BackupError("备份清单（manifest.json）无法解析：文件已损坏或被篡改") from exc
    missing = REQUIRED_KEYS - set(manifest) if isinstance(manifest, dict) else REQUIRED_KEYS
    if missing:
        raise BackupError(f"备份清单缺少字段：{'、'.join(sorted(missing))}：文件已损坏或不是 jingfang 备份")
    if manifest["format"] != FORMAT:
        raise BackupError(f"备份格式版本{manifest['format']}不受支持（本程序支持版本{FORMAT}）：请用更新的 jingfang 恢复")
    if manifest["vendor"] not in DATA_MEMBERS:
        raise BackupError(f"备份清单中的数据库类型“{manifest['vendor']}”不受支持")
    return manifest


def read(path: Path, workdir: Path, passphrase: str | None = None, progress=None) -> tuple[dict, Path]:
    """Check and unpack a backup into workdir: (manifest, path of the verified data member)."""
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"找不到备份文件：{path}")
    encrypted = crypto.is_encrypted(path)
    if encrypted and not passphrase:
        raise BackupError("这是加密备份：请用 --passphrase-file 或环境变量 JINGFANG_BACKUP_PASSPHRASE 提供口令")
    manifest, data_path = None, None
    try:
        with open(path, "rb") as raw:
            source = crypto.DecryptingReader(raw, passphrase) if encrypted else raw
            with tarfile.open(fileobj=source, mode="r|") as tar:
                for info in tar:
                    if manifest is None:
                        if info.name != MANIFEST or not info.isfile() or info.size > 64 * 1024 * 1024:
                            raise BackupError("备份文件的第一项不是 manifest.json：文件已损坏或不是 jingfang 备份")
                        manifest = _check_manifest(tar.extractfile(info).read())
                        continue
                    expected = manifest["data"]
                    if data_path is not None or info.name != expected.get("name") or not info.isfile():
                        raise BackupError(f"备份文件含有意外的内容“{info.name}”：文件已被改动")
                    data_path = workdir / expected["name"]
                    _copy_checked(tar.extractfile(info), data_path, expected, progress)
    except crypto.CryptoError as exc:
        raise BackupError(str(exc)) from exc
    except (tarfile.TarError, EOFError, OSError) as exc:
        if isinstance(exc, FileNotFoundError):
            raise
        raise BackupError(f"备份文件不完整或已损坏（{type(exc).__name__}）：无法读取") from exc
    if manifest is None or data_path is None:
        raise BackupError("备份文件不完整：缺少清单或数据")
    return manifest, data_path


def _copy_checked(source, target: Path, expected: dict, progress=None) -> None:
    digest, size, reported = hashlib.sha256(), 0, 0
    with private_file(target) as out:
        while block := source.read(BLOCK):
            digest.update(block)
            out.write(block)
            size += len(block)
            if progress and size - reported >= 256 * BLOCK:
                reported = size
                progress(f"  已读取{size // BLOCK:,} MB…")
    if size != expected.get("bytes") or digest.hexdigest() != expected.get("sha256"):
        raise BackupError(
            f"备份文件已损坏或被篡改：数据部分（{expected.get('name')}）的SHA-256或大小与清单不符，拒绝恢复"
        )
