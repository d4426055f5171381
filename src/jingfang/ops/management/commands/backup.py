"""`jingfang backup [-o PATH] [--encrypt --passphrase-file FILE]`: a verified, consistent backup file."""

from django.core.management.base import BaseCommand, CommandError

from jingfang.ops.archive import BackupError
from jingfang.ops.backup import make_backup
from jingfang.ops.crypto import CryptoError, check_passphrase

from . import _common


class Command(BaseCommand):
    help = (
        "备份数据库（SQLite 在线备份接口 / PostgreSQL pg_dump -Fc），附带清单：版本、迁移状态、"
        "各表行数和校验和。备份含个人信息，文件权限为0600，须加密保存。"
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "-o", "--output",
            help="备份文件路径或目录（默认：JINGFANG_VAR_DIR/backups/jingfang-年月日-时分秒.tar）",
        )
        parser.add_argument("--encrypt", action="store_true", help="用口令加密备份文件（AES-256-GCM）")
        _common.add_passphrase_argument(parser)

    def handle(self, *args, **options):
        passphrase = None
        if options["encrypt"]:
            try:
                passphrase = check_passphrase(_common.read_passphrase(options))
            except CryptoError as exc:
                raise CommandError(str(exc)) from exc
        try:
            progress = _common.progress_writer(self, options["verbosity"])
            result = make_backup(options["output"], passphrase=passphrase, progress=progress)
        except (BackupError, CryptoError) as exc:
            raise CommandError(str(exc)) from exc
        body = result.manifest
        size = result.path.stat().st_size
        self.stdout.write(self.style.SUCCESS(
            f"备份完成：{result.path}（{size / 1024 / 1024:.1f} MB，{body['vendor']}，"
            f"{len(body['tables'])}张表，共{result.rows:,}行{'，已加密' if passphrase else ''}）"
        ))
        if not passphrase:
            self.stdout.write(self.style.WARNING(
                "备份含患者个人信息：文件仅本用户可读（0600）；请存放在加密的介质上，或改用 --encrypt。"
            ))
