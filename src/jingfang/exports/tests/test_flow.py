"""The approval flow through the patient list's export (registry:patient_export), as users meet it."""

import datetime as dt

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpResponse
from django.test import RequestFactory
from django.utils import timezone

from jingfang.audit.models import AuditEvent
from jingfang.core import clock, xlsx
from jingfang.exports import guard, rules
from jingfang.exports.models import ExportRequest
from jingfang.followups import worklist

from .conftest import EXPORT, NAMES, is_xlsx, sheet_rows

REASON = "县里要求核对本镇全部在册患者名单"


def names_in(response) -> set[str]:
    return {cell for row in sheet_rows(response) for cell in row if cell in NAMES}


def ask(client, user, url=EXPORT, data=None) -> ExportRequest:
    """Export as ``user`` (refused for size), submit the reason; the pending request."""
    client.force_login(user)
    r = client.post(url, data) if data is not None else client.get(url)
    assert r.status_code == 200 and not is_xlsx(r) and "导出需要审批" in r.content.decode()
    req = ExportRequest.objects.filter(requester=user).latest("id")
    assert client.post(f"/exports/{req.pk}/submit/", {"reason": REASON}).status_code == 302
    req.refresh_from_db()
    assert req.status == rules.PENDING
    return req


def approve(client, approver, req) -> None:
    client.force_login(approver)
    assert client.post(f"/exports/{req.pk}/decide/", {"decision": "approve", "note": ""}).status_code == 302
    req.refresh_from_db()
    assert req.status == rules.APPROVED


def test_below_threshold_streams_at_once_with_who_and_when_and_count_audited(client, users, three):
    client.force_login(users["vdoc"])  # 甲村: two rows, at the threshold
    r = client.get(EXPORT)
    assert is_xlsx(r) and names_in(r) == {NAMES[0], NAMES[1]}
    stamp = sheet_rows(r)[1][0]
    assert stamp.startswith("导出人：测试（村医）") and "导出时间：" in stamp
    event = AuditEvent.objects.get(action="export", target="patients.xlsx", user_id=users["vdoc"].pk)
    assert event.outcome == "ok" and event.detail["count"] == 2 and "approval" not in event.detail
    assert not ExportRequest.objects.exists()


def test_above_threshold_no_file_and_no_personal_data(client, users, three):
    client.force_login(users["doctor"])
    r = client.get(EXPORT)
    page = r.content.decode()
    assert r.status_code == 200 and not is_xlsx(r) and "attachment" not in r.get("Content-Disposition", "")
    assert "导出需要审批" in page and "<strong>3</strong> 行" in page and "乡镇综治中心" in page
    assert not any(name in page for name in NAMES)
    assert not any(p.id_number in page or p.id_number[-4:] + "<" in page for p in three)
    req = ExportRequest.objects.get()
    assert (req.status, req.row_count, req.params, req.approver_role, req.approver_region_id) == (
        rules.DRAFT, 3, [], "township_office", "990102001000")
    event = AuditEvent.objects.get(action="export", target="patients.xlsx")
    assert event.outcome == "denied" and event.detail == {"count": 3, "approval_required": req.pk, "threshold": 2,
                                                                "window_rows": 0}
    client.get(EXPORT)
    assert ExportRequest.objects.count() == 1  # asking twice reuses the draft


