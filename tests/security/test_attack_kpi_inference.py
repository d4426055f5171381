"""A non-health role must not learn one patient's medication from the KPI figures.

The township office may open the 管理 numerator list (who was followed up) and read every KPI's
numerator for any period of its own choosing, down to a single day and a single village. When one
patient was followed up that day, the list names him and the 服药/规律服药 numerators (counted from
that very visit) tell his medication: the membership the drill-down refuses the office
(stats.permissions.CLINICAL_LISTS). The office's answers must be the same whether he takes his
medicine or not."""

import datetime as dt

import pytest

from jingfang.core import clock
from jingfang.followups import services
from jingfang.followups.models import FollowUp
from jingfang.registry.models import Patient

DAY = clock.today() - dt.timedelta(days=3)
KEYS = ("medication", "regular_medication")


def office_view(client, users, make_patient, adherence):
    patient = make_patient("990102001001", name="甲患者")
    Patient.objects.filter(pk=patient.pk).update(registered_on=DAY - dt.timedelta(days=400))
    patient.refresh_from_db()
    services.record_followup(users["doctor"], patient, {
        "date": DAY.isoformat(), "mode": "home_visit", "seen": "on", "risk_level": 0, "insight": "full",
        "social_function": "good", "adherence": adherence, "adverse_reaction": "none", "physical_illness": "none"})
    client.force_login(users["office"])
    listed = client.get(f"/stats/kpis/management/patients/?which=numerator&region=990102001001"
                        f"&start={DAY}&end={DAY}")
    assert listed.status_code == 200 and "甲患者" in listed.content.decode()  # he is named
    body = client.get(f"/api/v1/kpis?region_code=990102001001&start={DAY}&end={DAY}").json()
    return {k["key"]: (k["numerator"], k["value"]) for k in body["items"] if k["key"] in KEYS}


@pytest.mark.django_db
def test_office_learns_nothing_of_one_patients_medication(client, users, make_patient):
    regular = office_view(client, users, make_patient, "regular")
    FollowUp.objects.all().update(adherence="none")  # the other world: he takes no medicine
    body = client.get(f"/api/v1/kpis?region_code=990102001001&start={DAY}&end={DAY}").json()
    none = {k["key"]: (k["numerator"], k["value"]) for k in body["items"] if k["key"] in KEYS}
    assert regular == none, f"regular medication {regular} vs none {none}"
