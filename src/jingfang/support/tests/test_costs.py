"""Treatment cost burden (薛城区2016 一（二）3: 贫困患者门诊和住院医疗费用平均自付比例不超过10%; 二（三）1: 医保先报、
民政救助、残联（慈善）补助, 政策范围内住院费用支付比例不低于70%): the rules, who sees and records costs,
the link to hospitalisation relief, the pages, the export and the API."""

import datetime as dt
from decimal import Decimal

import pytest

from jingfang.audit.models import AuditEvent
from jingfang.core import clock
from jingfang.support import cost_rules, costs
from jingfang.support.models import Benefit, CostEpisode

from .conftest import workbook_rows, workbook_text

D = Decimal
ZERO = D("0")


def pay(ins=0, big=0, assist=0, relief=0, dpf=0, other=0):
    return {"insurance_paid": D(ins), "serious_illness_paid": D(big), "assistance_paid": D(assist),
            "relief_paid": D(relief), "dpf_paid": D(dpf), "other_paid": D(other)}


# 薛城区2016 二（三）1: the payments come on top of each other; what is left is 自付, never below zero.
PARTS_TABLE = [
    ("all-covered", D(1000), pay(700, 100, 100, 0, 50, 50), None, True, []),
    ("something-left", D(1000), pay(600), D(900), True, []),
    ("relief-pushes-over", D(1000), pay(600, 0, 0, 500), None, True, ["relief_paid"]),
    ("first-over-is-named", D(1000), pay(900, 200, 300), None, True, ["serious_illness_paid"]),
    ("negative-payment", D(1000), pay(-1), None, True, ["insurance_paid"]),
    ("policy-cost-over-total", D(1000), pay(500), D(1200), True, ["policy_cost"]),
    ("insurance-over-policy-cost", D(1000), pay(800), D(700), True, ["insurance_paid"]),
    ("policy-cost-is-inpatient-only", D(300), pay(100), D(200), False, ["policy_cost"]),
]


@pytest.mark.parametrize("case,total,payments,policy,inpatient,fields", PARTS_TABLE, ids=[c[0] for c in PARTS_TABLE])
def test_parts_never_exceed_the_total(case, total, payments, policy, inpatient, fields):
    problems = cost_rules.check_parts(total, payments, policy, inpatient)
    assert [f for f, _ in problems] == fields
    assert all(message for _, message in problems)


def test_self_paid_is_the_rest():
    assert cost_rules.self_paid(D(1000), pay(600, 100, 0, 150)) == D(150)


@pytest.mark.parametrize("kinds,poor", [
    ((), False), (("dibao",), True), (("wubao_tekun",), True), (("poverty_registered",), True),
    (("medical_insurance", "temporary_relief"), False),
])
def test_poor_is_dibao_tekun_or_registered_poverty(kinds, poor):
    assert cost_rules.is_poor(kinds) is poor


def test_burden_orders_by_self_paid_then_share():
    facts = [cost_rules.EpisodeFact(1, D(10000), D(500)), cost_rules.EpisodeFact(1, D(2000), D(500)),
             cost_rules.EpisodeFact(2, D(1000), D(1000)), cost_rules.EpisodeFact(3, D(5000), D(100))]
    rows = cost_rules.burden(facts)
    # P1: 1000 of 12000 (8.3%); P2: 1000 of 1000 (100%) -> same sum, higher share first; P3: 100
    assert [(r["patient_id"], r["self_paid"], r["percent"]) for r in rows] == [
        (2, D(1000), D("100.0")), (1, D(1000), D("8.3")), (3, D(100), D("2.0"))]
    assert [r["patient_id"] for r in cost_rules.burden(facts, limit=1)] == [2]


# ---- pages and services ------------------------------------------------------------------------------

EPISODE = {"kind": "inpatient", "hospital": "县精神卫生中心", "start": "2025-03-01", "end": "2025-03-20",
           "total_cost": "10000", "policy_cost": "9000", "insurance_paid": "6300", "serious_illness_paid": "1000",
           "assistance_paid": "1200", "own_relief_paid": "", "dpf_paid": "500", "other_paid": "", "note": ""}


@pytest.fixture
def poor_patient(xuecheng, make_patient, users):
    p = make_patient("990102001001", name="钱费用")
    Benefit.objects.create(patient=p, kind="dibao", since=dt.date(2020, 1, 1))
    return p


@pytest.mark.django_db
@pytest.mark.parametrize("who,allowed", [("doctor", True), ("civil", True), ("vdoc", False), ("county", False),
                                          ("office", False), ("police", False), ("cadre", False), ("dpf", False),
                                          ("judicial", False)])
