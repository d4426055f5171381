"""The report-card list has one filtering selector (intake.selectors.report_cards) behind the page, its
export and the API: the same filters give the same cards on each (the API once ignored the dates and
paged in Python after loading every card)."""

import re

from django.db import connection
from django.test.utils import CaptureQueriesContext

from .helpers import api


def _card(client, doctor, name, received_on, kind="onset"):
    r = api(client, doctor, "post", "/api/v1/report-cards", {
        "kind": kind, "hospital": "测试市精神卫生中心", "received_on": received_on, "patient_name": name,
        "address": "甲村"})
    assert r.status_code == 201, r.content
    return r.json()["id"]


def _page_ids(client, doctor, query):
    client.force_login(doctor)
    html = client.get("/intake/reports/?" + query).content.decode()
    return {int(x) for x in re.findall(r'/intake/reports/(\d+)/', html)}


def test_the_page_and_the_api_filter_alike(client, users):
    doctor = users["doctor"]
    early = _card(client, doctor, "孟早期", "2024-03-01")
    middle = _card(client, doctor, "孟中期", "2024-06-15", kind="discharge")
    late = _card(client, doctor, "孟晚期", "2024-09-27")
    body = api(client, doctor, "get", "/api/v1/report-cards?received_from=2024-06-01&received_to=2024-06-30").json()
    assert {c["id"] for c in body["items"]} == {middle} and body["count"] == 1
    assert _page_ids(client, doctor, "from=2024-06-01&to=2024-06-30") == {middle}
    body = api(client, doctor, "get", "/api/v1/report-cards?received_from=2024-06-01").json()
    assert {c["id"] for c in body["items"]} == {middle, late}
    assert _page_ids(client, doctor, "from=2024-06-01") == {middle, late}
    body = api(client, doctor, "get", "/api/v1/report-cards?kind=onset&q=孟").json()
    assert {c["id"] for c in body["items"]} == {early, late}
    assert _page_ids(client, doctor, "kind=onset&q=孟") == {early, late}
    bad = api(client, doctor, "get", "/api/v1/report-cards?received_from=2024-13-01")
    assert bad.status_code == 422 and "received_from" in bad.content.decode()


def test_the_api_pages_in_the_database(client, users):
    doctor = users["doctor"]
    names = "甲乙丙丁戊己庚"
    for day, n in enumerate(names, 1):
        _card(client, doctor, f"孟分页{n}", f"2024-05-{day:02d}")
    with CaptureQueriesContext(connection) as queries:
        body = api(client, doctor, "get", "/api/v1/report-cards?page=2&page_size=3").json()
    assert body["count"] == 7 and [c["patient_name"] for c in body["items"]] == ["孟分页丁", "孟分页丙", "孟分页乙"]
    card_reads = [q["sql"] for q in queries.captured_queries if 'FROM "intake_reportcard"' in q["sql"]]
    assert any("LIMIT 3" in sql for sql in card_reads), card_reads


def test_the_release_list_searches_alike(client, users, make_patient):
    police = users["police"]
    one = make_patient("990102001001", name="殷释放", status="drug_rehab", status_since="2024-01-02")
    two = make_patient("990102001001", name="郝释放", status="drug_rehab", status_since="2024-01-02")
    ids = {}
    for p, unit in ((one, "测试戒毒所"), (two, "测试看守所")):
        r = api(client, police, "post", "/api/v1/releases", {
            "kind": "drug_rehab", "released_on": "2024-09-26", "notifying_unit": unit, "patient_id": p.pk})
        assert r.status_code == 201
        ids[unit] = r.json()["id"]
    body = api(client, police, "get", "/api/v1/releases?q=看守").json()
    assert [n["id"] for n in body["items"]] == [ids["测试看守所"]] and body["count"] == 1
    client.force_login(police)
    html = client.get("/intake/releases/?q=看守&status=").content.decode()
    assert "郝释放" in html and "殷释放" not in html
