"""The audit hash chains: each row's hash covers its content and the previous row's hash in its chain.

row_hash = HMAC-SHA256 under the audit key (JINGFANG_AUDIT_KEY or audit_key in the key file, never
in the database; core/crypto.py) over a canonical JSON of the row's fields (seq instead of id, so the hash is known
before the insert and the row is never updated; the chain number too, for rows of chains other than
0). Each ChainHead holds its chain's last seq and hash and is locked while a row is appended, until
the appending transaction commits; after a purge of expired rows it also holds the anchor the
oldest remaining row links to.

Why several chains: a head stays locked through its transaction's commit (the WAL flush), so with
one chain every audited transaction of the whole site waited for the previous one's commit (about
150 appends per second on the benchmark machine, whatever the number of workers). With CHAINS
chains a writer takes the first head no other transaction holds (SKIP LOCKED), so writers only wait
when all are busy. Each chain is verified on its own, and its head exists from the first append on,
so a deleted or changed row, or a truncated chain, is still reported.

Someone with write access to the database but not the key cannot recompute the hashes of changed
rows; what they can still do without the key (cut the newest rows and set the head back, delete the
oldest rows and move the anchor) is caught by the checkpoints written outside the database
(checkpoints.py), which verify_chain compares. Rows written before migration 0006 were re-chained
under the key by it, after their unkeyed chain (legacy_hash) had been verified.
"""

import datetime as dt
import functools
import hashlib
import hmac
import ipaddress
import json
import random

from django.db import connection, transaction
from django.utils import timezone

from jingfang.core import crypto

from . import checkpoints, triggers
from .models import AuditEvent, ChainHead

ROW_DOMAIN = b"jingfang audit row\x00"

GENESIS = "0" * 64
CHAINS = 32  # raising it needs a migration creating the new heads (as 0004 does): verify expects them all
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


