"""The audit chains become keyed and the database refuses changes to them (audit/chain.py, triggers.py).

1. Existing rows are re-chained under the audit key (JINGFANG_AUDIT_KEY or audit_key in the key file;
   needed only when there are rows), each chain walked from its anchor after its unkeyed chain has been
   verified: a chain that no longer verifies stops the migration rather than being re-chained (that would
   hide the tampering). The reversal does the same the other way.
2. Triggers refusing UPDATE/DELETE/TRUNCATE of audit rows and anything but appends and purges on the
   chain heads (PostgreSQL and SQLite).
"""

from django.db import migrations


def _rechain(apps, old_hash, new_hash):
    AuditEvent = apps.get_model("audit", "AuditEvent")
    ChainHead = apps.get_model("audit", "ChainHead")
    if not AuditEvent.objects.exists():
        return
    for head in ChainHead.objects.order_by("pk"):
        chain = head.pk - 1
        expected_seq, old_prev, new_prev = head.anchor_seq + 1, head.anchor_hash, head.anchor_hash
        rows = AuditEvent.objects.filter(chain=chain, seq__lte=head.seq).order_by("seq")
        for row in rows.iterator(chunk_size=2000):
            if row.seq != expected_seq or row.prev_hash != old_prev or old_hash(row) != row.row_hash:
                raise RuntimeError(
                    f"审计链第{chain}号链第{row.seq}条核验不符，拒绝重新计算哈希（会掩盖篡改）。"
                    "请先在升级前的版本上运行 jingfang verify_audit 查明原因。"
                )
            old_prev = row.row_hash
            row.prev_hash = new_prev
            row.row_hash = new_hash(row)
            AuditEvent.objects.filter(pk=row.pk).update(prev_hash=row.prev_hash, row_hash=row.row_hash)
            new_prev, expected_seq = row.row_hash, row.seq + 1
        if expected_seq - 1 != head.seq or old_prev != head.last_hash:
            raise RuntimeError(f"审计链第{chain}号链尾部核验不符，拒绝重新计算哈希（会掩盖篡改）。")
        ChainHead.objects.filter(pk=head.pk).update(last_hash=new_prev)


def keyed(apps, schema_editor):
    from jingfang.audit.hashing import compute_hash, legacy_hash

    _rechain(apps, legacy_hash, compute_hash)


def unkeyed(apps, schema_editor):
    from jingfang.audit.hashing import compute_hash, legacy_hash

    _rechain(apps, compute_hash, legacy_hash)


def install(apps, schema_editor):
    from jingfang.audit import triggers

    triggers.install(schema_editor.connection)


def uninstall(apps, schema_editor):
    from jingfang.audit import triggers

    triggers.uninstall(schema_editor.connection)


class Migration(migrations.Migration):

    dependencies = [
        ("audit", "0005_action_labels"),
    ]

    operations = [
        migrations.RunPython(keyed, unkeyed),
        migrations.RunPython(install, uninstall),
    ]
