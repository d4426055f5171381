"""Encrypted fields and blind indexes in the ORM (core/fields.py): values read back as plain text,
exact lookups go through the index, other lookups are refused, every write path fills the index."""

import datetime as dt

import pytest
from django.core.exceptions import FieldError
from django.db import IntegrityError, connection, transaction

from conftest import id_for
from jingfang.core import crypto, errors
from jingfang.registry import disclosure, selectors
from jingfang.registry import services as registry_services
from jingfang.registry.models import Guardian, Patient
from jingfang.screening.models import Lead

pytestmark = pytest.mark.django_db


def raw(model, pk, *columns):
    q = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(q(c) for c in columns)} FROM {q(model._meta.db_table)} WHERE id = %s", [pk])
        return cursor.fetchone()


@pytest.fixture
def patient(make_patient):
    return make_patient(phone="138 0000 1234", guardian={"name": "王监护", "relation": "parent", "phone": "13900004321"})


def test_stored_encrypted_read_back_plain(patient):
    stored_id, stored_phone, index = raw(Patient, patient.pk, "id_number", "phone", "id_number_index")
    assert stored_id.startswith("v1:test1:") and patient.id_number not in stored_id
    assert "1234" not in stored_phone
    assert index == crypto.blind_index(patient.id_number, "id_number")
    fresh = Patient.objects.get(pk=patient.pk)
    assert (fresh.id_number, fresh.phone) == (patient.id_number, "13800001234")
    assert list(Patient.objects.filter(pk=patient.pk).values_list("id_number", "phone")) == [
        (patient.id_number, "13800001234")
    ]
    assert Guardian.objects.get(patient=patient).phone == "13900004321"


@pytest.mark.parametrize("spelling", ["{n}", "{n_lower}", " {n} ", "{n_full}"])
def test_exact_lookup_by_id_number_goes_through_the_index(patient, spelling):
    n = patient.id_number
    full = n.translate(str.maketrans("0123456789X", "０１２３４５６７８９Ｘ"))
    value = spelling.format(n=n, n_lower=n.lower(), n_full=full)
    assert list(Patient.objects.filter(id_number=value)) == [patient]


def test_in_lookup_and_misses(patient, make_patient):
    other = make_patient(name="李另一", id_number=id_for(dt.date(1975, 1, 2), "F"))
    found = Patient.objects.filter(id_number__in=[patient.id_number, other.id_number, id_for()])
    assert set(found) == {patient, other}
    assert not Patient.objects.filter(id_number=id_for()).exists()
    assert not Patient.objects.filter(id_number__in=[]).exists()
    assert set(disclosure.registered_later([patient.id_number, id_for()])()) == {patient.id_number}


def test_phone_lookups_normalise_and_cross_relations(patient):
    assert list(Patient.objects.filter(phone="138-0000-1234")) == [patient]
    assert list(Patient.objects.filter(phone="+86 13800001234")) == [patient]
    assert list(Patient.objects.filter(guardians__phone="139 0000 4321")) == [patient]
    assert not Patient.objects.filter(phone="13900004321").exists()


def test_blank_values_match_exact_empty(make_patient, patient):
    silent = make_patient(name="赵无电", phone="", id_number=id_for(dt.date(1970, 3, 4)))
    assert raw(Patient, silent.pk, "phone", "phone_index") == ("", None)
    assert list(Patient.objects.filter(phone="")) == [silent]
    assert list(Patient.objects.exclude(phone="")) == [patient]


@pytest.mark.parametrize("lookup", ["icontains", "startswith", "gt", "contains", "iexact", "regex"])
def test_other_lookups_are_refused_naming_the_field(patient, lookup):
    with pytest.raises(FieldError, match=f"加密字段 Patient.id_number 不能按“{lookup}”查询"):
        list(Patient.objects.filter(**{f"id_number__{lookup}": "9901"}))


def test_fields_without_index_and_expressions_are_refused(patient):
    from django.db.models import F

    with pytest.raises(FieldError, match="Lead.phone 没有盲索引"):
        list(Lead.objects.filter(phone="13800001234"))
    with pytest.raises(FieldError, match="只能与给定的值比较"):
        list(Patient.objects.filter(phone=F("village_contact_phone")))


