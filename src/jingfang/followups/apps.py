from django.apps import AppConfig


def _refresh_schedule(sender, patient, **kwargs):
    from .engine import refresh

    refresh(patient)


class FollowupsConfig(AppConfig):
    name = "jingfang.followups"
    verbose_name = "随访与评估"

    def ready(self):
        from jingfang.registry.signals import patient_changed

        patient_changed.connect(_refresh_schedule, dispatch_uid="followups.refresh_schedule")
        from jingfang.registry.signals import patients_registering

        from .bulk import on_patients_registering

        patients_registering.connect(on_patients_registering, dispatch_uid="followups.bulk_registering")
        from jingfang.regions.signals import policies_changed

        from .recompute import on_policies_changed

        policies_changed.connect(on_policies_changed, dispatch_uid="followups.policies_changed")
        from django.db.models.signals import post_delete, post_save

        from jingfang.regions.models import Region

        from .engine import clear_caches

        post_save.connect(clear_caches, sender=Region, dispatch_uid="followups.region_saved")
        post_delete.connect(clear_caches, sender=Region, dispatch_uid="followups.region_deleted")
        from jingfang.jobs import kinds

        kinds.register("recompute_schedules", "重新计算随访计划", "jingfang.followups.recompute.recompute_schedules",
                       rerunnable=True, system=True)
        from jingfang.core.worklist_hub import Probe, register_provider
        from jingfang.registry.models import Patient

        from .models import RollCall
        from .worklist import ALERT_DAYS, ALERT_RESULTS, missing_items, roll_call_alerts

        # 点名异常 are few and rare (only roll calls gone wrong in the last ALERT_DAYS days): asked of the
        # database only when the probe finds such a roll call in the range.
        register_provider(roll_call_alerts, probes=(Probe(RollCall, "patient__region", dated="date", days=ALERT_DAYS,
                                                          only=(("result", ALERT_RESULTS),)),))
        # Missing patients are few: asked of the database only when the probe finds one in the range.
        register_provider(missing_items, probes=(Probe(Patient, "region", only=(("status", ("missing",)),)),))
