"""Every support page and API route: a row outside the caller's jurisdiction is a 404 identical to a
missing one, audited "denied", and nothing changes."""

import json

import pytest

from jingfang.accounts.services import issue_token
from jingfang.audit.models import AuditEvent
from jingfang.support import services_rewards
from jingfang.support.models import Benefit, ReliefApplication, RewardRun

from .conftest import STEP_DATA

pytestmark = pytest.mark.django_db
MISSING = 987654
WHO = ["doctor2", "outsider", "vdoc"]  # other township; other county; other village


@pytest.fixture
def rows(users, pingqiao, make_patient, walk):
    """All in 乙村 (东镇): outside vdoc's village, doctor2's township and outsider's county."""
    p = make_patient("990102001002", name="乙村患者", risk_level=3)
    app = walk(p, "village_reviewed")
    benefit = Benefit.objects.create(patient=p, kind="dibao", since=p.registered_on)
    run = RewardRun.objects.create(township_id="990102001000", year=2025, month=6, per="month",
                                   profile_name="pingqiao-2025", amount_yuan=200)
    services_rewards.recompute(users["office"], run)
    return {"p": p, "app": app, "b": benefit, "run": run}


def snapshot(r):
    return (ReliefApplication.objects.filter(pk=r["app"].pk).values().get(),
            Benefit.objects.filter(pk=r["b"].pk).values().get(),
            RewardRun.objects.filter(pk=r["run"].pk).values().get(), r["run"].withholds.count())


# (method, url; {app} {p} {b} {run} are replaced; the missing variant replaces the first id-like key)
PAGES = [
    ("get", "/support/relief/{app}/", {}),
    ("get", "/support/relief/{app}/print/", {}),
    ("get", "/support/relief/{app}/edit/", {}),
    ("post", "/support/relief/{app}/edit/", {"applicant_name": "越权", "insurance_type": "none", "facts": "x"}),
    *[("post", f"/support/relief/{{app}}/step/{a}/", STEP_DATA[a]) for a in STEP_DATA],
    ("get", "/support/relief/new/?patient={p}", {}),
    ("post", "/support/relief/new/", {"patient": "{p}", "applicant_name": "越权", "insurance_type": "none",
                                      "facts": "x"}),
    ("get", "/support/patients/{p}/benefits/", {}),
    ("post", "/support/patients/{p}/benefits/", {"kind": "dibao", "since": "2025-01-01"}),
    ("get", "/support/patients/{p}/benefits/{b}/", {}),
    ("post", "/support/patients/{p}/benefits/{b}/", {"delete": "1"}),
    ("get", "/support/rewards/{run}/", {}),
    ("get", "/support/rewards/{run}/roster.xlsx", {}),
    ("post", "/support/rewards/{run}/recompute/", {}),
    ("post", "/support/rewards/{run}/withhold/", {"patient": "{p}", "reason": "越权"}),
    ("post", "/support/rewards/{run}/paid/", {}),
    ("get", "/support/insurance/?township={town}", {}),
    ("get", "/support/insurance/roster.xlsx?township={town}", {}),
]


def fill(text, r, missing=False):
    ids = {"app": r["app"].pk, "p": r["p"].pk, "b": r["b"].pk, "run": r["run"].pk, "town": "990102001000"}
    if missing:
        ids = {k: MISSING for k in ids} | {"town": "990102009000"}
    return str(text).format(**ids)


@pytest.mark.parametrize("method,url,data", PAGES, ids=[f"{m} {u}" for m, u, _ in PAGES])
@pytest.mark.parametrize("who", WHO)
def test_pages_out_of_jurisdiction_are_404_like_missing_and_audited(client, users, rows, who, method, url, data):
    before = snapshot(rows)
    client.force_login(users[who])
    out = getattr(client, method)(fill(url, rows), {k: fill(v, rows) for k, v in data.items()})
    missing = getattr(client, method)(fill(url, rows, True), {k: fill(v, rows, True) for k, v in data.items()})
    assert out.status_code == missing.status_code == 404
    assert out.content == missing.content
    assert "乙村患者" not in out.content.decode()
    assert AuditEvent.objects.filter(user_id=users[who].pk, outcome="denied").exists()
    assert snapshot(rows) == before


