"""The daily limit of 紧急查阅 look-ups (JINGFANG_EMERGENCY_PER_DAY): every look-up by a valid whole ID
number counts, found or not, so that nobody can test number after number to learn who is a registered
patient; past the limit the request is refused (429) before anything is looked up, and audited."""

import datetime as dt

import pytest
from django.utils import timezone

from jingfang.audit.models import AuditEvent
from jingfang.core import errors
from jingfang.emergency import services
from jingfang.emergency.models import Grant, Lookup

from .conftest import REASON, Api, ask

pytestmark = pytest.mark.django_db
UNKNOWN = "990102199001011237"  # a valid checksum, nobody's number


def _request(user, number):
    return services.request_access(user, {"id_number": number, "category": "incident", "reason": REASON})


@pytest.mark.parametrize(("limit", "earlier", "allowed"), [
    (3, 0, True),
    (3, 2, True),
    (3, 3, False),  # found or not, each look-up counts
    (1, 1, False),
    (0, 50, True),  # 0: no limit
])
def test_the_limit_counts_the_last_24_hours_of_look_ups(users, bing, settings, limit, earlier, allowed):
    settings.JINGFANG_EMERGENCY_PER_DAY = limit
    doctor = users["doctor"]
    Lookup.objects.bulk_create([Lookup(user=doctor, found=i % 2 == 0) for i in range(earlier)])
    if allowed:
        assert _request(doctor, bing.id_number).kind == "granted"
    else:
        with pytest.raises(errors.TooMany) as caught:
            _request(doctor, bing.id_number)
        assert caught.value.status == 429 and f"24小时内已紧急查阅{limit}次" in str(caught.value)
        assert not Grant.objects.exists()
        assert Lookup.objects.count() == earlier  # refused before the look-up: not counted again
        row = AuditEvent.objects.get(action="emergency_request", outcome="denied")
        assert row.detail == {"reason": "daily_limit", "category": "incident"} and row.patient_id is None


def test_not_found_counts_invalid_input_does_not_and_a_day_later_it_is_allowed_again(users, bing, settings):
    settings.JINGFANG_EMERGENCY_PER_DAY = 2
    police = users["police"]
    for _ in range(2):
        with pytest.raises(services.NotFound):
            _request(police, UNKNOWN)
    with pytest.raises(errors.Invalid):  # a bad checksum is refused before any look-up, limit or not
        _request(police, UNKNOWN[:-1] + "0")
    with pytest.raises(errors.TooMany):
        _request(police, bing.id_number)
    assert list(Lookup.objects.order_by("pk").values_list("found", flat=True)) == [False, False]
    assert _request(users["doctor"], bing.id_number).kind == "granted"  # another user has a limit of their own
    Lookup.objects.filter(user=police).update(at=timezone.now() - dt.timedelta(hours=24, minutes=1))
    assert _request(police, bing.id_number).kind == "granted"


def test_the_page_and_the_api_answer_429_with_the_reason(client, users, bing, settings):
    settings.JINGFANG_EMERGENCY_PER_DAY = 1
    doctor = users["doctor"]
    assert ask(client, doctor, UNKNOWN).status_code == 404
    page = ask(client, doctor, bing)
    assert page.status_code == 429
    assert "24小时内已紧急查阅1次，达到上限" in page.content.decode() and not Grant.objects.exists()
    r = Api(client, doctor)("post", "/api/v1/emergency/grants",
                            {"id_number": bing.id_number, "category": "incident", "reason": REASON})
    assert r.status_code == 429 and "达到上限" in r.json()["errors"][0]["message"]
    assert not Grant.objects.exists() and Lookup.objects.count() == 1  # only the first look-up happened
