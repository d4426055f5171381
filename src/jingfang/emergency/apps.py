from django.apps import AppConfig


class EmergencyConfig(AppConfig):
    name = "jingfang.emergency"
    verbose_name = "紧急查阅"

    def ready(self):
        from jingfang.core.worklist_hub import register_provider
        from jingfang.registry.selectors import register_grant_finder

        from .selectors import active_grant
        from .worklist import notice_items

        register_grant_finder(active_grant)
        register_provider(notice_items)
