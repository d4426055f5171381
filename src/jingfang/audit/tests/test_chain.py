"""The audit hash chain, its verification command, retention and purge, admin actions, text hygiene."""

import contextlib
import datetime as dt
import io

import pytest
from django.core import checks
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.utils import timezone

from jingfang.audit import log as audit
from jingfang.audit import triggers
from jingfang.audit.chain import verify_chain
from jingfang.audit.models import AppendOnly, AuditEvent, ChainHead
from jingfang.core import clock

pytestmark = pytest.mark.django_db

TABLE = AuditEvent._meta.db_table


def write(n, **kwargs):
    return [audit.record(None, "login_failed", username=f"u{i}", outcome="invalid", detail={"n": i, "x": [1.5, 2.0]},
                         **kwargs) for i in range(n)]


def raw(sql, params):
    """Tamper as someone with full database access: the guard triggers dropped for the statement."""
    with triggers.suspended(connection), connection.cursor() as cursor:
        cursor.execute(sql, params)


def run(command, *args):
    out = io.StringIO()
    call_command(command, *args, stdout=out)
    return out.getvalue()


def test_rows_are_chained_and_verify():
    rows = write(5)
    assert [r.seq for r in rows] == [1, 2, 3, 4, 5]
    assert rows[0].prev_hash == "0" * 64
    assert all(b.prev_hash == a.row_hash for a, b in zip(rows, rows[1:], strict=False))
    assert ChainHead.objects.get(pk=1).last_hash == rows[-1].row_hash
    assert verify_chain() == (True, 5, None, "审计链完整：共5条")
    assert "审计链完整：共5条" in run("verify_audit")


def test_empty_chain_verifies():
    assert verify_chain()[0] is True


def test_application_code_still_cannot_change_or_delete():
    row = write(1)[0]
    with pytest.raises(AppendOnly):
        AuditEvent.objects.filter(pk=row.pk).update(target="x")
    with pytest.raises(AppendOnly):
        AuditEvent.objects.all().delete()
    with pytest.raises(AppendOnly):
        row.save()


def test_tampered_row_is_reported_with_its_seq():
    rows = write(5)
    raw(f"UPDATE {TABLE} SET outcome = %s WHERE id = %s", ["ok", rows[2].pk])
    ok, count, bad, message = verify_chain()
    assert (ok, count, bad) == (False, 2, 3)
    assert message == f"第3条（ID {rows[2].pk}）哈希不符：记录可能被篡改"
    with pytest.raises(CommandError, match="第3条"):
        run("verify_audit")


def test_rehashed_tampering_breaks_the_next_link():
    from jingfang.audit.hashing import compute_hash

    rows = write(4)
    row = AuditEvent.objects.get(pk=rows[1].pk)
    row.username = "someone_else"
    raw(f"UPDATE {TABLE} SET username = %s, row_hash = %s WHERE id = %s", [row.username, compute_hash(row), row.pk])
    assert verify_chain()[1:] == (2, 3, "链断裂：第3条的前序哈希与第2条不符")


def test_deleted_middle_row_is_reported():
    rows = write(5)
    raw(f"DELETE FROM {TABLE} WHERE id = %s", [rows[2].pk])
    ok, count, bad, message = verify_chain()
    assert (ok, count, bad) == (False, 2, 3)
    assert message.startswith("链断裂：第3条缺失")


def test_deleted_last_row_is_reported():
    rows = write(3)
    raw(f"DELETE FROM {TABLE} WHERE id = %s", [rows[-1].pk])
    assert verify_chain()[:3] == (False, 2, 3)


def test_deleted_first_row_is_reported():
    rows = write(3)
    raw(f"DELETE FROM {TABLE} WHERE id = %s", [rows[0].pk])
    assert verify_chain()[:3] == (False, 0, 1)


@contextlib.contextmanager
def days_ago(days, monkeypatch):
    """Rows appended inside are written as if that many days ago."""
    then = timezone.now() - dt.timedelta(days=days)
    with monkeypatch.context() as m:
        m.setattr("jingfang.audit.models.timezone.now", lambda: then)
        yield


