"""Inserting many rows fast, for bulk loaders that run inside one transaction (the ledger import).

``QuerySet.bulk_create`` compiles every value of every row through the generic SQL compiler (about
ten Python calls per value) and, on SQLite, in statements of at most 999 parameters; for tens of
thousands of wide rows that is most of the time spent. ``insert`` prepares each value with its
field's own ``pre_save``/``get_db_prep_save`` (so encryption, blind indexes, JSON, dates and
``auto_now_add`` behave exactly as with ``save()``), skipping the call for plain columns whose Python
value is already what the driver takes, and sends them with ``COPY`` (PostgreSQL) or one
``executemany`` (SQLite). With ``with_ids`` the primary
keys are inserted too: those already set (e.g. by ``reserve_ids``), or reserved first (from the
sequence on PostgreSQL; above both the table's sequence and its largest id on SQLite, inside the
caller's write transaction) and set on the objects, so that rows referring to them can follow.

Encrypted fields and blind indexes are prepared with the keyring read once per call (the same
``crypto.encrypt``/``crypto.blind_index`` the fields call), JSON is serialised to text once (what
Django would send), and automatic timestamps take one ``timezone.now()`` per call (all rows of a
call are written in one transaction anyway).

No signals are sent and no model ``save()`` runs: exactly as with ``bulk_create``.

``copied_behind()`` lets the server store one batch while the caller prepares the next: inside it, on
PostgreSQL, ``insert`` prepares the rows in the calling thread and hands them to a second thread that
copies them, in order, on the same connection and transaction. ``fetch_behind(queryset)`` asks a
question on that thread, ahead of the copies still queued, and returns at once; its answer is
collected later, so that the caller works on meanwhile.
"""

import datetime as dt
import io
import itertools
import json
import queue
import threading
from contextlib import contextmanager
from functools import partial
from operator import attrgetter

import psycopg
from django.core.exceptions import EmptyResultSet
from django.db import connections, models, router
from django.db.models.base import ModelState
from django.utils import timezone

from . import crypto
from .fields import BlindIndexField, EncryptedCharField

# Field classes whose value needs no preparation for either supported driver.
PLAIN = (models.CharField, models.TextField, models.IntegerField, models.BooleanField, models.FloatField)


def _plain(field) -> bool:
    if isinstance(field, models.ForeignKey):
        return type(field).pre_save is models.Field.pre_save and _plain(field.target_field)
    if type(field).get_db_prep_save is not models.Field.get_db_prep_save:
        return False  # e.g. JSONField, encrypted fields
    if type(field).pre_save is not models.Field.pre_save:
        return False  # e.g. auto_now_add, blind indexes
    return isinstance(field, PLAIN) and not isinstance(field, models.DecimalField)


def _simple_date(field) -> bool:
    return type(field) is models.DateField and not (field.auto_now or field.auto_now_add)


def _getter(attnames: list):
    """A function of the object giving the tuple of these attributes (``attrgetter`` gives a bare
    value for one name)."""
    if len(attnames) > 1:
        return attrgetter(*attnames)
    if attnames:
        name = attnames[0]
        return lambda obj: (getattr(obj, name),)
    return lambda obj: ()


_DATE_TYPES = frozenset({type(None), dt.date})


def _dates_getter(attnames: list, connection):
    """The database values of plain date fields, as ``DateField.get_db_prep_save`` gives them: a
    datetime as its date, then the backend's adaptation. PostgreSQL takes dates as they are, so the
    usual row (no datetime in it) is passed through untouched."""
    get = _getter(attnames)
    adapt = connection.ops.adapt_datefield_value
    sample = dt.date(2000, 1, 2)
    as_is = adapt(sample) is sample and adapt(None) is None

    def values(obj):
        found = get(obj)
        if as_is and _DATE_TYPES.issuperset(map(type, found)):
            return found
        return [adapt(v.date() if isinstance(v, dt.datetime) else v) for v in found]

    return values


