"""Blind indexes need no LIKE index.

On PostgreSQL Django gives every indexed ``varchar`` column a second index with the
``varchar_pattern_ops`` operator class (suffix ``_like``), for ``LIKE 'abc%'`` lookups. A blind index
(core.fields.BlindIndexField) is only ever compared for equality (its field refuses any other
lookup), so that second index is never read, yet every insert and update of the row maintains it.
The migrations that drop it call ``migration_functions``; ``test_pattern_indexes`` checks on
PostgreSQL that no blind-index column has one (an ``AlterField`` of such a field would make Django
create it again: drop it again in the same migration).
"""

from .fields import BlindIndexField


def like_index_name(schema_editor, model, field) -> str:
    """The name Django gives the pattern index of ``field`` (``BaseDatabaseSchemaEditor._create_index_name``)."""
    return schema_editor._create_index_name(model._meta.db_table, [field.column], suffix="_like")


def blind_index_fields(model) -> list:
    return [f for f in model._meta.concrete_fields if isinstance(f, BlindIndexField)]


def migration_functions(*labels: str):
    """(forwards, backwards) for ``migrations.RunPython``: drop, or create again, the pattern indexes of
    the blind-index fields of the models named by ``labels`` (``"registry.Patient"``)."""

    def fields(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for label in labels:
            model = apps.get_model(label)
            for field in blind_index_fields(model):
                yield model, field

    def forwards(apps, schema_editor):
        for model, field in fields(apps, schema_editor):
            name = like_index_name(schema_editor, model, field)
            schema_editor.execute(f"DROP INDEX IF EXISTS {schema_editor.quote_name(name)}")

    def backwards(apps, schema_editor):
        for model, field in fields(apps, schema_editor):
            statement = schema_editor._create_like_index_sql(model, field)
            if statement is not None:
                schema_editor.execute(statement)

    return forwards, backwards
