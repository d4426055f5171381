# ID numbers and phones encrypted at rest with blind indexes (core/fields.py); existing clear values
# are encrypted by the last step and decrypted again when the migration is reversed (core/rekey.py).

import jingfang.core.fields
from jingfang.core import rekey
from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('registry', '0004_transfer_pending'),
    ]

    operations = [
        migrations.AddField(
            model_name='guardian',
            name='phone_index',
            field=jingfang.core.fields.BlindIndexField(db_index=True, purpose='phone', source='phone'),
        ),
        migrations.AddField(
            model_name='patient',
            name='id_number_index',
            field=jingfang.core.fields.BlindIndexField(purpose='id_number', source='id_number', unique=True),
        ),
        migrations.AddField(
            model_name='patient',
            name='phone_index',
            field=jingfang.core.fields.BlindIndexField(db_index=True, purpose='phone', source='phone'),
        ),
        migrations.AlterField(
            model_name='guardian',
            name='phone',
            field=jingfang.core.fields.EncryptedCharField(blank=True, max_length=20, verbose_name='监护人电话'),
        ),
        migrations.AlterField(
            model_name='patient',
            name='id_number',
            field=jingfang.core.fields.EncryptedCharField(max_length=18, verbose_name='身份证号'),
        ),
        migrations.AlterField(
            model_name='patient',
            name='phone',
            field=jingfang.core.fields.EncryptedCharField(blank=True, max_length=20, verbose_name='本人电话'),
        ),
        migrations.AlterField(
            model_name='patient',
            name='village_contact_phone',
            field=jingfang.core.fields.EncryptedCharField(blank=True, max_length=20, verbose_name='村（居）委会联系电话'),
        ),
        migrations.RunPython(*rekey.migration_functions("registry.Patient", "registry.Guardian")),
    ]