def test_who_records_costs(client, users, poor_patient, who, allowed):
    client.force_login(users[who])
    data = {**EPISODE, "hospital": ""} if who == "civil" else EPISODE  # civil affairs: the money, not the place
    response = client.post(f"/support/patients/{poor_patient.pk}/costs/", data)
    assert CostEpisode.objects.filter(patient=poor_patient).exists() is allowed
    assert response.status_code == (302 if allowed else 403)
    if allowed:
        e = CostEpisode.objects.get(patient=poor_patient)
        assert e.self_paid == D(1000) and e.self_paid_percent == D("10.0")
        row = AuditEvent.objects.filter(patient_id=poor_patient.pk, outcome="ok", action="create").latest("id")
        assert row.detail["op"] == "cost_create" and row.target == f"cost:{e.pk}"


@pytest.mark.django_db
@pytest.mark.parametrize("who,sees", [("doctor", True), ("vdoc", True), ("county", True), ("civil", True),
                                       ("office", False), ("police", False), ("cadre", False), ("dpf", False),
                                       ("judicial", False)])
def test_who_sees_costs(client, users, poor_patient, who, sees):
    e = costs.save_episode(users["doctor"], poor_patient, EPISODE)
    client.force_login(users[who])
    for url in ("/support/costs/?year=2025", f"/support/patients/{poor_patient.pk}/costs/", f"/support/costs/{e.pk}/",
                "/support/costs/burden/?year=2025"):
        response = client.get(url)
        assert response.status_code == (200 if sees else 403), url
        assert ("县精神卫生中心" in response.content.decode() or "钱费用" in response.content.decode()) is sees


@pytest.mark.django_db
def test_out_of_jurisdiction_episode_is_a_404_like_a_missing_one(client, users, poor_patient):
    e = costs.save_episode(users["doctor"], poor_patient, EPISODE)
    client.force_login(users["doctor2"])
    assert client.get(f"/support/costs/{e.pk}/").status_code == 404
    assert client.get(f"/support/costs/{e.pk + 1000}/").status_code == 404
    assert AuditEvent.objects.filter(user_id=users["doctor2"].pk, outcome="denied", target=f"cost:{e.pk}").exists()
    assert "钱费用" not in client.get("/support/costs/?year=2025").content.decode()
    assert client.get("/api/v1/cost-episodes").json()["count"] == 0


@pytest.mark.django_db
def test_payments_over_the_total_are_refused_naming_the_field(client, users, poor_patient):
    client.force_login(users["doctor"])
    response = client.post(f"/support/patients/{poor_patient.pk}/costs/", {**EPISODE, "other_paid": "1500"})
    assert response.status_code == 422
    page = response.content.decode()
    assert "超过医疗总费用10000" in page and "其他（慈善等）支付" in page
    assert not CostEpisode.objects.exists()
    assert AuditEvent.objects.filter(outcome="invalid", patient_id=poor_patient.pk).exists()


@pytest.mark.django_db
def test_admitted_relief_feeds_its_episode_without_typing_twice(client, users, pingqiao, make_patient, walk):
    from .conftest import STEP_DATA

    p = make_patient("990102001001", name="孙救助")
    Benefit.objects.create(patient=p, kind="poverty_registered", since=dt.date(2020, 1, 1))
    app = walk(p, "admitted")
    client.force_login(users["doctor"])
    listing = client.get("/support/costs/").content.decode()
    assert "待登记费用的住院救助" in listing and f"?relief={app.pk}" in listing
    form = client.get(f"/support/patients/{p.pk}/costs/?relief={app.pk}").content.decode()
    assert 'value="10000' in form and STEP_DATA["admit"]["hospital"] in form
    # only the 大病保险 part is new; hospital, date, total and basic insurance come from the application
    response = client.post(f"/support/patients/{p.pk}/costs/", {
        "relief_id": app.pk, "kind": "", "hospital": "", "start": "", "total_cost": "", "insurance_paid": "",
        "serious_illness_paid": "500", "policy_cost": "9000"})
    assert response.status_code == 302, response.content.decode()
    e = CostEpisode.objects.get(relief=app)
    assert (e.kind, e.total_cost, e.insurance_paid, e.relief_paid) == ("inpatient", D(10000), D(6000), D(2000))
    assert e.self_paid == D(1500)  # 10000 - 6000 - 500 - 2000
    # a link, not a copy: the application's later correction shows in the episode
    type(app).objects.filter(pk=app.pk).update(relief_paid=D(2500))
    e.refresh_from_db()
    assert e.relief_paid == D(2500) and e.self_paid == D(1000)
    # a second episode for the same application is refused, naming the field
    again = client.post(f"/support/patients/{p.pk}/costs/", {"relief_id": app.pk, "serious_illness_paid": "0"})
    assert again.status_code == 422 and "已登记为医疗费用记录" in again.content.decode()
    assert "待登记费用的住院救助" not in client.get("/support/costs/").content.decode()


