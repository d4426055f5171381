from django.db import migrations

from jingfang.core import pattern_indexes


class Migration(migrations.Migration):
    """The paper code's blind index is compared for equality only: its LIKE index (PostgreSQL) is never
    read. (A migration of its own: the index is created by the deferred SQL of the table's migration.)"""

    dependencies = [
        ("offline", "0002_paper_tokens"),
    ]

    operations = [
        migrations.RunPython(*pattern_indexes.migration_functions("offline.PaperToken")),
    ]
