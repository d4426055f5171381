from django.apps import AppConfig


class StatsConfig(AppConfig):
    name = "jingfang.stats"
    verbose_name = "统计与督导"

    def ready(self):
        from jingfang.followups.worklist import register_provider

        from .inspections import worklist_items

        register_provider(worklist_items)
