# Staff phones encrypted at rest like patients' (core/fields.py); existing clear values are encrypted
# by the last step and decrypted again when the migration is reversed (core/rekey.py).

import jingfang.core.fields
from django.db import migrations

from jingfang.core import rekey


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0002_password_changed_at_totp'),
    ]

    operations = [
        migrations.AlterField(
            model_name='user',
            name='phone',
            field=jingfang.core.fields.EncryptedCharField(blank=True, max_length=20, verbose_name='联系电话'),
        ),
        migrations.RunPython(*rekey.migration_functions("accounts.User")),
    ]
