"""Security review M5: the audit chain must survive someone with write access to the database.

The chain is keyed by a secret outside the database, its heads are checkpointed outside the
database (and in backups), the database refuses UPDATE/DELETE of audit rows except the purge, and
the purge refuses rows younger than the retention. Each attack below is carried out as a database
user would (raw SQL, the guard triggers dropped as someone with full access could) and must be
reported by verify_audit.
"""

import datetime as dt
import io
import json
import types

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from jingfang.audit import chain, checkpoints, triggers
from jingfang.audit import log as audit
from jingfang.audit.chain import verify_chain
from jingfang.audit.hashing import compute_hash, legacy_hash
from jingfang.audit.models import AuditEvent, ChainHead
from jingfang.core import clock

pytestmark = pytest.mark.django_db

EVENTS, HEADS = AuditEvent._meta.db_table, ChainHead._meta.db_table
ATTACKER_KEY = b"k" * 32  # anyone can compute a hash under a key of their own


def write(n):
    return [audit.record(None, "login_failed", username=f"u{i}", outcome="invalid") for i in range(n)]


def write_days_ago(n, days, monkeypatch):
    then = timezone.now() - dt.timedelta(days=days)
    with monkeypatch.context() as m:
        m.setattr("jingfang.audit.models.timezone.now", lambda: then)
        return write(n)


def sql(statement, params=()):
    """As a database user with full access: the guard triggers dropped for the statement."""
    with triggers.suspended(connection), connection.cursor() as cursor:
        cursor.execute(statement, list(params))


def run(command, *args):
    out = io.StringIO()
    call_command(command, *args, stdout=out)
    return out.getvalue()


def rechain(hasher, chain_no=0):
    """Recompute every hash of one chain from its anchor with hasher and set its head: the M5 forgery."""
    head = ChainHead.objects.get(pk=chain_no + 1)
    prev = head.anchor_hash
    for row in AuditEvent.objects.filter(chain=chain_no).order_by("seq"):
        row.prev_hash = prev
        row.row_hash = hasher(row)
        sql(f"UPDATE {EVENTS} SET username = %s, prev_hash = %s, row_hash = %s WHERE id = %s",
            [row.username, row.prev_hash, row.row_hash, row.pk])
        prev = row.row_hash
    sql(f"UPDATE {HEADS} SET last_hash = %s WHERE id = %s", [prev, head.pk])


# --- the keyed chain -----------------------------------------------------------------------------


def test_row_hashes_are_keyed_by_the_audit_key(settings):
    row = write(1)[0]
    assert row.row_hash == compute_hash(row) != legacy_hash(row)
    assert compute_hash(row, key=ATTACKER_KEY) != row.row_hash


@pytest.mark.parametrize("hasher", [legacy_hash, lambda row: compute_hash(row, key=ATTACKER_KEY)],
                         ids=["unkeyed", "another key"])
def test_rechain_forgery_is_detected(hasher):
    rows = write(4)
    sql(f"UPDATE {EVENTS} SET username = %s WHERE id = %s", ["someone_else", rows[1].pk])
    rechain(hasher)
    ok, count, bad, message = verify_chain()
    assert (ok, count, bad) == (False, 0, 1) and "哈希不符" in message
    with pytest.raises(CommandError, match="哈希不符"):
        run("verify_audit")


def test_without_a_key_nothing_is_appended_or_verified(settings):
    from jingfang.core import crypto

    settings.JINGFANG_AUDIT_KEY = ""  # and no key file in the var directory
    settings.VAR_DIR = settings.JINGFANG_AUDIT_CHECKPOINT_FILE.rsplit("/", 1)[0]
    settings.JINGFANG_DEV_KEYS = False
    with pytest.raises(crypto.KeyConfigError, match="JINGFANG_AUDIT_KEY"), transaction.atomic():
        write(1)
    with pytest.raises(CommandError, match="未配置审计链密钥"):
        run("verify_audit")


# --- checkpoints outside the database ------------------------------------------------------------


