"""Shared test fixtures: a small region tree (two townships in one county) and one user per role."""

import datetime as dt
import os

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

PASSWORD = "Test@Pass-2026"


def _test_key(label: str) -> str:
    import base64
    import hashlib

    return base64.b64encode(hashlib.sha256(f"jingfang test {label}".encode()).digest()).decode()


# Fixed field-encryption keys for tests (jingfang.core.crypto); never used outside them.
TEST_FIELD_KEYS = f"test1={_test_key('field key 1')}"
TEST_INDEX_KEY = _test_key("index key 1")
TEST_AUDIT_KEY = _test_key("audit key 1")


@pytest.fixture(autouse=True, scope="session")
def _field_keys():
    from django.conf import settings

    from jingfang.core import crypto

    settings.JINGFANG_FIELD_KEYS, settings.JINGFANG_INDEX_KEY = TEST_FIELD_KEYS, TEST_INDEX_KEY
    settings.JINGFANG_AUDIT_KEY = TEST_AUDIT_KEY
    settings.JINGFANG_INDEX_KEY_OLD = settings.JINGFANG_KEY_FILE = ""
    settings.JINGFANG_DEV_KEYS = False
    crypto.reset()


@pytest.fixture(autouse=True)
def _audit_checkpoints(settings, tmp_path_factory):
    """Each test its own audit checkpoint file (audit/checkpoints.py): its database is its own too."""
    settings.JINGFANG_AUDIT_CHECKPOINT_FILE = str(tmp_path_factory.mktemp("audit") / "audit-checkpoints.log")


@pytest.fixture(autouse=True)
def _fast_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fresh_policy_caches():
    """Region -> profile lookups are cached for a minute; each test starts from its own database."""
    from jingfang.followups import engine

    engine.clear_caches()
    yield
    engine.clear_caches()


@pytest.fixture
def tree(db):
    from jingfang.regions.models import Region

    def add(code, name, parent=None, population=0):
        from jingfang.regions import codes

        return Region.objects.create(
            code=code, name=name, level=codes.level_of(code), parent=parent, population=population
        )

    prov = add("990000000000", "测试省")
    city = add("990100000000", "测试市", prov)
    county = add("990102000000", "测试县", city, 60000)
    t1 = add("990102001000", "东镇", county, 30000)
    t2 = add("990102002000", "西镇", county, 30000)
    v11 = add("990102001001", "甲村", t1, 3000)
    v12 = add("990102001002", "乙村", t1, 3000)
    v21 = add("990102002001", "丙村", t2, 3000)
    other_county = add("990103000000", "邻县", city, 50000)
    t3 = add("990103001000", "北镇", other_county, 20000)
    v31 = add("990103001001", "丁村", t3, 2000)
    return {
        "province": prov, "city": city, "county": county, "t1": t1, "t2": t2,
        "v11": v11, "v12": v12, "v21": v21, "other_county": other_county, "t3": t3, "v31": v31,
    }


@pytest.fixture
def make_user(tree):
    from jingfang.accounts.models import User

    def make(role, region_key_or_code, username=None):
        region = tree.get(region_key_or_code) or tree["county"]
        if region_key_or_code not in tree:
            from jingfang.regions.models import Region

            region = Region.objects.get(code=region_key_or_code)
        username = username or f"{role}_{region.code}"
        user = User.objects.create_user(username=username, password=PASSWORD, role=role, region=region)
        user.first_name = "测试"
        user.save()
        return user

    return make


@pytest.fixture
def users(make_user):
    """One user per role: health staff at the first township and its first village, supervisor at county."""
    return {
        "county": make_user("county_supervisor", "county"),
        "office": make_user("township_office", "t1"),
        "doctor": make_user("township_doctor", "t1"),
        "doctor2": make_user("township_doctor", "t2"),
        "vdoc": make_user("village_doctor", "v11"),
        "cadre": make_user("village_cadre", "v11"),
        "police": make_user("police", "t1"),
        "civil": make_user("civil_affairs", "t1"),
        "dpf": make_user("dpf", "t1"),
        "judicial": make_user("judicial", "t1"),
        "admin": make_user("admin", "county"),
        "secadmin": make_user("security_admin", "county"),
        "auditor": make_user("audit_admin", "county"),
        "outsider": make_user("township_doctor", "t3"),
    }


_seq = {"n": 0}


def id_for(birth=dt.date(1980, 5, 17), sex="M"):
    from jingfang.core import idnumber

    _seq["n"] += 2
    return idnumber.make("990102", birth, _seq["n"], sex)


def patient_data(region_code="990102001001", **over):
    data = {
        "name": "王测试",
        "id_number": id_for(),
        "phone": "13800001234",
        "region_code": region_code,
        "household_region_code": region_code,
        "address": "甲村3组12号",
        "diagnosis": "schizophrenia",
        "diagnosis_date": "2015-03-01",
        "status": "at_home",
    }
    data.update(over)
    return data


@pytest.fixture
def make_patient(users, make_user):
    """Register a patient through the service, as a township doctor of the patient's township."""
    from jingfang.accounts.models import User
    from jingfang.registry import services

    def make(region_code="990102001001", guardian=None, **over):
        township = region_code[:9] + "000"
        creator = User.objects.filter(role="township_doctor", region_id=township).first() or make_user(
            "township_doctor", township
        )
        return services.create_patient(
            creator,
            patient_data(region_code, **over),
            guardian=guardian or {"name": "王监护", "relation": "parent", "phone": "13900004321"},
        )

    return make
