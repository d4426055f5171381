"""`jingfang load_regions FILE.csv`: load or update the region tree from a CSV file."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from jingfang.audit.log import record
from jingfang.regions.loading import load_regions_csv


class Command(BaseCommand):
    help = (
        "从CSV文件导入行政区划（列：code,name,parent_code,population[,policy]；"
        "UTF-8或GBK编码）。任何一行有误则不写入任何数据。"
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="CSV文件路径")
        parser.add_argument("--dry-run", action="store_true", help="只检查并统计，不写入")

    def handle(self, *args, **options):
        path = Path(options["file"])
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"无法读取文件“{path}”：{exc.strerror or exc}") from None
        with transaction.atomic():  # the regions and their audit row together or not at all
            report = load_regions_csv(data, dry_run=options["dry_run"])
            if report.errors:
                lines = "\n".join(report.errors)
                raise CommandError(f"导入失败，共{len(report.errors)}处错误，未写入任何数据：\n{lines}")
            if options["dry_run"]:
                self.stdout.write(
                    f"检查通过（未写入）：将新增{report.created}个，更新{report.updated}个，"
                    f"未变化{report.unchanged}个。"
                )
                return
            record(
                None,
                "import",
                target=f"load_regions:{path.name}"[:200],
                detail={"created": report.created, "updated": report.updated, "unchanged": report.unchanged},
                username="console",
            )
        self.stdout.write(self.style.SUCCESS(report.summary()))
