from django.apps import AppConfig


class ExportsConfig(AppConfig):
    name = "jingfang.exports"
    verbose_name = "导出审批"

    def ready(self):
        from jingfang.followups.worklist import register_provider

        from .worklist import approval_items

        register_provider(approval_items)
