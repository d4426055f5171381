"""Row counts and per-table checksums of a database, computed the same way on SQLite and PostgreSQL.

A table's checksum is SHA-256 over one canonical JSON line per row, rows ordered by primary key
(text keys in byte order: ``COLLATE "C"`` on PostgreSQL, SQLite's default BINARY collation), preceded
by a line naming the columns. Values are read with plain DB-API cursors (``sqlite3`` / ``psycopg``),
never through Django fields, so encrypted columns are hashed as stored (no key is needed and nothing is
decoded). Each column's kind (from the Django field that made it) says how a raw value is written, so
that e.g. SQLite's ``"2026-01-02 03:04:05"`` text and PostgreSQL's aware datetime give the same line.

The table list and column kinds are recorded in the backup's manifest; a restore is checked against
the manifest's own list, so verification does not depend on the code installed at restore time.
"""

import datetime as dt
import decimal
import hashlib
import json
import uuid
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass

from django.utils.dateparse import parse_date, parse_datetime, parse_time

# Django internal field types -> the kind that says how a raw value is canonicalised.
KIND_OF = {
    "AutoField": "int", "BigAutoField": "int", "SmallAutoField": "int", "IntegerField": "int",
    "BigIntegerField": "int", "SmallIntegerField": "int", "PositiveIntegerField": "int",
    "PositiveBigIntegerField": "int", "PositiveSmallIntegerField": "int",
    "BooleanField": "bool", "NullBooleanField": "bool",
    "DateTimeField": "datetime", "DateField": "date", "TimeField": "time",
    "DecimalField": "decimal", "FloatField": "float", "JSONField": "json", "UUIDField": "uuid",
    "BinaryField": "binary", "DurationField": "duration",
}
PROGRESS_EVERY = 100_000
FETCH = 5_000


@dataclass(frozen=True)
class Column:
    name: str
    kind: str = "text"
    places: int | None = None  # decimal places of a decimal column


@dataclass(frozen=True)
class TableSpec:
    table: str
    pk: str
    columns: tuple[Column, ...]

    def as_dict(self) -> dict:
        return {"pk": self.pk, "columns": [asdict(c) for c in self.columns]}

    @classmethod
    def from_dict(cls, table: str, data: dict) -> "TableSpec":
        return cls(table, data["pk"], tuple(Column(**c) for c in data["columns"]))

    @property
    def pk_kind(self) -> str:
        return next((c.kind for c in self.columns if c.name == self.pk), "text")


def _kind(field) -> Column:
    typed = field
    while typed.get_internal_type() in ("ForeignKey", "OneToOneField"):  # typed like the key it points to
        typed = typed.target_field
    kind = KIND_OF.get(typed.get_internal_type(), "text")
    places = typed.decimal_places if kind == "decimal" else None
    return Column(field.column, kind, places)


def specs_from_models() -> list[TableSpec]:
    """One spec per concrete table Django knows (models, many-to-many tables, django_migrations)."""
    from django.apps import apps
    from django.db.migrations.recorder import MigrationRecorder

    models = [m for m in apps.get_models(include_auto_created=True)
              if m._meta.managed and not m._meta.proxy and not m._meta.swapped]
    models.append(MigrationRecorder.Migration)
    specs: dict[str, TableSpec] = {}
    for model in models:
        meta = model._meta
        if meta.db_table in specs or meta.pk is None:
            continue
        columns = tuple(_kind(f) for f in meta.concrete_fields)
        specs[meta.db_table] = TableSpec(meta.db_table, meta.pk.column, columns)
    return [specs[name] for name in sorted(specs)]


# ---- canonical values -------------------------------------------------------------------------

def _plain_json(value):
    """JSON values as they read back from any backend (jsonb turns 1e20 into an integer)."""
    if isinstance(value, dict):
        return {str(k): _plain_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain_json(v) for v in value]
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, decimal.Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def _utc(value: dt.datetime) -> str:
    if value.tzinfo is None:  # SQLite keeps UTC without an offset (USE_TZ)
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical(column: Column, value):
    """The JSON-ready form of one raw database value (from sqlite3 or psycopg) of a column's kind."""
    if value is None:
        return None
    kind = column.kind
    if kind == "int":
        return int(value)
    if kind == "bool":
        return bool(int(value)) if isinstance(value, str) else bool(value)
    if kind == "datetime":
        if isinstance(value, str):
            value = parse_datetime(value)
        return _utc(value)
    if kind == "date":
        if isinstance(value, dt.datetime):
            value = value.date()
        return (parse_date(value) if isinstance(value, str) else value).isoformat()
    if kind == "time":
        value = parse_time(value) if isinstance(value, str) else value
        return value.replace(tzinfo=None).isoformat(timespec="microseconds")
    if kind == "decimal":
        number = decimal.Decimal(repr(value) if isinstance(value, float) else str(value))
        if column.places is not None:
            number = number.quantize(decimal.Decimal(1).scaleb(-column.places))
        return str(number)
    if kind == "float":
        return repr(float(value))
    if kind == "json":
        if isinstance(value, (bytes, bytearray, memoryview)):
            value = bytes(value).decode("utf-8")
        if isinstance(value, str):
            value = json.loads(value)
        return _plain_json(value)
    if kind == "uuid":
        return value.hex if isinstance(value, uuid.UUID) else uuid.UUID(str(value)).hex
    if kind == "binary":
        return bytes(value).hex()
    if kind == "duration":
        if isinstance(value, dt.timedelta):
            return (value.days * 86_400 + value.seconds) * 1_000_000 + value.microseconds
        return int(value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value).hex()
    return str(value)


