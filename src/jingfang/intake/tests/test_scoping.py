"""Scoping of every intake page and API route: another township's report card, release notice or
transfer is indistinguishable from a missing one (404, same body), audited, and left unchanged; a
role without the right gets 403 whatever the id; lists leave foreign rows out."""

import pytest

from jingfang.audit.models import AuditEvent
from jingfang.intake import services_movement as movement
from jingfang.intake.models import ReleaseNotice, ReportCard, Transfer

from .helpers import api, new_id

pytestmark = pytest.mark.django_db
MISSING = 987654

PAGES = [
    ("get", "/intake/reports/{id}/", "card"),
    ("post", "/intake/reports/{id}/accept/", "card"),
    ("post", "/intake/reports/{id}/police-query/", "card"),
    ("post", "/intake/reports/{id}/refer-cdc/", "card"),
    ("post", "/intake/reports/{id}/enter/", "card"),
    ("get", "/intake/releases/{id}/", "release"),
    ("post", "/intake/releases/{id}/takeover/", "release"),
    ("get", "/intake/transfers/{id}/", "transfer"),
    ("post", "/intake/transfers/{id}/accept/", "transfer"),
    ("post", "/intake/transfers/{id}/return/", "transfer"),
]
APIS = [
    ("get", "/api/v1/report-cards/{id}", "card"),
    ("post", "/api/v1/report-cards/{id}/accept", "card"),
    ("post", "/api/v1/report-cards/{id}/police-query", "card"),
    ("post", "/api/v1/report-cards/{id}/refer-cdc", "card"),
    ("post", "/api/v1/report-cards/{id}/enter", "card"),
    ("get", "/api/v1/releases/{id}", "release"),
    ("post", "/api/v1/releases/{id}/takeover", "release"),
    ("get", "/api/v1/transfers/{id}", "transfer"),
    ("post", "/api/v1/transfers/{id}/accept", "transfer"),
    ("post", "/api/v1/transfers/{id}/return", "transfer"),
]
BODIES = {"accept": {}, "enter": {"region_code": "990102001001"}, "return": {"reason": "越权退回"}}
WHO = ["doctor2", "outsider", "vdoc"]
# A transfer foreign to each user: doctor2 is the destination of t1 -> t2, so theirs goes to t3.
FOREIGN_DESTINATION = {"doctor2": "990103001000", "outsider": "990102002000", "vdoc": "990102002000"}


@pytest.fixture
def rows(users, card_for, make_patient):
    def make(who):
        card = card_for(patient_name="雍报告", id_number=new_id())
        release = movement.record_release(users["police"], {
            "kind": "custody", "released_on": "2024-09-26", "notifying_unit": "测试监狱", "person_name": "雍释放"})
        patient = make_patient("990102001001", name="雍转移")
        transfer = movement.send_transfer(users["doctor"], patient, {
            "destination_code": FOREIGN_DESTINATION[who], "reason": "迁居"})
        return {"card": card, "release": release, "transfer": transfer, "patient": patient}

    return make


def body_for(url: str) -> dict:
    step = url.rstrip("/").rsplit("/", 1)[-1]
    if step == "accept" and "transfers" in url:
        return {"village_code": "990102002001"}
    return BODIES.get(step, {})


def unchanged(objs) -> None:
    assert ReportCard.objects.get(pk=objs["card"].pk).status == "received"
    assert ReleaseNotice.objects.get(pk=objs["release"].pk).status == "pending"
    assert Transfer.objects.get(pk=objs["transfer"].pk).status == "sent"


