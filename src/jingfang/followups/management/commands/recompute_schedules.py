"""`jingfang recompute_schedules [--region CODE] [--background]`: refresh every stored schedule under a
region (after a policy profile or the holiday calendar changed). Prints progress; with --background
it queues the work as a background job instead (run by `jingfang worker`, progress on the job's page)."""

from django.core.management.base import BaseCommand, CommandError

from jingfang.followups.recompute import recompute_under
from jingfang.regions import codes


class Command(BaseCommand):
    help = "重新计算辖区内全部患者的随访计划（政策配置或节假日变更后使用）"

    def add_arguments(self, parser):
        parser.add_argument("--region", default="", help="区划代码；不填则全部")
        parser.add_argument("--background", action="store_true", help="作为后台任务排队，由 jingfang worker 执行")

    def handle(self, *args, region, background=False, **options):
        if region and not codes.is_valid_code(region):
            raise CommandError(f"区划代码“{region}”格式不正确，应为12位数字")
        if background:
            from jingfang.jobs import services as jobs

            job = jobs.submit("recompute_schedules", owner=None, title=f"重新计算随访计划（{region or '全部'}）",
                              params={"region": region})
            self.stdout.write(self.style.SUCCESS(f"已排队：后台任务 {job.pk}（{job.status_label}），由 jingfang worker 执行。"))
            return

        def progress(done, total):
            self.stdout.write(f"\r已重算 {done}/{total}", ending="")
            self.stdout.flush()

        total = recompute_under([region] if region else [], progress=progress)
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS(f"完成：已重新计算{total}名患者的随访计划。"))
