"""Build the benchmark database: drop and recreate it, migrate, load the province's regions and users
through the ORM, then the patients of every county with COPY (counties generated in parallel worker
processes, indexes and foreign keys dropped during the load and rebuilt after it)."""

import datetime as dt
import hashlib
import multiprocessing
import os
import time

import psycopg

from jingfang.core import clock

from . import tree

BIG_TABLES = ("registry_patient", "registry_guardian", "registry_statuschange", "followups_followup",
              "followups_dueitem", "followups_flagchange", "followups_individualplan", "followups_searchattempt")


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def admin_dsn(dsn: str) -> str:
    """The same server, database 'postgres' (to drop and create the bench database)."""
    return dsn.rsplit("/", 1)[0] + "/postgres"


def db_name(dsn: str) -> str:
    return dsn.rsplit("/", 1)[1].split("?")[0]


def recreate_database(dsn: str) -> None:
    name = db_name(dsn)
    if name in ("test", "postgres", "template0", "template1") or not name.startswith("jingfang_bench"):
        raise SystemExit(f"refusing to drop database {name!r}: the bench only drops databases named jingfang_bench*")
    with psycopg.connect(admin_dsn(dsn), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
        # Per-database settings only (the server is shared): no JIT for short OLTP queries.
        conn.execute(f'ALTER DATABASE "{name}" SET jit = off')


def totp_secret(username: str) -> str:
    """A fixed TOTP secret per synthetic supervisor, so the load generator can compute codes."""
    import base64

    return base64.b32encode(hashlib.sha256(f"bench-totp:{username}".encode()).digest()[:20]).decode()


def load_tree_and_users(shape: tree.Shape, seed: int) -> tuple[list[tree.Node], dict[str, int]]:
    from django.contrib.auth.hashers import make_password
    from django.utils import timezone

    from jingfang.accounts.models import TOTPDevice, User
    from jingfang.regions.models import Region

    nodes = tree.build(shape, seed)
    Region.objects.bulk_create(
        [Region(code=n.code, name=n.name, level=n.level, parent_id=n.parent, population=n.population, policy=n.policy)
         for n in nodes], batch_size=5000)
    hashed = make_password(tree.PASSWORD)
    users = [User(username=u, role=role, region_id=code, password=hashed, first_name=f"基准{u[-4:]}")
             for u, role, code in tree.users(nodes)]
    User.objects.bulk_create(users, batch_size=2000)
    ids = dict(User.objects.values_list("username", "id"))
    now = timezone.now()
    TOTPDevice.objects.bulk_create([
        TOTPDevice(user_id=ids[u], secret=totp_secret(u), confirmed=True, confirmed_at=now)
        for u, role, _ in tree.users(nodes) if role in tree.TOTP_ROLES])
    return nodes, ids


def _ddl(cursor) -> tuple[list[str], list[str], list[tuple[str, str]]]:
    """(index definitions, FK constraint definitions as ALTER statements, their (table, name)) of the
    big tables, other than primary keys."""
    cursor.execute(
        """SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid), c.conname
           FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid
           LEFT JOIN pg_constraint c ON c.conindid = i.indexrelid AND c.contype IN ('u', 'p')
           WHERE t.relname = ANY(%s) AND NOT i.indisprimary""", [list(BIG_TABLES)])
    indexes, unique = [], []
    for name, definition, constraint in cursor.fetchall():
        if constraint:  # a UNIQUE constraint: dropped and re-added as a constraint
            unique.append((name, constraint))
        indexes.append((name, definition, constraint))
    cursor.execute(
        """SELECT t.relname, c.conname, pg_get_constraintdef(c.oid)
           FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid
           WHERE t.relname = ANY(%s) AND c.contype IN ('f', 'u')""", [list(BIG_TABLES)])
    constraints = cursor.fetchall()
    drops = [f'ALTER TABLE "{t}" DROP CONSTRAINT "{c}"' for t, c, _ in constraints]
    drops += [f'DROP INDEX IF EXISTS "{name}"' for name, _, constraint in indexes if not constraint]
    creates = [definition for _, definition, constraint in indexes if not constraint]
    creates += [f'ALTER TABLE "{t}" ADD CONSTRAINT "{c}" {d}' for t, c, d in constraints]
    return drops, creates, unique


def _jobs(nodes, ids, patients: int, shape: tree.Shape, today: dt.date, seed: int):
    from .people import CountyJob, Village

    counties = tree.counties(nodes)
    by_parent: dict[str, list] = {}
    for n in nodes:
        by_parent.setdefault(n.parent, []).append(n)
    per, extra = divmod(patients, len(counties))
    sample = [v.code for v in tree.villages(nodes)[:: max(1, shape.villages // 400)]]
    first = 1
    for index, county in enumerate(counties):
        count = per + (1 if index < extra else 0)
        villages = tuple(Village(v.code, v.name, v.population)
                         for t in by_parent[county.code] for v in by_parent[t.code])
        doctors = {t.code[:9]: ids[tree.township_doctor(t.code)] for t in by_parent[county.code]}
        yield CountyJob(index, county.code[:6], villages, count, first, county.policy or "national-2018", doctors,
                        tuple(c for c in sample if c[:6] != county.code[:6]), today, seed)
        first += count


def _worker_init() -> None:
    import django

    django.setup()


def load_patients(dsn: str, nodes, ids, patients: int, shape: tree.Shape, today: dt.date, seed: int,
                  workers: int) -> dict:
    from . import people
    from .rows import Table, copy_text

    tables = {t.name: t for t in (Table(m) for m in (
        people.Patient, people.Guardian, people.StatusChange, people.FollowUp, people.DueItem, people.FlagChange,
        people.IndividualPlan, people.SearchAttempt))}
    order = [name for name in BIG_TABLES if name in tables]
    counts = dict.fromkeys(order, 0)
    with psycopg.connect(dsn, autocommit=True) as conn, conn.cursor() as cur:
        cur.execute("SET synchronous_commit = off")
        drops, creates, _ = _ddl(cur)
        for statement in drops:
            cur.execute(statement)
        jobs = list(_jobs(nodes, ids, patients, shape, today, seed))
        started = time.monotonic()
        ctx = multiprocessing.get_context("fork")
        with ctx.Pool(workers, initializer=_worker_init) as pool:
            for done, (_, payload) in enumerate(pool.imap_unordered(people.county_payload, jobs), start=1):
                with conn.transaction():
                    for name in order:
                        copy_text(cur, tables[name], payload[name])
                        counts[name] += payload[name].count("\n")
                if done % max(1, len(jobs) // 20) == 0 or done == len(jobs):
                    rate = counts["registry_patient"] / (time.monotonic() - started)
                    log(f"counties {done}/{len(jobs)}: {counts['registry_patient']:,} patients, "
                        f"{counts['followups_followup']:,} follow-ups ({rate:,.0f} patients/s)")
        log(f"copied in {time.monotonic() - started:.0f} s; rebuilding {len(creates)} indexes and constraints")
        t0 = time.monotonic()
        cur.execute("SET maintenance_work_mem = '1GB'")
        for statement in creates:
            cur.execute(statement)
        for name in order:
            cur.execute(f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), (SELECT max(id) FROM \"{name}\"))")
        log(f"indexes and constraints in {time.monotonic() - t0:.0f} s; analyzing")
        cur.execute("VACUUM ANALYZE")
    return counts


def build(dsn: str, patients: int, shape: tree.Shape, seed: int = 97, workers: int | None = None) -> dict:
    """Recreate the bench database with ``patients`` patients. Returns timings and row counts."""
    from django.core.management import call_command
    from django.db import connections


    t0 = time.monotonic()
    connections.close_all()
    recreate_database(dsn)
    call_command("migrate", verbosity=0, interactive=False)
    t_migrate = time.monotonic() - t0
    log(f"database recreated and migrated in {t_migrate:.0f} s")
    nodes, ids = load_tree_and_users(shape, seed)
    connections.close_all()  # the worker processes are forked: no shared connection
    log(f"{len(nodes):,} regions and {len(ids):,} users")
    today = clock.today()
    t1 = time.monotonic()
    counts = load_patients(dsn, nodes, ids, patients, shape, today, seed, workers or os.cpu_count() or 2)
    total = time.monotonic() - t0
    log(f"loaded in {total:.0f} s: " + ", ".join(f"{k} {v:,}" for k, v in counts.items()))
    result = {"patients": patients, "seconds_total": round(total, 1), "seconds_rows": round(time.monotonic() - t1, 1),
              "rows": counts, "regions": len(nodes), "users": len(ids), "today": today.isoformat()}
    from . import verify

    result["verify"] = verify.check(200)
    log(f"checked {result['verify']['checked']} patients: {result['verify']['mismatches']} differ from "
        f"engine.refresh, {result['verify']['invalid']} hold values the models refuse")
    result["snapshot_seconds"] = snapshot(today)
    return result


def snapshot(today: dt.date) -> float | None:
    """The nightly KPI pre-aggregation (stats.snapshots), timed: what a province's KPI table reads."""
    try:
        from jingfang.stats import snapshots
    except ImportError:
        return None
    t0 = time.monotonic()
    # The year to date only (what the measured KPI table reads); the nightly run computes 16 periods
    # from the same loaded data, which costs more per county in Python but not more loading.
    periods = [snapshots.Period(dt.date(today.year, 1, 1), today)]
    rows = snapshots.build(today, periods,
                           progress=lambda done, total: done % 10 == 0 and log(f"KPI snapshot: {done}/{total} counties"))
    seconds = round(time.monotonic() - t0, 1)
    log(f"KPI snapshot of {rows:,} township-periods in {seconds} s")
    return seconds