API = [
    ("get", "/api/v1/relief-applications/{app}", None),
    ("patch", "/api/v1/relief-applications/{app}", {"facts": "越权"}),
    ("post", "/api/v1/relief-applications/{app}/submit", {}),
    ("post", "/api/v1/relief-applications/{app}/village-review", {"opinion": "越权"}),
    ("post", "/api/v1/relief-applications/{app}/village-reject", {"reason": "越权"}),
    ("post", "/api/v1/relief-applications/{app}/approve", {"option": "both_full", "amount": "1"}),
    ("post", "/api/v1/relief-applications/{app}/reject", {"reason": "越权"}),
    ("post", "/api/v1/relief-applications/{app}/admit", {"hospital": "x", "admission_date": "2025-01-01",
                                                         "total_cost": 1, "insurance_paid": 0, "relief_paid": 0,
                                                         "self_paid": 1}),
    ("post", "/api/v1/relief-applications/{app}/close", {}),
    ("post", "/api/v1/relief-applications", {"patient_id": "{p}", "applicant_name": "越权", "insurance_type": "none",
                                             "facts": "x"}),
    ("get", "/api/v1/patients/{p}/benefits", None),
    ("post", "/api/v1/patients/{p}/benefits", {"kind": "dibao", "since": "2025-01-01"}),
    ("patch", "/api/v1/benefits/{b}", {"note": "越权"}),
    ("delete", "/api/v1/benefits/{b}", None),
    ("get", "/api/v1/reward-runs/{run}", None),
    ("post", "/api/v1/reward-runs/{run}/recompute", {}),
    ("post", "/api/v1/reward-runs/{run}/withhold", {"patient_id": "{p}", "reason": "越权"}),
    ("delete", "/api/v1/reward-runs/{run}/withhold/{p}", None),
    ("post", "/api/v1/reward-runs/{run}/paid", {}),
    ("get", "/api/v1/liability-insurance?township_code={town}&year=2025", None),
]


def call(client, user, method, url, body):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {issue_token(user)}"}
    if body is None:
        return getattr(client, method)(url, **headers)
    return getattr(client, method)(url, data=json.dumps(body), content_type="application/json", **headers)


def fill_body(body, r, missing=False):
    if body is None:
        return None
    return {k: (int(fill(v, r, missing)) if v == "{p}" else v) for k, v in body.items()}


@pytest.mark.parametrize("method,url,body", API, ids=[f"{m} {u}" for m, u, _ in API])
@pytest.mark.parametrize("who", WHO)
def test_api_out_of_jurisdiction_is_404_like_missing_and_audited(client, users, rows, who, method, url, body):
    before = snapshot(rows)
    out = call(client, users[who], method, fill(url, rows), fill_body(body, rows))
    missing = call(client, users[who], method, fill(url, rows, True), fill_body(body, rows, True))
    assert out.status_code == missing.status_code == 404, out.content
    assert out.content == missing.content
    assert AuditEvent.objects.filter(user_id=users[who].pk, outcome="denied").exists()
    assert snapshot(rows) == before


def test_fund_of_another_county_is_404_like_missing(client, users, rows):
    client.force_login(users["outsider"])
    out = client.get("/support/relief/fund/?county=990102000000")
    missing = client.get("/support/relief/fund/?county=990109000000")
    assert out.status_code == missing.status_code == 404 and out.content == missing.content
    api_out = call(client, users["outsider"], "get", "/api/v1/relief-funds?county_code=990102000000", None)
    api_missing = call(client, users["outsider"], "get", "/api/v1/relief-funds?county_code=990109000000", None)
    assert api_out.status_code == api_missing.status_code == 404 and api_out.content == api_missing.content
    assert AuditEvent.objects.filter(user_id=users["outsider"].pk, outcome="denied", target="fund:990102000000").exists()
