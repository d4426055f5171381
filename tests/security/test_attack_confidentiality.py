"""Confidentiality sweep: clinical content (colour grade, risk level, hospital, episode text) never reaches
roles whose duty does not include it, on pages, htmx fragments, xlsx and the API; offline sync refusals
are audited; the offline app reads moved patients through the jurisdiction gate; its form is strictly typed.

Who reads what: accounts.roles (sees_clinical, sees_risk: RISK_ROLES), support.permissions
(COSTS_HEALTH_FIELDS)."""

import datetime as dt
import io
import json
import pathlib
import re
import uuid

import pytest
from django.test import Client
from openpyxl import load_workbook

from jingfang.accounts import services as account_services
from jingfang.audit.models import AuditEvent
from jingfang.core import clock
from jingfang.followups.models import RollCall, SensitivePeriod
from jingfang.registry.models import Patient
from jingfang.support.models import Benefit, CostEpisode

pytestmark = pytest.mark.django_db

NOT_RISK = ["civil", "dpf", "judicial", "cadre"]  # never the risk level
NOT_CLINICAL = ["police", "office", *NOT_RISK]  # never the colour grade
HTMX = {"HTTP_HX_REQUEST": "true"}


def _xlsx(response) -> list[tuple]:
    wb = load_workbook(io.BytesIO(response.content))
    return [tuple(r) for ws in wb.worksheets for r in ws.iter_rows(values_only=True)]


def _text(rows) -> str:
    return " ".join(str(c) for r in rows for c in r if c is not None)


def _as(client, user) -> Client:
    client.force_login(user)
    return client


@pytest.fixture
def red(make_patient):
    """A key person of 甲村 graded red with risk level 4 (as the schedule engine would store them)."""
    p = make_patient("990102001001", name="红色甲")
    Patient.objects.filter(pk=p.pk).update(key_person=True, grade="red", risk_level=4,
                                           key_reasons=["危险性评估4级（≥3级）", "公安列管"], economic_status="poor")
    p.refresh_from_db()
    return p


# ---- 1. the key-person list: no colour grade to non-health roles, no risk level to those without it --------

@pytest.mark.parametrize("who", NOT_CLINICAL)
def test_key_person_list_shows_no_colour_grade(client, users, red, who):
    c = _as(client, users[who])
    for res in (c.get("/keypersons/"), c.get("/keypersons/", **HTMX)):
        html = res.content.decode()
        assert res.status_code == 200 and "红色甲" in html
        assert "红色" not in html.replace("红色甲", "") and 'tag grade-' not in html and "分色</th>" not in html
    # the grade filter is ignored: filtering by another colour still lists the patient (no count tells it)
    assert "红色甲" in c.get("/keypersons/?grade=green").content.decode()
    if users[who].can("export"):
        rows = _xlsx(c.get("/keypersons/export.xlsx"))
        assert "分色" not in rows[1] and "红色" not in _text(rows).replace("红色甲", "")


@pytest.mark.parametrize("who", NOT_RISK)
def test_key_person_list_and_file_show_no_risk_level_to_roles_without_it(client, users, red, who):
    c = _as(client, users[who])
    for url in ("/keypersons/", f"/patients/{red.pk}/", "/patients/"):
        html = c.get(url).content.decode()
        assert "红色甲" in html and "4级" not in html and "危险性评估" not in html, url
    body = c.get(f"/api/v1/patients/{red.pk}").json()
    assert "risk_level" not in body and "risk_level_label" not in body
    assert not any("危险性" in r for r in body["key_person_reasons"])
    assert "risk_level" not in c.get("/api/v1/patients").json()["items"][0]


@pytest.mark.parametrize("who", ["doctor", "police", "office"])
def test_risk_roles_still_read_the_risk_level(client, users, red, who):
    c = _as(client, users[who])
    assert "4级" in c.get("/keypersons/").content.decode()
    assert c.get(f"/api/v1/patients/{red.pk}").json()["risk_level"] == 4
    assert ('tag grade-red' in c.get("/keypersons/").content.decode()) is (who == "doctor")


# ---- 2. the benefit gaps: no risk level to civil affairs and the DPF ---------------------------------------

