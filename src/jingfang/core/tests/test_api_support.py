"""The API's paging bounds and error answers: declared in the OpenAPI document, and the answers match it
(L9; the page-size cap of M8)."""

import json

import jsonschema_rs
import pytest
from django.conf import settings
from django.test import Client

from jingfang.accounts.services import issue_token
from jingfang.core import api_support, errors

pytestmark = pytest.mark.django_db

ERROR_STATUSES = {"400", "401", "403", "404", "409", "422", "429"}


@pytest.fixture(scope="module")
def document():
    from jingfang.api import api

    return json.loads(json.dumps(api.get_openapi_schema()))


def _resolve(document, schema):
    while isinstance(schema, dict) and "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def _operations(document):
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            yield f"{method.upper()} {path}", method, operation


def _inputs(document, operation) -> dict:
    """Every input of an operation by name: its query/path parameters and its JSON body's properties."""
    found = {p["name"]: p["schema"] for p in operation.get("parameters", [])}
    body = (operation.get("requestBody") or {}).get("content", {}).get("application/json", {}).get("schema")
    found |= _resolve(document, body or {}).get("properties", {})
    return found


def _integer_branch(schema) -> dict:
    """The integer alternative of a parameter that may also be sent empty or null."""
    for branch in schema.get("anyOf", [schema]):
        if branch.get("type") == "integer":
            return branch
        if "anyOf" in branch:
            return _integer_branch(branch)
    raise AssertionError(f"no integer in {schema}")


def _is_list(document, operation) -> bool:
    ok = operation["responses"].get("200", {}).get("content", {}).get("application/json", {}).get("schema", {})
    return "count" in _resolve(document, ok).get("properties", {}) and "items" in _resolve(document, ok)["properties"]


# The document -----------------------------------------------------------------------------------
def test_the_cap_is_100():
    assert settings.JINGFANG_MAX_PAGE_SIZE == api_support.MAX_PAGE_SIZE == 100


def test_every_list_declares_its_page_bounds(document):
    lists = [(label, op) for label, _, op in _operations(document) if _is_list(document, op)]
    assert len(lists) >= 20
    # Pages of rows that are not personal data and are bounded by the policy (KPI definitions, regions).
    unpaged = {"GET /api/v1/kpis", "GET /api/v1/kpis/ranking"}
    for label, operation in lists:
        if label in unpaged:
            continue
        inputs = _inputs(document, operation)
        assert "page" in inputs and "page_size" in inputs, label
        assert _integer_branch(inputs["page"]).get("minimum") == 1, label
        size = _integer_branch(inputs["page_size"])
        assert (size.get("minimum"), size.get("maximum")) == (1, 100), label


def test_every_operation_declares_its_error_answers_with_one_schema(document):
    for label, method, operation in _operations(document):
        responses = operation["responses"]
        expected = set()
        if operation.get("security"):
            expected |= {"401", "403", "404"} | ({"409"} if method != "get" else set())
        if operation.get("parameters") or operation.get("requestBody"):
            expected.add("422")
        if operation.get("requestBody"):
            expected.add("400")
        assert expected <= set(responses), (label, sorted(expected - set(responses)))
        for status in ERROR_STATUSES & set(responses):
            schema = responses[status]["content"]["application/json"]["schema"]
            assert schema == {"$ref": "#/components/schemas/ApiError"}, (label, status)
            assert responses[status]["description"] == api_support.ERROR_ANSWERS[int(status)]


def test_the_token_operation_declares_its_own_errors(document):
    """Signing in for a token: 401 for wrong credentials, 403 for an expired password (its only
    answer besides the password page), 429 for a paused address; never a conflict."""
    responses = document["paths"]["/api/v1/auth/token"]["post"]["responses"]
    assert {"200", "400", "401", "403", "422", "429"} <= set(responses) and "409" not in responses


# The answers ------------------------------------------------------------------------------------
def _call(client, user, method, url, body=None):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {issue_token(user)}"}
    if body is None:
        return getattr(client, method)(url, **headers)
    return getattr(client, method)(url, data=body, content_type="application/json", **headers)


