"""Hash chain: seq/prev_hash/row_hash on every row and the ChainHead; existing rows chained in id order."""

import django.utils.timezone
from django.db import migrations, models

BATCH = 2000


def chain_existing(apps, schema_editor):
    from jingfang.audit.hashing import GENESIS
    from jingfang.audit.hashing import legacy_hash as compute_hash  # rows were unkeyed until 0006

    AuditEvent = apps.get_model("audit", "AuditEvent")
    ChainHead = apps.get_model("audit", "ChainHead")
    seq, prev = 0, GENESIS
    last_id = 0
    while True:
        batch = list(AuditEvent.objects.filter(id__gt=last_id).order_by("id")[:BATCH])
        if not batch:
            break
        for row in batch:
            seq += 1
            row.seq, row.prev_hash = seq, prev
            row.row_hash = compute_hash(row)
            prev = row.row_hash
        AuditEvent.objects.bulk_update(batch, ["seq", "prev_hash", "row_hash"])
        last_id = batch[-1].id
    ChainHead.objects.update_or_create(pk=1, defaults={"seq": seq, "last_hash": prev})


class Migration(migrations.Migration):

    dependencies = [
        ("audit", "0001_initial"),
    ]

    operations = [
        migrations.CreateModel(
            name="ChainHead",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("seq", models.BigIntegerField(default=0, verbose_name="最后序号")),
                ("last_hash", models.CharField(default="0" * 64, max_length=64, verbose_name="最后哈希")),
                ("anchor_seq", models.BigIntegerField(default=0, verbose_name="起点序号")),
                ("anchor_hash", models.CharField(default="0" * 64, max_length=64, verbose_name="起点哈希")),
            ],
            options={"verbose_name": "审计链头", "verbose_name_plural": "审计链头"},
        ),
        migrations.AddField(
            model_name="auditevent",
            name="seq",
            field=models.BigIntegerField(null=True, verbose_name="序号"),
        ),
        migrations.AddField(
            model_name="auditevent",
            name="prev_hash",
            field=models.CharField(default="", max_length=64, verbose_name="前序哈希"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="auditevent",
            name="row_hash",
            field=models.CharField(default="", max_length=64, verbose_name="哈希"),
            preserve_default=False,
        ),
        migrations.AlterField(
            model_name="auditevent",
            name="at",
            field=models.DateTimeField(db_index=True, default=django.utils.timezone.now, verbose_name="时间"),
        ),
        migrations.AlterField(
            model_name="auditevent",
            name="action",
            field=models.CharField(choices=[('login', '登录'), ('login_failed', '登录失败'), ('logout', '退出'), ('token', '签发API令牌'), ('list', '查看列表'), ('search', '搜索'), ('view', '查看档案'), ('create', '新建'), ('update', '修改'), ('status', '变更状态'), ('reveal', '查看完整证件号/电话'), ('export', '导出'), ('import', '导入'), ('admin', '管理操作'), ('purge', '清理过期审计记录')], max_length=32, verbose_name="操作"),
        ),
        migrations.RunPython(chain_existing, migrations.RunPython.noop),
    ]
