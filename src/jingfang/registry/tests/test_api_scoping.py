"""Jurisdiction through the API: a patient outside the caller's region does not exist for them."""

import json

import pytest

from jingfang.accounts.services import issue_token
from jingfang.audit.models import AuditEvent
from jingfang.registry.models import Patient, StatusChange

pytestmark = pytest.mark.django_db

MISSING_ID = 987654

# (method, url template, body); version 1 is current for a freshly made patient.
ROUTES = [
    ("get", "/api/v1/patients/{id}", None, "view"),
    ("patch", "/api/v1/patients/{id}", {"version": 1, "address": "越权修改"}, "update"),
    ("post", "/api/v1/patients/{id}/reveal", {}, "reveal"),
    ("post", "/api/v1/patients/{id}/status", {"status": "missing", "version": 1}, "status"),
    ("get", "/api/v1/patients/{id}/status-history", None, "view"),
]
ROUTE_IDS = ["detail", "patch", "reveal", "status", "history"]

# (user key, region code of a patient outside that user's jurisdiction)
OUTSIDERS = [
    ("doctor2", "990102001001"),  # township doctor of township 2, patient in township 1
    ("vdoc", "990102001002"),  # village doctor of 990102001001, patient in the other village
    ("outsider", "990102001001"),  # township doctor in another county
    ("cadre", "990102001002"),  # village cadre of 990102001001
    ("police", "990102002001"),  # township 1 police, patient in township 2
]


def call(client, user, method, url, body):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {issue_token(user)}"}
    if body is None:
        return getattr(client, method)(url, **headers)
    return getattr(client, method)(url, data=json.dumps(body), content_type="application/json", **headers)


@pytest.mark.parametrize("who,region", OUTSIDERS, ids=[o[0] for o in OUTSIDERS])
@pytest.mark.parametrize("method,url,body,action", ROUTES, ids=ROUTE_IDS)
def test_out_of_jurisdiction_is_indistinguishable_from_missing(
    client, users, make_patient, who, region, method, url, body, action
):
    patient = make_patient(region_code=region)
    user = users[who]
    foreign = call(client, user, method, url.format(id=patient.pk), body)
    missing = call(client, user, method, url.format(id=MISSING_ID), body)
    assert foreign.status_code == missing.status_code == 404
    assert foreign.content == missing.content
    assert patient.id_number not in foreign.content.decode() and patient.name not in foreign.content.decode()
    denied = AuditEvent.objects.filter(user_id=user.pk, patient_id=patient.pk, outcome="denied")
    assert denied.filter(action=action).exists()
    assert AuditEvent.objects.filter(user_id=user.pk, target=f"patient:{MISSING_ID}", outcome="not_found").exists()
    fresh = Patient.objects.get(pk=patient.pk)
    assert fresh.version == 1 and fresh.address == "甲村3组12号" and fresh.status == "at_home"
    assert StatusChange.objects.filter(patient=patient).count() == 1


@pytest.mark.parametrize("method,url,body,action", ROUTES, ids=ROUTE_IDS)
def test_inside_jurisdiction_the_same_calls_succeed(client, users, make_patient, method, url, body, action):
    patient = make_patient(region_code="990102001001")
    r = call(client, users["vdoc"], method, url.format(id=patient.pk), body)
    assert r.status_code == 200, r.content
    assert AuditEvent.objects.filter(user_id=users["vdoc"].pk, patient_id=patient.pk, action=action,
                                     outcome="ok").exists()


@pytest.fixture
def spread(make_patient):
    """Two patients in each village of the tree, including the neighbouring county."""
    made = {}
    for code in ["990102001001", "990102001002", "990102002001", "990103001001"]:
        made[code] = {make_patient(region_code=code).pk, make_patient(region_code=code).pk}
    return made


@pytest.mark.parametrize(
    "who,villages",
    [
        ("county", ["990102001001", "990102001002", "990102002001"]),
        ("doctor", ["990102001001", "990102001002"]),
        ("police", ["990102001001", "990102001002"]),
        ("doctor2", ["990102002001"]),
        ("vdoc", ["990102001001"]),
        ("cadre", ["990102001001"]),
        ("outsider", ["990103001001"]),
        ("admin", []),
    ],
)
def test_list_contains_exactly_the_jurisdiction(client, users, spread, who, villages):
    expected = set().union(*(spread[v] for v in villages)) if villages else set()
    r = call(client, users[who], "get", "/api/v1/patients?page_size=100", None)
    assert r.status_code == 200
    assert r.json()["count"] == len(expected)
    assert {i["id"] for i in r.json()["items"]} == expected
    # A filter naming a region outside the jurisdiction widens nothing.
    r = call(client, users[who], "get", "/api/v1/patients?region_code=990103001001&page_size=100", None)
    assert {i["id"] for i in r.json()["items"]} <= expected


def test_search_by_full_id_number_stays_inside(client, users, make_patient):
    foreign = make_patient(region_code="990102002001")
    r = call(client, users["doctor"], "post", "/api/v1/patients/search", {"q": foreign.id_number})
    assert r.json() == {"count": 0, "items": []}
