"""core.bulk.insert writes what save() would (encrypted values, blind indexes, JSON, dates, automatic
timestamps, foreign keys) and reserves ids that were never used, also after the last row was deleted."""

import datetime as dt
from types import SimpleNamespace

import pytest

from jingfang.core import bulk
from jingfang.followups.models import DueItem
from jingfang.jobs.models import Job
from jingfang.registry import selectors
from jingfang.registry.models import Guardian, StatusChange

pytestmark = pytest.mark.django_db


def test_ids_are_reserved_above_every_id_ever_used(users):
    first = bulk.insert(Job, [Job(kind="k", title=f"任务{i}", owner=users["doctor"], params={"i": i}) for i in range(3)],
                        with_ids=True)
    ids = [j.pk for j in first]
    assert ids == sorted(ids) and len(set(ids)) == 3
    Job.objects.filter(pk=ids[-1]).delete()
    again = bulk.insert(Job, [Job(kind="k", title="再来")], with_ids=True)
    assert again[0].pk > ids[-1]  # the deleted row's id is not reused (its audit rows still name it)
    saved = Job.objects.get(pk=ids[0])
    assert saved.params == {"i": 0} and saved.owner == users["doctor"] and saved.created_at is not None
    assert not first[0]._state.adding


def test_encrypted_fields_and_blind_indexes_are_filled(make_patient):
    patient = make_patient()
    bulk.insert(Guardian, [Guardian(patient=patient, name="赵监护", relation="spouse", phone="13912345678")])
    g = Guardian.objects.get(patient=patient, name="赵监护")
    assert g.phone == "13912345678"
    assert Guardian.objects.filter(phone="13912345678").count() == 1  # found through the blind index
    assert selectors.id_numbers_registered([patient.id_number]) == {patient.id_number}


def test_plain_rows_with_attribute_names(make_patient):
    patient = make_patient()
    row = SimpleNamespace(patient_id=patient.pk, region_code=patient.region_id, kind="followup",
                          due_date=dt.date(2026, 5, 1), window_start=dt.date(2026, 4, 20), rule="规则", rule_id="x:y",
                          mode="", escalations=["上报"], notes=[], provisional=False, key_person=True)
    bulk.insert(DueItem, [row])
    item = DueItem.objects.get(patient=patient, rule_id="x:y")
    assert (item.due_date, item.escalations, item.key_person) == (dt.date(2026, 5, 1), ["上报"], True)


def test_build_gives_what_the_constructor_gives():
    from jingfang.registry.models import Patient

    values = {"name": "王建国", "region_id": "990102001001", "birth_date": dt.date(1980, 5, 17), "past_symptoms": []}
    built, made = bulk.build(Patient, values), Patient(**values)
    attrs = {k: v for k, v in built.__dict__.items() if k != "_state"}
    assert attrs == {k: v for k, v in made.__dict__.items() if k != "_state"}
    assert built._state.adding and built._state.db is None and built.pk is None
    other = bulk.build(Patient, values)
    assert other.key_reasons == [] and other.key_reasons is not built.key_reasons  # callable defaults: own values
    guardian = bulk.build(Guardian, {"name": "赵监护", "relation": "spouse", "phone": "13912345678"})
    assert guardian.is_primary is True and guardian.address == "" and guardian.patient_id is None


def test_timestamps_and_json_as_save_would_store_them(make_patient):
    patient = make_patient()
    rows = [SimpleNamespace(patient_id=patient.pk, region_code=patient.region_id, kind="followup",
                            due_date=dt.date(2026, 5, 1), window_start=dt.date(2026, 4, 20), rule="规则",
                            rule_id=f"x:{i}", mode="", escalations=value, notes=[], provisional=False, key_person=False)
            for i, value in enumerate([[], ["上报", "复核"], [{"a": 1}]])]
    bulk.insert(DueItem, rows)
    stored = {d.rule_id: d for d in DueItem.objects.filter(patient=patient, rule_id__startswith="x:")}
    assert [stored[f"x:{i}"].escalations for i in range(3)] == [[], ["上报", "复核"], [{"a": 1}]]
    changes = [SimpleNamespace(patient_id=patient.pk, status="at_home", detail="", since=dt.date(2026, 1, 2),
                               note=f"第{i}条", recorded_by_id=None) for i in range(3)]
    bulk.insert(StatusChange, changes)
    stored = StatusChange.objects.filter(patient=patient, note__startswith="第")
    times = {s.recorded_at for s in stored}
    assert len(stored) == 3 and len(times) == 1 and None not in times  # one time per call
    assert changes[0].recorded_at == times.pop()  # set on the rows, as save() would


def test_dates_and_datetimes_in_date_columns(make_patient):
    patient = make_patient()
    rows = [SimpleNamespace(patient_id=patient.pk, region_code=patient.region_id, kind="followup", due_date=due,
                            window_start=dt.date(2026, 4, 20), rule="规则", rule_id=f"d:{i}", mode="", escalations=[],
                            notes=[], provisional=False, key_person=False)
            for i, due in enumerate([dt.date(2026, 5, 1), dt.datetime(2026, 5, 2, 23, 30)])]
    bulk.insert(DueItem, rows)
    stored = dict(DueItem.objects.filter(patient=patient, rule_id__startswith="d:").values_list("rule_id", "due_date"))
    assert stored == {"d:0": dt.date(2026, 5, 1), "d:1": dt.date(2026, 5, 2)}
