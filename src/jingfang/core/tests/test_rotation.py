"""Key rotation (`jingfang rotate_keys`) and the migrations that encrypt existing clear values."""

import io
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from conftest import TEST_FIELD_KEYS, TEST_INDEX_KEY
from jingfang.core import crypto, rekey
from jingfang.exchange.models import ReconciliationLine, ReconciliationRun
from jingfang.registry.models import Guardian, Patient

pytestmark = pytest.mark.django_db

NEW_FIELD, NEW_INDEX = crypto.generate_key(), crypto.generate_key()


def raw_values(model, *columns):
    q = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(q(c) for c in columns)} FROM {q(model._meta.db_table)} ORDER BY id")
        return cursor.fetchall()


def rotate(*args) -> str:
    out = io.StringIO()
    call_command("rotate_keys", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def stored(make_patient, users):
    patients = [make_patient(name=f"王{c}", phone=f"1380000{i:04d}",
                             guardian={"name": "李监护", "relation": "parent", "phone": f"1390000{i:04d}"},
                             id_number=_id(i)) for i, c in enumerate("甲乙丙丁戊")]
    run = ReconciliationRun.objects.create(township_id="990102001000", department="police", rows=[{"cells": ["x"]}])
    ReconciliationLine.objects.create(run=run, kind="theirs_only", theirs={"id_number": patients[0].id_number})
    return patients


def _id(i):
    import datetime as dt

    from conftest import id_for

    return id_for(dt.date(1970 + i, 1, 1 + i))


def test_rotate_both_keys_then_drop_the_old_ones(stored, settings):
    settings.JINGFANG_FIELD_KEYS = f"k2={NEW_FIELD},{TEST_FIELD_KEYS}"
    settings.JINGFANG_INDEX_KEY, settings.JINGFANG_INDEX_KEY_OLD = NEW_INDEX, TEST_INDEX_KEY
    # Before the rotation: old values read, lookups find rows indexed under either key.
    assert Patient.objects.get(id_number=stored[0].id_number) == stored[0]
    with pytest.raises(CommandError, match="仍使用旧密钥或旧盲索引"):
        rotate("--check")

    out = rotate("--batch", "2")
    assert "registry.Patient：2/5 行，已更新 2 行" in out and "registry.Patient：5/5 行，已更新 5 行" in out
    assert "现在可以从配置中移除旧字段密钥（test1）和 JINGFANG_INDEX_KEY_OLD" in out
    assert "全部数据已使用当前密钥" in rotate("--check")
    assert "已更新 0 行" in rotate()  # a second run changes nothing

    settings.JINGFANG_FIELD_KEYS, settings.JINGFANG_INDEX_KEY_OLD = f"k2={NEW_FIELD}", ""
    for token, phone in raw_values(Patient, "id_number", "phone"):
        assert crypto.key_id_of(token) == "k2" and crypto.key_id_of(phone) == "k2"
    assert {p.id_number for p in Patient.objects.all()} == {p.id_number for p in stored}
    assert Patient.objects.get(id_number=stored[3].id_number.lower()) == stored[3]
    assert Patient.objects.get(phone="13800000002") == stored[2]
    assert Patient.objects.get(guardians__phone="139-0000-0004") == stored[4]
    assert ReconciliationLine.objects.get().theirs == {"id_number": stored[0].id_number}


def test_a_value_under_a_missing_key_stops_the_rotation_and_changes_nothing(stored, settings):
    before = raw_values(Patient, "id_number", "phone", "id_number_index")
    settings.JINGFANG_FIELD_KEYS = f"k2={NEW_FIELD}"  # test1 forgotten
    with pytest.raises(CommandError, match=r"数据由字段密钥 test1 加密，但未配置此密钥.*。未做任何修改"):
        rotate()
    assert raw_values(Patient, "id_number", "phone", "id_number_index") == before


def test_new_key_prints_a_fresh_key():
    key = rotate("--new-key").strip()
    assert crypto.parse_field_keys(f"x={key}")["x"] != crypto.parse_field_keys(f"x={rotate('--new-key').strip()}")["x"]


def test_migration_encrypts_existing_clear_values_and_reverses(stored):
    """What migration registry 0005 does to an existing install (clear columns, no index), and back."""
    editor = SimpleNamespace(connection=connection)
    forward, backward = rekey.migration_functions("registry.Patient", "registry.Guardian")
    numbers = [p.id_number for p in stored]

    backward(apps, editor)
    rows = raw_values(Patient, "id_number", "id_number_index", "phone", "phone_index")
    assert [r[0] for r in rows] == numbers and {r[1] for r in rows} == {None} and rows[0][2] == "13800000000"
    assert raw_values(Guardian, "phone")[0] == ("13900000000",)

    forward(apps, editor)
    rows = raw_values(Patient, "id_number", "id_number_index")
    assert all(crypto.is_encrypted(t) and n not in t for (t, _), n in zip(rows, numbers, strict=True))
    assert [r[1] for r in rows] == [crypto.blind_index(n, "id_number") for n in numbers]
    assert Patient.objects.get(id_number=numbers[1]).phone == "13800000001"
    assert Patient.objects.filter(guardians__phone="13900000003").get() == stored[3]
    forward(apps, editor)  # idempotent: nothing left to do
    assert raw_values(Patient, "id_number_index") == [(crypto.blind_index(n, "id_number"),) for n in numbers]


def test_every_model_with_identifiers_is_covered():
    labels = {s.label for s in rekey.all_specs()}
    assert labels >= {
        "registry.Patient", "registry.Guardian", "screening.Lead", "screening.Person", "intake.ReportCard",
        "intake.ReleaseNotice", "care.TeamMember", "support.ReliefApplication", "exchange.ReconciliationRun",
        "exchange.ReconciliationLine",
    }
