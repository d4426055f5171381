from django.apps import AppConfig


class CareConfig(AppConfig):
    name = "jingfang.care"
    verbose_name = "关爱帮扶"

    def ready(self):
        from jingfang.core.worklist_hub import register_provider

        from .worklist import meeting_items, task_items

        register_provider(task_items)
        register_provider(meeting_items)