def test_reason_required_then_pending_in_the_office_queue_and_worklist(client, users, three, make_user):
    client.force_login(users["doctor"])
    client.get(EXPORT)
    req = ExportRequest.objects.get()
    r = client.post(f"/exports/{req.pk}/submit/", {"reason": "看看"})
    assert r.status_code == 422 and "至少5个字" in r.content.decode()
    r = client.post(f"/exports/{req.pk}/submit/", {"reason": "核对 11010119900307123X"})
    assert r.status_code == 422 and "不要填写身份证号" in r.content.decode()
    client.post(f"/exports/{req.pk}/submit/", {"reason": REASON})
    req.refresh_from_db()
    assert req.status == rules.PENDING and req.reason == REASON
    assert "等待乡镇综治中心审批" in client.get(EXPORT).content.decode()
    client.force_login(users["office"])
    queue = client.get("/exports/queue/").content.decode()
    assert "患者名单" in queue and REASON in queue and f"/exports/{req.pk}/" in queue
    items = worklist.items_for(users["office"], clock.today())
    # the office is not health staff: its items carry no rule id (followups.worklist.for_role)
    assert [i.url for i in items if i.label.startswith("导出审批")] == [f"/exports/{req.pk}/"]
    office2 = make_user("township_office", "t2")
    client.force_login(office2)
    assert REASON not in client.get("/exports/queue/").content.decode()
    assert client.get(f"/exports/{req.pk}/").status_code == 404
    assert client.post(f"/exports/{req.pk}/decide/", {"decision": "approve"}).status_code == 404
    client.force_login(users["doctor"])
    assert client.post(f"/exports/{req.pk}/decide/", {"decision": "approve"}).status_code == 403
    req.refresh_from_db()
    assert req.status == rules.PENDING


def test_approved_downloads_once_regenerated_and_audited(client, users, three):
    req = ask(client, users["doctor"])
    approve(client, users["office"], req)
    assert req.decided_by == users["office"] and req.expires_at > timezone.now() + dt.timedelta(hours=23)
    client.force_login(users["doctor"])
    mine = client.get("/exports/").content.decode()
    assert "已批准，待下载" in mine and f'name="approval" value="{req.pk}"' in mine and 'action="/patients/export.xlsx"' in mine
    r = client.get(f"{EXPORT}?approval={req.pk}")
    assert is_xlsx(r) and names_in(r) == set(NAMES)
    assert sheet_rows(r)[1][0].startswith("导出人：测试（乡镇卫生院精防人员）")
    event = AuditEvent.objects.filter(action="export", outcome="ok", target="patients.xlsx").get()
    assert event.detail["count"] == 3 and event.detail["approval"] == req.pk
    req.refresh_from_db()
    assert req.status == rules.DOWNLOADED and req.downloaded_rows == 3
    again = client.get(f"{EXPORT}?approval={req.pk}")
    assert again.status_code == 403 and not is_xlsx(again) and "已下载过一次" in again.content.decode()
    assert AuditEvent.objects.filter(action="export", outcome="denied", target="patients.xlsx",
                                     detail__approval=str(req.pk)).count() == 1


def test_rejected_is_refused_with_the_note(client, users, three):
    req = ask(client, users["doctor"])
    client.force_login(users["office"])
    r = client.post(f"/exports/{req.pk}/decide/", {"decision": "reject", "note": ""})
    assert r.status_code == 422 and "不批准时请填写审批意见" in r.content.decode()
    client.post(f"/exports/{req.pk}/decide/", {"decision": "reject", "note": "请按村分别导出"})
    req.refresh_from_db()
    assert req.status == rules.REJECTED
    client.force_login(users["doctor"])
    r = client.get(f"{EXPORT}?approval={req.pk}")
    assert r.status_code == 403 and "未获批准" in r.content.decode() and "请按村分别导出" in r.content.decode()
    assert "请按村分别导出" in client.get("/exports/").content.decode()
    client.force_login(users["county"])  # decided once: no second decision
    assert client.post(f"/exports/{req.pk}/decide/", {"decision": "approve"}).status_code == 409


def test_another_user_cannot_use_the_approval(client, users, three, make_user):
    req = ask(client, users["doctor"])
    approve(client, users["office"], req)
    colleague = make_user("township_doctor", "t1", "doctor_b")
    for user in (colleague, users["office"], users["county"]):
        client.force_login(user)
        r = client.get(f"{EXPORT}?approval={req.pk}")
        assert r.status_code == 403 and not is_xlsx(r) and "不存在或不属于您" in r.content.decode(), user
    req.refresh_from_db()
    assert req.status == rules.APPROVED


