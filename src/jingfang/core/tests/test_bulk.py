"""core.bulk.insert writes what save() would (encrypted values, blind indexes, JSON, dates, automatic
timestamps, foreign keys) and reserves ids that were never used, also after the last row was deleted."""

import datetime as dt
import threading
import time
from types import SimpleNamespace

import pytest
from django.db import IntegrityError, connection, transaction

from jingfang.core import bulk
from jingfang.followups.models import DueItem
from jingfang.jobs.models import Job
from jingfang.registry import disclosure
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
    assert set(disclosure.registered_later([patient.id_number])()) == {patient.id_number}


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


def _due(patient_id: int, region: str, rule_id: str) -> SimpleNamespace:
    return SimpleNamespace(patient_id=patient_id, region_code=region, kind="followup", due_date=dt.date(2026, 5, 1),
                           window_start=dt.date(2026, 4, 20), rule="规则", rule_id=rule_id, mode="",
                           escalations=["上报"], notes=[], provisional=False, key_person=False)


def test_copied_behind_stores_every_row_in_order_and_queries_still_work_inside(make_patient):
    patient = make_patient()
    with transaction.atomic():
        with bulk.copied_behind() as behind:
            for start in range(0, 30, 10):
                bulk.insert(DueItem, [_due(patient.pk, patient.region_id, f"b:{i}") for i in range(start, start + 10)])
                # a statement of this thread waits for the copy under way instead of interleaving with it
                assert DueItem.objects.filter(patient=patient).count() >= 0
            bulk.insert(Guardian, [Guardian(patient=patient, name="钱监护", relation="spouse", phone="13800000001")])
        if connection.vendor == "postgresql":
            assert behind.rows == 31
        else:
            assert behind is None  # SQLite runs in this process: nothing to overlap
    rows = list(DueItem.objects.filter(patient=patient, rule_id__startswith="b:").order_by("pk")
                .values_list("rule_id", "escalations"))
    assert rows == [(f"b:{i}", ["上报"]) for i in range(30)]
    assert Guardian.objects.get(phone="13800000001").name == "钱监护"  # encrypted and indexed as insert() does


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the copying thread runs on PostgreSQL only")
def test_copied_behind_reports_the_first_error_and_nothing_is_kept(make_patient):
    patient = make_patient()
    with pytest.raises(IntegrityError) as caught:
        with transaction.atomic(), bulk.copied_behind():
            bulk.insert(DueItem, [_due(patient.pk, patient.region_id, "ok:1")])
            bulk.insert(DueItem, [_due(987654321, patient.region_id, "orphan")])  # no such patient
            bulk.insert(DueItem, [_due(patient.pk, patient.region_id, "ok:2")])  # after the failure
    # the foreign key is checked at the copy (not deferred to commit), and the error reported is the
    # violation itself, not the "transaction aborted" of the copies queued after it
    assert "foreign key" in str(caught.value).lower() or "FOREIGN KEY" in str(caught.value)
    assert not DueItem.objects.filter(patient=patient, rule_id__in=["ok:1", "ok:2", "orphan"]).exists()


def test_copied_behind_is_per_thread():
    import threading

    seen = []
    with transaction.atomic(), bulk.copied_behind():
        worker = threading.Thread(target=lambda: seen.append(dict(bulk._active())))
        worker.start()
        worker.join()
        inside = dict(bulk._active())
    assert seen == [{}]  # another thread's inserts are not routed to this thread's copying
    assert list(inside) == (["default"] if connection.vendor == "postgresql" else [])


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="a no-op elsewhere")
def test_copied_behind_needs_a_transaction():
    with pytest.raises(RuntimeError, match="transaction"), bulk.copied_behind():
        pass


def test_questions_asked_behind_are_answered_before_the_copies_queued_ahead_of_them(make_patient):
    """fetch_behind and reserve_ids_later go before the copies still queued (they ask about rows of
    others and the sequence, which those copies do not change); on SQLite they are answered at once
    (and no ids are reserved ahead: SQLite's reservation counts from the rows already written)."""
    from jingfang.registry.models import Patient

    patient = make_patient()
    gate = threading.Event()
    with transaction.atomic(), bulk.copied_behind() as behind:
        if behind is not None:
            held = _Gate(gate)
            behind.ask(held)  # holds the copying thread until everything below is queued
            assert held.taken.wait(10)
        bulk.insert(DueItem, [_due(patient.pk, patient.region_id, "q:1")])
        mine = bulk.fetch_behind(Patient.objects.filter(pk=patient.pk).values_list("pk", "region_id"))
        none = bulk.fetch_behind(Patient.objects.filter(pk__in=[]).values_list("pk"))
        ahead = bulk.reserve_ids_later(Patient, 3)
        if behind is not None:
            waiting = [item[2] for item in sorted(behind.queue.queue)]
            assert [type(i).__name__ for i in waiting] == ["_Fetch", "_Fetch", "tuple"]  # the copy comes last
            gate.set()
        assert mine.result() == [(patient.pk, patient.region_id)] and none.result() == []
        if behind is None:
            assert ahead is None
        else:
            ids = ahead.result()
            assert len(ids) == 3 and ids == sorted(ids) and min(ids) > patient.pk
    assert DueItem.objects.filter(rule_id="q:1").count() == 1


class _Gate:
    """A queue item that keeps the copying thread waiting (test only)."""

    def __init__(self, event):
        self.event, self.taken = event, threading.Event()

    def run(self, driver, failed):
        self.taken.set()
        self.event.wait(10)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the copying thread runs on PostgreSQL only")
def test_a_question_behind_a_failed_copy_reports_the_copy_s_error(make_patient):
    from jingfang.registry.models import Patient

    patient = make_patient()
    with pytest.raises(IntegrityError), transaction.atomic(), bulk.copied_behind():
        bulk.insert(DueItem, [_due(987654321, patient.region_id, "orphan")])  # no such patient
        time.sleep(0.5)  # the copy fails first
        bulk.fetch_behind(Patient.objects.values_list("pk")).result()
