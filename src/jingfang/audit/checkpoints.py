"""Checkpoints of the audit chain heads, written outside the database.

An append-only text file (``JINGFANG_AUDIT_CHECKPOINT_FILE``, default
``VAR_DIR/audit-checkpoints.log``), one JSON line per checkpoint::

    {"at": "...Z", "heads": [[chain, seq, last_hash, anchor_seq, anchor_hash], ...], "kind": "...",
     "mac": "<HMAC-SHA256 under the audit key>", ...}

Chains with nothing in them are left out. Kinds: ``checkpoint`` (verify_audit after a successful
check, the worker every JINGFANG_AUDIT_CHECKPOINT_MINUTES), ``backup`` (the snapshot a backup holds),
``purge`` (the anchors a purge moved, written inside the purge's transaction: the only lines that
make a moved anchor legitimate) and ``restore`` (the heads of a restored backup: the database was
set back to them on purpose; earlier pins no longer apply).

``verify_audit`` checks every line's MAC, then holds the database to the pins of the lines since the
last restore: the row at each pinned seq must still have the pinned hash, and no chain may end
before its highest pinned seq; a chain's anchor (rows purged before it) must be one a purge line
recorded. Someone with write access to the database but not to the key cannot rewrite, truncate or
purge the chain without it showing. The file itself is protected by the MACs (no forged line) and,
against deletion of its last lines, by being append-only (``chattr +a``) and copied into every backup.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import hmac
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings

from jingfang.core import crypto

FILE_NAME = "audit-checkpoints.log"
DOMAIN = b"jingfang audit checkpoint\x00"
TAIL_BYTES = 256 * 1024
KINDS = ("checkpoint", "backup", "purge", "restore")


def path() -> Path:
    configured = getattr(settings, "JINGFANG_AUDIT_CHECKPOINT_FILE", "")
    return Path(configured) if configured else Path(settings.VAR_DIR) / FILE_NAME


def _canonical(entry: dict) -> bytes:
    body = {k: v for k, v in entry.items() if k != "mac"}
    return json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def sign(entry: dict, key: bytes | None = None) -> str:
    key = key if key is not None else crypto.audit_key().key
    return hmac.new(key, DOMAIN + _canonical(entry), hashlib.sha256).hexdigest()


def _head_row(chain, seq, last_hash, anchor_seq, anchor_hash) -> list | None:
    if not seq and not anchor_seq:
        return None
    return [int(chain), int(seq), str(last_hash), int(anchor_seq), str(anchor_hash)]


def heads_now() -> list[list]:
    """The committed chain heads as this connection sees them (inside a transaction: its own view)."""
    from .models import ChainHead

    rows = ChainHead.objects.order_by("pk").values_list("pk", "seq", "last_hash", "anchor_seq", "anchor_hash")
    return [h for pk, *rest in rows if (h := _head_row(pk - 1, *rest))]


def heads_from(conn) -> list[list]:
    """The chain heads read through a plain DB-API connection (sqlite3 / psycopg), e.g. a backup's snapshot."""
    cursor = conn.cursor()
    try:
        cursor.execute("SELECT id, seq, last_hash, anchor_seq, anchor_hash FROM audit_chainhead ORDER BY id")
        rows = cursor.fetchall()
    finally:
        cursor.close()
    return [h for pk, *rest in rows if (h := _head_row(pk - 1, *rest))]


