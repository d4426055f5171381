from django.apps import AppConfig


class AccountabilityConfig(AppConfig):
    name = "jingfang.accountability"
    verbose_name = "督办问责"

    def ready(self):
        from jingfang.care import hooks
        from jingfang.core.worklist_hub import register_provider

        from . import consultation, views
        from .worklist import measure_items

        register_provider(measure_items)
        hooks.meeting_saved.connect(consultation.on_meeting_saved, dispatch_uid="accountability_consultation")
        hooks.register_meeting_panel(views.consultation_panel)
        hooks.register_incident_action(views.incident_action)
