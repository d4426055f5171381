"""followups.bulk.plan_new gives exactly what engine.refresh stores for a newly registered patient:
the same due items, cached schedule fields and flag history, whatever the profile, status and
key-person reasons."""

import pytest

from conftest import id_for, patient_data
from jingfang.followups.models import DueItem, FlagChange
from jingfang.regions.models import Region
from jingfang.registry import services, services_bulk, services_bulk_write
from jingfang.registry.models import Patient
from jingfang.registry.services_bulk import Registration

pytestmark = pytest.mark.django_db

GUARDIAN = {"name": "王监护", "relation": "parent", "phone": "13900004321"}
# (profile set on the county, changes to the file, guardian)
CASES = [
    ("national-2018", {}, GUARDIAN),
    ("national-2018", {}, None),  # no guardian: a key-person reason
    ("national-2018", {"police_listed": True}, GUARDIAN),
    ("national-2018", {"status": "hospitalized", "status_detail": "psychiatric_hospital"}, GUARDIAN),
    ("national-2018", {"status": "moved_out"}, GUARDIAN),
    ("national-2018", {"status": "missing"}, GUARDIAN),
    ("national-2018", {"household_region_code": "990103001001"}, GUARDIAN),  # floating
    ("xuecheng-2016", {}, GUARDIAN),
    ("xuecheng-2016", {"police_listed": True}, None),
    ("qiyunshan-2024", {}, GUARDIAN),
    ("zhongliang-2022", {"status": "in_custody"}, GUARDIAN),
    ("pingqiao-2025", {}, GUARDIAN),
]

DUE_FIELDS = ("kind", "due_date", "window_start", "rule", "rule_id", "mode", "escalations", "notes", "provisional",
              "key_person", "region_code")
CACHED = ("lost", "key_person", "grade", "key_reasons", "next_due_date", "last_followup_date", "last_seen_date",
          "risk_level", "condition")


def _state(patient_id: int) -> dict:
    p = Patient.objects.get(pk=patient_id)
    return {
        "cached": {k: getattr(p, k) for k in CACHED},
        "dues": sorted(DueItem.objects.filter(patient_id=patient_id).values_list(*DUE_FIELDS)),
        "flags": sorted(FlagChange.objects.filter(patient_id=patient_id).values_list("flag", "value", "date", "reasons")),
    }


@pytest.mark.parametrize(("profile", "changes", "guardian"), CASES)
def test_bulk_schedule_equals_single_refresh(users, profile, changes, guardian):
    Region.objects.filter(code="990102000000").update(policy=profile)
    actor = users["doctor"]
    single = services.create_patient(actor, patient_data(**changes), guardian=guardian)  # engine.refresh
    data = patient_data(**changes)
    status = data.pop("status", "at_home")
    checked = services_bulk.check_registrations(actor, [Registration(2, {**data, "status": status}, guardian)])
    assert checked.ok, checked.problems
    bulk_id = services_bulk_write.bulk_register_patients(actor, checked).ids[0]
    assert _state(bulk_id) == _state(single.pk)
    if status == "at_home":
        assert _state(bulk_id)["dues"], "a new patient at home has something due"


def test_patients_registered_together_get_their_own_schedules(users):
    actor = users["doctor"]
    rows = [Registration(i, {**patient_data(id_number=id_for()), "police_listed": i % 2 == 0},
                         GUARDIAN if i % 3 else None) for i in range(2, 14)]
    for r in rows:
        r.data.pop("status", None)
    done = services_bulk_write.bulk_register_patients(actor, services_bulk.check_registrations(actor, rows), batch_size=5)
    key = dict(Patient.objects.filter(pk__in=done.ids).values_list("pk", "key_person"))
    expected = [r.data["police_listed"] or r.guardian is None for r in rows]
    assert [key[i] for i in done.ids] == expected
    assert FlagChange.objects.filter(flag="key_person", value=True).count() == sum(expected)