def row_line(spec: TableSpec, row: Iterable) -> bytes:
    values = [canonical(c, v) for c, v in zip(spec.columns, row, strict=True)]
    return json.dumps(values, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8") + b"\n"


def header_line(spec: TableSpec) -> bytes:
    return json.dumps([c.name for c in spec.columns], separators=(",", ":")).encode("utf-8") + b"\n"


# ---- reading a database -----------------------------------------------------------------------

def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def select_sql(spec: TableSpec, vendor: str) -> str:
    columns = ", ".join(quote(c.name) for c in spec.columns)
    order = quote(spec.pk)
    if vendor == "postgresql" and spec.pk_kind == "text":
        order += ' COLLATE "C"'
    return f"SELECT {columns} FROM {quote(spec.table)} ORDER BY {order}"


def existing_tables(conn, vendor: str) -> set[str]:
    if vendor == "sqlite":
        sql = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    else:
        sql = "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
    cursor = conn.cursor()
    cursor.execute(sql)
    return {row[0] for row in cursor.fetchall()}


def _rows(conn, vendor: str, spec: TableSpec):
    if vendor == "postgresql":  # a server-side cursor: a large table is never held in memory
        cursor = conn.cursor(name=f"jf_checksum_{abs(hash(spec.table))}")
        cursor.itersize = FETCH
    else:
        cursor = conn.cursor()
    cursor.execute(select_sql(spec, vendor))
    while batch := cursor.fetchmany(FETCH):
        yield from batch
    cursor.close()


def table_checksum(conn, vendor: str, spec: TableSpec, progress: Callable | None = None) -> dict:
    digest = hashlib.sha256(header_line(spec))
    count = 0
    for row in _rows(conn, vendor, spec):
        digest.update(row_line(spec, row))
        count += 1
        if progress and count % PROGRESS_EVERY == 0:
            progress(f"  {spec.table}：已校验{count:,}行…")
    return {"rows": count, "sha256": digest.hexdigest()}


def count_rows(conn, table: str) -> int:
    cursor = conn.cursor()
    cursor.execute(f"SELECT COUNT(*) FROM {quote(table)}")
    return int(cursor.fetchone()[0])


def checksums(conn, vendor: str, specs: list[TableSpec], progress: Callable | None = None) -> dict:
    """{table: {"rows", "sha256"}} for each spec whose table exists; other tables get their row count only."""
    present = existing_tables(conn, vendor)
    out: dict[str, dict] = {}
    for spec in specs:
        if spec.table not in present:
            continue
        out[spec.table] = table_checksum(conn, vendor, spec, progress)
        if progress:
            progress(f"  {spec.table}：{out[spec.table]['rows']:,}行", level=2)
    known = {s.table for s in specs}
    for table in sorted(present - known):
        out[table] = {"rows": count_rows(conn, table), "sha256": None}
    return out


def migration_state(conn) -> dict[str, str]:
    """The latest applied migration per app, read from django_migrations."""
    cursor = conn.cursor()
    cursor.execute("SELECT app, name FROM django_migrations")
    latest: dict[str, str] = {}
    for app, name in cursor.fetchall():
        if name > latest.get(app, ""):
            latest[app] = name
    return dict(sorted(latest.items()))


def compare(expected: dict, actual: dict) -> list[str]:
    """Chinese lines naming every table whose rows or checksum differ (empty when all match)."""
    problems = []
    for table in sorted(set(expected) | set(actual)):
        want, got = expected.get(table), actual.get(table)
        if want is None:
            problems.append(f"表 {table}：清单中没有，恢复后的数据库中却有（{got['rows']}行）")
        elif got is None:
            problems.append(f"表 {table}：清单中有{want['rows']}行，恢复后的数据库中缺少此表")
        elif want["rows"] != got["rows"]:
            problems.append(f"表 {table}：行数不符（清单{want['rows']}行，实际{got['rows']}行）")
        elif want.get("sha256") and want["sha256"] != got.get("sha256"):
            problems.append(f"表 {table}：校验和不符（行数同为{got['rows']}行，内容不同）")
    return problems
