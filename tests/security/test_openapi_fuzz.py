"""The API under generated input (schemathesis on /api/openapi.json through the WSGI app), sent by a county
supervisor and by a township doctor (each with an API token), on the permission matrix's world:
every answer passes every schemathesis check (the CLI's ``--checks all``): no server error, every status,
content type, header and body as the document declares them, input the document calls invalid refused,
input it calls valid accepted (with the exclusions below, each explained). Bounded and derandomized: the
same examples every run. Also: the OpenAPI document names each schema once (two classes of the same name
would silently describe one operation with the other's fields).
"""

import collections
import traceback
import typing

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import got_request_exception, request_finished, request_started
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck, Phase
from hypothesis import settings as hypothesis_settings
from pydantic import BaseModel
from schemathesis.checks import CHECKS, load_all_checks, positive_data_acceptance
from schemathesis.config import SchemathesisConfig

from jingfang.accounts import roles
from jingfang.api import api

pytestmark = pytest.mark.django_db

SENDERS = (roles.COUNTY_SUPERVISOR, roles.TOWNSHIP_DOCTOR)
# Per operation and generation mode (valid and invalid input), each sent by both SENDERS. The checks
# cost little beside the requests: all of them take about as long as not_a_server_error alone did
# (~3 minutes per database on the shared 2-core machine).
EXAMPLES = 10
# The schema's own examples and random generation, with a fixed seed. The coverage phase (every boundary
# of every parameter) is left out: unbounded by max_examples, it takes ten times as long.
CONFIG = {"seed": 20261128, "phases": {"coverage": {"enabled": False}}}


load_all_checks()
ALL_CHECKS = list(CHECKS.get_all())

# positive_data_acceptance (ST202: input the document calls valid must not be answered 400/422) is left
# out for these operations: what they accept depends on rules no JSON Schema can state, so a generated,
# schema-valid body is refused with a 422 naming the field, as it should be. Every other check still runs
# on them, and negative_data_rejection (input the document calls invalid must be refused) on all.
DATA_DEPENDENT = {
    # Region codes must exist and lie in the caller's jurisdiction; ID numbers carry a check digit;
    # names are 2 to 50 Chinese characters or letters; patients must be in the caller's jurisdiction.
    "POST /api/v1/patients": "ID number check digit, known region codes in jurisdiction, name rules",
    "POST /api/v1/leads": "known village in jurisdiction; birth date and sex required without an ID number",
    "POST /api/v1/report-cards": "patient name rules",
    "POST /api/v1/releases": "a name is required when no record has the ID number",
    "POST /api/v1/meetings": "known region code in jurisdiction",
    "POST /api/v1/inspections": "a township in the caller's jurisdiction",
    "GET /api/v1/relief-applications": "region_code a code of the region scheme (its level by its trailing zeros)",
    "POST /api/v1/transfers/{id}/accept": "village_code one of the receiving township's villages",
    "POST /api/v1/emergency/grants": "ID number check digit; a reason of at least 10 characters of text",
    "POST /api/v1/offline/paper/resolve": "a paper form's code carries a check character (offline/paper_code.py)",
    # Dates: the phases of a campaign must all be given and in order; a table only for a month that ended.
    "POST /api/v1/campaigns": "phase dates given, in order",
    "POST /api/v1/exchange-tables": "only a month that has ended",
    # Days from 1900-01-01 to 2100-12-31 (core.days); JSON Schema cannot bound a date.
    "GET /api/v1/worklist": "on within 1900-2100",
    "GET /api/v1/kpis": "start and end within 1900-2100, end not before start",
    "GET /api/v1/kpis/ranking": "start and end within 1900-2100, end not before start",
    "GET /api/v1/kpis/trend": "end within 1900-2100",
    # Money (yuan): at most 12 digits with 2 decimals, which JSON Schema cannot state for a decimal that
    # may be sent as a number or a string.
    "POST /api/v1/incidents": "money amount digits",
    "POST /api/v1/patients/{id}/benefits": "money amount digits",
    "PATCH /api/v1/benefits/{id}": "money amount digits",
    "POST /api/v1/relief-applications/{id}/approve": "money amount digits",
    "POST /api/v1/relief-applications/{id}/admit": "money amount digits",
    "PUT /api/v1/relief-funds/{county_code}/{year}": "money amount digits",
    # Workforce register: the region must lie in the caller's jurisdiction (a township for a township
    # health centre); a training's date not in the future, its hours at most one decimal; left_on not
    # before started.
    "POST /api/v1/workforce/institutions": "known region code in jurisdiction, of the kind's level",
    "POST /api/v1/workforce/staff/{id}/trainings": "date not in the future; hours with one decimal",
    "POST /api/v1/workforce/institutions/{id}/staff": "left_on not before started",
    "PATCH /api/v1/workforce/staff/{id}": "left_on not before started",
    # Accountability: the target region must lie in the caller's jurisdiction at the unit's level; linked
    # incidents and reports in the target's township; a closing needs its text and the current version.
    "POST /api/v1/accountability/measures": "known region code in jurisdiction, of the unit's level; kind's facts",
    "POST /api/v1/accountability/measures/{id}/close": "closing text given; the version read",
    # Community rehabilitation: a township (or county) in the caller's jurisdiction; the county's own form
    # named when the form is "other", a closing date exactly when closed, dates not in the future; an
    # enrolment's facility among the caller's and operating, its start not before the file; attendance
    # in a month of the enrolment; an end not before the start.
    "POST /api/v1/rehab/facilities": "known township in jurisdiction; kind_other, closed_on with the status",
    "PATCH /api/v1/rehab/facilities/{id}": "kind_other, closed_on with the status; dates not in the future",
    "POST /api/v1/rehab/teams": "known county or township in jurisdiction; formed_on not in the future",
    "POST /api/v1/rehab/teams/{id}/members": "left_on not before joined_on",
    "GET /api/v1/rehab/enrolments": "region_code a code of the region scheme (its level by its trailing zeros)",
    "POST /api/v1/rehab/enrolments": "the caller's operating facility; start not before the file, not in the future",
    "POST /api/v1/rehab/enrolments/{id}/attendance": "a YYYY-MM month of the enrolment, days within the month",
    "POST /api/v1/rehab/enrolments/{id}/end": "end not before the start, not in the future",
    "POST /api/v1/cost-episodes": "money amount digits; payments never beyond the total; the patient's admitted relief",
    "PATCH /api/v1/cost-episodes/{id}": "money amount digits; payments never beyond the total",
    "GET /api/v1/cost-episodes": "region_code a code of the region scheme (its level by its trailing zeros)",
    "GET /api/v1/cost-burden": "region_code a code of the region scheme (its level by its trailing zeros)",
    # Uploads: the file must be a readable xlsx, the mapping a JSON object of our fields to their columns.
    "POST /api/v1/reconciliations": "an xlsx file and a JSON mapping",
    "POST /api/v1/imports/patients": "an xlsx file",
}


