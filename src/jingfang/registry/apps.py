from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "jingfang.registry"
    verbose_name = "患者档案"

    def ready(self):
        from jingfang.core import idempotency

        from . import replay

        idempotency.register_replay_check(replay.patients_still_visible)
