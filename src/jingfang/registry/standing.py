"""The key-person flag that a patient's file alone gives, set on the Patient before it is saved, by the
registry's services and the ledger import (the follow-up history then refines it: followups.engine).
The threshold is the region's profile's ``[key_person] risk_threshold`` (jingfang.regions.policy)."""

from jingfang.regions import policy as region_policy

from .flags import file_reasons


def refresh_flags(patient, has_guardian: bool | None = None) -> None:
    if has_guardian is None:
        has_guardian = patient.pk is not None and patient.guardians.exists()
    threshold = region_policy.profile_for(patient.region_id).key_person.risk_threshold
    patient.key_person = bool(file_reasons(patient, has_guardian, key_risk_threshold=threshold))
