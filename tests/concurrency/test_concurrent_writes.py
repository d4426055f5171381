"""50 concurrent API clients recording follow-ups and editing the same few patients for a bounded time
(PostgreSQL only: real concurrent connections and row locks).

Afterwards every accepted write is there and nothing else: the follow-ups stored equal the accepted
ones (count and checksum), each patient's version moved on once per accepted write, its address is
the one of the last accepted edit, every refused edit got 409 and left no trace, and the audit hash
chain still verifies.
"""

import hashlib
import os
import random
import threading
import time
from collections import Counter

import pytest
from django.db import connection, connections
from django.test import Client

from jingfang.core import clock

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql",
                       reason="needs PostgreSQL: SQLite serialises every writer, so nothing here would run concurrently"),
]

CLIENTS = 50
SECONDS = float(os.environ.get("JINGFANG_CONCURRENCY_SECONDS", "12"))
PATIENTS = 6  # few patients, so that edits collide often


def checksum(rows) -> str:
    return hashlib.sha256("\n".join(f"{a}|{b}|{c}" for a, b, c in sorted(rows)).encode()).hexdigest()


def followup_body(token: str) -> dict:
    return {"date": clock.today().isoformat(), "mode": "home_visit", "risk_level": 0, "insight": "full",
            "social_function": "good", "adherence": "regular", "adverse_reaction": "none",
            "physical_illness": "none", "notes": token}


class Worker(threading.Thread):
    def __init__(self, n: int, token: str, patient_ids: list[int], deadline: float):
        super().__init__(name=f"client-{n}")
        self.n, self.auth, self.patient_ids, self.deadline = n, f"Bearer {token}", patient_ids, deadline
        self.rng = random.Random(n)
        self.followups: list[tuple[int, int, str]] = []  # (followup id, patient id, token) accepted
        self.edits: list[tuple[int, int, str]] = []  # (patient id, new version, address) accepted
        self.refused: list[tuple[int, str]] = []  # (patient id, address) refused with 409
        self.unexpected: list[str] = []

    def run(self):
        client = Client(HTTP_AUTHORIZATION=self.auth)
        try:
            k = 0
            while time.monotonic() < self.deadline:
                k += 1
                pid = self.rng.choice(self.patient_ids)
                token = f"c{self.n}-{k}"
                if self.rng.random() < 0.4:
                    self.record(client, pid, token)
                else:
                    self.edit(client, pid, token)
        except Exception as exc:  # noqa: BLE001 - reported by the test
            self.unexpected.append(repr(exc))
        finally:
            connections.close_all()

    def record(self, client, pid, token):
        r = client.post(f"/api/v1/patients/{pid}/followups", followup_body(token), content_type="application/json")
        if r.status_code == 201:
            self.followups.append((r.json()["id"], pid, token))
        else:
            self.unexpected.append(f"follow-up {r.status_code} {r.content[:200]!r}")

    def edit(self, client, pid, token):
        """Read, then save with the version read; refused (409), read again and retry, as a user would."""
        for attempt in range(4):
            got = client.get(f"/api/v1/patients/{pid}")
            if got.status_code != 200:
                self.unexpected.append(f"read {got.status_code}")
                return
            version = got.json()["version"]
            address = f"地址{token}-{attempt}"
            r = client.patch(f"/api/v1/patients/{pid}", {"address": address, "version": version},
                             content_type="application/json")
            if r.status_code == 200:
                self.edits.append((pid, r.json()["version"], address))
                return
            if r.status_code != 409:
                self.unexpected.append(f"edit {r.status_code} {r.content[:200]!r}")
                return
            body = r.json()
            if body.get("current_version", 0) <= version:
                self.unexpected.append(f"409 without a newer version: {body}")
            self.refused.append((pid, address))


def test_concurrent_followups_and_edits_keep_every_accepted_write(users, make_patient):
    from jingfang.accounts.services import issue_token
    from jingfang.audit.chain import verify_chain
    from jingfang.followups.models import FollowUp
    from jingfang.registry.models import Patient, Revision

    patients = [make_patient("990102001001" if i % 2 else "990102001002", name="并发" + "甲乙丙丁戊己"[i])
                for i in range(PATIENTS)]
    ids = [p.pk for p in patients]
    before = {p.pk: (p.version, p.address) for p in (Patient.objects.get(pk=q.pk) for q in patients)}
    tokens = [issue_token(users["doctor"]) for _ in range(CLIENTS)]
    deadline = time.monotonic() + SECONDS
    workers = [Worker(n, tokens[n], ids, deadline) for n in range(CLIENTS)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout=SECONDS + 120)
    assert not any(w.is_alive() for w in workers), "a client did not finish"

    unexpected = [u for w in workers for u in w.unexpected]
    assert not unexpected, unexpected[:5]
    followups = [f for w in workers for f in w.followups]
    edits = [e for w in workers for e in w.edits]
    refused = [r for w in workers for r in w.refused]
    print(f"\n{len(followups)} follow-ups, {len(edits)} edits accepted, {len(refused)} refused")
    assert followups and edits and refused, (len(followups), len(edits), len(refused))  # it did collide

    # Every accepted follow-up is stored, and nothing else: count and checksum.
    stored = list(FollowUp.objects.filter(patient_id__in=ids).values_list("id", "patient_id", "notes"))
    assert len(stored) == len(followups)
    assert checksum(stored) == checksum(followups)

    accepted = Counter(pid for pid, _, _ in edits) + Counter(pid for _, pid, _ in followups)
    for pid in ids:
        p = Patient.objects.get(pk=pid)
        # One version per accepted write (edits and follow-ups both move the version on).
        assert p.version == before[pid][0] + accepted[pid]
        mine = sorted((v, a) for q, v, a in edits if q == pid)
        # The address is the one of the last accepted edit: never silently overwritten.
        assert p.address == (mine[-1][1] if mine else before[pid][1])
        # Each accepted edit left its revision at its version; versions were never handed out twice.
        revisions = dict(Revision.objects.filter(patient_id=pid).values_list("version", "changes"))
        for version, address in mine:
            assert revisions[version]["address"][1] == address
        assert len({v for v, _ in mine}) == len(mine)

    # A refused edit left no trace anywhere.
    refused_addresses = {a for _, a in refused}
    assert not Patient.objects.filter(pk__in=ids, address__in=refused_addresses).exists()
    changed_to = {c["address"][1] for c in Revision.objects.filter(patient_id__in=ids).values_list("changes", flat=True)
                  if "address" in c}
    assert not changed_to & refused_addresses
    assert changed_to == {a for _, _, a in edits}

    ok, rows, broken, message = verify_chain()
    assert ok, message
