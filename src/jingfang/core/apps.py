from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _sync_calendar(sender, **kwargs):
    from .calendar_sync import sync_from_package

    sync_from_package()


class CoreConfig(AppConfig):
    name = "jingfang.core"
    verbose_name = "公共"

    def ready(self):
        from . import checks  # noqa: F401  (deploy checks of the field-encryption keys)

        post_migrate.connect(_sync_calendar, sender=self)
