"""Staff phones are personal data too: stored encrypted like patients' (accounts 0003), read back plain,
and an existing install's clear values are encrypted by the migration and decrypted by its reversal."""

from types import SimpleNamespace

import pytest
from django.apps import apps
from django.db import connection

from jingfang.accounts.models import User
from jingfang.core import crypto, rekey

pytestmark = pytest.mark.django_db


def _stored(user) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT phone FROM accounts_user WHERE id = %s", [user.pk])
        return cursor.fetchone()[0]


def test_a_staff_phone_is_stored_encrypted_and_read_back(users):
    doctor = users["doctor"]
    doctor.phone = "13912345678"
    doctor.save(update_fields=["phone"])
    assert crypto.is_encrypted(_stored(doctor)) and "13912345678" not in _stored(doctor)
    assert User.objects.get(pk=doctor.pk).phone == "13912345678"


def test_the_migration_encrypts_clear_phones_and_its_reversal_decrypts_them(users):
    doctor = users["doctor"]
    User.objects.filter(pk=doctor.pk).update(phone="13912345678")
    forward, backward = rekey.migration_functions("accounts.User")
    editor = SimpleNamespace(connection=connection)
    backward(apps, editor)
    assert _stored(doctor) == "13912345678"  # as an install before 0003 holds it
    forward(apps, editor)
    assert crypto.is_encrypted(_stored(doctor)) and User.objects.get(pk=doctor.pk).phone == "13912345678"
