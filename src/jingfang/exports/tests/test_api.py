"""The approval flow through the API: the campaign's upward report (GET /api/v1/campaigns/{id}/report)
returns persons, so it goes through the same guard."""

import json

import pytest

from jingfang.accounts.services import issue_token
from jingfang.audit.models import AuditEvent
from jingfang.exports import rules
from jingfang.exports.models import ExportRequest
from jingfang.screening import services_campaigns

PHASES = {"plan_start": "2022-09-01", "plan_end": "2022-09-14", "implement_start": "2022-09-15",
          "implement_end": "2022-09-30", "fill_gaps_start": "2022-10-01", "fill_gaps_end": "2022-10-31",
          "consolidate_start": "2022-11-01", "consolidate_end": "2022-12-30"}


def call(client, user, method, url, body=None):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {issue_token(user)}"}
    if body is None:
        return getattr(client, method)(url, **headers)
    return getattr(client, method)(url, data=json.dumps(body), content_type="application/json", **headers)


@pytest.fixture
def report_url(users, small):
    c = services_campaigns.create_campaign(users["office"], {"name": "2022年摸排", "risk_since": "2022-01-01",
                                                             **PHASES})
    for i, name in enumerate(("周摸排", "吴摸排", "郑摸排")):
        services_campaigns.add_listing(users["civil"], c, {"group": "welfare_disability", "name": name,
                                                           "birth_date": f"196{i}-01-01", "region_code": "990102001001"})
    return f"/api/v1/campaigns/{c.pk}/report"


def test_api_export_needs_approval_then_once(client, users, report_url, make_user):
    doctor, office = users["doctor"], users["office"]
    r = call(client, doctor, "get", report_url)
    body = r.json()
    assert r.status_code == 403 and body["approval_required"] is True and body["row_count"] == 3
    assert "须经乡镇综治中心审批" in body["errors"][0]["message"] and "周摸排" not in r.content.decode()
    rid = body["request_id"]
    bad = call(client, doctor, "post", f"/api/v1/exports/requests/{rid}/submit", {"reason": "短"})
    assert bad.status_code == 422 and "至少5个字" in bad.json()["errors"][0]["message"]
    ok = call(client, doctor, "post", f"/api/v1/exports/requests/{rid}/submit", {"reason": "报县司法局的摸排名单"})
    assert ok.status_code == 200 and ok.json()["status"] == rules.PENDING
    assert call(client, doctor, "get", "/api/v1/exports/queue").status_code == 403
    queue = call(client, office, "get", "/api/v1/exports/queue?state=pending").json()
    assert [i["id"] for i in queue["items"]] == [rid] and queue["items"][0]["row_count"] == 3
    decided = call(client, office, "post", f"/api/v1/exports/requests/{rid}/decide", {"decision": "approve"})
    assert decided.status_code == 200 and decided.json()["status"] == rules.APPROVED
    other = make_user("township_doctor", "t1", "doctor_b")
    assert call(client, other, "get", f"{report_url}?approval={rid}").status_code == 403
    assert call(client, other, "get", f"/api/v1/exports/requests/{rid}").status_code == 404
    tampered = call(client, doctor, "get", f"{report_url}?approval={rid}&extra=1")
    assert tampered.status_code == 403 and "不一致" in tampered.json()["errors"][0]["message"]
    got = call(client, doctor, "get", f"{report_url}?approval={rid}")
    assert got.status_code == 200 and got.json()["total"] == 3
    event = AuditEvent.objects.get(action="export", outcome="ok", target__endswith=":report")
    assert event.detail == {"count": 3, "approval": rid}
    assert ExportRequest.objects.get(pk=rid).status == rules.DOWNLOADED
    again = call(client, doctor, "get", f"{report_url}?approval={rid}")
    assert again.status_code == 403 and "已下载过一次" in again.json()["errors"][0]["message"]
    mine = call(client, doctor, "get", "/api/v1/exports/requests").json()
    assert mine["count"] == 1 and mine["items"][0]["status_label"] == "已下载"


def test_api_below_threshold_and_decisions_refused_to_others(client, users, report_url, settings):
    settings.JINGFANG_EXPORT_APPROVAL_ROWS = 3
    assert call(client, users["doctor"], "get", report_url).json()["total"] == 3
    settings.JINGFANG_EXPORT_APPROVAL_ROWS = 2
    rid = call(client, users["office"], "get", report_url).json()["request_id"]  # the office: to the county
    call(client, users["office"], "post", f"/api/v1/exports/requests/{rid}/submit", {"reason": "上报县级核对名单"})
    own = call(client, users["office"], "post", f"/api/v1/exports/requests/{rid}/decide", {"decision": "approve"})
    assert own.status_code == 403 and "无权审批" in own.json()["errors"][0]["message"]  # nobody approves themselves
    r = call(client, users["county"], "post", f"/api/v1/exports/requests/{rid}/decide", {"decision": "reject"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "note"
    r = call(client, users["county"], "post", f"/api/v1/exports/requests/{rid}/decide",
             {"decision": "reject", "note": "请说明上报对象"})
    assert r.json()["status"] == rules.REJECTED
    refused = call(client, users["office"], "get", f"{report_url}?approval={rid}")
    assert refused.status_code == 403 and "请说明上报对象" in refused.json()["errors"][0]["message"]
