from django.apps import AppConfig


class SupportConfig(AppConfig):
    name = "jingfang.support"
    verbose_name = "救治救助"

    def ready(self):
        from . import worklist

        worklist.register()