def _preparer(field, connection, context: dict):
    """A function of the object giving the database value of ``field``: what ``bulk_create`` would send,
    through the shortest path the field allows. ``context`` holds what one ``insert`` call computes
    once (the keyring, the time)."""
    attname = field.attname
    if _plain(field):
        return lambda obj: getattr(obj, attname)
    if type(field) is EncryptedCharField:
        ring, prep = context["ring"], field.get_prep_value

        def encrypted(obj):
            value = getattr(obj, attname)
            if value is None or value == "":
                return value
            return crypto.encrypt(value if type(value) is str else prep(value), ring)

        return encrypted
    if type(field) is BlindIndexField:
        ring, source, purpose = context["ring"], field.source, field.purpose

        def blind_index(obj):  # BlindIndexField.pre_save: computed from the source, set on the object
            value = crypto.blind_index(getattr(obj, source), purpose, ring)
            setattr(obj, attname, value)
            return value

        return blind_index
    if type(field) is models.DateTimeField and (field.auto_now or field.auto_now_add):
        now = context["now"]
        value = field.get_db_prep_save(now, connection)

        def timestamp(obj):  # DateTimeField.pre_save on insert: the time, set on the object
            setattr(obj, attname, now)
            return value

        return timestamp
    if type(field) is models.JSONField:
        # the text Django's adapt_json_value gives (SQLite) or wraps as Jsonb (PostgreSQL: COPY sends
        # text either way); the empty values most rows hold are serialised once
        dumps = json.dumps if field.encoder is None else partial(json.dumps, cls=field.encoder)
        empty = {"list": dumps([]), "dict": dumps({})}

        def json_value(obj):
            value = getattr(obj, attname)
            if value is None:
                return None
            if not value and type(value) in (list, dict):
                return empty[type(value).__name__]
            return dumps(value)

        return json_value
    return lambda obj: field.get_db_prep_save(field.pre_save(obj, True), connection)


_DEFAULTS: dict = {}


def _defaults(model) -> tuple[dict, list]:
    """The model's field defaults by attribute name: constants, and the callables (``default=list``)
    that give every instance its own value."""
    found = _DEFAULTS.get(model)
    if found is None:
        constant, fresh = {}, []
        for f in model._meta.concrete_fields:
            if f.has_default() and callable(f.default):
                fresh.append((f.attname, f.default))
            else:
                constant[f.attname] = f.get_default()
        found = _DEFAULTS[model] = (constant, fresh)
    return found


def build(model, values: dict):
    """An unsaved instance of ``model`` from attribute names (``region_id``, not ``region``), the
    fields not given at their defaults: the instance ``model(**values)`` would be, built without the
    constructor (which costs several microseconds per field; bulk loaders build tens of thousands).
    Every concrete field must be a plain attribute: ``values`` may name only concrete fields' attnames
    (``test_bulk`` compares the result with the constructor's), and no ``pre_init``/``post_init``
    signal is sent (models built here must not rely on one)."""
    constant, fresh = _defaults(model)
    obj = model.__new__(model)
    obj._state = ModelState()
    attrs = obj.__dict__
    attrs.update(constant)
    for attname, default in fresh:
        if attname not in values:
            attrs[attname] = default()
    attrs.update(values)
    return obj


NEXTVAL = "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)"


def _ids(rows) -> list[int]:
    return sorted(row[0] for row in rows)


def reserve_ids(model, count: int, using: str | None = None) -> list[int]:
    """``count`` new primary keys of ``model``, never used before (call inside the write transaction)."""
    connection = connections[using or router.db_for_write(model)]
    table = model._meta.db_table
    pk = model._meta.pk.column
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(NEXTVAL, [table, pk, count])
            return _ids(cursor.fetchall())
        if connection.vendor != "sqlite":
            raise NotImplementedError(f"reserve_ids: {connection.vendor}")
        q = connection.ops.quote_name
        cursor.execute(f"SELECT MAX({q(pk)}) FROM {q(table)}")
        top = cursor.fetchone()[0] or 0
        cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
        row = cursor.fetchone()
        start = max(top, row[0] if row else 0) + 1
        return list(range(start, start + count))


