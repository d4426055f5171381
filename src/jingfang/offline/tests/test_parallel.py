"""The same sync sent twice at the same time (two tabs, or a retry while the first is still being
written) stores the visit once: the second insert of (user, client id) waits for the first's
transaction and answers with its result (PostgreSQL only: real concurrent connections)."""

import json
import threading
import time
from unittest import mock

import pytest
from django.db import connection, connections
from django.test import Client

from .conftest import visit

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql",
                       reason="needs PostgreSQL: SQLite serialises every writer, so nothing here would overlap"),
]

HOLD = 1.5  # seconds the first request keeps its transaction open after writing the visit


def test_parallel_repeat_writes_once(users, make_patient):
    from jingfang.audit.models import AuditEvent
    from jingfang.followups import services
    from jingfang.followups.models import FollowUp
    from jingfang.offline.models import OfflineEntry

    patient = make_patient("990102001001", name="并发甲")
    body = json.dumps({"visits": [visit(patient)], "roll_calls": []})
    writing = threading.Event()
    record = services.record_followup

    def slow_record(*args, **kwargs):
        result = record(*args, **kwargs)
        writing.set()
        time.sleep(HOLD)  # still inside the sync's transaction: not committed yet
        return result

    answers: dict[str, tuple] = {}

    def send(name):
        try:
            client = Client()
            client.force_login(users["vdoc"])
            started = time.monotonic()
            r = client.post("/api/v1/offline/sync", body, content_type="application/json")
            answers[name] = (r.status_code, r.json()["results"], time.monotonic() - started)
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

    (s1, r1, _), (s2, r2, waited) = answers["first"], answers["second"]
    assert s1 == s2 == 200
    assert r1 == r2 and r1[0]["status"] == "applied"
    assert waited > HOLD / 3  # it waited for the first one's commit rather than writing alongside it
    assert FollowUp.objects.filter(patient=patient).count() == 1
    assert OfflineEntry.objects.count() == 1
    assert AuditEvent.objects.filter(action="create", outcome="ok", patient_id=patient.pk,
                                     target__startswith="followup:").count() == 1