def make_entry(kind: str, heads: list[list], **extra) -> dict:
    if kind not in KINDS:
        raise ValueError(f"unknown checkpoint kind {kind!r}")
    entry = {"at": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"), "kind": kind, "heads": heads, **extra}
    entry["mac"] = sign(entry)
    return entry


def line_of(entry: dict) -> str:
    return json.dumps(entry, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def append_lines(lines: list[str]) -> None:
    """Append whole lines under an exclusive lock, flushed to disk before returning."""
    target = path()
    target.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(target, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        os.write(fd, "".join(line + "\n" for line in lines).encode("utf-8"))
        os.fsync(fd)
    finally:
        os.close(fd)


def append(kind: str, heads: list[list] | None = None, **extra) -> dict:
    """Write one checkpoint of the given heads (default: the current ones); the entry written."""
    entry = make_entry(kind, heads_now() if heads is None else heads, **extra)
    append_lines([line_of(entry)])
    return entry


def parse(line: str, key: bytes | None = None) -> dict | None:
    """The entry of one line if it is well formed and its MAC is right, else None."""
    try:
        entry = json.loads(line)
    except ValueError:
        return None
    if not isinstance(entry, dict) or not isinstance(entry.get("mac"), str) or entry.get("kind") not in KINDS:
        return None
    if not hmac.compare_digest(entry["mac"], sign(entry, key)):
        return None
    try:
        entry["heads"] = [[int(c), int(s), str(h), int(a), str(ah)] for c, s, h, a, ah in entry["heads"]]
    except (KeyError, TypeError, ValueError):
        return None
    return entry


@dataclass
class Checkpoints:
    entries: list[dict] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # lines that fail their MAC or do not parse
    lines: list[str] = field(default_factory=list)  # the valid lines as written

    def pins(self) -> dict[int, dict[int, str]]:
        """{chain: {seq: row_hash}} from every entry since (and including) the last restore."""
        start = max((i for i, e in enumerate(self.entries) if e["kind"] == "restore"), default=0)
        pinned: dict[int, dict[int, str]] = {}
        for entry in self.entries[start:]:
            for chain, seq, last_hash, _anchor_seq, _anchor_hash in entry["heads"]:
                if seq:
                    pinned.setdefault(chain, {})[seq] = last_hash
        return pinned

    def purge_anchors(self) -> set[tuple[int, int, str]]:
        """(chain, anchor_seq, anchor_hash) that a purge recorded."""
        return {(c, a, ah) for e in self.entries if e["kind"] == "purge" for c, _s, _h, a, ah in e["heads"] if a}


def read() -> Checkpoints:
    """Every line of the checkpoint file, checked (a missing file has none)."""
    result = Checkpoints()
    try:
        text = path().read_text(encoding="utf-8")
    except FileNotFoundError:
        return result
    except (OSError, UnicodeDecodeError) as exc:
        result.problems.append(f"无法读取审计检查点文件 {path()}：{exc}")
        return result
    key = crypto.audit_key().key
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        entry = parse(line, key)
        if entry is None:
            result.problems.append(f"审计检查点文件 {path()} 第{number}行签名不符或格式有误：检查点可能被伪造或改动")
        else:
            result.entries.append(entry)
            result.lines.append(line)
    return result


def last_at() -> dt.datetime | None:
    """When the last line of the file was written (read from its tail), or None."""
    try:
        with open(path(), "rb") as fh:
            fh.seek(0, os.SEEK_END)
            size = fh.tell()
            fh.seek(max(0, size - TAIL_BYTES))
            tail = fh.read().decode("utf-8", "replace").strip().splitlines()
    except FileNotFoundError:
        return None
    for line in reversed(tail):
        try:
            return dt.datetime.strptime(json.loads(line)["at"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=dt.UTC)
        except (ValueError, KeyError, TypeError):
            continue
    return None


def checkpoint_if_due(now: dt.datetime | None = None) -> dict | None:
    """The worker's periodic checkpoint: written when the last line is older than the interval."""
    minutes = int(getattr(settings, "JINGFANG_AUDIT_CHECKPOINT_MINUTES", 60) or 0)
    if minutes <= 0:
        return None
    now = now or dt.datetime.now(dt.UTC)
    last = last_at()
    if last is not None and now - last < dt.timedelta(minutes=minutes):
        return None
    return append("checkpoint")


def merge_from_backup(lines: list[str], heads: dict | None, source: str) -> list[str]:
    """After a restore: add the backup's purge lines the file lacks, then a restore line holding the
    backup's heads (when the backup's own checkpoint is genuine). Notes for the operator."""
    notes = []
    key = crypto.audit_key().key
    have = set(read().lines)
    missing = [line for line in lines if line not in have and (e := parse(line, key)) and e["kind"] == "purge"]
    entry = parse(line_of(heads), key) if isinstance(heads, dict) else None
    if heads is not None and entry is None:
        notes.append("备份中的审计检查点签名不符（审计链密钥不同，或备份被改动）：未记入审计检查点文件")
    new = list(missing)
    if entry is not None:
        new.append(line_of(make_entry("restore", entry["heads"], source=source, backup_at=entry["at"])))
    if new:
        append_lines(new)
    if entry is not None:
        notes.append(f"已在审计检查点文件 {path()} 记下此次恢复（审计链回到备份时的状态）")
    elif heads is None:
        notes.append("此备份不含审计检查点（早于该功能）：如 verify_audit 报告链尾缺失，属恢复旧备份所致，请核实")
    return notes