def test_verify_audit_writes_a_signed_checkpoint_of_the_heads():
    rows = write(3)
    out = run("verify_audit")
    assert "审计链完整：共3条" in out and "已写入检查点" in out
    [entry] = checkpoints.read().entries
    assert entry["kind"] == "checkpoint" and entry["heads"] == [[0, 3, rows[-1].row_hash, 0, "0" * 64]]
    assert "已写入检查点" not in run("verify_audit", "--no-checkpoint")
    assert len(checkpoints.read().entries) == 1  # --no-checkpoint wrote none


def test_a_truncated_tail_is_detected_by_the_checkpoint():
    rows = write(5)
    run("verify_audit")
    # cut the two newest rows and set the head back: the chain itself is consistent again
    sql(f"DELETE FROM {EVENTS} WHERE seq > 3")
    sql(f"UPDATE {HEADS} SET seq = 3, last_hash = %s WHERE id = 1", [rows[2].row_hash])
    ok, count, bad, message = verify_chain()
    assert (ok, count, bad) == (False, 3, 4)
    assert message == "审计检查点记载至第5条，数据库只到第3条：链尾记录可能被删除"


def test_an_older_copy_of_the_database_put_back_is_detected():
    write(2)
    checkpoints.append("checkpoint")  # e.g. the worker's hourly checkpoint
    sql(f"DELETE FROM {EVENTS}")
    sql(f"UPDATE {HEADS} SET seq = 0, last_hash = %s WHERE id = 1", ["0" * 64])
    assert verify_chain()[0] is False


def test_a_rewritten_row_before_a_checkpoint_is_detected_even_by_the_key_holder():
    """Pins hold even against someone who has the key, for rows already checkpointed."""
    rows = write(3)
    checkpoints.append("checkpoint")
    sql(f"UPDATE {EVENTS} SET username = %s WHERE id = %s", ["forged", rows[2].pk])
    rechain(compute_hash)
    ok, _, bad, message = verify_chain()
    assert (ok, bad) == (False, 3) and "与审计检查点不符" in message


@pytest.mark.parametrize("edit", ["forged", "changed"])
def test_a_forged_or_changed_checkpoint_line_is_reported(edit):
    write(2)
    checkpoints.append("checkpoint")
    path = checkpoints.path()
    if edit == "forged":  # a line made without the key
        entry = checkpoints.make_entry("purge", [[0, 2, "f" * 64, 2, "f" * 64]])
        entry["mac"] = "0" * 64
        path.write_text(path.read_text() + json.dumps(entry) + "\n")
    else:  # the recorded seq lowered, to cover a truncation
        path.write_text(path.read_text().replace('[[0,2,', '[[0,1,'))
    ok, _, _, message = verify_chain()
    assert not ok and "签名不符" in message


# --- the purge and fake purges -------------------------------------------------------------------


def test_a_real_purge_verifies_and_a_fake_purge_is_detected(monkeypatch):
    old = write_days_ago(4, 400, monkeypatch)
    write(2)
    assert chain.purge_before(timezone.now() - dt.timedelta(days=300)) == 4
    purge = [e for e in checkpoints.read().entries if e["kind"] == "purge"]
    assert [h[3:] for h in purge[0]["heads"]] == [[4, old[-1].row_hash]]
    assert verify_chain()[:2] == (True, 2)
    # now by hand: delete the oldest remaining row and move the anchor onto it (a consistent chain)
    fifth = AuditEvent.objects.get(seq=5)
    sql(f"DELETE FROM {EVENTS} WHERE seq = 5")
    sql(f"UPDATE {HEADS} SET anchor_seq = 5, anchor_hash = %s WHERE id = 1", [fifth.row_hash])
    ok, _, bad, message = verify_chain()
    assert (ok, bad) == (False, 6) and "伪造的清理" in message


def test_a_fake_purge_of_old_rows_is_detected(monkeypatch):
    old = write_days_ago(3, 400, monkeypatch)
    write(1)
    sql(f"DELETE FROM {EVENTS} WHERE seq <= 2")
    sql(f"UPDATE {HEADS} SET anchor_seq = 2, anchor_hash = %s WHERE id = 1", [old[1].row_hash])
    ok, _, _, message = verify_chain()
    assert not ok and "起点已移到第2条之后" in message
    with pytest.raises(CommandError, match="伪造的清理"):
        run("verify_audit")


