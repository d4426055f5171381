# ID numbers and phones encrypted at rest with blind indexes (core/fields.py); existing clear values
# are encrypted by the last step and decrypted again when the migration is reversed (core/rekey.py).

import jingfang.core.fields
from jingfang.core import rekey
from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('care', '0001_initial'),
    ]

    operations = [
        migrations.AlterField(
            model_name='teammember',
            name='phone',
            field=jingfang.core.fields.EncryptedCharField(blank=True, max_length=20, verbose_name='电话'),
        ),
        migrations.RunPython(*rekey.migration_functions("care.TeamMember")),
    ]
