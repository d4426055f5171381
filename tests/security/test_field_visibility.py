"""Field visibility and mass assignment (issue 7 item 1), on the permission matrix's world.

- The clinical markers planted in the world's patients are visible to health roles (so the matrix's
  leak check, which looks for them in every answer to every other role, can see them at all).
- A KPI drill-down and a patient search answer the township office and the police without them.
- Every JSON request body of the API refuses unknown keys: in the OpenAPI document
  (additionalProperties false, nested objects too) and in fact (422 naming the key, nothing written).
"""

import json

import pytest

from jingfang.accounts import roles

from . import route_table, world
from .test_permission_matrix import OPERATIONS, _api_body, _leaks, _request, _request_schema, _url

pytestmark = pytest.mark.django_db

WRITES = sorted(k for k, (method, _path) in OPERATIONS.items() if method != "GET" and _request_schema(k)
                and _request_schema(k)[0] == "application/json")


def test_the_markers_are_there_for_health_roles(matrix):
    patient = matrix["inside"]["patient"]
    for role in (roles.TOWNSHIP_DOCTOR, roles.COUNTY_SUPERVISOR):
        response, got = _request(matrix, role, "GET", f"/api/v1/patients/{patient.pk}", api_call=True)
        assert got == "allow" and response.json()["diagnosis"] == "schizophrenia"
        assert world.CLINICAL_MARKERS[0] in response.content.decode()
    response, _ = _request(matrix, roles.TOWNSHIP_DOCTOR, "GET", f"/patients/{patient.pk}/", api_call=False)
    assert world.CLINICAL_MARKERS[0] in response.content.decode()
    assert _leaks(response), "the leak check must notice clinical data where it is"


@pytest.mark.parametrize("role", [roles.TOWNSHIP_OFFICE, roles.POLICE, roles.CIVIL_AFFAIRS, roles.VILLAGE_CADRE])
def test_searches_and_drill_downs_carry_no_clinical_field(matrix, role):
    patient = matrix["inside"]["patient"]
    search, got = _request(matrix, role, "POST", "/api/v1/patients/search", api_call=True, body={"q": patient.name})
    assert got == "allow" and patient.pk in {i["id"] for i in search.json()["items"]}
    assert _leaks(search) == []
    if role in route_table.STATS:
        drill, got = _request(matrix, role, "GET", f"/stats/kpis/management/patients/?region={patient.region_id}",
                              api_call=False)
        assert got == "allow" and patient.name in drill.content.decode()
        assert _leaks(drill) == []


def _objects(schema: dict, where: str):
    """(path, schema) of every object schema inside a request schema."""
    from .test_permission_matrix import COMPONENTS

    if "$ref" in schema:
        yield from _objects(COMPONENTS[schema["$ref"].rsplit("/", 1)[-1]], where)
        return
    if schema.get("type") == "object" or "properties" in schema:
        yield where, schema
        for name, sub in schema.get("properties", {}).items():
            yield from _objects(sub, f"{where}.{name}")
    for combo in ("allOf", "anyOf", "oneOf"):
        for sub in schema.get(combo, []):
            yield from _objects(sub, where)
    if "items" in schema:
        yield from _objects(schema["items"], f"{where}[]")


def test_every_json_body_refuses_unknown_keys_in_the_document():
    assert len(WRITES) > 40
    loose = [f"{key}: {where}" for key in WRITES for where, schema in _objects(_request_schema(key)[1], "body")
             if schema.get("additionalProperties") is not False and schema.get("properties")]
    assert loose == [], "use core.api_support.ClosedSchema for these inputs"


@pytest.mark.parametrize("key", WRITES)
def test_an_unknown_key_is_refused(matrix, key):
    """Sent by a role the table allows, on the object inside its jurisdiction: 422 naming the key."""
    rule = route_table.API[key]
    role = next((r for r in roles.ROLES if r in (rule.post or ())), None)
    if role is None or rule.public:
        pytest.skip("nobody may call it, or it is public")
    body = _api_body(matrix, "inside", key, rule)
    body["is_superuser"] = True
    method = OPERATIONS[key][0]
    url = _url(matrix, "api", key, rule, "inside")
    response, got = _request(matrix, role, method, url, api_call=True, body=body)
    assert response.status_code == 422, (role, url, response.content[:300])
    fields = [e.get("field") for e in json.loads(response.content)["errors"]]
    assert "is_superuser" in fields