@pytest.fixture
def api_schema(matrix, settings):
    """Loaded from the running app (the document a client gets), then called through the WSGI app, which
    must not close the test's database connection at each request (as Django's test client does)."""
    # As in production: the audit log scrubs an ID-number-like run of digits (e.g. a 30-digit id sent
    # in a URL) instead of refusing it, which it does in tests to catch code that writes one.
    settings.JINGFANG_AUDIT_STRICT = False
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield schemathesis.openapi.from_wsgi("/api/openapi.json", WSGIHandler(),
                                             config=SchemathesisConfig.from_dict(CONFIG))
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


schema = schemathesis.pytest.from_fixture("api_schema")


@pytest.fixture
def server_errors():
    """Tracebacks of exceptions raised while handling a request (shown when a 500 is found)."""
    found = []

    def keep(sender, request=None, **kwargs):
        found.append(traceback.format_exc())

    got_request_exception.connect(keep, weak=False)
    yield found
    got_request_exception.disconnect(keep)


@schema.parametrize()
@hypothesis_settings(max_examples=EXAMPLES, derandomize=True, deadline=None, database=None,
          phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
def test_every_answer_is_as_documented(case, matrix, server_errors):
    for role in SENDERS:
        headers = {"Authorization": f"Bearer {matrix['tokens'][role]}"}
        excluded = [positive_data_acceptance] if case.operation.label in DATA_DEPENDENT else []
        # What a generated write changes is rolled back, also what the checks that send the request
        # again (ignored_auth: without the token) change.
        with transaction.atomic():
            response = case.call(headers=headers)
            if response.status_code >= 500 and server_errors:
                print(server_errors[-1])  # noqa: T201 - shown with the failure
            try:
                case.validate_response(response, checks=ALL_CHECKS, excluded_checks=excluded, headers=headers)
            finally:
                transaction.set_rollback(True)


def _routers(parent):
    for entry in parent._routers:
        yield entry[1]
        yield from _routers(entry[1])


def _schema_classes() -> dict[str, set[type]]:
    """Every pydantic model an operation reads or returns, by the name its schema gets in the document."""
    found: dict[str, set[type]] = collections.defaultdict(set)
    seen: set = set()

    def visit(t):
        if isinstance(t, type) and issubclass(t, BaseModel) and t not in seen:
            seen.add(t)
            if t.__module__.startswith("jingfang."):  # not ninja's own per-operation wrappers
                found[t.__name__].add(t)
            for f in t.model_fields.values():
                visit(f.annotation)
        for arg in typing.get_args(t):
            visit(arg)

    for router in _routers(api):
        for path_view in router.path_operations.values():
            for op in path_view.operations:
                for model in op.models:
                    for f in model.model_fields.values():
                        visit(f.annotation)
                for model in (op.response_models or {}).values():
                    visit(model)
    return found


def test_no_two_schemas_share_a_name():
    clashes = {name: sorted(f"{c.__module__}.{c.__qualname__}" for c in classes)
               for name, classes in _schema_classes().items()
               if len(classes) > 1 and len({str(c.model_json_schema()) for c in classes}) > 1}
    assert clashes == {}, "rename one of each pair: the OpenAPI document keeps only the last one"


# What the generated input found, kept as plain regression tests.
FOUND = [
    ("GET", "/api/v1/inspections?region_code=%00S.", 404),  # a NUL reached the audit row (PostgreSQL refuses it)
    ("GET", "/api/v1/relief-funds?year=-104588677561", 422),  # smallint overflow; a fund made for any year
    ("PUT", "/api/v1/relief-funds/990102000000/99999", 422),
    ("GET", "/api/v1/campaigns/3987209088675704256677202100224/persons", 404),  # beyond any id
    ("POST", "/api/v1/exports/requests/259703864368740503353378592420167417856/decide", 404),
    ("POST", "/api/v1/patients/1378297611052316884992/reveal", 404),  # SQLite: OverflowError in a grant lookup
]


@pytest.mark.parametrize("method,url,status", FOUND)
def test_inputs_that_once_were_server_errors(matrix, settings, method, url, status):
    settings.JINGFANG_AUDIT_STRICT = False  # as in production (see api_schema)
    from .test_permission_matrix import _request

    body = {"decision": "approve"} if "decide" in url else {"budget_yuan": "1000"} if method == "PUT" else None
    response, _ = _request(matrix, roles.COUNTY_SUPERVISOR, method, url, api_call=True, body=body)
    assert response is not None and response.status_code == status, response and response.content[:200]
