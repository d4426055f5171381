from django.apps import AppConfig


class StatsConfig(AppConfig):
    name = "jingfang.stats"
    verbose_name = "统计与督导"

    def ready(self):
        from jingfang.core.worklist_hub import register_provider

        from .inspections import worklist_items
        from .models import InspectionReport

        # overdue rectification items belong to reports of townships in the range
        register_provider(worklist_items, probes=((InspectionReport, "township"),))
        from jingfang.jobs import kinds

        kinds.register("stats_snapshot", "汇总工作指标", "jingfang.stats.snapshots.run_job", rerunnable=True,
                       system=True)
