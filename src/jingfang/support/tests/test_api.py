"""The support API: relief steps, the fund, the summary, reward runs, insurance, benefits and gaps."""

import datetime as dt
import json

import pytest

from jingfang.accounts.services import issue_token
from jingfang.audit.models import AuditEvent
from jingfang.core import clock
from jingfang.registry.models import Patient
from jingfang.support import facts_rewards
from jingfang.support.models import ReliefApplication, ReliefFund
from jingfang.support.rewards import Agreement

from .conftest import STEP_DATA

pytestmark = pytest.mark.django_db


def call(client, user, method, url, body=None):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {issue_token(user)}"}
    if body is None:
        return getattr(client, method)(url, **headers)
    return getattr(client, method)(url, data=json.dumps(body), content_type="application/json", **headers)


def test_relief_through_the_api(client, users, patient):
    g = patient.guardians.first()
    r = call(client, users["vdoc"], "post", "/api/v1/relief-applications",
             {"patient_id": patient.pk, "guardian_id": g.pk, "insurance_type": "resident", "facts": "病情加重",
              "submit": True})
    assert r.status_code == 201, r.content
    app = r.json()
    assert app["state"] == "submitted" and app["applicant_name"] == "王监护" and app["submitted"]["by"] == "测试"
    aid = app["id"]
    r = call(client, users["cadre"], "post", f"/api/v1/relief-applications/{aid}/village-review",
             {"opinion": "家庭困难", "option": "both_full"})
    assert r.status_code == 200 and r.json()["state"] == "village_reviewed"
    r = call(client, users["office"], "post", f"/api/v1/relief-applications/{aid}/approve",
             {"option": "both_half", "amount": "3000.00"})
    assert r.status_code == 200 and r.json()["township_option_label"] == "住院饮食餐费和医疗费各救助50%"
    admit = {**STEP_DATA["admit"], "total_cost": 10000, "food_cost": 1000, "insurance_paid": 6000,
             "relief_paid": 2000, "self_paid": 2000}
    r = call(client, users["doctor"], "post", f"/api/v1/relief-applications/{aid}/admit", admit)
    assert r.status_code == 200 and r.json()["relief_paid"] == "2000.00"
    r = call(client, users["doctor"], "post", f"/api/v1/relief-applications/{aid}/close", {"note": "存档"})
    assert r.status_code == 200 and r.json()["state"] == "closed" and r.json()["closed"]["at"]
    listing = call(client, users["office"], "get", "/api/v1/relief-applications?state=closed").json()
    assert listing["count"] == 1 and listing["items"][0]["id"] == aid


def test_api_refusals_are_chinese_and_shaped(client, users, patient, walk):
    app = walk(patient, "submitted")
    early = call(client, users["office"], "post", f"/api/v1/relief-applications/{app.pk}/approve",
                 {"option": "both_half", "amount": "10"})  # the right role, before the village review
    assert early.status_code == 409
    assert early.json() == {"errors": [{"field": "", "message": "申请当前状态为“已提交，待村委会初审”，不能进行“乡镇审批同意”"}]}
    r = call(client, users["vdoc"], "post", f"/api/v1/relief-applications/{app.pk}/village-review", {"opinion": "x"})
    assert r.status_code == 403 and "须由村干部/网格员办理" in r.json()["errors"][0]["message"]
    r = call(client, users["cadre"], "post", f"/api/v1/relief-applications/{app.pk}/village-review",
             {"opinion": "x", "state": "closed"})
    assert r.status_code == 422 and r.json()["errors"][0] == {"field": "state", "message": "state：不是可接受的字段"}
    r = call(client, users["cadre"], "post", f"/api/v1/relief-applications/{app.pk}/submit")
    assert r.status_code == 409
    assert ReliefApplication.objects.get(pk=app.pk).state == "submitted"


