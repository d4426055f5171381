import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from jingfang.audit import log as audit
from jingfang.audit.chain import purge_before
from jingfang.audit.retention import MIN_RETENTION_DAYS, retention_days
from jingfang.core import clock


class Command(BaseCommand):
    help = ("删除指定日期之前、已超过保留期（JINGFANG_AUDIT_RETENTION_DAYS，至少180天）的审计记录；清理本身也记入审计，"
            "清理后的链起点记入审计检查点文件（写不进则不清理）。")

    def add_arguments(self, parser):
        parser.add_argument("--before", required=True, help="删除此日期（YYYY-MM-DD，当地时间零点）之前的记录")

    def handle(self, *args, **options):
        try:
            before = dt.date.fromisoformat(options["before"])
        except ValueError:
            raise CommandError(f"日期格式应为 YYYY-MM-DD：{options['before']}") from None
        days = max(int(retention_days()), MIN_RETENTION_DAYS)  # even when run with --skip-checks
        latest = clock.today() - dt.timedelta(days=days)
        if before > latest:
            raise CommandError(
                f"拒绝清理：审计记录须保留至少{days}天，--before 不得晚于 {latest.isoformat()}。"
            )
        cutoff = timezone.make_aware(dt.datetime.combine(before, dt.time.min))
        try:
            with transaction.atomic():
                deleted = purge_before(cutoff)
                audit.record(None, "purge", username="purge_audit", target="audit",
                             detail={"before": before.isoformat(), "count": deleted, "retention_days": days})
        except (ValueError, RuntimeError) as exc:
            raise CommandError(str(exc)) from None
        except OSError as exc:
            raise CommandError(f"无法写入审计检查点文件，未清理任何记录：{exc}") from None
        self.stdout.write(self.style.SUCCESS(f"已删除{before.isoformat()}之前的审计记录{deleted}条。"))