def canonical(row) -> bytes:
    """row: an AuditEvent (or a historical model instance in a migration) with seq and prev_hash set."""
    values = {name: getattr(row, name) for name in HASHED_FIELDS}
    values["at"] = _at(values["at"])
    values["ip"] = _ip(values["ip"])
    values["detail"] = _plain(values["detail"] or {})
    for name in ("user_id", "patient_id", "seq"):
        values[name] = None if values[name] is None else int(values[name])
    if getattr(row, "chain", 0):  # chain 0 hashes as rows did before there were several chains
        values["chain"] = int(row.chain)
    return json.dumps(values, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


@functools.lru_cache(maxsize=4)
def _row_mac(key: bytes):
    return hmac.new(key, ROW_DOMAIN, hashlib.sha256)


def compute_hash(row, key: bytes | None = None) -> str:
    """The row's keyed hash: HMAC-SHA256 under the audit key (default: the configured one)."""
    mac = _row_mac(crypto.audit_key().key if key is None else key).copy()
    mac.update(canonical(row))
    return mac.hexdigest()


def legacy_hash(row) -> str:
    """The unkeyed hash rows had before migration 0006 (sha256 of the same canonical JSON)."""
    return hashlib.sha256(canonical(row)).hexdigest()


def lock_head(pk: int = 1) -> ChainHead:
    """One chain head, locked until the surrounding transaction ends (call inside transaction.atomic)."""
    head = ChainHead.objects.select_for_update().filter(pk=pk).first()
    if head is None:
        ChainHead.objects.get_or_create(pk=pk)
        head = ChainHead.objects.select_for_update().get(pk=pk)
    return head


def _free_head() -> ChainHead | None:
    return ChainHead.objects.select_for_update(skip_locked=True).filter(pk__lte=CHAINS).order_by("pk").first()


def lock_free_head() -> ChainHead:
    """The first chain head no other transaction holds, locked until the surrounding transaction
    ends; when every head is held, wait for one of them."""
    head = _free_head()
    if head is None:
        for pk in range(1, CHAINS + 1):  # the heads do not all exist yet (a new or flushed database)
            ChainHead.objects.get_or_create(pk=pk)
        head = _free_head()
    return head or lock_head(random.randint(1, CHAINS))


def _label(chain: int) -> str:
    return f"第{chain}号链" if chain else ""


def _verify_one(head: ChainHead, count: int, pinned: dict[int, str],
                anchors: set[tuple[int, int, str]]) -> tuple[bool, int, int | None, str]:
    chain = head.pk - 1
    where = _label(chain)
    if head.anchor_seq and (chain, head.anchor_seq, head.anchor_hash) not in anchors:
        return False, count, head.anchor_seq + 1, (
            f"{where}起点已移到第{head.anchor_seq}条之后，但审计检查点中没有这次清理：记录可能被删除（伪造的清理）")
    if pinned.get(head.anchor_seq, head.anchor_hash) != head.anchor_hash:
        return False, count, head.anchor_seq, f"{where}起点哈希与审计检查点不符：记录可能被改写"
    expected_seq, expected_prev = head.anchor_seq + 1, head.anchor_hash
    rows = (
        AuditEvent.objects.filter(chain=chain, seq__lte=head.seq).order_by("seq")
        .only(*[f for f in HASHED_FIELDS], "chain", "id", "row_hash").iterator(chunk_size=2000)
    )
    mac = _row_mac(crypto.audit_key().key)
    for row in rows:
        keyed = mac.copy()
        keyed.update(canonical(row))
        if not hmac.compare_digest(keyed.hexdigest(), row.row_hash):
            return False, count, row.seq, f"{where}第{row.seq}条（ID {row.pk}）哈希不符：记录可能被篡改"
        if row.seq != expected_seq:
            return False, count, expected_seq, (
                f"{where}链断裂：第{expected_seq}条缺失，第{row.seq}条的前序哈希与第{expected_seq - 1}条不符：记录可能被删除"
            )
        if row.prev_hash != expected_prev:
            return False, count, row.seq, f"{where}链断裂：第{row.seq}条的前序哈希与第{row.seq - 1}条不符"
        if pinned.get(row.seq, row.row_hash) != row.row_hash:
            return False, count, row.seq, f"{where}第{row.seq}条（ID {row.pk}）与审计检查点不符：记录可能被改写"
        count += 1
        expected_seq, expected_prev = row.seq + 1, row.row_hash
    if expected_seq - 1 != head.seq or expected_prev != head.last_hash:
        return False, count, expected_seq, (
            f"{where}链断裂：第{expected_seq}条至第{head.seq}条缺失：链尾记录可能被删除")
    top = max(pinned, default=0)
    if top > head.seq:
        return False, count, head.seq + 1, (
            f"{where}审计检查点记载至第{top}条，数据库只到第{head.seq}条：链尾记录可能被删除")
    return True, count, None, ""


def verify_chain() -> tuple[bool, int, int | None, str]:
    """Walk every chain in seq order and hold it to the checkpoints outside the database;
    (ok, rows checked, seq of the first broken link or None, message)."""
    marks = checkpoints.read()  # before the heads: a checkpoint never runs ahead of what is read next
    if marks.problems:
        return False, 0, None, marks.problems[0]
    pins, anchors = marks.pins(), marks.purge_anchors()
    heads = {h.pk: h for h in ChainHead.objects.filter(pk__lte=CHAINS).order_by("pk")}
    chains = set(AuditEvent.objects.order_by().values_list("chain", flat=True).distinct())
    if heads or chains or pins:  # the first append creates every head; none may go missing after that
        missing = sorted({*range(CHAINS), *chains, *pins} - {pk - 1 for pk in heads})
        if missing:
            return False, 0, None, f"{_label(missing[0]) or '第0号链'}的链头缺失：该链的记录可能被整体删除"
    count = 0
    for head in heads.values():
        ok, count, bad, message = _verify_one(head, count, pins.get(head.pk - 1, {}), anchors)
        if not ok:
            return ok, count, bad, message
    absent = triggers.missing(connection)
    if absent:
        return False, count, None, f"审计表的数据库触发器缺失或被停用（{'、'.join(absent)}）：审计记录失去数据库层保护"
    return True, count, None, f"审计链完整：共{count}条"


def purge_before(cutoff: dt.datetime) -> int:
    """In each chain, delete the unbroken run of oldest rows written before cutoff and move the chain's
    anchor past them, under the database's purge permit (triggers.py), and record the new anchors in a
    ``purge`` checkpoint before the transaction commits (no checkpoint written, nothing purged).

    Refuses a cutoff inside the retention period (JINGFANG_AUDIT_RETENTION_DAYS, at least 180 days).
    Raw SQL: AuditQuerySet refuses deletes to application code.
    """
    from .apps import MIN_RETENTION_DAYS, retention_days

    days = max(int(retention_days()), MIN_RETENTION_DAYS)
    if cutoff > timezone.now() - dt.timedelta(days=days):
        raise ValueError(f"拒绝清理：审计记录须保留至少{days}天")
    deleted = 0
    with transaction.atomic(), triggers.purge_permit(connection):
        heads = list(ChainHead.objects.select_for_update().order_by("pk")) or [lock_head()]
        moved = []
        for head in heads:
            chain = head.pk - 1
            first_kept = (
                AuditEvent.objects.filter(chain=chain, seq__gt=head.anchor_seq, at__gte=cutoff).order_by("seq")
                .values_list("seq", flat=True).first()
            )
            last_purged = head.seq if first_kept is None else first_kept - 1
            if last_purged <= head.anchor_seq:
                continue
            anchor_hash = (AuditEvent.objects.filter(chain=chain, seq=last_purged)
                           .values_list("row_hash", flat=True).first())
            if anchor_hash is None:
                raise RuntimeError(f"{_label(chain)}第{last_purged}条缺失，审计链已断裂，拒绝清理")
            with connection.cursor() as cursor:
                cursor.execute(f"DELETE FROM {AuditEvent._meta.db_table} WHERE chain = %s AND seq <= %s",
                               [chain, last_purged])
                deleted += cursor.rowcount
            ChainHead.objects.filter(pk=head.pk).update(anchor_seq=last_purged, anchor_hash=anchor_hash)
            moved.append(chain)
        if moved:
            checkpoints.append("purge", before=_at(cutoff), chains=moved, count=deleted)
    return deleted
