import datetime as dt
import time

from django.core.management.base import BaseCommand, CommandError

from jingfang.core import clock
from jingfang.stats import snapshots


class Command(BaseCommand):
    help = "预先汇总各乡镇（街道）的工作指标（今年至今、近12个月、本季度、上季度、上一年），供县级以上指标表使用；每日夜间运行。"

    def add_arguments(self, parser):
        parser.add_argument("--end", help="统计截止日期 YYYY-MM-DD，默认今天")
        parser.add_argument("--county", action="append", default=[], help="只汇总此县（区）（12位代码，可重复）")

    def handle(self, *args, **options):
        try:
            end = dt.date.fromisoformat(options["end"]) if options["end"] else clock.today()
        except ValueError:
            raise CommandError(f"日期格式应为 YYYY-MM-DD：{options['end']}") from None
        started = time.monotonic()

        def progress(done, total):
            if done == total or done % 10 == 0:
                self.stdout.write(f"已汇总{done}/{total}个县（区）")

        rows = snapshots.build(end, counties=options["county"] or None, progress=progress)
        self.stdout.write(self.style.SUCCESS(
            f"已写入{rows}条乡镇指标汇总（截至{end.isoformat()}），用时{time.monotonic() - started:.0f}秒"))
