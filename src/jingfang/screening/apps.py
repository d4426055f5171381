from django.apps import AppConfig


class ScreeningConfig(AppConfig):
    name = "jingfang.screening"
    verbose_name = "摸排筛查"

    def ready(self):
        from jingfang.followups.worklist import register_provider

        from .worklist_items import provider

        register_provider(provider)
