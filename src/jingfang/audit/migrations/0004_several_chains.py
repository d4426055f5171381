"""Several hash chains (audit/chain.py, CHAINS): each row names its chain; seq is unique per chain.
Existing rows are chain 0 and keep their hashes (chain 0 is not part of the hashed content); every
head exists from here on, so that a chain deleted with its head is reported by verify_audit."""

from django.db import migrations, models

CHAINS = 32  # audit.models.CHAINS (then audit.chain.CHAINS) when this migration was written


def create_heads(apps, schema_editor):
    ChainHead = apps.get_model("audit", "ChainHead")
    for pk in range(1, CHAINS + 1):
        ChainHead.objects.get_or_create(pk=pk)


class Migration(migrations.Migration):

    dependencies = [
        ("audit", "0003_seq_unique"),
    ]

    operations = [
        migrations.AddField(
            model_name="auditevent",
            name="chain",
            field=models.PositiveSmallIntegerField(default=0, verbose_name="链号"),
        ),
        migrations.AlterField(
            model_name="auditevent",
            name="seq",
            field=models.BigIntegerField(verbose_name="序号"),
        ),
        migrations.AddConstraint(
            model_name="auditevent",
            constraint=models.UniqueConstraint(fields=("chain", "seq"), name="audit_chain_seq_unique"),
        ),
        migrations.RunPython(create_heads, migrations.RunPython.noop),
    ]
