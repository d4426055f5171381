"""Scoping of every exchange page and API route: another township's table or run is indistinguishable
from a missing one (404, same body), the attempt is audited, and nothing is changed; lists leave
foreign rows out."""

import pytest

from jingfang.accounts.services import issue_token
from jingfang.audit.models import AuditEvent
from jingfang.exchange import services, services_recon, sheet
from jingfang.exchange.models import ExchangeTable, Receipt, ReconciliationRun, Resolution

from .conftest import MAY, api
from .sheets import messy, upload_file

pytestmark = pytest.mark.django_db
MISSING = 987654
WHO = ["doctor2", "outsider", "vdoc"]


@pytest.fixture
def objs(users, make_patient):
    patient = make_patient("990102001001", name="雍交换")
    make_patient("990102001002", name="雍漏报")
    t, _ = services.generate(users["office"], "990102001000", MAY)
    run = services_recon.upload(users["police"], upload_file(messy([
        ["雍交换", "男", patient.id_number, "甲村", "甲村3组12号", "住院", ""],
        ["雍外人", "女", "", "乙村", "乙村1组", "在家", ""]])))
    pending = services_recon.upload(users["police"], upload_file(messy([["雍待对应", "男", "", "甲村", "", "", ""]])))
    run = services_recon.apply_mapping(users["police"], run, sheet.guess_mapping(run.headers))
    assert pending.state == "mapping"  # uploaded before the mapping was confirmed: it waits
    return {"table": t, "run": run, "line": run.lines.first(), "pending": pending}


def pages(o) -> list[tuple[str, str, dict]]:
    t, r, ln, p = o["table"].pk, o["run"].pk, o["line"].pk, o["pending"].pk
    return [
        ("get", f"/exchange/tables/{t}/", {}),
        ("get", f"/exchange/tables/{t}/xlsx/", {}),
        ("get", f"/exchange/tables/{t}/receipts/", {}),
        ("post", f"/exchange/tables/{t}/receipts/", {"department": "police", "received_by": "越权"}),
        ("get", f"/exchange/reconciliations/{r}/", {}),
        ("get", f"/exchange/reconciliations/{p}/mapping/", {}),
        ("post", f"/exchange/reconciliations/{p}/mapping/", {"name": "基本信息/姓名"}),
        ("get", f"/exchange/reconciliations/{r}/lines/{ln}/resolve/", {}),
        ("post", f"/exchange/reconciliations/{r}/lines/{ln}/resolve/", {"action": "note", "note": "越权"}),
    ]


def missing_url(url: str, o) -> str:
    for key in ("table", "run", "pending"):
        url = url.replace(f"/{o[key].pk}/", f"/{MISSING}/", 1) if f"/{o[key].pk}/" in url else url
    return url


def unchanged(o) -> None:
    assert Receipt.objects.count() == 0 and Resolution.objects.count() == 0
    assert ReconciliationRun.objects.get(pk=o["pending"].pk).state == "mapping"
    assert ExchangeTable.objects.count() == 1


@pytest.mark.parametrize("who", WHO)
def test_pages(client, users, objs, who):
    client.force_login(users[who])
    for method, url, body in pages(objs):
        call = getattr(client, method)
        foreign = call(url, body) if method == "post" else call(url)
        missing = call(missing_url(url, objs), body) if method == "post" else call(missing_url(url, objs))
        assert foreign.status_code == missing.status_code == 404, url
        assert foreign.content == missing.content, url
        assert "雍" not in foreign.content.decode(), url
    unchanged(objs)
    mine = AuditEvent.objects.filter(user_id=users[who].pk)
    assert mine.filter(outcome="denied", target__startswith="exchange_table:").exists()
    assert mine.filter(outcome="denied", target__startswith="reconciliation:").exists()
    assert mine.filter(outcome="not_found").exists()