def insert(model, objs: list, *, with_ids: bool = False, batch: int = 2000) -> list:
    """Insert ``objs`` in the current transaction; returns them. ``objs`` are unsaved instances of
    ``model``, or, for rows nobody reads back, plain objects (``SimpleNamespace``) carrying the model's
    attribute names (``patient_id``, not ``patient``), which are cheaper to build than instances."""
    if not objs:
        return objs
    using = router.db_for_write(model)
    connection = connections[using]
    meta = model._meta
    fields = [f for f in meta.concrete_fields if not (f.primary_key and not with_ids)]
    if with_ids and any(getattr(obj, "pk", None) is None for obj in objs):
        for obj, pk in zip(objs, reserve_ids(model, len(objs), using), strict=True):
            obj.pk = pk
    # plain columns first, all read by one attrgetter (in C); then the dates, also read at once; then
    # those that need preparing one by one
    plain = [f for f in fields if _plain(f)]
    dates = [f for f in fields if _simple_date(f)]
    other = [f for f in fields if not _plain(f) and not _simple_date(f)]
    fields = plain + dates + other
    q = connection.ops.quote_name
    columns = ", ".join(q(f.column) for f in fields)
    get_plain = _getter([f.attname for f in plain])
    get_dates = _dates_getter([f.attname for f in dates], connection)
    context = {"ring": crypto.keyring(), "now": timezone.now()}
    plan = [_preparer(f, connection, context) for f in other]
    def row(obj) -> list:
        return [*get_plain(obj), *get_dates(obj), *[prepare(obj) for prepare in plan]]

    behind = _active().get(using)
    if behind is not None:  # the copying thread sends them (prepared here, where the keyring was read)
        behind.put(f"COPY {q(meta.db_table)} ({columns}) FROM STDIN", [row(obj) for obj in objs])
        objs_saved(objs, using)
        return objs
    with connection.cursor() as cursor:
        for start in range(0, len(objs), batch):
            chunk = objs[start : start + batch]
            if connection.vendor == "postgresql":
                # a server answers each statement over the network: COPY streams all rows at once, and
                # the server stores the rows already sent while the next ones are prepared. The driver's
                # cursor is used directly: its errors are turned into Django's (IntegrityError, ...) here.
                with connection.wrap_database_errors, cursor.cursor.copy(
                    f"COPY {q(meta.db_table)} ({columns}) FROM STDIN"
                ) as copy:
                    for obj in chunk:
                        copy.write_row(row(obj))
            else:  # SQLite runs in this process: one prepared statement, executed per row
                cursor.executemany(
                    f"INSERT INTO {q(meta.db_table)} ({columns}) VALUES ({', '.join(['%s'] * len(fields))})",
                    [row(obj) for obj in chunk],
                )
    objs_saved(objs, using)
    return objs


def objs_saved(objs: list, using: str) -> None:
    """Mark model instances as saved (what ``save()`` leaves in their ``_state``)."""
    for obj in objs:
        state = getattr(obj, "_state", None)
        if state is not None:
            state.adding, state.db = False, using


_local = threading.local()  # Django's connections are per thread, and so are these blocks


def _active() -> dict:
    """alias -> the _Behind of the copied_behind() block running on it in this thread."""
    found = getattr(_local, "behind", None)
    if found is None:
        found = _local.behind = {}
    return found


