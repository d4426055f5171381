from django.apps import AppConfig


class ExportsConfig(AppConfig):
    name = "jingfang.exports"
    verbose_name = "导出审批"

    def ready(self):
        from jingfang.core.worklist_hub import register_provider

        from .models import ExportRequest
        from .worklist import approval_items

        # nothing to approve where no request was ever made from the range (one EXISTS, shared)
        register_provider(approval_items, probes=((ExportRequest, "requester_region"),))
