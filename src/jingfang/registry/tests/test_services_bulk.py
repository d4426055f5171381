"""Bulk registration (services_bulk): the same verdicts as create_patient's form, row by row; duplicates
within the rows and already registered numbers; the write and its audit row."""

import datetime as dt

import pytest

from conftest import id_for, patient_data
from jingfang.audit.models import AuditEvent
from jingfang.core import clock, errors, formdata
from jingfang.followups.models import DueItem
from jingfang.registry import disclosure, services_bulk, services_bulk_write
from jingfang.registry.forms import GuardianForm, PatientForm
from jingfang.registry.models import Guardian, Patient, StatusChange
from jingfang.registry.services_bulk import REGISTERED, Registration
from jingfang.registry.services_bulk_write import id_ranges

pytestmark = pytest.mark.django_db

TODAY = clock.today()
BIRTH = dt.date(1980, 5, 17)

# (case, changes to a valid row, guardian) -- each is judged by PatientForm/GuardianForm and by
# check_registrations, which must agree on whether it is valid and on the fields at fault.
CASES = [
    ("valid", {}, None),
    ("valid with guardian", {}, {"name": "王监护", "relation": "parent", "phone": "13900004321"}),
    ("bad checksum", {"id_number": "bad"}, None),
    ("short id", {"id_number": "99010219800517"}, None),
    ("name with digits", {"name": "王2"}, None),
    ("name one character", {"name": "王"}, None),
    ("bad phone", {"phone": "12345"}, None),
    ("landline phone", {"phone": "0551-12345678"}, None),
    ("village of another township", {"region_code": "990102002001"}, None),
    ("village of another county", {"region_code": "990103001001"}, None),
    ("township, not village", {"region_code": "990102001000"}, None),
    ("unknown code", {"region_code": "990102001099"}, None),
    ("malformed code", {"region_code": "99010200100"}, None),
    ("unknown household code", {"household_region_code": "990102009999"}, None),
    ("household elsewhere", {"household_region_code": "990103001001"}, None),
    ("no address", {"address": ""}, None),
    ("address too long", {"address": "长" * 201}, None),
    ("no diagnosis", {"diagnosis": ""}, None),
    ("unknown diagnosis", {"diagnosis": "depression"}, None),
    ("future diagnosis date", {"diagnosis_date": TODAY + dt.timedelta(days=3)}, None),
    ("diagnosis before birth", {"diagnosis_date": BIRTH - dt.timedelta(days=1)}, None),
    ("onset after diagnosis", {"first_onset_date": dt.date(2016, 1, 1)}, None),
    ("onset before diagnosis", {"first_onset_date": dt.date(2014, 1, 1)}, None),
    ("grade without certificate", {"disability_grade": 2}, None),
    ("grade with certificate", {"disability_grade": 2, "disability_certificate": True}, None),
    ("grade out of range", {"disability_grade": 7, "disability_certificate": True}, None),
    ("bad household type", {"household_type": "city"}, None),
    ("economic status", {"economic_status": "poor"}, None),
    ("status detail mismatch", {"status": "at_home", "status_detail": "detained"}, None),
    ("status with detail", {"status": "hospitalized", "status_detail": "psychiatric_hospital"}, None),
    ("unknown status", {"status": "away"}, None),
    ("police listed", {"police_listed": True}, None),
    ("guardian bad name", {}, {"name": "王", "relation": "parent"}),
    ("guardian bad phone", {}, {"name": "王监护", "relation": "parent", "phone": "999"}),
    ("guardian bad relation", {}, {"name": "王监护", "relation": "cousin"}),
]


def _base(**over):
    data = patient_data(id_number=id_for(birth=BIRTH), diagnosis_date=dt.date(2015, 3, 1))
    data.pop("status")
    data.update(over)
    return data


def _form_verdict(actor, data, guardian) -> set[str]:
    form = PatientForm(data=formdata.to_form_data({"status": "at_home", **data}), actor=actor, creating=True)
    fields = set(form.errors) if not form.is_valid() else set()
    if guardian:
        gform = GuardianForm(data={"relation": "other", "is_primary": True, **guardian})
        fields |= {f"guardian.{k}" for k in gform.errors} if not gform.is_valid() else set()
    return fields


@pytest.mark.parametrize(("case", "changes", "guardian"), CASES, ids=[c[0] for c in CASES])
def test_bulk_check_agrees_with_the_single_create_form(users, case, changes, guardian):
    actor = users["doctor"]
    data = _base(**changes)
    expected = _form_verdict(actor, data, guardian)
    checked = services_bulk.check_registrations(actor, [Registration(2, data, guardian)])
    got = {p.field for p in checked.problems}
    assert got == expected, case
    assert (len(checked.patients) == 1) == (not expected)
    assert all(p.line == 2 and p.message for p in checked.problems)


