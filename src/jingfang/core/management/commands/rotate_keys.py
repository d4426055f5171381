"""`jingfang rotate_keys [--check] [--batch N]` and `jingfang rotate_keys --new-key`.

Re-encrypts every encrypted value under the current field key (the first of JINGFANG_FIELD_KEYS),
job files included, and recomputes every blind index under the current index key
(JINGFANG_INDEX_KEY), in batches and in one transaction: an error (e.g. a value whose key is not configured) leaves everything as it was.
Afterwards the old field keys and JINGFANG_INDEX_KEY_OLD can be removed from the configuration.

To rotate: generate a key with --new-key, put it first in JINGFANG_FIELD_KEYS (keeping the old
ones after it) and/or move the index key to JINGFANG_INDEX_KEY_OLD and set a new JINGFANG_INDEX_KEY,
restart, run this command, then drop the old keys and restart again.
"""

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from jingfang.core import crypto, rekey


class Command(BaseCommand):
    help = "用当前密钥重新加密全部证件号/电话并重算盲索引（轮换密钥后执行）"

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true", help="只统计仍使用旧密钥的行数，不修改；有则以非零状态退出")
        parser.add_argument("--batch", type=int, default=rekey.BATCH, help="每批处理的行数（默认1000）")
        parser.add_argument("--new-key", action="store_true", help="生成并打印一个新的随机密钥（base64）后退出")

    def handle(self, *args, check=False, batch=rekey.BATCH, new_key=False, **options):
        if new_key:
            self.stdout.write(crypto.generate_key())
            return
        if batch < 1:
            raise CommandError("--batch 应为正整数")
        try:
            ring = crypto.keyring()
        except crypto.KeyConfigError as exc:
            raise CommandError(str(exc)) from None
        old = [k for k in ring.field_keys if k != ring.current]
        self.stdout.write(
            f"当前字段密钥：{ring.current}；旧字段密钥：{'、'.join(old) or '无'}；"
            f"旧盲索引密钥：{'已配置' if ring.index_key_old else '无'}（来源：{ring.source}）"
        )

        def progress(spec, done, total, changed):
            verb = "需更新" if check else "已更新"
            self.stdout.write(f"  {spec.label}：{done}/{total} 行，{verb} {changed} 行")

        changed = 0
        try:
            with transaction.atomic():
                for spec in rekey.all_specs():
                    changed += rekey.rewrite(connection, spec, write=not check, batch=batch, progress=progress)
                for label, reseal in rekey.RESEALERS.items():
                    count = reseal(write=not check)
                    self.stdout.write(f"  {label}：{'需更新' if check else '已更新'} {count} 个")
                    changed += count
        except crypto.DecryptionError as exc:
            raise CommandError(f"{exc}。未做任何修改。") from None
        if check:
            if changed:
                raise CommandError(f"共 {changed} 行仍使用旧密钥或旧盲索引：请执行 jingfang rotate_keys")
            self.stdout.write(self.style.SUCCESS("全部数据已使用当前密钥，可以移除旧密钥"))
            return
        self.stdout.write(self.style.SUCCESS(
            f"完成：重新加密 {changed} 行。现在可以从配置中移除旧字段密钥"
            f"{('（' + '、'.join(old) + '）') if old else ''}和 JINGFANG_INDEX_KEY_OLD，然后重启服务。"
        ))
