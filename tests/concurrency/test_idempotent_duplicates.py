"""Two copies of one follow-up sent at the same time with the same Idempotency-Key (a phone that retried
while its first attempt was still being written) store one visit: the second waits for the first's
transaction and is answered with its reply (PostgreSQL only: real concurrent connections).
"""

import threading
import time
from unittest import mock

import pytest
from django.db import connection, connections
from django.test import Client

from jingfang.core import clock

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql",
                       reason="needs PostgreSQL: SQLite serialises every writer, so nothing here would overlap"),
]

HOLD = 1.5  # seconds the first request keeps its transaction open after starting to write


def test_a_concurrent_duplicate_waits_and_gets_the_first_answer(users, make_patient):
    from jingfang.accounts.services import issue_token
    from jingfang.audit.models import AuditEvent
    from jingfang.followups import services
    from jingfang.followups.models import FollowUp

    patient = make_patient("990102001001", name="并发甲")
    token = issue_token(users["vdoc"])
    body = {"date": clock.today().isoformat(), "mode": "home_visit", "risk_level": 0, "insight": "full",
            "social_function": "good", "adherence": "regular", "adverse_reaction": "none",
            "physical_illness": "none", "notes": "同一次随访"}
    writing = threading.Event()
    record = services.record_followup

    def slow_record(*args, **kwargs):
        result = record(*args, **kwargs)
        writing.set()
        time.sleep(HOLD)  # still inside the request's transaction: not committed yet
        return result

    answers: dict[str, tuple] = {}

    def send(name):
        try:
            client = Client(HTTP_AUTHORIZATION=f"Bearer {token}", HTTP_IDEMPOTENCY_KEY="phone-visit-1")
            started = time.monotonic()
            r = client.post(f"/api/v1/patients/{patient.pk}/followups", body, content_type="application/json")
            answers[name] = (r.status_code, r.json(), r.get("Idempotent-Replayed"), time.monotonic() - started)
        finally:
            connections.close_all()

    with mock.patch.object(services, "record_followup", slow_record):
        first = threading.Thread(target=send, args=("first",))
        first.start()
        assert writing.wait(30), "the first request did not start writing"
        second = threading.Thread(target=send, args=("second",))
        second.start()
        first.join(60)
        second.join(60)

    (s1, b1, r1, _), (s2, b2, r2, waited) = answers["first"], answers["second"]
    assert s1 == s2 == 201
    assert b1 == b2
    assert r1 is None and r2 == "true"
    assert waited > HOLD / 3  # it waited for the first one's commit rather than writing alongside it
    assert FollowUp.objects.filter(patient=patient).count() == 1
    assert AuditEvent.objects.filter(action="create", outcome="ok", patient_id=patient.pk,
                                     target__startswith="followup:").count() == 1