def test_problems_say_what_is_wrong(users):
    checked = services_bulk.check_registrations(users["doctor"], [
        Registration(2, _base(region_code="990102002001")),
        Registration(3, _base(region_code="990102001099")),
        Registration(4, _base(diagnosis="depression")),
    ])
    messages = {p.line: p.message for p in checked.problems}
    assert "不在您的辖区内" in messages[2] and "丙村" in messages[2]
    assert messages[3] == "区划代码990102001099不存在"
    assert "六类" in messages[4]


def test_duplicates_within_the_rows_and_registered_numbers(users, make_patient):
    existing = make_patient()
    number = id_for()
    checked = services_bulk.check_registrations(users["doctor"], [
        Registration(2, _base(id_number=number)),
        Registration(3, _base(id_number=number, name="李重复")),
        Registration(4, _base(id_number=existing.id_number)),
        Registration(5, _base()),
    ])
    assert [(p.line, p.field) for p in checked.problems] == [(3, "id_number")]
    assert checked.problems[0].message == "与第2行的身份证号重复"
    assert checked.skipped == [(4, REGISTERED)]
    assert "辖区" not in REGISTERED and "甲村" not in REGISTERED  # never where
    assert checked.lines == [2, 5]


def test_write_creates_files_guardians_history_schedule_and_one_audit_row(users):
    actor = users["vdoc"]
    rows = [Registration(i, _base(), {"name": "王监护", "relation": "parent", "phone": "13900004321"} if i % 2 else None)
            for i in range(2, 12)]
    checked = services_bulk.check_registrations(actor, rows)
    assert checked.ok
    done = services_bulk_write.bulk_register_patients(actor, checked, batch_size=4)
    assert done.created == 10 and len(done.ids) == 10
    patients = Patient.objects.filter(pk__in=done.ids)
    assert patients.count() == 10
    assert Guardian.objects.filter(patient__in=patients).count() == 5
    assert StatusChange.objects.filter(patient__in=patients, note="建档（台账导入）").count() == 10
    assert DueItem.objects.filter(patient__in=patients).exists()
    first = patients.order_by("pk").first()
    assert first.registered_on == TODAY and first.created_by == actor and first.version == 1
    assert first.next_due_date is not None
    # encrypted at rest, found through the blind index
    assert set(disclosure.registered_later([p.id_number for p in checked.patients])()) == {
        p.id_number for p in checked.patients
    }
    event = AuditEvent.objects.get(action="import", outcome="ok")
    assert event.detail["created"] == 10 and event.detail["patient_ids"] == id_ranges(done.ids)


def test_a_number_registered_meanwhile_refuses_the_whole_write(users, make_patient):
    numbers = [id_for() for _ in range(3)]
    checked = services_bulk.check_registrations(users["doctor"], [Registration(i + 2, _base(id_number=n))
                                                              for i, n in enumerate(numbers)])
    assert checked.ok and len(checked.patients) == 3
    make_patient(id_number=numbers[1])  # registered by someone else between the check and the write
    with pytest.raises(errors.Conflict, match="导入期间"):
        services_bulk_write.bulk_register_patients(users["doctor"], checked, batch_size=2)
    assert Patient.objects.count() == 1  # all or nothing


def test_only_roles_that_register_patients_may_check_or_write(users):
    for role in ("cadre", "police", "office", "county", "civil", "judicial", "admin"):
        with pytest.raises(errors.Forbidden):
            services_bulk.check_registrations(users[role], [Registration(2, _base())])
    assert AuditEvent.objects.filter(action="import", outcome="denied").count() == 7


def test_write_refuses_rows_not_checked_for_this_user(users):
    checked = services_bulk.check_registrations(users["doctor"], [Registration(2, _base())])
    with pytest.raises(errors.Invalid):
        services_bulk_write.bulk_register_patients(users["vdoc"], checked)
    bad = services_bulk.check_registrations(users["doctor"], [Registration(2, _base(name="王"))])
    with pytest.raises(errors.Invalid):
        services_bulk_write.bulk_register_patients(users["doctor"], bad)
    assert Patient.objects.count() == 0


def test_id_ranges():
    assert id_ranges([]) == []
    assert id_ranges([5, 1, 2, 3, 7, 8]) == [[1, 3], [5, 5], [7, 8]]
