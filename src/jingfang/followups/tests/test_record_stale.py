"""Recording a follow-up with a patient read before someone else's accepted edit must not undo that
edit (the follow-up's save writes the file as it stands under the row lock, not as it was read)."""


import pytest

from jingfang.core import clock
from jingfang.followups import services
from jingfang.registry import services as registry_services
from jingfang.registry.models import Patient

pytestmark = pytest.mark.django_db


def test_followup_on_a_stale_instance_keeps_a_concurrent_edit(users, make_patient):
    patient = make_patient(address="旧地址1号")
    stale = Patient.objects.get(pk=patient.pk)  # read by the follow-up request
    edited = registry_services.update_patient(users["doctor"], Patient.objects.get(pk=patient.pk),
                                              {"address": "新地址2号"}, patient.version)  # accepted meanwhile
    services.record_followup(users["doctor"], stale, {
        "date": clock.today().isoformat(), "mode": "home_visit", "seen": "on", "risk_level": 0,
        "insight": "full", "social_function": "good", "adherence": "regular", "adverse_reaction": "none",
        "physical_illness": "none"})
    stored = Patient.objects.get(pk=patient.pk)
    assert stored.address == "新地址2号"
    assert stored.version == edited.version + 1


def test_followup_that_records_a_death_keeps_a_concurrent_edit(users, make_patient):
    patient = make_patient(address="旧地址1号")
    stale = Patient.objects.get(pk=patient.pk)
    registry_services.update_patient(users["doctor"], Patient.objects.get(pk=patient.pk), {"address": "新地址2号"},
                                     patient.version)
    today = clock.today()
    services.record_followup(users["doctor"], stale, {
        "date": today.isoformat(), "mode": "home_visit", "not_seen_reason": "other", "died": "on",
        "death_date": today.isoformat(), "death_cause": "physical_illness"})
    stored = Patient.objects.get(pk=patient.pk)
    assert (stored.address, stored.status) == ("新地址2号", "deceased")
