from django.core.management.base import BaseCommand, CommandError

from jingfang.audit.chain import verify_chain


class Command(BaseCommand):
    help = "核验审计记录哈希链：逐条重算哈希，报告第一处断裂；链不完整时以非零状态退出。"

    def handle(self, *args, **options):
        ok, count, first_bad, message = verify_chain()
        if not ok:
            raise CommandError(f"{message}（此前{count}条核验无误）")
        self.stdout.write(self.style.SUCCESS(message))