def test_purge_refused_within_retention():
    write(3)
    too_recent = clock.today() - dt.timedelta(days=179)
    with pytest.raises(CommandError, match="拒绝清理"):
        run("purge_audit", "--before", too_recent.isoformat())
    assert AuditEvent.objects.count() == 3


def test_purge_refused_within_longer_configured_retention(settings):
    settings.JINGFANG_AUDIT_RETENTION_DAYS = 365
    with pytest.raises(CommandError, match="365天"):
        run("purge_audit", "--before", (clock.today() - dt.timedelta(days=200)).isoformat())


def test_purge_beyond_retention_keeps_a_verifiable_chain(monkeypatch):
    with days_ago(400, monkeypatch):
        write(3)
    recent = write(2)
    assert verify_chain()[0] is True
    before = clock.today() - dt.timedelta(days=200)
    assert "已删除" in run("purge_audit", "--before", before.isoformat())
    assert list(AuditEvent.objects.order_by("seq").values_list("seq", flat=True)) == [4, 5, 6]
    assert AuditEvent.objects.get(seq=6).action == "purge"
    assert AuditEvent.objects.get(seq=6).detail["count"] == 3
    assert {r.pk for r in recent} < set(AuditEvent.objects.values_list("pk", flat=True))
    assert verify_chain() == (True, 3, None, "审计链完整：共3条")
    # the anchor still catches removal of the oldest remaining row
    raw(f"DELETE FROM {TABLE} WHERE seq = %s", [4])
    assert verify_chain()[:3] == (False, 0, 4)


def test_purge_rejects_bad_date():
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        run("purge_audit", "--before", "2020/01/01")


@pytest.mark.parametrize("days,errors", [(179, 1), (30, 1), ("180", 1), (180, 0), (365, 0)])
def test_retention_below_six_months_is_a_system_check_error(settings, days, errors):
    settings.JINGFANG_AUDIT_RETENTION_DAYS = days
    found = [e for e in checks.run_checks() if e.id == "audit.E001"]
    assert len(found) == errors


def test_admin_log_entries_are_audited(users):
    from django.contrib.admin.models import ADDITION, CHANGE, DELETION, LogEntry

    from jingfang.accounts.models import User

    admin, target = users["admin"], users["doctor"]
    for flag in (ADDITION, CHANGE, DELETION):
        LogEntry.objects.log_actions(admin.pk, [target], flag, single_object=True)
    LogEntry.objects.log_actions(admin.pk, User.objects.filter(pk__in=[users["vdoc"].pk, users["cadre"].pk]),
                                 DELETION)
    rows = list(AuditEvent.objects.filter(action="admin").order_by("seq"))
    assert [r.detail["change"] for r in rows] == ["added", "changed", "deleted", "deleted", "deleted"]
    assert rows[0].target == f"user:{target.pk}" and rows[0].user_id == admin.pk
    assert {r.target for r in rows[3:]} == {f"user:{users['vdoc'].pk}", f"user:{users['cadre'].pk}"}
    assert verify_chain()[0] is True


def test_admin_site_logging_paths_are_audited(rf, users, tree):
    from django.contrib import admin as django_admin

    from jingfang.regions.models import Region

    request = rf.post("/admin/")
    request.user = users["admin"]
    model_admin = django_admin.site._registry[Region]
    region = tree["v21"]
    model_admin.log_addition(request, region, [{"added": {}}])
    model_admin.log_change(request, region, [{"changed": {"fields": ["population"]}}])
    model_admin.log_deletions(request, Region.objects.filter(pk__in=[tree["v11"].pk, tree["v12"].pk]))
    rows = list(AuditEvent.objects.filter(action="admin").order_by("seq"))
    assert [(r.target, r.detail["change"]) for r in rows] == [
        (f"region:{region.pk}", "added"), (f"region:{region.pk}", "changed"),
        (f"region:{tree['v11'].pk}", "deleted"), (f"region:{tree['v12'].pk}", "deleted"),
    ]


@pytest.mark.parametrize("bad", [
    {"target": "patient:110101198001011234"},
    {"detail": {"q": "11010119800101123X"}},
    {"detail": {"fields": ["精神分裂症"]}},
    {"detail": {"diagnosis": "schizophrenia"}},
    {"detail": {"nested": {"x": ["癫痫所致精神障碍"]}}},
])
def test_id_numbers_and_diagnoses_refused_in_tests(bad):
    with pytest.raises(ValueError):
        audit.record(None, "search", **bad)
    assert not AuditEvent.objects.exists()


