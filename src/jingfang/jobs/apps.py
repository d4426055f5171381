from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "jingfang.jobs"
    verbose_name = "后台任务"

    def ready(self):
        from jingfang.core import rekey

        from . import kinds, services

        rekey.register_resealer("jobs.JobFile", services.reseal_files)

        kinds.register("export", "导出文件", "jingfang.jobs.exporting.run_export", rerunnable=True)
