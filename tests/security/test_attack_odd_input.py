"""Odd input that once answered 500: never a 500 on bad input.

- "²" (and the other superscript and circled digits) passes ``str.isdigit()`` but ``int()`` refuses it:
  audit/views.py ``?patient=``, care/selectors.py and care/services_meeting.py ``patient_ids``,
  intake/views_transfers.py ``_patient_from``.
- A patient id beyond 64 bits in ``patient_ids`` reaches ``pk__in`` (OverflowError on SQLite).
- ``/api/v1/kpis/trend?end=0001-01-01`` counts months back past year 1 (stats.periods.add_months).
"""

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def _client(user):
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client


def test_the_audit_log_filtered_by_a_superscript_patient_number(users):
    assert _client(users["auditor"]).get("/audit/", {"patient": "²"}).status_code < 500


@pytest.mark.parametrize("pid", ["²", "9" * 20])
def test_the_meeting_owner_picker_with_an_odd_patient_id(users, pid):
    response = _client(users["doctor"]).get("/care/meetings/owners/", {
        "patient_ids": pid, "region_code": "990102001001", "field": "owner"})
    assert response.status_code == 200


@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize("number", ["²", "①", "99999999999999999999"])
def test_the_transfer_form_with_an_odd_patient_number(users, method, number):
    response = getattr(_client(users["doctor"]), method)("/intake/transfers/new/", {"patient": number})
    assert response.status_code < 500
    assert "患者" in response.content.decode()


def test_the_audit_log_filtered_by_an_id_beyond_64_bits(users):
    assert _client(users["auditor"]).get("/audit/", {"patient": "9" * 15}).status_code == 200


def test_a_meeting_naming_a_patient_id_beyond_64_bits(users):
    response = _client(users["doctor"]).post("/api/v1/meetings", {
        "kind": "team_monthly", "region_code": "990102001001", "date": "2026-12-01",
        "attendees": [{"name": "张三"}], "patient_ids": [2 ** 70]}, content_type="application/json")
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["patient_ids"]


@pytest.mark.parametrize("pid", ["²", "99999999999999999999"])
def test_the_meeting_form_naming_an_odd_patient_id(users, pid):
    response = _client(users["doctor"]).post("/care/meetings/new/", {
        "kind": "team_monthly", "region_code": "990102001001", "date": "2026-12-01",
        "a_rows": "1", "a-0-name": "张三", "patient_ids": pid})
    assert response.status_code == 422
    assert "患者编号应为正整数" in response.content.decode()


@pytest.mark.parametrize("end", ["0001-01-01", "9999-12-31"])
def test_the_kpi_trend_ending_at_the_edges_of_the_calendar(users, end):
    response = _client(users["doctor"]).get("/api/v1/kpis/trend", {"region_code": "990102001000", "end": end})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "end"


@pytest.mark.parametrize("cell", ["²", "②级"])
def test_a_risk_level_cell_in_superscript_reads_as_no_level(cell):
    from jingfang.exchange import matching

    assert matching.risk_of(cell) is None
