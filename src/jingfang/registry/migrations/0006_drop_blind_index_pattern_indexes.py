from django.db import migrations

from jingfang.core import pattern_indexes


class Migration(migrations.Migration):
    """Blind indexes are compared for equality only: their LIKE indexes (PostgreSQL) are never read."""

    dependencies = [
        ("registry", "0005_encrypt_identifiers"),
    ]

    operations = [
        migrations.RunPython(*pattern_indexes.migration_functions("registry.Patient", "registry.Guardian")),
    ]
