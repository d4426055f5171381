"""Fixtures of the care tests: patients in 甲村 (v11, vdoc's village) and 乙村 (v12, outside vdoc's
village, outside doctor2's township and outside outsider's county), a full team, and helpers."""

import datetime as dt

import pytest

from jingfang.core import clock
from jingfang.registry.models import Patient

TODAY = clock.today()


def backdate(patient, days: int):
    Patient.objects.filter(pk=patient.pk).update(registered_on=TODAY - dt.timedelta(days=days))
    patient.refresh_from_db()
    return patient


def full_team(users, guardian_name="王监护"):
    """A team with every role required by 中梁乡2022、平桥区2025 (leader, township doctor, police, guardian)."""
    return [
        {"role": "leader", "name": "李组长", "phone": "13700000001", "unit": "甲村党支部"},
        {"role": "township_doctor", "name": "张医生", "phone": "13700000002", "unit": "东镇卫生院",
         "user_id": users["doctor"].pk},
        {"role": "police", "name": "赵民警", "phone": "13700000003", "unit": "东镇派出所", "user_id": users["police"].pk},
        {"role": "guardian", "name": guardian_name, "phone": "13900004321"},
    ]


@pytest.fixture
def patient(make_patient):
    """甲村 (990102001001), registered 400 days ago."""
    return backdate(make_patient("990102001001", name="甲患者"), 400)


@pytest.fixture
def other(make_patient):
    """乙村 (990102001002): outside vdoc's village, doctor2's township and outsider's county."""
    return backdate(make_patient("990102001002", name="乙患者"), 400)


def set_policy(code: str, policy: str) -> None:
    from jingfang.followups import engine
    from jingfang.regions.models import Region

    Region.objects.filter(code=code).update(policy=policy)
    engine.clear_caches()