def test_api_budget_override(client, users, patient, walk):
    app = walk(patient, "village_reviewed")
    year = clock.today().year
    r = call(client, users["county"], "put", f"/api/v1/relief-funds/990102000000/{year}", {"budget_yuan": "500"})
    assert r.status_code == 200 and r.json()["remaining"] == "500.00"
    assert call(client, users["office"], "put", f"/api/v1/relief-funds/990102000000/{year}",
                {"budget_yuan": "9"}).status_code == 403
    r = call(client, users["office"], "post", f"/api/v1/relief-applications/{app.pk}/approve",
             {"option": "both_full", "amount": "800"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "amount"
    r = call(client, users["office"], "post", f"/api/v1/relief-applications/{app.pk}/approve",
             {"option": "both_full", "amount": "800", "budget_override": True, "override_reason": "五保户，全额救助"})
    assert r.status_code == 200 and r.json()["budget_override"] is True
    fund = call(client, users["office"], "get", "/api/v1/relief-funds").json()
    assert fund["remaining"] == "-300.00" and fund["held"] == "800.00"
    assert fund["entries"][0]["application_id"] == app.pk and fund["entries"][0]["kind"] == "commit"
    other = call(client, users["doctor2"], "get", "/api/v1/relief-funds").json()
    assert other["entries"][0]["application_id"] is None and other["entries"][0]["note"] == ""
    assert ReliefFund.objects.get(year=year).budget_yuan == 500
    summary = call(client, users["county"], "get",
                   f"/api/v1/relief-summary?year={year}&quarter={(clock.today().month - 1) // 3 + 1}").json()
    assert summary[0]["township_code"] == "990102001000" and summary[0]["by_option"]["both_full"]["count"] == 1


def test_reward_runs_through_the_api(client, users, pingqiao, make_patient, monkeypatch):
    p = make_patient("990102001001", name="接口奖补", risk_level=3)
    Patient.objects.filter(pk=p.pk).update(registered_on=dt.date(2024, 1, 1))
    monkeypatch.setattr(facts_rewards, "agreements_by_patient",
                        lambda ids: {p.pk: [Agreement(5, None, "王监护", dt.date(2025, 1, 1))]})
    monkeypatch.setattr(facts_rewards, "incidents_by_patient", lambda ids, until: {})
    body = {"township_code": "990102001000", "year": 2025, "month": 6}
    assert call(client, users["doctor"], "post", "/api/v1/reward-runs", body).status_code == 403
    r = call(client, users["office"], "post", "/api/v1/reward-runs", body)
    assert r.status_code == 201, r.content
    run = r.json()
    assert run["total_amount"] == "200.00" and run["lines"][0]["grounds_text"] == "危险性评估3级以上、有潜在风险（重点人员）"
    rid = run["id"]
    r = call(client, users["office"], "post", f"/api/v1/reward-runs/{rid}/withhold", {"patient_id": p.pk, "reason": "未督促服药"})
    assert r.json()["total_amount"] == "0.00" and r.json()["lines"][0]["withheld_reason"] == "未督促服药"
    r = call(client, users["office"], "delete", f"/api/v1/reward-runs/{rid}/withhold/{p.pk}")
    assert r.json()["total_amount"] == "200.00"
    assert call(client, users["office"], "post", f"/api/v1/reward-runs/{rid}/paid").json()["paid_at"]
    again = call(client, users["office"], "post", f"/api/v1/reward-runs/{rid}/recompute")
    assert again.status_code == 409 and "不能修改或重算" in again.json()["errors"][0]["message"]
    assert call(client, users["county"], "get", "/api/v1/reward-runs").json()["count"] == 1
    assert call(client, users["doctor2"], "get", "/api/v1/reward-runs").status_code == 403
    bad = call(client, users["office"], "post", "/api/v1/reward-runs", {**body, "month": 13})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "month"


def test_insurance_through_the_api(client, users, pingqiao, make_patient):
    make_patient("990102001001", name="保险甲")
    year = clock.today().year
    r = call(client, users["office"], "get", f"/api/v1/liability-insurance?township_code=990102001000&year={year}")
    d = r.json()
    assert (d["count"], d["premium_per_person"], d["township_share_per_person"], d["total"], d["township_total"]) == (
        1, "100.00", "70.00", "100.00", "70.00")
    assert d["items"][0]["name"] == "保险甲" and d["defined"] is True


def test_benefits_through_the_api(client, users, pingqiao, make_patient):
    p = make_patient("990102001001", name="待遇接口", economic_status="poor")
    r = call(client, users["civil"], "post", f"/api/v1/patients/{p.pk}/benefits",
             {"kind": "dibao", "since": "2025-01-01", "extreme_poverty": True, "amount_yuan": "420.00"})
    assert r.status_code == 201 and r.json()["active"] and r.json()["extreme_poverty"]
    bid = r.json()["id"]
    assert call(client, users["dpf"], "patch", f"/api/v1/benefits/{bid}", {"note": "x"}).status_code == 403
    r = call(client, users["civil"], "patch", f"/api/v1/benefits/{bid}", {"until": "2025-12-31"})
    assert r.status_code == 200 and r.json()["until"] == "2025-12-31" and r.json()["extreme_poverty"]
    assert [b["kind"] for b in call(client, users["police"], "get", f"/api/v1/patients/{p.pk}/benefits").json()] == ["dibao"]
    r = call(client, users["civil"], "post", f"/api/v1/patients/{p.pk}/benefits", {"kind": "nothing", "since": "2025-01-01"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "kind"
    gaps = call(client, users["office"], "get", "/api/v1/benefit-gaps").json()
    codes = {g["code"] for g in gaps["items"][0]["gaps"]}
    assert "poor_no_dibao" in codes and "no_insurance" in codes  # the 低保 entry has ended
    assert call(client, users["civil"], "delete", f"/api/v1/benefits/{bid}").status_code == 204
    assert AuditEvent.objects.filter(detail__op="benefit_delete", outcome="ok").exists()


def test_openapi_documents_the_support_routes(client, users):
    paths = client.get("/api/openapi.json").json()["paths"]
    for path in ("/api/v1/reward-runs", "/api/v1/liability-insurance", "/api/v1/patients/{id}/benefits",
                 "/api/v1/benefit-gaps", "/api/v1/relief-applications/{id}/approve", "/api/v1/relief-funds",
                 "/api/v1/relief-summary"):
        assert path in paths
