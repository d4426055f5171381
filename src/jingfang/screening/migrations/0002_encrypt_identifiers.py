# ID numbers and phones encrypted at rest with blind indexes (core/fields.py); existing clear values
# are encrypted by the last step and decrypted again when the migration is reversed (core/rekey.py).

import jingfang.core.fields
from jingfang.core import rekey
from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('screening', '0001_initial'),
    ]

    operations = [
        migrations.AddField(
            model_name='lead',
            name='id_number_index',
            field=jingfang.core.fields.BlindIndexField(db_index=True, purpose='id_number', source='id_number'),
        ),
        migrations.AddField(
            model_name='person',
            name='id_number_index',
            field=jingfang.core.fields.BlindIndexField(db_index=True, purpose='id_number', source='id_number'),
        ),
        migrations.AlterField(
            model_name='lead',
            name='guardian_phone',
            field=jingfang.core.fields.EncryptedCharField(blank=True, max_length=20, verbose_name='监护人/近亲属电话'),
        ),
        migrations.AlterField(
            model_name='lead',
            name='id_number',
            field=jingfang.core.fields.EncryptedCharField(blank=True, max_length=18, verbose_name='身份证号'),
        ),
        migrations.AlterField(
            model_name='lead',
            name='phone',
            field=jingfang.core.fields.EncryptedCharField(blank=True, max_length=20, verbose_name='联系电话'),
        ),
        migrations.AlterField(
            model_name='person',
            name='id_number',
            field=jingfang.core.fields.EncryptedCharField(blank=True, max_length=18, verbose_name='身份证号'),
        ),
        migrations.RunPython(*rekey.migration_functions("screening.Lead", "screening.Person")),
    ]
