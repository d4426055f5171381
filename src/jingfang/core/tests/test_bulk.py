"""core.bulk.insert writes what save() would (encrypted values, blind indexes, JSON, dates, automatic
timestamps, foreign keys) and reserves ids that were never used, also after the last row was deleted."""

import datetime as dt
from types import SimpleNamespace

import pytest

from jingfang.core import bulk
from jingfang.followups.models import DueItem
from jingfang.jobs.models import Job
from jingfang.registry import selectors
from jingfang.registry.models import Guardian

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