@pytest.mark.parametrize("url", [
    f"{EXPORT}?status=at_home&approval={{pk}}",
    f"{EXPORT}?region=990102001002&approval={{pk}}",
    "/keypersons/export.xlsx?approval={pk}",
    "/screening/leads/export.xlsx?approval={pk}",
])
def test_other_parameters_or_another_export_refused(client, users, three, url):
    req = ask(client, users["doctor"])
    approve(client, users["office"], req)
    client.force_login(users["doctor"])
    r = client.get(url.format(pk=req.pk))
    assert r.status_code == 403 and not is_xlsx(r) and "导出条件与审批时不一致" in r.content.decode()
    req.refresh_from_db()
    assert req.status == rules.APPROVED


def test_expired_or_jurisdiction_changed_refused(client, users, three, tree):
    req = ask(client, users["doctor"])
    approve(client, users["office"], req)
    ExportRequest.objects.filter(pk=req.pk).update(expires_at=timezone.now() - dt.timedelta(minutes=1))
    client.force_login(users["doctor"])
    r = client.get(f"{EXPORT}?approval={req.pk}")
    assert r.status_code == 403 and "审批已过期" in r.content.decode()
    req.refresh_from_db()
    assert req.status == rules.EXPIRED
    req = ask(client, users["doctor"])
    approve(client, users["county"], req)  # a county supervisor may decide too
    users["doctor"].region = tree["t2"]
    users["doctor"].save()
    client.force_login(users["doctor"])
    r = client.get(f"{EXPORT}?approval={req.pk}")
    assert r.status_code == 403 and "辖区已变更" in r.content.decode()


def test_post_export_with_search_words_approved_by_post(client, users, three):
    req = ask(client, users["doctor"], data={"q": "审批"})
    assert req.method == "POST" and req.params == [["q", "审批"]]
    approve(client, users["office"], req)
    client.force_login(users["doctor"])
    mine = client.get("/exports/").content.decode()
    assert 'method="post" action="/patients/export.xlsx"' in mine and 'name="q" value="审批"' in mine
    assert not is_xlsx(client.get(f"{EXPORT}?q=审批&approval={req.pk}"))  # not as GET
    r = client.post(EXPORT, {"q": "审批", "approval": req.pk})
    assert is_xlsx(r) and names_in(r) == set(NAMES)


def test_township_office_goes_to_the_county_and_the_county_is_exempt(client, users, three):
    req = ask(client, users["office"])
    assert (req.approver_role, req.approver_label) == ("county_supervisor", "县级督导")
    client.force_login(users["county"])
    assert "患者名单" in client.get("/exports/queue/").content.decode()
    r = client.get(EXPORT)
    assert is_xlsx(r) and names_in(r) == set(NAMES)
    event = AuditEvent.objects.get(action="export", outcome="ok", user_id=users["county"].pk)
    assert event.detail["count"] == 3 and event.detail["exempt"] == "county_supervisor"


def test_a_guarded_view_cannot_send_a_file_around_the_guard(users):
    @guard.export_view
    def sneaky(request):
        return xlsx.xlsx_response("x.xlsx", b"data")

    @guard.export_view
    def page(request):
        return HttpResponse("ok")

    request = RequestFactory().get("/x")
    request.user = users["doctor"]
    with pytest.raises(ImproperlyConfigured):
        sneaky(request)
    assert page(request).status_code == 200


def test_undecided_requests_expire_and_leave_the_worklist(client, users, three):
    req = ask(client, users["doctor"])
    ExportRequest.objects.filter(pk=req.pk).update(submitted_at=timezone.now() - dt.timedelta(days=rules.PENDING_DAYS + 1))
    assert not [i for i in worklist.items_for(users["office"], clock.today()) if i.label.startswith("导出审批")]
    client.force_login(users["office"])
    assert client.post(f"/exports/{req.pk}/decide/", {"decision": "approve"}).status_code == 409
    req.refresh_from_db()
    assert req.status == rules.EXPIRED
