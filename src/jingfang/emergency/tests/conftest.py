"""Fixtures of the emergency-access tests: 丙患者 lives in 丙村 (西镇): outside the jurisdiction of the
东镇 doctor, village doctor and police; 丁患者 lives in 丁村 of the neighbouring county."""

import datetime as dt
import json

import pytest
from django.utils import timezone

from jingfang.accounts.services import issue_token
from jingfang.emergency.models import Grant

REASON = "村民报警称患者在集市持刀，现场需了解监护人和既往情况"


@pytest.fixture
def bing(make_patient):
    return make_patient("990102002001", name="丙患者")


@pytest.fixture
def ding(make_patient):
    return make_patient("990103001001", name="丁患者")


@pytest.fixture
def west_office(make_user):
    """The township office of 西镇 (丙患者's township)."""
    return make_user("township_office", "t2")


def ask(client, user, patient_or_number, category="incident", reason=REASON, follow=False):
    """POST the 紧急查阅 form as ``user``."""
    client.force_login(user)
    number = patient_or_number if isinstance(patient_or_number, str) else patient_or_number.id_number
    return client.post("/emergency/", {"id_number": number, "category": category, "reason": reason}, follow=follow)


def expire(grant):
    """Move a grant into the past (as if its hours had run out)."""
    past = timezone.now() - dt.timedelta(minutes=1)
    Grant.objects.filter(pk=grant.pk).update(started_at=past - dt.timedelta(hours=grant.hours), expires_at=past)


class Api:
    def __init__(self, client, user):
        self.client, self.headers = client, {"HTTP_AUTHORIZATION": f"Bearer {issue_token(user)}"}

    def __call__(self, method, url, body=None):
        if body is None:
            return getattr(self.client, method)(url, **self.headers)
        return getattr(self.client, method)(url, data=json.dumps(body), content_type="application/json",
                                            **self.headers)
