from django.apps import AppConfig


class IntakeConfig(AppConfig):
    name = "jingfang.intake"
    verbose_name = "接收与转移"

    def ready(self):
        from jingfang.core.worklist_hub import register_provider

        from .deadlines import PROBES, PROVIDERS

        for provider in PROVIDERS:
            register_provider(provider, probes=PROBES.get(provider, ()))
