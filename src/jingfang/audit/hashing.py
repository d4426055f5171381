"""The hash of one audit row (the chains themselves: chain.py, their heads: models.ChainHead).

row_hash = HMAC-SHA256 under the audit key (JINGFANG_AUDIT_KEY or audit_key in the key file, never
in the database; core/crypto.py) over a canonical JSON of the row's fields (seq instead of id, so the
hash is known before the insert and the row is never updated; the chain number too, for rows of
chains other than 0). Rows written before migration 0006 had the unkeyed ``legacy_hash``.
"""

import datetime as dt
import functools
import hashlib
import hmac
import ipaddress
import json

from jingfang.core import crypto

ROW_DOMAIN = b"jingfang audit row\x00"

GENESIS = "0" * 64
HASHED_FIELDS = (
    "seq", "at", "user_id", "username", "role", "region_code", "action", "outcome",
    "patient_id", "target", "detail", "ip", "path", "prev_hash",
)


def _plain(value):
    """JSON values as they read back from any backend (PostgreSQL's jsonb turns 1e20 into an integer)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _ip(value) -> str | None:
    if value in (None, ""):
        return None
    try:
        return ipaddress.ip_address(str(value).split("/")[0]).compressed
    except ValueError:
        return str(value)


def at_text(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical(row) -> bytes:
    """row: an AuditEvent (or a historical model instance in a migration) with seq and prev_hash set."""
    values = {name: getattr(row, name) for name in HASHED_FIELDS}
    values["at"] = at_text(values["at"])
    values["ip"] = _ip(values["ip"])
    values["detail"] = _plain(values["detail"] or {})
    for name in ("user_id", "patient_id", "seq"):
        values[name] = None if values[name] is None else int(values[name])
    if getattr(row, "chain", 0):  # chain 0 hashes as rows did before there were several chains
        values["chain"] = int(row.chain)
    return json.dumps(values, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


@functools.lru_cache(maxsize=4)
def row_mac(key: bytes):
    return hmac.new(key, ROW_DOMAIN, hashlib.sha256)


def compute_hash(row, key: bytes | None = None) -> str:
    """The row's keyed hash: HMAC-SHA256 under the audit key (default: the configured one)."""
    mac = row_mac(crypto.audit_key().key if key is None else key).copy()
    mac.update(canonical(row))
    return mac.hexdigest()


def legacy_hash(row) -> str:
    """The unkeyed hash rows had before migration 0006 (sha256 of the same canonical JSON)."""
    return hashlib.sha256(canonical(row)).hexdigest()
