"""The audit hash chain: each row's hash covers its content and the previous row's hash.

row_hash = sha256 over a canonical JSON of the row's fields (seq instead of id, so the hash is known
before the insert and the row is never updated). ChainHead (pk=1) holds the last seq and hash and is
locked while a row is appended; after a purge of expired rows it also holds the anchor the oldest
remaining row links to.
"""

import datetime as dt
import hashlib
import ipaddress
import json

from django.db import connection, transaction

from .models import AuditEvent, ChainHead

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


def _at(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def compute_hash(row) -> str:
    """row: an AuditEvent (or a historical model instance in a migration) with seq and prev_hash set."""
    values = {name: getattr(row, name) for name in HASHED_FIELDS}
    values["at"] = _at(values["at"])
    values["ip"] = _ip(values["ip"])
    values["detail"] = _plain(values["detail"] or {})
    for name in ("user_id", "patient_id", "seq"):
        values[name] = None if values[name] is None else int(values[name])
    canonical = json.dumps(values, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def lock_head() -> ChainHead:
    """The chain head, locked until the surrounding transaction ends (call inside transaction.atomic)."""
    head = ChainHead.objects.select_for_update().filter(pk=1).first()
    if head is None:
        ChainHead.objects.get_or_create(pk=1)
        head = ChainHead.objects.select_for_update().get(pk=1)
    return head


def verify_chain() -> tuple[bool, int, int | None, str]:
    """Walk the chain in seq order; (ok, rows checked, seq of the first broken link or None, message)."""
    head = ChainHead.objects.filter(pk=1).first() or ChainHead(pk=1)
    expected_seq, expected_prev = head.anchor_seq + 1, head.anchor_hash
    count = 0
    rows = (
        AuditEvent.objects.filter(seq__lte=head.seq).order_by("seq")
        .only(*[f for f in HASHED_FIELDS], "id", "row_hash").iterator(chunk_size=2000)
    )
    for row in rows:
        if compute_hash(row) != row.row_hash:
            return False, count, row.seq, f"第{row.seq}条（ID {row.pk}）哈希不符：记录可能被篡改"
        if row.seq != expected_seq:
            return False, count, expected_seq, (
                f"链断裂：第{expected_seq}条缺失，第{row.seq}条的前序哈希与第{expected_seq - 1}条不符：记录可能被删除"
            )
        if row.prev_hash != expected_prev:
            return False, count, row.seq, f"链断裂：第{row.seq}条的前序哈希与第{row.seq - 1}条不符"
        count += 1
        expected_seq, expected_prev = row.seq + 1, row.row_hash
    if expected_seq - 1 != head.seq or expected_prev != head.last_hash:
        return False, count, expected_seq, f"链断裂：第{expected_seq}条至第{head.seq}条缺失：链尾记录可能被删除"
    return True, count, None, f"审计链完整：共{count}条"


def purge_before(cutoff: dt.datetime) -> int:
    """Delete the unbroken run of oldest rows written before cutoff and move the anchor past them.

    The caller checks the retention period. Raw SQL: AuditQuerySet refuses deletes to application code.
    """
    with transaction.atomic():
        head = lock_head()
        first_kept = (
            AuditEvent.objects.filter(seq__gt=head.anchor_seq, at__gte=cutoff).order_by("seq")
            .values_list("seq", flat=True).first()
        )
        last_purged = head.seq if first_kept is None else first_kept - 1
        if last_purged <= head.anchor_seq:
            return 0
        anchor_hash = AuditEvent.objects.filter(seq=last_purged).values_list("row_hash", flat=True).first()
        if anchor_hash is None:
            raise RuntimeError(f"第{last_purged}条缺失，审计链已断裂，拒绝清理")
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {AuditEvent._meta.db_table} WHERE seq <= %s", [last_purged])
            deleted = cursor.rowcount
        ChainHead.objects.filter(pk=1).update(anchor_seq=last_purged, anchor_hash=anchor_hash)
    return deleted
