from django.apps import AppConfig


class ScreeningConfig(AppConfig):
    name = "jingfang.screening"
    verbose_name = "摸排筛查"

    def ready(self):
        from jingfang.core.worklist_hub import register_provider

        from .models import Lead, Person
        from .worklist import provider

        # leads found in the range, campaign persons living in it: nothing else gives screening work
        register_provider(provider, probes=((Lead, "region"), (Person, "region")))
