"""Rewriting stored identifiers in place: the migrations that encrypt existing clear values (and
decrypt them again when reversed) and `jingfang rotate_keys`.

Works on raw rows (no model save, no signals, no auto_now), table by table in primary-key batches:
every encrypted column ends under the current field key and every blind index under the current
index key. Rows already in that state are left alone, so a run can be repeated safely.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.apps import apps as global_apps

from . import crypto
from .fields import BlindIndexField, EncryptedCharField, EncryptedJSONField

BATCH = 1000

# Other stores of data sealed with the field keys (job files: jingfang.jobs), registered by their apps:
# each is called as ``resealer(write=…)``, returns how many items were not under the current key and,
# with ``write``, seals them again under it. `jingfang rotate_keys` runs them after the tables.
RESEALERS: dict[str, Callable[..., int]] = {}


def register_resealer(label: str, resealer: Callable[..., int]) -> None:
    RESEALERS[label] = resealer


@dataclass(frozen=True)
class TableSpec:
    label: str
    table: str
    pk: str
    encrypted: tuple[str, ...]  # columns
    indexes: tuple[tuple[str, str, str], ...]  # (index column, source column, purpose)

    @property
    def columns(self) -> tuple[str, ...]:
        return (*self.encrypted, *(i[0] for i in self.indexes))


def spec_for(model) -> TableSpec | None:
    fields = model._meta.concrete_fields
    encrypted = tuple(f.column for f in fields if isinstance(f, EncryptedCharField | EncryptedJSONField))
    if not encrypted:
        return None
    by_name = {f.name: f for f in fields}
    indexes = tuple((f.column, by_name[f.source].column, f.purpose) for f in fields if isinstance(f, BlindIndexField))
    return TableSpec(model._meta.label, model._meta.db_table, model._meta.pk.column, encrypted, indexes)


def all_specs(apps=global_apps) -> list[TableSpec]:
    return [s for m in apps.get_models() if (s := spec_for(m)) is not None]


def _plain(value):
    return crypto.decrypt(value) if crypto.is_encrypted(value) else value


def _target(spec: TableSpec, row: tuple, mode: str) -> tuple | None:
    """The new values of the row's columns, or None when the row is already as wanted."""
    values = dict(zip(spec.columns, row, strict=True))
    plain = {c: _plain(values[c]) for c in spec.encrypted}
    out = {}
    for c in spec.encrypted:
        v = values[c]
        if mode == "decrypt":
            out[c] = plain[c]
        elif v in (None, "") or (crypto.is_encrypted(v) and crypto.key_id_of(v) == crypto.keyring().current):
            out[c] = v
        else:
            out[c] = crypto.encrypt(plain[c])
    for column, source, purpose in spec.indexes:
        out[column] = None if mode == "decrypt" or not plain[source] else crypto.blind_index(plain[source], purpose)
    new = tuple(out[c] for c in spec.columns)
    return None if new == tuple(row) else new


def rewrite(connection, spec: TableSpec, mode: str = "encrypt", *, write: bool = True, batch: int = BATCH,
            progress: Callable[[TableSpec, int, int, int], None] | None = None) -> int:
    """Bring every row of the table to ``mode`` ("encrypt": current keys; "decrypt": clear text, no
    index). Returns how many rows changed (or would change, with write=False)."""
    q = connection.ops.quote_name
    cols = ", ".join(q(c) for c in spec.columns)
    sets = ", ".join(f"{q(c)} = %s" for c in spec.columns)
    select = f"SELECT {q(spec.pk)}, {cols} FROM {q(spec.table)} WHERE {q(spec.pk)} > %s ORDER BY {q(spec.pk)}"
    update = f"UPDATE {q(spec.table)} SET {sets} WHERE {q(spec.pk)} = %s"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {q(spec.table)}")
        total = cursor.fetchone()[0]
        done = changed = last = 0  # integer primary keys (every model here has one)
        while True:
            cursor.execute(f"{select} LIMIT {int(batch)}", [last])
            rows = cursor.fetchall()
            if not rows:
                break
            last = rows[-1][0]
            updates = [(*new, row[0]) for row in rows if (new := _target(spec, row[1:], mode)) is not None]
            if updates and write:
                cursor.executemany(update, updates)
            done += len(rows)
            changed += len(updates)
            if progress:
                progress(spec, done, total, changed)
    return changed


def migration_functions(*labels: str):
    """(forward, backward) for RunPython: encrypt the models' clear values / decrypt them again."""

    def run(mode):
        def apply(apps, schema_editor):
            for label in labels:
                spec = spec_for(apps.get_model(label))
                rewrite(schema_editor.connection, spec, mode)

        return apply

    return run("encrypt"), run("decrypt")
