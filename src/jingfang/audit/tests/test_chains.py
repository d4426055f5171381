"""Several audit hash chains: a writer takes the first chain head no other transaction holds, so
audited transactions do not wait for each other's commit; each chain verifies on its own and any
tampering in any chain is still reported."""

import threading

import pytest
from django.db import connection, connections, transaction

from jingfang.audit import chain, models, triggers
from jingfang.audit import log as audit
from jingfang.audit.chain import verify_chain
from jingfang.audit.models import AuditEvent, ChainHead

pytestmark = pytest.mark.django_db

TABLE = AuditEvent._meta.db_table


def raw(sql, params):
    """Tamper as someone with full database access: the guard triggers dropped for the statement."""
    with triggers.suspended(connection), connection.cursor() as cursor:
        cursor.execute(sql, params)


@pytest.fixture
def on_chain(monkeypatch):
    """Append to a given chain, as a writer does when the heads before it are held by others."""
    def use(k):
        monkeypatch.setattr(models, "lock_free_head", lambda: models.lock_head(k + 1))
    return use


def test_sequential_writers_use_chain_zero_and_every_head_exists():
    rows = [audit.record(None, "login_failed", username=f"u{i}") for i in range(3)]
    assert [(r.chain, r.seq) for r in rows] == [(0, 1), (0, 2), (0, 3)]
    assert ChainHead.objects.filter(pk__lte=models.CHAINS).count() == models.CHAINS


def test_rows_of_several_chains_verify_together(on_chain):
    audit.record(None, "login_failed", username="a")
    on_chain(3)
    r1, r2 = (audit.record(None, "login_failed", username=f"b{i}") for i in range(2))
    on_chain(0)
    audit.record(None, "login_failed", username="c")
    assert (r1.chain, r1.seq, r1.prev_hash, r2.prev_hash) == (3, 1, "0" * 64, r1.row_hash)
    assert verify_chain() == (True, 4, None, "审计链完整：共4条")


def test_tampering_in_another_chain_is_reported_with_its_chain(on_chain):
    on_chain(2)
    rows = [audit.record(None, "login_failed", username=f"u{i}") for i in range(3)]
    raw(f"UPDATE {TABLE} SET username = %s WHERE id = %s", ["forged", rows[1].pk])
    ok, _, bad, message = verify_chain()
    assert (ok, bad) == (False, 2) and message.startswith("第2号链第2条")


def test_moving_a_row_to_another_chain_breaks_its_hash(on_chain):
    on_chain(1)
    row = audit.record(None, "login_failed", username="x")
    raw(f"UPDATE {TABLE} SET chain = 0 WHERE id = %s", [row.pk])
    assert verify_chain()[0] is False


def test_a_chain_truncated_at_its_tail_is_reported(on_chain):
    on_chain(4)
    rows = [audit.record(None, "login_failed", username=f"u{i}") for i in range(3)]
    raw(f"DELETE FROM {TABLE} WHERE id = %s", [rows[-1].pk])
    ok, _, bad, message = verify_chain()
    assert (ok, bad) == (False, 3) and "第4号链" in message


def test_a_chain_deleted_with_its_head_is_reported(on_chain):
    on_chain(5)
    audit.record(None, "login_failed", username="x")
    raw(f"DELETE FROM {TABLE} WHERE chain = %s", [5])
    with triggers.suspended(connection):
        ChainHead.objects.filter(pk=6).delete()
    ok, _, _, message = verify_chain()
    assert not ok and "第5号链的链头缺失" in message


def test_purge_moves_the_anchor_of_every_chain(on_chain, monkeypatch):
    import datetime as dt

    from django.utils import timezone

    long_ago = timezone.now() - dt.timedelta(days=400)
    with monkeypatch.context() as m:
        m.setattr("jingfang.audit.models.timezone.now", lambda: long_ago)
        for k in (0, 1):
            on_chain(k)
            for i in range(2):
                audit.record(None, "login_failed", username=f"{k}-{i}")
    deleted = chain.purge_before(timezone.now() - dt.timedelta(days=200))
    assert deleted == 4 and not AuditEvent.objects.exists()
    assert verify_chain()[0] is True
    on_chain(1)
    row = audit.record(None, "login_failed", username="after")
    assert (row.chain, row.seq) == (1, 3) and verify_chain()[0] is True


@pytest.mark.django_db(transaction=True)
def test_a_writer_takes_a_free_chain_while_another_holds_chain_zero():
    if connection.vendor != "postgresql":
        pytest.skip("row locks and SKIP LOCKED matter on PostgreSQL; SQLite serialises writers itself")
    audit.record(None, "login_failed", username="first")  # the heads exist (as after migrate)
    holding, release = threading.Event(), threading.Event()

    def hold():
        try:
            with transaction.atomic():
                audit.record(None, "login_failed", username="slow")  # takes chain 0 and keeps it
                holding.set()
                release.wait(10)
        finally:
            connections.close_all()

    t = threading.Thread(target=hold)
    t.start()
    assert holding.wait(10)
    try:
        row = audit.record(None, "login_failed", username="fast")  # does not wait for the other commit
    finally:
        release.set()
        t.join()
    assert row.chain == 1
    assert verify_chain() == (True, 3, None, "审计链完整：共3条")
