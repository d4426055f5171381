"""Parallel requests of one user cannot overshoot the window together (PostgreSQL: real concurrent
connections; the count is taken under a lock on the user's row)."""

import threading

import pytest
from django.db import connection, connections

from jingfang.exports import volume
from jingfang.exports.models import RowTally

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite serialises every writer itself"),
]


def test_parallel_takes_stop_exactly_at_the_threshold(users, settings):
    settings.JINGFANG_EXPORT_APPROVAL_ROWS = 5
    doctor = users["doctor"]
    start, results = threading.Barrier(12), []

    def take():
        try:
            start.wait()
            results.append(volume.take(doctor, 1, channel=volume.API, target="patients"))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=take) for _ in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results.count(None) == 5 and len(results) == 12
    assert volume.used(doctor) == 5 and RowTally.objects.filter(user=doctor).count() == 5
