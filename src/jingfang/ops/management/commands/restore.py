"""`jingfang restore FILE [--database-url URL] [--force]`: restore a backup, then prove it matches."""

from django.core.management.base import BaseCommand, CommandError

from jingfang.ops.archive import BackupError
from jingfang.ops.crypto import CryptoError
from jingfang.ops.restore import restore_backup

from . import _common


class Command(BaseCommand):
    help = (
        "从 jingfang backup 生成的文件恢复数据库，恢复后逐表核对行数和校验和；不符时以非零状态退出。"
        "目标数据库须为空（没有任何表），除非加 --force。仅支持同类数据库之间恢复。"
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="备份文件")
        parser.add_argument(
            "--database-url",
            help="恢复到此数据库（例如 postgres://…/jingfang_drill 或 sqlite:////path/new.sqlite3）；默认为 DATABASE_URL",
        )
        parser.add_argument("--force", action="store_true", help="目标数据库已有数据时仍然覆盖（现有表全部删除）")
        _common.add_passphrase_argument(parser)

    def handle(self, *args, **options):
        try:
            result = restore_backup(
                options["file"], database_url=options["database_url"], force=options["force"],
                passphrase=_common.read_passphrase(options), progress=_common.progress_writer(self, options["verbosity"]),
            )
        except (BackupError, CryptoError) as exc:
            raise CommandError(str(exc)) from exc
        body = result.manifest
        for note in result.notes:
            self.stdout.write(self.style.WARNING(note))
        if not result.ok:
            for problem in result.problems:
                self.stderr.write(problem)
            raise CommandError(f"恢复后核验失败：{len(result.problems)}张表与备份清单不符，请勿使用此数据库")
        self.stdout.write(self.style.SUCCESS(
            f"恢复完成，核验通过：{len(body['tables'])}张表的行数和校验和与备份清单一致。"
            "接着请运行 jingfang verify_audit 核验审计链。"
        ))