def test_the_purge_refuses_rows_younger_than_the_retention(settings):
    write(3)
    for cutoff in (timezone.now(), timezone.now() - dt.timedelta(days=179)):
        with pytest.raises(ValueError, match="至少180天"):
            chain.purge_before(cutoff)
    settings.JINGFANG_AUDIT_RETENTION_DAYS = 365
    with pytest.raises(ValueError, match="至少365天"):
        chain.purge_before(timezone.now() - dt.timedelta(days=200))
    assert AuditEvent.objects.count() == 3 and verify_chain()[0] is True


def test_no_purge_without_its_checkpoint(monkeypatch, settings, tmp_path):
    write_days_ago(2, 400, monkeypatch)
    settings.JINGFANG_AUDIT_CHECKPOINT_FILE = str(tmp_path)  # a directory: the checkpoint cannot be written
    before = (clock.today() - dt.timedelta(days=200)).isoformat()
    with pytest.raises(CommandError, match="未清理任何记录"):
        run("purge_audit", "--before", before)
    assert AuditEvent.objects.count() == 2
    assert ChainHead.objects.get(pk=1).anchor_seq == 0


# --- the database refuses changes ------------------------------------------------------------------


def refused(statement, params=()):
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement, list(params))


def test_the_database_refuses_changes_to_audit_rows():
    rows = write(2)
    refused(f"UPDATE {EVENTS} SET username = 'x' WHERE id = %s", [rows[0].pk])
    refused(f"DELETE FROM {EVENTS} WHERE id = %s", [rows[0].pk])
    refused(f"DELETE FROM {HEADS} WHERE id = 1")
    refused(f"UPDATE {HEADS} SET seq = 1, last_hash = %s WHERE id = 1", [rows[0].row_hash])  # set back
    refused(f"UPDATE {HEADS} SET last_hash = %s WHERE id = 1", ["f" * 64])  # same seq
    refused(f"UPDATE {HEADS} SET anchor_seq = 1, anchor_hash = %s WHERE id = 1", [rows[0].row_hash])  # no permit
    if connection.vendor == "postgresql":
        refused(f"TRUNCATE {EVENTS}")
        refused(f"TRUNCATE {HEADS}, {EVENTS}")
    assert AuditEvent.objects.count() == 2 and verify_chain()[0] is True


def test_the_purge_permit_ends_with_the_purge(monkeypatch):
    write_days_ago(2, 400, monkeypatch)
    row = write(1)[0]
    with transaction.atomic():
        chain.purge_before(timezone.now() - dt.timedelta(days=300))
        refused(f"DELETE FROM {EVENTS} WHERE id = %s", [row.pk])  # later in the same transaction
    assert AuditEvent.objects.filter(pk=row.pk).exists()


def test_missing_triggers_are_reported():
    write(1)
    triggers.uninstall(connection)
    try:
        ok, _, _, message = verify_chain()
    finally:
        triggers.install(connection)
    assert not ok and "触发器缺失或被停用" in message
    assert verify_chain()[0] is True


# --- the scheduled checkpoint ----------------------------------------------------------------------


def test_the_worker_writes_a_checkpoint_when_one_is_due(settings):
    settings.JINGFANG_AUDIT_CHECKPOINT_MINUTES = 60
    write(1)
    now = dt.datetime.now(dt.UTC)
    assert checkpoints.checkpoint_if_due(now) is not None  # none yet
    assert checkpoints.checkpoint_if_due(now + dt.timedelta(minutes=30)) is None
    assert checkpoints.checkpoint_if_due(now + dt.timedelta(minutes=61)) is not None
    settings.JINGFANG_AUDIT_CHECKPOINT_MINUTES = 0
    assert checkpoints.checkpoint_if_due(now + dt.timedelta(days=1)) is None
    assert len(checkpoints.read().entries) == 2


def test_the_clock_tick_writes_the_checkpoint(settings):
    from jingfang.jobs import schedule

    settings.JINGFANG_NIGHTLY_AT = ""
    write(1)
    schedule.tick()
    assert [e["kind"] for e in checkpoints.read().entries] == ["checkpoint"]