@pytest.mark.parametrize("who", ["civil", "dpf", "cadre"])
def test_benefit_gaps_show_no_risk_level(client, users, red, who):
    c = _as(client, users[who])
    for res in (c.get("/support/benefits/gaps/"), c.get("/support/benefits/gaps/", **HTMX)):
        html = res.content.decode()
        assert "红色甲" in html and "4级" not in html and "危险性" not in html.split("<table", 1)[1]
    assert "risk_no_guardian_subsidy" not in c.get("/api/v1/benefit-gaps").content.decode()
    assert c.get("/api/v1/benefit-gaps?gap=risk_no_guardian_subsidy").status_code == 422
    if users[who].can("export"):
        rows = _xlsx(c.get("/support/benefits/gaps.xlsx"))
        assert "危险性等级" not in rows[1] and "危险性" not in _text(rows)


def test_benefit_gaps_keep_the_risk_for_the_office(client, users, red):
    html = _as(client, users["office"]).get("/support/benefits/gaps/").content.decode()
    assert "4级" in html and "监护人未享受监护补贴" in html


# ---- 3. treatment costs: civil affairs gets the money, not the hospital or the episode's text ----------------

@pytest.fixture
def episode(red, users):
    Benefit.objects.create(patient=red, kind="dibao", since=dt.date(2020, 1, 1))
    return CostEpisode.objects.create(
        patient=red, kind="inpatient", hospital="县精神卫生中心", start=clock.today() - dt.timedelta(days=30),
        total_cost=10000, insurance_paid=6000, note="精神分裂症复发住院", recorded_by=users["doctor"])


def test_civil_affairs_reads_no_hospital_or_episode_text(client, users, episode):
    c = _as(client, users["civil"])
    year = episode.start.year
    for url in (f"/support/costs/?year={year}", f"/support/patients/{episode.patient_id}/costs/",
                f"/support/costs/{episode.pk}/", f"/support/costs/burden/?year={year}"):
        html = c.get(url).content.decode()
        assert "县精神卫生中心" not in html and "精神分裂症" not in html and "医疗机构" not in html, url
    assert "10000" in c.get(f"/support/costs/?year={year}").content.decode()
    rows = _xlsx(c.get(f"/support/costs.xlsx?year={year}"))
    assert "医疗机构" not in rows[1] and "县精神卫生中心" not in _text(rows) and "10000" in _text(rows)
    for body in (c.get(f"/api/v1/cost-episodes?year={year}").json()["items"][0],
                 c.get(f"/api/v1/cost-episodes/{episode.pk}").json()):
        assert "hospital" not in body and "note" not in body and body["total_cost"] == "10000.00"


def test_the_doctor_still_reads_them(client, users, episode):
    c = _as(client, users["doctor"])
    assert "县精神卫生中心" in c.get(f"/support/patients/{episode.patient_id}/costs/").content.decode()
    assert c.get(f"/api/v1/cost-episodes/{episode.pk}").json()["hospital"] == "县精神卫生中心"


def test_civil_affairs_neither_writes_nor_erases_them(client, users, episode):
    c = _as(client, users["civil"])
    res = c.patch(f"/api/v1/cost-episodes/{episode.pk}", data=json.dumps({"hospital": "别处"}),
                  content_type="application/json")
    assert res.status_code == 403 and res.json()["errors"][0]["field"] == "hospital"
    assert AuditEvent.objects.filter(patient_id=episode.patient_id, outcome="denied", action="update").exists()
    res = c.patch(f"/api/v1/cost-episodes/{episode.pk}", data=json.dumps({"assistance_paid": "1000"}),
                  content_type="application/json")
    assert res.status_code == 200 and "hospital" not in res.json()
    res = c.post(f"/support/costs/{episode.pk}/", {
        "kind": "inpatient", "start": episode.start.isoformat(), "total_cost": "10000", "insurance_paid": "6000",
        "assistance_paid": "1500"})
    assert res.status_code == 302
    episode.refresh_from_db()
    assert (episode.hospital, episode.note, episode.assistance_paid) == ("县精神卫生中心", "精神分裂症复发住院", 1500)


@pytest.mark.parametrize("who", ["dpf", "police", "cadre", "office", "judicial"])
def test_other_roles_get_no_costs_at_all(client, users, episode, who):
    c = _as(client, users[who])
    for res in (c.get("/support/costs/"), c.get(f"/support/costs/{episode.pk}/"),
                c.get(f"/support/patients/{episode.patient_id}/costs/"), c.get("/api/v1/cost-episodes"),
                c.get(f"/api/v1/cost-episodes/{episode.pk}")):
        assert res.status_code in (403, 404) and "县精神卫生中心" not in res.content.decode()