def test_id_numbers_and_diagnoses_scrubbed_in_production(settings):
    settings.JINGFANG_AUDIT_STRICT = False
    row = audit.record(None, "login_failed", username="110101198001011234", target="q:110101198001011234",
                       detail={"d": "诊断精神分裂症", "code": "bipolar", "fields": ["diagnosis"]})
    row.refresh_from_db()
    assert "1101011980" not in row.username + row.target + str(row.detail)
    assert "精神分裂症" not in str(row.detail) and "bipolar" not in str(row.detail)
    assert row.detail["fields"] == ["diagnosis"]  # field names stay
    assert verify_chain()[0] is True


def test_forged_forwarded_for_is_not_stored(rf, settings):
    settings.JINGFANG_BEHIND_PROXY = True
    request = rf.get("/x", HTTP_X_FORWARDED_FOR="10.0.0.1, not-an-ip")
    row = audit.record(None, "login_failed", request=request)
    assert row.ip is None
    request = rf.get("/x", HTTP_X_FORWARDED_FOR="2001:DB8:0:0::1")
    assert audit.record(None, "login_failed", request=request).ip == "2001:db8::1"
    assert verify_chain()[0] is True


@pytest.mark.parametrize(("behind_proxy", "proxies", "forwarded", "remote", "stored"), [
    (False, ["10.0.0.10"], "203.0.113.9", "198.51.100.7", "198.51.100.7"),  # no proxy: a client's header is ignored
    (False, ["10.0.0.10"], "", "198.51.100.7", "198.51.100.7"),
    (True, ["10.0.0.10"], "203.0.113.9", "10.0.0.10", "203.0.113.9"),  # nginx replaced it with the client's address
    (True, ["10.0.0.10"], "192.0.2.1, 203.0.113.9", "10.0.0.10", "203.0.113.9"),  # appended to a forged one
    (True, ["10.0.0.10"], "", "10.0.0.10", "10.0.0.10"),  # no header: the connection's address
    # a client reaching the app server directly (past the firewall) is not the proxy: its header is ignored
    (True, ["10.0.0.10"], "203.0.113.9", "10.0.0.99", "10.0.0.99"),
    (True, ["10.0.0.0/28"], "203.0.113.9", "10.0.0.12", "203.0.113.9"),  # a network of proxies
    (True, ["10.0.0.0/28"], "203.0.113.9", "10.0.0.17", "10.0.0.17"),
    (True, ["*"], "203.0.113.9", "198.51.100.7", "203.0.113.9"),  # any peer, as gunicorn's "*"
    (True, ["not-an-address", "10.0.0.10"], "203.0.113.9", "10.0.0.10", "203.0.113.9"),  # a bad entry is skipped
])
def test_client_address_trusts_forwarded_for_only_from_the_proxy(rf, settings, behind_proxy, proxies, forwarded,
                                                                 remote, stored):
    settings.JINGFANG_BEHIND_PROXY, settings.JINGFANG_PROXY_IPS = behind_proxy, proxies
    extra = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded else {}
    request = rf.get("/x", REMOTE_ADDR=remote, **extra)
    assert audit.record(None, "login_failed", request=request).ip == stored


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_keep_one_unbroken_chain():
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers itself; the row lock matters on PostgreSQL")
    import threading

    from django.db import connections

    errors = []

    def writer(k):
        try:
            for i in range(10):
                audit.record(None, "login_failed", username=f"t{k}-{i}")
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer, args=(k,)) for k in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert verify_chain() == (True, 60, None, "审计链完整：共60条")


def test_any_orm_insert_is_chained_and_bulk_create_refused():
    write(1)
    row = AuditEvent.objects.create(action="view", username="x", at=timezone.now() - dt.timedelta(days=999))
    assert row.seq == 2 and row.at > timezone.now() - dt.timedelta(minutes=1)
    assert verify_chain() == (True, 2, None, "审计链完整：共2条")
    with pytest.raises(AppendOnly):
        AuditEvent.objects.bulk_create([AuditEvent(action="view")])