# --- restore ---------------------------------------------------------------------------------------


def test_a_restore_line_sets_the_pins_back_to_the_backup(monkeypatch):
    old = write_days_ago(2, 400, monkeypatch)
    chain.purge_before(timezone.now() - dt.timedelta(days=300))
    rows = write(2)
    backup = checkpoints.append("backup")
    lines = checkpoints.read().lines
    write(2)
    checkpoints.append("checkpoint")  # pins seq 5 and 6
    # the database goes back to the backup's state (as a restore of it does); the file is lost
    sql(f"DELETE FROM {EVENTS} WHERE seq > 4")
    sql(f"UPDATE {HEADS} SET seq = 4, last_hash = %s WHERE id = 1", [rows[-1].row_hash])
    assert verify_chain()[0] is False
    checkpoints.path().unlink()
    notes = checkpoints.merge_from_backup(lines, backup, source="b.tar")
    assert any("记下此次恢复" in n for n in notes)
    kinds = [e["kind"] for e in checkpoints.read().entries]
    assert kinds == ["purge", "restore"]  # the purge that justifies the anchor, then the restore
    assert verify_chain()[:2] == (True, 2)
    assert old[-1].row_hash == ChainHead.objects.get(pk=1).anchor_hash


def test_a_backup_checkpoint_that_fails_its_signature_is_not_trusted():
    write(1)
    backup = checkpoints.append("backup")
    notes = checkpoints.merge_from_backup([], dict(backup, heads=[[0, 9, "f" * 64, 0, "0" * 64]]), source="b.tar")
    assert any("签名不符" in n for n in notes)
    assert [e["kind"] for e in checkpoints.read().entries] == ["backup"]


# --- the migration that keyed existing chains ------------------------------------------------------


def _apps():
    """What migration 0006 sees: the models with plain managers (no append-only queryset)."""
    event = types.SimpleNamespace(objects=AuditEvent._base_manager)
    return types.SimpleNamespace(get_model=lambda app, name: {"AuditEvent": event, "ChainHead": ChainHead}[name])


def _migration():
    import importlib

    return importlib.import_module("jingfang.audit.migrations.0006_keyed_chain_and_triggers")


def test_the_migration_keys_a_verified_unkeyed_chain(monkeypatch):
    migration = _migration()
    write_days_ago(2, 400, monkeypatch)
    chain.purge_before(timezone.now() - dt.timedelta(days=300))
    write(3)
    with triggers.suspended(connection):
        migration._rechain(_apps(), compute_hash, legacy_hash)  # as the rows were before 0006
    assert all(r.row_hash == legacy_hash(r) for r in AuditEvent.objects.all())
    assert verify_chain()[0] is False
    with triggers.suspended(connection):
        migration._rechain(_apps(), legacy_hash, compute_hash)
    assert verify_chain()[:2] == (True, 3)


def test_the_migration_refuses_to_key_a_broken_chain():
    migration = _migration()
    rows = write(3)
    with triggers.suspended(connection):
        migration._rechain(_apps(), compute_hash, legacy_hash)
    sql(f"UPDATE {EVENTS} SET username = 'forged' WHERE id = %s", [rows[1].pk])
    with pytest.raises(RuntimeError, match="第2条核验不符"), triggers.suspended(connection):
        migration._rechain(_apps(), legacy_hash, compute_hash)


def test_a_backup_from_before_checkpoints_restores_with_a_note():
    notes = checkpoints.merge_from_backup([], None, source="old.tar")
    assert any("不含审计检查点" in n for n in notes) and not checkpoints.path().exists()


def test_a_backup_that_cannot_checkpoint_still_completes_with_a_warning(settings, tmp_path):
    from jingfang.ops.backup import _audit_checkpoints

    settings.JINGFANG_AUDIT_CHECKPOINT_FILE = str(tmp_path)  # a directory: cannot be written
    said = []
    assert _audit_checkpoints([[0, 1, "f" * 64, 0, "0" * 64]], lambda m, level=1: said.append(m)) == {}
    assert "未能写入审计检查点" in said[0]
