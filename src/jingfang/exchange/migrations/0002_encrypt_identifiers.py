# ID numbers and phones encrypted at rest with blind indexes (core/fields.py); existing clear values
# are encrypted by the last step and decrypted again when the migration is reversed (core/rekey.py).

import jingfang.core.fields
from jingfang.core import rekey
from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('exchange', '0001_initial'),
    ]

    operations = [
        migrations.AlterField(
            model_name='reconciliationline',
            name='theirs',
            field=jingfang.core.fields.EncryptedJSONField(blank=True, default=dict, verbose_name='对方信息'),
        ),
        migrations.AlterField(
            model_name='reconciliationrun',
            name='rows',
            field=jingfang.core.fields.EncryptedJSONField(blank=True, default=list, verbose_name='待核对数据'),
        ),
        migrations.RunPython(*rekey.migration_functions("exchange.ReconciliationRun", "exchange.ReconciliationLine")),
    ]
