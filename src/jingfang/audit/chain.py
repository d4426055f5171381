"""The audit hash chains: each row's hash covers its content and the previous row's hash in its chain.

row_hash is the row's keyed hash (hashing.py). Each ChainHead (models.py, which also locks a free head for
each append) holds its chain's last seq and hash and is locked while a row is appended, until
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
import hmac

from django.db import connection, transaction
from django.utils import timezone

from jingfang.core import crypto

from . import checkpoints, triggers
from .hashing import HASHED_FIELDS, at_text, canonical, row_mac
from .models import CHAINS, AuditEvent, ChainHead, lock_head
from .retention import MIN_RETENTION_DAYS, retention_days


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
    mac = row_mac(crypto.audit_key().key)
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
            checkpoints.append("purge", before=at_text(cutoff), chains=moved, count=deleted)
    return deleted