class _Behind:
    """The copying thread of ``copied_behind``: takes (COPY statement, rows) in order and sends them on
    the connection's own driver connection (psycopg's lock keeps any statement of the calling thread
    out while a COPY runs). The first error stops the copying; the caller sees it at its next ``put``
    or when the block ends, as Django's exception (IntegrityError, ...).

    Questions (``fetch_behind``, ``reserve_ids_later``) go before the copies still queued: they ask
    about rows written by others (or a sequence), which the copies do not change, so the caller's
    answer waits for the copy running now at most."""

    DEPTH = 4  # batches prepared ahead at most (memory stays bounded)
    FIRST, IN_ORDER, LAST = 0, 1, 2  # questions, copies (in the order queued), the end

    def __init__(self, connection):
        self.connection = connection
        self.driver = connection.connection
        self.formatting = self.driver.cursor()  # never executes: lends its adapters to the formatter
        self.queue: queue.PriorityQueue = queue.PriorityQueue(maxsize=self.DEPTH)
        self.order = itertools.count()  # ties broken by arrival: the items themselves are never compared
        self.error: BaseException | None = None
        self.rows = 0  # rows copied so far
        self.thread = threading.Thread(target=self._run, name="bulk-copy", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while (item := self.queue.get()[2]) is not None:
            if not isinstance(item, tuple):  # a question (_Fetch)
                item.run(self.driver, self.error)
                continue
            if self.error is not None:
                continue  # drain: the transaction is lost anyway
            statement, data, count = item
            try:
                with self.driver.cursor() as cursor, cursor.copy(statement) as copy:
                    copy.write(data)
                self.rows += count
            except BaseException as exc:  # noqa: BLE001 - handed to the caller's thread
                self.error = exc

    def put(self, statement: str, rows: list) -> None:
        """Format the rows here (COPY's text format, by the driver's own formatter) and queue the bytes:
        the copying thread then needs the interpreter only to hand whole buffers to the driver, instead
        of once per row while this thread keeps it busy preparing the next batch."""
        self.raise_error()
        buffer = io.BytesIO()
        with psycopg.copy.Copy(self.formatting, writer=psycopg.copy.FileWriter(buffer)) as copy:
            for values in rows:
                copy.write_row(values)
        self._queue(self.IN_ORDER, (statement, buffer.getvalue(), len(rows)))

    def ask(self, question: "_Fetch") -> "_Fetch":
        self.raise_error()
        self._queue(self.FIRST, question)
        return question

    def _queue(self, rank: int, item) -> None:
        self.queue.put((rank, next(self.order), item))

    def raise_error(self) -> None:
        if self.error is not None:  # kept: the copying stays stopped, and the first error is the one reported
            with self.connection.wrap_database_errors:
                raise self.error

    def close(self) -> None:
        self._queue(self.LAST, None)
        self.thread.join()
        self.formatting.close()


class _Fetch:
    """A read queued behind the copies: run by the copying thread, collected with ``result()``."""

    def __init__(self, sql: str, params, connection, shape=None):
        self.sql, self.params, self.connection, self.shape = sql, params, connection, shape
        self.rows: list | None = None
        self.error: BaseException | None = None
        self.done = threading.Event()

    def run(self, driver, failed: BaseException | None) -> None:
        try:
            if failed is not None:
                raise failed  # the transaction is lost: the question cannot be answered
            with driver.cursor() as cursor:
                cursor.execute(self.sql, self.params)
                self.rows = cursor.fetchall()
        except BaseException as exc:  # noqa: BLE001 - handed to the caller's thread
            self.error = exc
        finally:
            self.done.set()

    def result(self) -> list:
        self.done.wait()
        if self.error is not None:
            with self.connection.wrap_database_errors:
                raise self.error
        return self.shape(self.rows) if self.shape else self.rows


class _Answered:
    def __init__(self, rows: list):
        self.rows = rows

    def result(self) -> list:
        return self.rows


def fetch_behind(queryset):
    """The rows of ``queryset`` (tuples, as ``values_list`` gives them, without field converters: ask for
    plain columns), answered later: inside a ``copied_behind()`` block the query runs on the copying
    thread ahead of the copies still queued (after the one running); ``.result()`` waits for it.
    Elsewhere it runs now."""
    using = queryset.db
    try:
        sql, params = queryset.query.get_compiler(using=using).as_sql()
    except EmptyResultSet:
        return _Answered([])
    behind = _active().get(using)
    if behind is None:
        with connections[using].cursor() as cursor:
            cursor.execute(sql, params)
            return _Answered(cursor.fetchall())
    return behind.ask(_Fetch(sql, params, behind.connection))


def reserve_ids_later(model, count: int, using: str | None = None):
    """``reserve_ids`` ahead of need, answered by ``.result()``: inside a ``copied_behind()`` block
    (PostgreSQL) the sequence is asked on the copying thread, ahead of the copies still queued. None elsewhere: SQLite's
    reservation counts from the rows already written, so ids reserved ahead would be handed out twice."""
    using = using or router.db_for_write(model)
    behind = _active().get(using)
    if behind is None:
        return None
    return behind.ask(_Fetch(NEXTVAL, [model._meta.db_table, model._meta.pk.column, count], behind.connection,
                             shape=_ids))


@contextmanager
def copied_behind(using: str = "default", *, check_now: bool = True):
    """Inside a transaction: ``insert`` calls hand their rows to a copying thread (PostgreSQL; elsewhere
    nothing changes). Leaving the block waits until every row is stored and raises the first error
    of the copying, if any. The caller must not read back rows it inserted inside the block.

    ``check_now`` makes deferred constraints (Django's foreign keys) checked at the end of each COPY
    instead of at commit, so that the server checks one batch while the next is prepared; rows must
    then be inserted after the rows they refer to. They are deferred again when the block ends."""
    connection = connections[using]
    active = _active()
    if connection.vendor != "postgresql" or using in active:
        yield
        return
    if not connection.in_atomic_block:
        raise RuntimeError("copied_behind() must run inside a transaction")
    with connection.cursor() as cursor:
        if check_now:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    behind = active[using] = _Behind(connection)
    try:
        yield behind
    except BaseException:
        behind.close()
        if behind.error is not None:  # the copying failed first: that is the error to report
            behind.raise_error()
        raise
    else:
        behind.close()
        behind.raise_error()
    finally:
        active.pop(using, None)
    if check_now:
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