@pytest.mark.django_db
def test_burden_list_and_exports(client, users, poor_patient, make_patient):
    rich = make_patient("990102001001", name="李不贫")
    costs.save_episode(users["doctor"], poor_patient, EPISODE)
    costs.save_episode(users["doctor"], poor_patient, {**EPISODE, "kind": "outpatient", "end": "", "policy_cost": "",
                                                      "total_cost": "800", "insurance_paid": "400",
                                                      "serious_illness_paid": "", "assistance_paid": "",
                                                      "dpf_paid": ""})
    costs.save_episode(users["doctor"], rich, {**EPISODE, "assistance_paid": "", "dpf_paid": ""})
    client.force_login(users["civil"])
    page = client.get("/support/costs/burden/?year=2025").content.decode()
    assert "钱费用" in page and "李不贫" not in page  # only poor patients
    assert "1400.00" in page  # 1000 + 400 self-paid
    rows = workbook_rows(client.get("/support/costs/burden.xlsx?year=2025"))
    assert any(r[2] == "钱费用" for r in rows) and not any("李不贫" in str(r) for r in rows)
    ledger = client.get("/support/costs.xlsx?year=2025")
    text = workbook_text(ledger)
    assert "医疗费用负担台账" in text and "李不贫" in text and "钱费用" in text
    assert AuditEvent.objects.filter(user_id=users["civil"].pk, action="export").count() == 2
    # by township on the ledger page: poor 1400 of 10800 = 13.0% (> 10% target); insurance (6300+1000)*2 / 18000
    listing = client.get("/support/costs/?year=2025").content.decode()
    assert "13.0%" in listing and "81.1%" in listing


@pytest.mark.django_db
def test_api_create_list_patch_and_refusals(client, users, poor_patient):
    client.force_login(users["doctor"])
    body = {"patient_id": poor_patient.pk, "kind": "outpatient", "hospital": "乡镇卫生院", "start": "2025-05-01",
            "total_cost": "300", "insurance_paid": "200"}
    created = client.post("/api/v1/cost-episodes", body, content_type="application/json")
    assert created.status_code == 201, created.content
    out = created.json()
    assert out["self_paid"] == "100.00" and out["poor"] is True and out["relief_paid"] == "0.00"
    over = client.patch(f"/api/v1/cost-episodes/{out['id']}", {"dpf_paid": "200"}, content_type="application/json")
    assert over.status_code == 422 and over.json()["errors"][0]["field"] == "dpf_paid"
    ok = client.patch(f"/api/v1/cost-episodes/{out['id']}", {"dpf_paid": "50"}, content_type="application/json")
    assert ok.status_code == 200 and ok.json()["self_paid"] == "50.00"
    listing = client.get("/api/v1/cost-episodes?year=2025").json()
    assert listing["count"] == 1 and listing["items"][0]["hospital"] == "乡镇卫生院"
    assert client.get("/api/v1/cost-burden?year=2025").json()[0]["self_paid"] == "50.00"
    client.force_login(users["police"])
    assert client.get("/api/v1/cost-episodes").status_code == 403
    assert client.get(f"/api/v1/cost-episodes/{out['id']}").status_code == 403
    assert client.post("/api/v1/cost-episodes", body, content_type="application/json").status_code == 403
    client.force_login(users["vdoc"])
    assert client.get(f"/api/v1/cost-episodes/{out['id']}").status_code == 200
    assert client.delete(f"/api/v1/cost-episodes/{out['id']}").status_code == 403
    client.force_login(users["doctor"])
    assert client.delete(f"/api/v1/cost-episodes/{out['id']}").status_code == 204
    assert not CostEpisode.objects.exists()


@pytest.mark.django_db
def test_future_date_and_outpatient_discharge_are_refused(users, poor_patient):
    from jingfang.core import errors

    tomorrow = (clock.today() + dt.timedelta(days=2)).isoformat()
    with pytest.raises(errors.Invalid) as exc:
        costs.save_episode(users["doctor"], poor_patient, {**EPISODE, "start": tomorrow, "end": ""})
    assert [e.field for e in exc.value.errors] == ["start"]
    with pytest.raises(errors.Invalid) as exc:
        costs.save_episode(users["doctor"], poor_patient, {**EPISODE, "kind": "outpatient", "policy_cost": ""})
    assert [e.field for e in exc.value.errors] == ["end"]


@pytest.mark.django_db
def test_api_years_out_of_range_are_refused_naming_the_field(client, users):
    """A year lookup on -71246699 failed in the database layer (500); it is a 422 naming ``year``."""
    client.force_login(users["doctor"])
    for url in ("/api/v1/cost-episodes?year=-71246699", "/api/v1/cost-burden?year=1999", "/api/v1/cost-burden?year=2101"):
        r = client.get(url)
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "year", (url, r.content)
    assert client.get("/api/v1/cost-burden?year=2026").status_code == 200