@pytest.mark.parametrize("url,field", [
    ("/api/v1/patients?page=0", "page"),
    ("/api/v1/patients?page_size=0", "page_size"),
    ("/api/v1/patients?page_size=101", "page_size"),
    ("/api/v1/patients?page=x", "page"),
    ("/api/v1/jobs?page_size=500", "page_size"),
    ("/api/v1/benefit-gaps?page=-1", "page"),  # parameters of the handler itself, not of a query schema
    ("/api/v1/relief-applications?page_size=101", "page_size"),
    ("/api/v1/worklist?page_size=101", "page_size"),
    ("/api/v1/care/directory?page=0", "page"),
])
def test_out_of_range_paging_is_a_422_naming_the_parameter(client, users, document, url, field):
    r = _call(client, users["county"], "get", url)
    assert r.status_code == 422, r.content
    assert [e["field"] for e in r.json()["errors"]] == [field]
    message = r.json()["errors"][0]["message"]
    assert message.startswith(f"{field}：") and ("页码" in message or "每页条数应为1至100" in message)


def test_the_search_body_has_the_same_bounds(client, users):
    r = _call(client, users["doctor"], "post", "/api/v1/patients/search", {"page_size": 101})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "page_size"
    assert _call(client, users["doctor"], "post", "/api/v1/patients/search", {"page_size": 100}).status_code == 200


def test_the_largest_page_and_blank_paging_are_accepted(client, users, make_patient):
    for _ in range(3):
        make_patient()
    r = _call(client, users["doctor"], "get", "/api/v1/patients?page_size=100")
    assert r.status_code == 200 and r.json()["count"] == 3 and len(r.json()["items"]) == 3
    r = _call(client, users["doctor"], "get", "/api/v1/patients?page=&page_size=")
    assert r.status_code == 200 and len(r.json()["items"]) == 3
    r = _call(client, users["doctor"], "get", "/api/v1/patients?page=2&page_size=2")
    assert r.status_code == 200 and r.json()["count"] == 3 and len(r.json()["items"]) == 1


def test_lists_that_were_whole_are_paged(client, users, make_patient):
    """The worklist returned every item at once: now a page of them, the count still that of all."""
    for _ in range(3):
        make_patient()
    whole = _call(client, users["doctor"], "get", "/api/v1/worklist").json()
    assert whole["count"] >= 3
    paged = _call(client, users["doctor"], "get", "/api/v1/worklist?page_size=1&page=2").json()
    assert paged["count"] == whole["count"] and paged["items"] == whole["items"][1:2]


@pytest.mark.parametrize("page,size,expected", [
    (None, None, (1, 50)), (3, 100, (3, 100)), (1, 1, (1, 1)),
])
def test_page_bounds(page, size, expected):
    assert api_support.page_bounds(page, size) == expected


@pytest.mark.parametrize("page,size,field", [(0, None, "page"), (1, 0, "page_size"), (1, 101, "page_size")])
def test_page_bounds_refuse(page, size, field):
    with pytest.raises(errors.Invalid) as caught:
        api_support.page_bounds(page, size)
    assert caught.value.errors[0].field == field


def test_error_bodies_match_the_declared_schema(client, users, document):
    """A 403 of each shape (a service's refusal, an HTTP error), a 404, a 422 of ours and of the
    validation, a 400 and a 401: each body validates against ApiError."""
    schema = dict(_resolve(document, {"$ref": "#/components/schemas/ApiError"}))
    schema["components"] = document["components"]
    validator = jsonschema_rs.validator_for(schema)
    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.force_login(users["doctor"])  # the session, without the CSRF token
    answers = [
        (403, _call(client, users["doctor"], "get", "/api/v1/exports/queue")),  # errors.Forbidden
        (403, csrf_client.post("/api/v1/patients/search", data={}, content_type="application/json")),  # HttpError
        (404, _call(client, users["doctor"], "get", "/api/v1/patients/999999999")),
        (422, _call(client, users["doctor"], "get", "/api/v1/patients?page=0")),
        (422, _call(client, users["doctor"], "post", "/api/v1/patients/search", {"nope": 1})),
        (400, client.post("/api/v1/patients/search", data="{", content_type="application/json",
                          HTTP_AUTHORIZATION=f"Bearer {issue_token(users['doctor'])}")),
        (401, client.get("/api/v1/patients", HTTP_AUTHORIZATION="Bearer nonsense")),
    ]
    for status, response in answers:
        assert response.status_code == status, (status, response.content)
        body = response.json()
        assert validator.is_valid(body), (status, body)
        assert "detail" in body or "errors" in body
    assert not validator.is_valid({"something": "else"})
    assert not validator.is_valid({"errors": [{"field": 1}]})
