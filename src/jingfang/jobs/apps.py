from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "jingfang.jobs"
    verbose_name = "后台任务"

    def ready(self):
        from jingfang.core import rekey

        from . import kinds, services

        rekey.register_resealer("jobs.JobFile", services.reseal_files)

        kinds.register(
            "recompute_schedules", "重新计算随访计划", "jingfang.jobs.builtin.recompute_schedules",
            rerunnable=True, system=True,
        )
        kinds.register("export", "导出文件", "jingfang.jobs.exporting.run_export", rerunnable=True)
