"""40 concurrent requests by one user against a daily limit of 10: the limit is never overspent.

- The "registered elsewhere?" quota (registry.disclosure, JINGFANG_DISCLOSURE_PER_DAY): 40 lead reports
  through the API, each with its own ID number, some of them registered in another county: exactly 10
  numbers are answered, 30 get 需县级核实; the same number asked by 40 requests at once costs once.
- The 紧急查阅 limit (JINGFANG_EMERGENCY_PER_DAY): 40 concurrent grant requests give exactly 10 look-ups
  and 30 refusals (429).

PostgreSQL only: real concurrent connections and row locks (SQLite serialises every writer).
"""

import datetime as dt
import threading
from collections import Counter

import pytest
from django.db import connection, connections
from django.test import Client

from jingfang.accounts.services import issue_token
from jingfang.core import idnumber

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql",
                       reason="needs PostgreSQL: SQLite serialises every writer, so nothing here would run concurrently"),
]

REQUESTS = 40
LIMIT = 10
V11 = "990102001001"
REASON = "村民报警称患者在集市持刀，现场需了解监护人和既往情况"


def number(n: int) -> str:
    return idnumber.make("110101", dt.date(1970, 1, 1) + dt.timedelta(days=n), 2 * n + 1, "M")


def run_at_once(token: str, bodies: list[tuple[str, dict]]) -> list:
    """POST every (url, body) from its own thread and connection, all released together."""
    start = threading.Barrier(len(bodies))
    out: list = [None] * len(bodies)

    def work(i, url, body):
        try:
            client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
            start.wait()
            r = client.post(url, body, content_type="application/json")
            out[i] = (r.status_code, r.json())
        except Exception as exc:  # noqa: BLE001 - reported by the test
            out[i] = ("error", repr(exc))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=(i, url, body)) for i, (url, body) in enumerate(bodies)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    return out


@pytest.fixture
def elsewhere(make_patient):
    """Ten patients of the neighbouring county (outside the 东镇 doctor's jurisdiction)."""
    return [make_patient("990103001001", name="丁远方", id_number=number(5000 + i)).id_number for i in range(10)]


def test_forty_concurrent_look_ups_spend_exactly_the_quota(users, elsewhere, settings):
    from jingfang.audit.models import AuditEvent
    from jingfang.registry.models import Disclosure

    settings.JINGFANG_DISCLOSURE_PER_DAY = LIMIT
    doctor = users["doctor"]
    numbers = elsewhere + [number(i) for i in range(REQUESTS - len(elsewhere))]
    lead = {"name": "李疑似", "region_code": V11, "signs": [3], "source": "door_to_door"}
    out = run_at_once(issue_token(doctor), [("/api/v1/leads", {**lead, "id_number": n}) for n in numbers])
    assert not [o for o in out if o[0] == "error"], out
    assert Disclosure.objects.filter(user=doctor).count() == LIMIT
    told = AuditEvent.objects.filter(target="registration_check:lead_duplicates", outcome="ok").count()
    unverified = AuditEvent.objects.filter(target="registration_check:lead_duplicates", outcome="denied").count()
    assert (told, unverified) == (LIMIT, REQUESTS - LIMIT)
    statuses = Counter(status for status, _ in out)
    # a told, registered number is a duplicate (409); everything else is reported (201)
    refused = [body for status, body in out if status == 409]
    assert statuses[201] + statuses[409] == REQUESTS and len(refused) <= LIMIT
    assert all(b["duplicates"][0]["message"] == "该身份证号已在其他辖区建档" for b in refused)
    unverified_notes = sum(1 for status, body in out if status == 201 and "需县级核实" in str(body))
    assert unverified_notes == 0  # a created lead's answer holds no duplicate list at all


def test_the_same_number_asked_forty_times_at_once_costs_once(users, elsewhere, settings):
    from jingfang.registry.models import Disclosure

    settings.JINGFANG_DISCLOSURE_PER_DAY = LIMIT
    doctor = users["doctor"]
    lead = {"name": "李疑似", "region_code": V11, "signs": [3], "source": "door_to_door", "id_number": elsewhere[0]}
    out = run_at_once(issue_token(doctor), [("/api/v1/leads", lead)] * REQUESTS)
    assert Counter(status for status, _ in out) == {409: REQUESTS}, out[:3]
    assert Disclosure.objects.filter(user=doctor).count() == 1


def test_forty_concurrent_emergency_requests_make_exactly_the_limit_of_look_ups(users, make_patient, settings):
    from jingfang.emergency.models import Grant, Lookup

    settings.JINGFANG_EMERGENCY_PER_DAY = LIMIT
    police = users["police"]
    bing = make_patient("990102002001", name="丙患者")
    bodies = [("/api/v1/emergency/grants", {"id_number": bing.id_number if i % 2 else number(i),
                                            "category": "incident", "reason": REASON}) for i in range(REQUESTS)]
    out = run_at_once(issue_token(police), bodies)
    assert not [o for o in out if o[0] == "error"], out
    statuses = Counter(status for status, _ in out)
    assert statuses[429] == REQUESTS - LIMIT and Lookup.objects.filter(user=police).count() == LIMIT
    assert statuses[429] + sum(statuses[s] for s in (200, 201, 404)) == REQUESTS, statuses
    assert Grant.objects.filter(user=police).count() == 1  # an active grant is reused, even at once