@pytest.mark.parametrize("who", WHO)
@pytest.mark.parametrize("method,url,kind", PAGES, ids=[f"{m} {u}" for m, u, _ in PAGES])
def test_pages(client, users, rows, who, method, url, kind):
    objs = rows(who)
    client.force_login(users[who])
    call = getattr(client, method)
    foreign = call(url.format(id=objs[kind].pk), body_for(url)) if method == "post" else call(
        url.format(id=objs[kind].pk))
    missing = call(url.format(id=MISSING), body_for(url)) if method == "post" else call(url.format(id=MISSING))
    expected = 403 if who == "vdoc" else 404
    assert foreign.status_code == missing.status_code == expected
    assert foreign.content == missing.content
    assert "雍" not in foreign.content.decode()
    unchanged(objs)
    if who != "vdoc":
        assert AuditEvent.objects.filter(user_id=users[who].pk, outcome="denied",
                                         target__startswith={"card": "report_card", "release": "release",
                                                             "transfer": "transfer"}[kind]).exists()
        assert AuditEvent.objects.filter(user_id=users[who].pk, outcome="not_found").exists()


@pytest.mark.parametrize("who", WHO)
@pytest.mark.parametrize("method,url,kind", APIS, ids=[f"{m} {u}" for m, u, _ in APIS])
def test_api_routes(client, users, rows, who, method, url, kind):
    objs = rows(who)
    user = users[who]
    foreign = api(client, user, method, url.format(id=objs[kind].pk), body_for(url))
    missing = api(client, user, method, url.format(id=MISSING), body_for(url))
    assert foreign.status_code == missing.status_code == (403 if who == "vdoc" else 404)
    assert foreign.content == missing.content and "雍" not in foreign.content.decode()
    unchanged(objs)


@pytest.mark.parametrize("who", WHO)
def test_sending_someone_elses_patient_is_a_404(client, users, rows, who):
    objs = rows(who)
    body = {"destination_code": "990103001000", "reason": "越权"}
    foreign = api(client, users[who], "post", "/api/v1/transfers", {"patient_id": objs["patient"].pk, **body})
    missing = api(client, users[who], "post", "/api/v1/transfers", {"patient_id": MISSING, **body})
    assert foreign.status_code == missing.status_code == (403 if who == "vdoc" else 404)
    assert foreign.content == missing.content
    client.force_login(users[who])
    page = client.get(f"/intake/transfers/new/?patient={objs['patient'].pk}")
    assert page.status_code == (403 if who == "vdoc" else 200) and "雍转移" not in page.content.decode()


LISTS = ["/intake/reports/?status=", "/intake/releases/?status=", "/intake/transfers/",
         "/intake/transfers/?direction=in", "/intake/transfers/inbox/", "/intake/reports/export.xlsx?status="]
API_LISTS = ["/api/v1/report-cards", "/api/v1/releases", "/api/v1/transfers", "/api/v1/transfers/inbox"]


@pytest.mark.parametrize("who", WHO)
def test_lists_leave_foreign_rows_out(client, users, rows, who):
    rows(who)
    client.force_login(users[who])
    for url in LISTS:
        r = client.get(url)
        assert r.status_code == (403 if who == "vdoc" else 200), url
        assert "雍" not in r.content.decode(errors="ignore"), url
    for url in API_LISTS:
        r = api(client, users[who], "get", url)
        assert r.status_code == (403 if who == "vdoc" else 200), url
        assert "雍" not in r.content.decode(), url
    home = client.get("/intake/")
    assert home.status_code == 200 and "雍" not in home.content.decode()  # vdoc: only the dual listing


def test_the_owning_township_and_the_county_see_them(client, users, rows):
    objs = rows("doctor2")
    for who in ("doctor", "office", "county"):
        client.force_login(users[who])
        assert client.get(f"/intake/reports/{objs['card'].pk}/").status_code == 200
        assert client.get(f"/intake/releases/{objs['release'].pk}/").status_code == 200
        assert client.get(f"/intake/transfers/{objs['transfer'].pk}/").status_code == 200
    client.force_login(users["police"])  # partners record and read release notices only
    assert client.get(f"/intake/releases/{objs['release'].pk}/").status_code == 200
    assert client.get(f"/intake/reports/{objs['card'].pk}/").status_code == 403