@pytest.mark.parametrize("who", WHO)
def test_api_routes(client, users, objs, who):
    t, r, ln = objs["table"].pk, objs["run"].pk, objs["line"].pk
    routes = [
        ("get", "/api/v1/exchange-tables/{t}", {}),
        ("post", "/api/v1/exchange-tables/{t}/receipts", {"department": "police", "received_by": "越权"}),
        ("get", "/api/v1/reconciliations/{r}", {}),
        ("post", "/api/v1/reconciliations/{p}/mapping", {"mapping": {"name": "基本信息/姓名"}}),
        ("post", "/api/v1/reconciliations/{r}/lines/{ln}/resolve", {"action": "note", "note": "越权"}),
    ]
    for method, url, body in routes:
        foreign = api(client, users[who], method, url.format(t=t, r=r, ln=ln, p=objs["pending"].pk), body)
        missing = api(client, users[who], method, url.format(t=MISSING, r=MISSING, ln=ln, p=MISSING), body)
        assert foreign.status_code == missing.status_code == 404, url
        assert foreign.content == missing.content and "雍" not in foreign.content.decode(), url
    unchanged(objs)
    assert AuditEvent.objects.filter(user_id=users[who].pk, outcome="denied").count() >= 5


def test_a_line_of_another_run_is_missing(client, users, objs):
    run = services_recon.upload(users["civil"], upload_file(messy([["雍民政", "男", "", "甲村", "", "", ""]])),
                                mapping={"name": "基本信息/姓名", "village": "现住址/村（社区）"})
    other = run.lines.first()
    url = f"/api/v1/reconciliations/{objs['run'].pk}/lines/{other.pk}/resolve"
    r = api(client, users["police"], "post", url, {"action": "note", "note": "跨名单"})
    assert r.status_code == 404 and Resolution.objects.count() == 0
    assert api(client, users["police"], "get", f"/api/v1/reconciliations/{run.pk}").status_code == 404


@pytest.mark.parametrize("who", WHO)
def test_lists_leave_foreign_rows_out(client, users, objs, who):
    client.force_login(users[who])
    r = client.get("/exchange/")
    assert r.status_code == (403 if who == "vdoc" else 200) and "雍" not in r.content.decode()
    if who != "vdoc":
        assert "东镇" not in r.content.decode().split("<main>")[1]
    assert client.get("/exchange/reconciliations/").status_code == 403  # health staff upload no lists
    r = api(client, users[who], "get", "/api/v1/exchange-tables")
    assert r.status_code == (403 if who == "vdoc" else 200)
    if who != "vdoc":
        assert r.json()["count"] == 0
    assert api(client, users[who], "get", "/api/v1/reconciliations").status_code == 403


def test_generating_for_a_foreign_township_is_like_a_missing_one(client, users, make_user, objs):
    west = make_user("township_office", "t2")
    body = {"month": f"{MAY:%Y-%m}"}
    foreign = api(client, west, "post", "/api/v1/exchange-tables", {**body, "township": "990102001000"})
    missing = api(client, west, "post", "/api/v1/exchange-tables", {**body, "township": "990102009000"})
    assert foreign.status_code == missing.status_code == 422 and foreign.content == missing.content
    for code in ("990102002000", "990102009000"):  # a police user of township 1 uploading for others
        r = client.post("/api/v1/reconciliations", {"file": upload_file(messy([["雍", "男", "", "", "", "", ""]])),
                                                     "township": code},
                        HTTP_AUTHORIZATION=f"Bearer {issue_token(users['police'])}")
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "township"
    own = api(client, west, "post", "/api/v1/exchange-tables", body)
    assert own.status_code == 201 and own.json()["township_code"] == "990102002000"


def test_the_owning_township_and_the_county_read_them(client, users, objs):
    t = objs["table"].pk
    for who in ("office", "doctor", "county", "police", "civil", "dpf", "judicial"):
        assert api(client, users[who], "get", f"/api/v1/exchange-tables/{t}").status_code == 200, who
    for who in ("cadre", "admin"):
        assert api(client, users[who], "get", f"/api/v1/exchange-tables/{t}").status_code == 404, who
    assert api(client, users["office"], "get", f"/api/v1/reconciliations/{objs['run'].pk}").status_code == 200
    assert api(client, users["county"], "get", f"/api/v1/reconciliations/{objs['run'].pk}").status_code == 404
