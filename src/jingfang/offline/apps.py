from django.apps import AppConfig


class OfflineConfig(AppConfig):
    name = "jingfang.offline"
    verbose_name = "离线随访"

    def ready(self):
        from jingfang.core.worklist_hub import Probe, register_provider

        from .models import OfflineEntry
        from .worklist import held_items

        register_provider(held_items, probes=(Probe(OfflineEntry, "review_region", only=(("review_state", ("pending",)),)),))
