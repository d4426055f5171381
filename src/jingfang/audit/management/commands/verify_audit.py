from django.core.management.base import BaseCommand, CommandError

from jingfang.audit import checkpoints
from jingfang.audit.chain import verify_chain
from jingfang.core.crypto import KeyConfigError


class Command(BaseCommand):
    help = (
        "核验审计记录哈希链：逐条用审计链密钥重算哈希，并与数据库外的审计检查点文件比对，报告第一处断裂；"
        "链不完整时以非零状态退出。核验通过后写入一个新的检查点。"
    )

    def add_arguments(self, parser):
        parser.add_argument("--no-checkpoint", action="store_true", help="核验通过后不写入新的检查点")

    def handle(self, *args, no_checkpoint=False, **options):
        try:
            ok, count, first_bad, message = verify_chain()
        except KeyConfigError as exc:
            raise CommandError(str(exc)) from None
        if not ok:
            raise CommandError(f"{message}（此前{count}条核验无误）")
        if not no_checkpoint:
            try:
                checkpoints.append("checkpoint")
            except OSError as exc:
                raise CommandError(f"{message}，但无法写入审计检查点文件 {checkpoints.path()}：{exc}") from None
            message += f"；已写入检查点（{checkpoints.path()}）"
        self.stdout.write(self.style.SUCCESS(message))