def test_leaked_civil_affairs_token_reads_no_hospital(users, episode):
    raw = account_services.issue_token(users["civil"])
    res = Client().get(f"/api/v1/cost-episodes/{episode.pk}", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert res.status_code == 200 and "县精神卫生中心" not in res.content.decode()


# ---- 4–6. the offline sync -------------------------------------------------------------------------------

def _sync(client, user, visits=(), roll_calls=()):
    client.force_login(user)
    return client.post("/api/v1/offline/sync", data=json.dumps({"visits": list(visits), "roll_calls": list(roll_calls)}),
                       content_type="application/json")


def test_roll_call_refused_inside_a_sync_entry_is_audited(client, users, red, make_user):
    today = clock.today()
    SensitivePeriod.objects.create(region_id="990102000000", name="测试敏感期", start=today, end=today)
    other = make_user("village_doctor", "v11", username="vdoc_other")
    RollCall.objects.create(patient=red, date=today, result="present", recorded_by=users["police"])
    # a village doctor may correct a roll call (health staff): the refusal needs a role that may not
    from jingfang.followups import services as followup_services

    call = {"client_id": str(uuid.uuid4()), "patient_id": red.pk, "date": today.isoformat(), "result": "absent"}
    original = followup_services.may_correct_roll_call
    followup_services.may_correct_roll_call = lambda actor, c: False
    try:
        [res] = _sync(client, other, [], [call]).json()["results"]
    finally:
        followup_services.may_correct_roll_call = original
    assert res["status"] == "refused"
    assert AuditEvent.objects.filter(username=other.username, patient_id=red.pk, outcome="denied",
                                     target=f"rollcall:{today.isoformat()}").count() == 1
    assert RollCall.objects.get(patient=red).result == "present"


def test_offline_services_read_patients_only_through_the_gate():
    source = (pathlib.Path(__file__).parents[2] / "src/jingfang/offline/services.py").read_text(encoding="utf-8")
    assert not re.search(r"\bPatient\.objects", source)


@pytest.mark.parametrize("field,value", [("seen", "true"), ("seen", 1), ("risk_level", "0"), ("joint", "false")])
def test_offline_form_types_are_strict(client, users, red, field, value):
    visit = {"client_id": str(uuid.uuid4()), "patient_id": red.pk,
             "form": {"date": clock.today().isoformat(), "mode": "home_visit", "seen": True, "risk_level": 0,
                      "insight": "full", "social_function": "good", "adherence": "regular",
                      "adverse_reaction": "none", "physical_illness": "none", field: value}}
    [res] = _sync(client, users["vdoc"], [visit]).json()["results"]
    assert res["status"] == "refused"
    assert [e["field"] for e in res["errors"]] == [field]
    assert res["errors"][0]["message"].startswith(f"{field}：应为")


# ---- the monthly exchange table: the risk level's changes only for the parties that receive it ----------

def test_exchange_table_leaves_risk_changes_out_for_civil_affairs_and_the_dpf(client, users, make_patient):
    from jingfang.exchange import services as exchange_services
    from jingfang.exchange import table as exchange_table
    from jingfang.followups import services as followup_services
    from jingfang.registry.models import StatusChange

    month = exchange_table.previous_month(clock.today())
    p = make_patient("990102001001", name="风险变化")
    long_ago = month - dt.timedelta(days=400)
    Patient.objects.filter(pk=p.pk).update(registered_on=long_ago, status_since=long_ago)
    StatusChange.objects.filter(patient=p).update(since=long_ago)
    p.refresh_from_db()
    for n, risk in ((3, 1), (20, 4)):
        followup_services.record_followup(users["doctor"], p, {
            "date": month.replace(day=n).isoformat(), "mode": "home_visit", "seen": "on", "risk_level": risk,
            "insight": "full", "social_function": "good", "adherence": "regular", "adverse_reaction": "none",
            "physical_illness": "none"})
    t, _ = exchange_services.generate(users["office"], "990102001000", month)
    assert "risk_up3" in {ln["category"] for ln in t.content["lines"]}
    for who, shown in (("civil", False), ("dpf", False), ("judicial", False), ("police", True), ("office", True)):
        c = _as(client, users[who])
        body = c.get(f"/api/v1/exchange-tables/{t.pk}").json()
        categories = {ln["category"] for ln in body["lines"]} | {r["key"] for r in body["summary"]}
        assert ("risk_up3" in categories) is shown, who
        assert ("risk_changed" in body["counts"]) is shown, who
        html = c.get(f"/exchange/tables/{t.pk}/").content.decode()
        assert ("1级→4级" in html) is shown, who
        if users[who].can("export"):
            assert ("1级→4级" in _text(_xlsx(c.get(f"/exchange/tables/{t.pk}/xlsx/")))) is shown, who
