"""`jingfang check --deploy` refuses missing, generated or shared field-encryption keys (core/checks.py)."""

import base64
import os

import pytest
from django.core.checks import run_checks
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from jingfang.core import crypto

pytestmark = pytest.mark.django_db  # other deploy checks look at the database

FIELD, INDEX, OTHER = crypto.generate_key(), crypto.generate_key(), crypto.generate_key()


def key_problems():
    return sorted(m.id for m in run_checks(include_deployment_checks=True) if m.id.startswith("core."))


@pytest.fixture
def configured(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    settings.JINGFANG_FIELD_KEYS, settings.JINGFANG_INDEX_KEY = f"k1={FIELD}", INDEX
    settings.JINGFANG_INDEX_KEY_OLD = settings.JINGFANG_KEY_FILE = ""
    settings.JINGFANG_DEV_KEYS = False
    return settings


def test_separate_keys_pass(configured):
    assert key_problems() == []


def test_missing_keys_are_refused(configured):
    configured.JINGFANG_FIELD_KEYS = ""
    assert key_problems() == ["core.E001"]


def test_generated_development_keys_are_refused(configured):
    configured.JINGFANG_FIELD_KEYS, configured.JINGFANG_DEV_KEYS = "", True
    assert key_problems() == ["core.E002"]
    with pytest.raises(SystemCheckError, match="core.E002"):
        call_command("check", "--deploy")


@pytest.mark.parametrize("which", ["field", "index"])
def test_a_key_equal_to_secret_key_is_refused(configured, which):
    configured.SECRET_KEY = FIELD if which == "field" else INDEX
    assert key_problems() == ["core.E003"]


def test_a_key_made_of_the_secret_key_bytes_is_refused(configured):
    configured.SECRET_KEY = "s" * 32
    configured.JINGFANG_FIELD_KEYS = f"k1={base64.b64encode(b's' * 32).decode()}"
    assert key_problems() == ["core.E003"]


def test_index_key_equal_to_a_field_key_is_refused(configured):
    configured.JINGFANG_INDEX_KEY = FIELD
    assert key_problems() == ["core.E004"]


def test_pending_index_rotation_and_readable_key_file_warn(configured, tmp_path):
    configured.JINGFANG_INDEX_KEY_OLD = OTHER
    assert key_problems() == ["core.W001"]
    path = tmp_path / "keys.toml"
    path.write_text(f'field_keys = "k1={FIELD}"\nindex_key = "{INDEX}"\n')
    os.chmod(path, 0o644)
    configured.JINGFANG_FIELD_KEYS, configured.JINGFANG_KEY_FILE = "", str(path)
    assert key_problems() == ["core.W002"]
    os.chmod(path, 0o600)
    assert key_problems() == []


def test_a_missing_audit_key_is_refused(configured):
    configured.JINGFANG_AUDIT_KEY = ""
    assert key_problems() == ["core.E005"]


def test_an_audit_key_in_the_key_file_passes(configured, tmp_path):
    configured.JINGFANG_AUDIT_KEY = ""
    key_file = tmp_path / "prod-keys.toml"
    key_file.write_text(f'field_keys = "k1={FIELD}"\nindex_key = "{INDEX}"\naudit_key = "{OTHER}"\n')
    key_file.chmod(0o600)
    configured.JINGFANG_FIELD_KEYS, configured.JINGFANG_KEY_FILE = "", str(key_file)
    assert key_problems() == []
    assert crypto.load_audit_key().key == base64.b64decode(OTHER)


def test_a_generated_audit_key_is_refused_and_an_old_dev_file_gets_one(configured, tmp_path):
    configured.JINGFANG_AUDIT_KEY, configured.JINGFANG_FIELD_KEYS, configured.JINGFANG_DEV_KEYS = "", "", True
    old = tmp_path / "keys.toml"  # generated before there was an audit key
    old.write_text(f'generated = true\nfield_keys = "dev1={FIELD}"\nindex_key = "{INDEX}"\n')
    old.chmod(0o600)
    assert key_problems() == ["core.E002", "core.E006"]
    assert "audit_key" in (tmp_path / "keys.toml").read_text()
    first = crypto.load_audit_key().key
    assert crypto.load_audit_key().key == first  # added once


@pytest.mark.parametrize("same", ["field", "index", "secret"])
def test_an_audit_key_equal_to_another_key_is_refused(configured, same):
    configured.JINGFANG_AUDIT_KEY = FIELD if same == "field" else INDEX if same == "index" else OTHER
    if same == "secret":
        configured.SECRET_KEY = OTHER
    assert "core.E007" in key_problems()