def test_search_by_full_id_number_and_by_phone_finds_the_patient(patient, users):
    county = users["county"]
    assert list(selectors.search(county, q=patient.id_number.lower())) == [patient]
    assert list(selectors.search(county, q="13800001234")) == [patient]
    assert list(selectors.search(county, q="13900004321")) == [patient]  # the guardian's phone
    assert not selectors.search(county, q="13800009999").exists()


def test_a_second_registration_with_the_same_id_number_is_refused(patient, make_patient):
    with pytest.raises(errors.Conflict) as exc:
        make_patient(name="王重复", id_number=patient.id_number.lower())
    assert "身份证号码已登记" in exc.value.errors[0].message
    assert Patient.objects.filter(id_number=patient.id_number).count() == 1


def test_the_database_refuses_a_duplicate_index(patient):
    clone = Patient.objects.get(pk=patient.pk)
    clone.pk = None
    with pytest.raises(IntegrityError), transaction.atomic():
        clone.save()


def test_save_with_update_fields_and_bulk_create_fill_the_index(patient):
    patient.phone = "13700007777"
    patient.save(update_fields=["phone"])
    assert raw(Patient, patient.pk, "phone_index") == (crypto.blind_index("13700007777", "phone"),)
    assert list(Patient.objects.filter(phone="13700007777")) == [patient]

    made = Guardian.objects.bulk_create([Guardian(patient=patient, name="李二", relation="sibling", phone="13600006666")])
    stored, index = raw(Guardian, made[0].pk, "phone", "phone_index")
    assert crypto.is_encrypted(stored) and index == crypto.blind_index("13600006666", "phone")
    assert Patient.objects.filter(guardians__phone="13600006666").exists()


def test_queryset_update_encrypts(patient):
    Patient.objects.filter(pk=patient.pk).update(village_contact_phone="13500005555")
    assert crypto.is_encrypted(raw(Patient, patient.pk, "village_contact_phone")[0])
    assert Patient.objects.get(pk=patient.pk).village_contact_phone == "13500005555"


def test_queryset_update_and_bulk_update_keep_the_index_in_step(patient):
    """Django runs neither without pre_save; IndexedModel's queryset fills the index itself, through
    the model's manager and through related managers alike."""
    Patient.objects.filter(pk=patient.pk).update(phone="137 0000 1111")
    assert raw(Patient, patient.pk, "phone_index") == (crypto.blind_index("13700001111", "phone"),)
    assert list(Patient.objects.filter(phone="13700001111")) == [patient]
    Patient.objects.filter(pk=patient.pk).update(phone="")
    assert raw(Patient, patient.pk, "phone_index") == (None,)  # no number, no index

    guardian = Guardian.objects.create(patient=patient, name="李二", relation="sibling", phone="13600006666")
    patient.guardians.filter(pk=guardian.pk).update(phone="13600007777")
    assert Patient.objects.filter(guardians__phone="13600007777").exists()
    assert not Patient.objects.filter(guardians__phone="13600006666").exists()

    guardian.phone, patient.phone = "13600008888", "13700002222"
    Guardian.objects.bulk_update([guardian], ["phone"])
    Patient.objects.bulk_update([patient], ["phone", "address"])
    assert list(Patient.objects.filter(guardians__phone="13600008888")) == [patient]
    assert list(Patient.objects.filter(phone="13700002222")) == [patient]


def test_queryset_update_refuses_an_expression_for_an_indexed_field(patient):
    from django.db.models import F

    with pytest.raises(FieldError, match="不能用表达式"):
        Patient.objects.filter(pk=patient.pk).update(phone=F("village_contact_phone"))


def test_revisions_mask_changed_phones(patient, users):
    registry_services.update_patient(
        users["doctor"], patient, {"phone": "13711112222", "village_contact_phone": "13733334444"},
        version=patient.version,
    )
    changes = patient.revisions.get().changes
    assert changes["phone"][1] == "137****2222"
    assert changes["village_contact_phone"][1] == "137****4444"


def test_undecryptable_value_fails_loudly(patient, settings):
    settings.JINGFANG_FIELD_KEYS = f"other={crypto.generate_key()}"
    with pytest.raises(crypto.DecryptionError, match="数据由字段密钥 test1 加密，但未配置此密钥"):
        Patient.objects.get(pk=patient.pk)
