"""Blind-index columns keep their equality index but no LIKE (pattern) index: the migrations drop the
one Django creates on PostgreSQL, and dropping it again and creating it again round-trips."""

import pytest
from django.apps import apps
from django.db import connection

from jingfang.core import pattern_indexes

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="pattern indexes exist only on PostgreSQL"),
]


def _indexes(table: str) -> dict[str, str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s", [table])
        return dict(cursor.fetchall())


def _blind_index_columns() -> list[tuple]:
    found = []
    for model in apps.get_models():
        for field in pattern_indexes.blind_index_fields(model):
            found.append((model, field))
    return found


def test_every_blind_index_has_its_equality_index_and_no_pattern_index():
    columns = _blind_index_columns()
    assert len(columns) >= 7  # patients (2), guardians, leads, campaign persons, report cards, release notices
    for model, field in columns:
        defs = [d for d in _indexes(model._meta.db_table).values() if f"({field.column}" in d]
        assert defs, f"{model._meta.label}.{field.name} has no index"
        assert not [d for d in defs if "pattern_ops" in d], f"{model._meta.label}.{field.name}: {defs}"


def test_the_migration_functions_drop_and_recreate():
    from jingfang.registry.models import Patient

    forwards, backwards = pattern_indexes.migration_functions("registry.Patient")
    with connection.schema_editor() as editor:
        backwards(apps, editor)
    names = set(_indexes(Patient._meta.db_table))
    with connection.schema_editor() as editor:
        like = pattern_indexes.like_index_name(editor, Patient, Patient._meta.get_field("id_number_index"))
    assert like in names
    with connection.schema_editor() as editor:
        forwards(apps, editor)
    assert like not in set(_indexes(Patient._meta.db_table))
