"""`jingfang worker`: run background jobs (imports, large exports, the nightly recomputation).

django-tasks-db's ``db_worker`` with jingfang's defaults: no autoreload, all queues, and a clock
thread (jobs.schedule) that gives up on dead runs and queues the nightly recomputation. Run one or
more next to the web server (systemd unit in README). Stop it with SIGTERM: it finishes the job in
hand first; a second signal stops it at once, and the job is shown as failed and may be re-run.
"""

from django_tasks_db.management.commands.db_worker import Command as DbWorker

from jingfang.jobs import schedule, services


class Command(DbWorker):
    help = "运行后台任务进程（导入、大批量导出、夜间重算随访计划）"

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--no-schedule", action="store_true", help="不运行定时任务（夜间重算等）")
        parser.set_defaults(reload=False)

    def handle(self, *args, no_schedule=False, **options):
        reaped = services.reap_stale()
        if reaped:
            self.stdout.write(f"已将{reaped}个中断的任务标记为失败")
        if not no_schedule and not options.get("batch"):
            schedule.start_thread()
        return super().handle(*args, **options)
