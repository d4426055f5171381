# ID numbers and phones encrypted at rest with blind indexes (core/fields.py); existing clear values
# are encrypted by the last step and decrypted again when the migration is reversed (core/rekey.py).

import jingfang.core.fields
from jingfang.core import rekey
from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('support', '0001_initial'),
    ]

    operations = [
        migrations.AlterField(
            model_name='reliefapplication',
            name='applicant_phone',
            field=jingfang.core.fields.EncryptedCharField(blank=True, max_length=20, verbose_name='联系方式'),
        ),
        migrations.RunPython(*rekey.migration_functions("support.ReliefApplication")),
    ]
