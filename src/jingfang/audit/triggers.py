"""Database-level refusal of changes to the audit tables (installed by migration 0006).

- ``audit_auditevent``: UPDATE always refused; DELETE and TRUNCATE refused unless the purge permit is
  on in the deleting transaction.
- ``audit_chainhead``: an UPDATE must advance ``seq`` without touching the anchor (an append), or,
  under the purge permit, move the anchor forward without touching ``seq``/``last_hash`` (a purge);
  DELETE and TRUNCATE refused without the permit.

The permit: on PostgreSQL the transaction-local setting ``jingfang.audit_purge = 'on'``
(``SET LOCAL``); on SQLite a row in ``audit_purgepermit``, inserted and deleted inside the purging
transaction. What this guarantees, honestly: application code, a mistaken or injected single
UPDATE/DELETE statement and a careless operator are refused by the database. It does not stop
someone with full SQL access to the database (they can set the permit, or drop the triggers; on
SQLite anyone who can write the file can). Against them the keyed chain and the checkpoints outside
the database (chain.py, checkpoints.py) make the change detectable, and ``verify_audit`` reports
triggers that are missing or disabled.

A later migration that rebuilds an audit table on SQLite (most AlterField/AddField there copy the
table into a new one) drops that table's triggers: such a migration must call ``install`` again
(verify_audit would report them missing otherwise).
"""

from contextlib import contextmanager

from django.db import connection as default_connection

EVENT, HEAD, PERMIT = "audit_auditevent", "audit_chainhead", "audit_purgepermit"
REFUSED = "jingfang: audit records are append-only"

PG_FUNCTION = f"""
CREATE OR REPLACE FUNCTION jingfang_audit_guard() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    purging boolean := coalesce(current_setting('jingfang.audit_purge', true), '') = 'on';
BEGIN
    IF TG_OP = 'TRUNCATE' OR TG_OP = 'DELETE' THEN
        IF purging THEN
            IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
            RETURN NULL;
        END IF;
    ELSIF TG_OP = 'UPDATE' AND TG_TABLE_NAME = '{HEAD}' THEN
        IF NEW.id = OLD.id THEN
            IF NEW.seq > OLD.seq AND NEW.anchor_seq = OLD.anchor_seq AND NEW.anchor_hash = OLD.anchor_hash THEN
                RETURN NEW;
            END IF;
            IF purging AND NEW.seq = OLD.seq AND NEW.last_hash = OLD.last_hash
               AND NEW.anchor_seq > OLD.anchor_seq THEN
                RETURN NEW;
            END IF;
        END IF;
    END IF;
    RAISE EXCEPTION '{REFUSED} (% on % refused)', TG_OP, TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';
END
$$
"""
PG_TRIGGERS = {
    "jingfang_audit_event_guard": f"BEFORE UPDATE OR DELETE ON {EVENT} FOR EACH ROW",
    "jingfang_audit_event_truncate": f"BEFORE TRUNCATE ON {EVENT} FOR EACH STATEMENT",
    "jingfang_audit_head_guard": f"BEFORE UPDATE OR DELETE ON {HEAD} FOR EACH ROW",
    "jingfang_audit_head_truncate": f"BEFORE TRUNCATE ON {HEAD} FOR EACH STATEMENT",
}

_PERMITTED = f"EXISTS (SELECT 1 FROM {PERMIT})"
SQLITE_TRIGGERS = {
    "jingfang_audit_event_no_update": f"BEFORE UPDATE ON {EVENT}",
    "jingfang_audit_event_no_delete": f"BEFORE DELETE ON {EVENT} WHEN NOT {_PERMITTED}",
    "jingfang_audit_head_guard": (
        f"BEFORE UPDATE ON {HEAD} WHEN NOT (NEW.id = OLD.id AND ("
        "(NEW.seq > OLD.seq AND NEW.anchor_seq = OLD.anchor_seq AND NEW.anchor_hash = OLD.anchor_hash)"
        f" OR ({_PERMITTED} AND NEW.seq = OLD.seq AND NEW.last_hash = OLD.last_hash"
        " AND NEW.anchor_seq > OLD.anchor_seq)))"
    ),
    "jingfang_audit_head_no_delete": f"BEFORE DELETE ON {HEAD} WHEN NOT {_PERMITTED}",
}


def names(connection=None) -> tuple[str, ...]:
    connection = connection or default_connection
    return tuple(PG_TRIGGERS if connection.vendor == "postgresql" else SQLITE_TRIGGERS)


def install(connection=None) -> None:
    connection = connection or default_connection
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(PG_FUNCTION)
            for name, when in PG_TRIGGERS.items():
                cursor.execute(f"DROP TRIGGER IF EXISTS {name} ON {when.split(' ON ')[1].split()[0]}")
                cursor.execute(f"CREATE TRIGGER {name} {when} EXECUTE FUNCTION jingfang_audit_guard()")
        elif connection.vendor == "sqlite":
            cursor.execute(f"CREATE TABLE IF NOT EXISTS {PERMIT} (id INTEGER PRIMARY KEY CHECK (id = 1))")
            for name, when in SQLITE_TRIGGERS.items():
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
                cursor.execute(f"CREATE TRIGGER {name} {when} BEGIN SELECT RAISE(ABORT, '{REFUSED}'); END")


def uninstall(connection=None) -> None:
    connection = connection or default_connection
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for name, when in PG_TRIGGERS.items():
                cursor.execute(f"DROP TRIGGER IF EXISTS {name} ON {when.split(' ON ')[1].split()[0]}")
            cursor.execute("DROP FUNCTION IF EXISTS jingfang_audit_guard()")
        elif connection.vendor == "sqlite":
            for name in SQLITE_TRIGGERS:
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
            cursor.execute(f"DROP TABLE IF EXISTS {PERMIT}")


def missing(connection=None) -> list[str]:
    """The guard triggers that are absent or disabled (empty when all are in force)."""
    connection = connection or default_connection
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal AND tgenabled <> 'D'")
        elif connection.vendor == "sqlite":
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        else:
            return []
        present = {row[0] for row in cursor.fetchall()}
    return [name for name in names(connection) if name not in present]


@contextmanager
def purge_permit(connection=None):
    """Allow the purge's deletes and anchor moves for the rest of this block (call inside a transaction)."""
    connection = connection or default_connection
    if not connection.in_atomic_block:
        raise RuntimeError("purge_permit must be taken inside a transaction")
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL jingfang.audit_purge = 'on'")
        elif connection.vendor == "sqlite":
            cursor.execute(f"INSERT OR IGNORE INTO {PERMIT} (id) VALUES (1)")
    yield  # on an error the surrounding transaction rolls back, permit included
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL jingfang.audit_purge = 'off'")
        elif connection.vendor == "sqlite":
            cursor.execute(f"DELETE FROM {PERMIT}")


@contextmanager
def suspended(connection=None):
    """Tests only: act as someone with full database access (who can drop the triggers)."""
    uninstall(connection)
    try:
        yield
    finally:
        install(connection)
