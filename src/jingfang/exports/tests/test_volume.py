"""The rolling count of personal rows (exports.volume): village by village, page by page, export and
API together, the threshold caps what one user takes out without approval within the window."""

import datetime as dt

import pytest
from django.utils import timezone

from jingfang.accounts.services import issue_token
from jingfang.audit.models import AuditEvent
from jingfang.exports import rules, volume
from jingfang.exports.models import ExportRequest, RowTally

from .conftest import EXPORT, is_xlsx
from .test_flow import approve

pytestmark = pytest.mark.django_db


def api(client, user, url, **params):
    return client.get("/api/v1" + url, params, HTTP_AUTHORIZATION=f"Bearer {issue_token(user)}")


@pytest.mark.parametrize("already,count,threshold,role,personal,needed", [
    (0, 2, 2, "township_doctor", True, False),
    (0, 3, 2, "township_doctor", True, True),
    (2, 1, 2, "township_doctor", True, True),  # the window is full: one more row needs approval
    (1, 1, 2, "township_doctor", True, False),
    (5, 1, 2, "county_supervisor", True, False),  # exempt
    (5, 1, 2, "township_doctor", False, False),  # aggregates
])
def test_needs_approval_table(already, count, threshold, role, personal, needed):
    assert rules.needs_approval(count, threshold, role, personal=personal, already=already) is needed


def test_village_by_village_exports_need_approval_once_the_window_is_full(client, users, three):
    """東镇 has three rows (threshold two): 甲村's two export at once, then 乙村's one needs approval."""
    doctor = users["doctor"]
    client.force_login(doctor)
    assert is_xlsx(client.get(EXPORT, {"region": "990102001001"}))
    assert volume.used(doctor) == 2
    r = client.get(EXPORT, {"region": "990102001002"})
    page = r.content.decode()
    assert r.status_code == 200 and not is_xlsx(r) and "导出需要审批" in page
    assert "您已导出或查询 2 行个人信息" in page
    event = AuditEvent.objects.filter(action="export", outcome="denied").latest("id")
    assert event.detail["count"] == 1 and event.detail["window_rows"] == 2
    assert volume.used(doctor) == 2  # the refused export counts nothing


def test_an_approved_export_is_not_counted_and_the_window_rolls(client, users, three, settings):
    doctor, office = users["doctor"], users["office"]
    client.force_login(doctor)
    assert is_xlsx(client.get(EXPORT, {"region": "990102001001"}))
    r = client.get(EXPORT, {"region": "990102001002"})
    assert not is_xlsx(r)
    req = ExportRequest.objects.get(requester=doctor)
    assert client.post(f"/exports/{req.pk}/submit/", {"reason": "县里要求核对本镇全部在册患者名单"}).status_code == 302
    approve(client, office, req)
    client.force_login(doctor)
    assert is_xlsx(client.get(EXPORT, {"region": "990102001002", "approval": req.pk}))
    assert volume.used(doctor) == 2  # released by the approval, not counted
    hours = settings.JINGFANG_EXPORT_WINDOW_HOURS
    RowTally.objects.filter(user=doctor).update(at=timezone.now() - dt.timedelta(hours=hours, seconds=1))
    assert volume.used(doctor) == 0
    assert is_xlsx(client.get(EXPORT, {"region": "990102001001"}))  # a new window


def test_api_pages_count_and_are_refused_pointing_at_the_approval(client, users, three):
    doctor = users["doctor"]
    r = api(client, doctor, "/patients", page_size=2)
    assert r.status_code == 200 and len(r.json()["items"]) == 2
    r = api(client, doctor, "/patients", page=2, page_size=2)
    body = r.json()
    assert r.status_code == 403 and "items" not in body
    assert body["approval_required"] is True and body["window_rows"] == 2 and body["threshold"] == 2
    assert body["row_count"] == 1 and "审批" in body["errors"][0]["message"] and "导出" in body["errors"][0]["message"]
    event = AuditEvent.objects.filter(user_id=doctor.pk, outcome="denied").latest("id")
    assert event.action == "list" and event.detail == {"count": 1, "window_rows": 2, "threshold": 2}
    # The API search by POST counts into the same window.
    r = client.post("/api/v1/patients/search", {"q": "审批"}, content_type="application/json",
                    HTTP_AUTHORIZATION=f"Bearer {issue_token(doctor)}")
    assert r.status_code == 403 and r.json()["approval_required"] is True


def test_api_pages_and_exports_share_one_window(client, users, three):
    doctor = users["doctor"]
    assert api(client, doctor, "/patients", region_code="990102001001").status_code == 200  # two rows
    client.force_login(doctor)
    r = client.get(EXPORT, {"region": "990102001002"})  # one more row
    assert not is_xlsx(r) and "导出需要审批" in r.content.decode()


def test_an_empty_page_counts_nothing_and_exempt_roles_are_not_counted(client, users, three):
    assert api(client, users["doctor"], "/patients", q="没有这个人").status_code == 200
    assert not RowTally.objects.exists()
    county = users["county"]
    for _ in range(3):
        assert api(client, county, "/patients").status_code == 200
    client.force_login(county)
    assert is_xlsx(client.get(EXPORT))
    assert not RowTally.objects.filter(user=county).exists()


def test_a_full_window_still_lets_nothing_through_and_refuses_one_row(client, users, three):
    doctor = users["doctor"]
    client.force_login(doctor)
    assert is_xlsx(client.get(EXPORT, {"region": "990102001001"}))
    assert volume.take(doctor, 0, channel=volume.EXPORT) is None
    assert volume.take(doctor, 1, channel=volume.EXPORT) == 2


LISTS = {"/patients": "patients", "/leads": "leads", "/report-cards": "report_cards", "/releases": "releases",
         "/transfers": "transfers", "/incidents": "incidents", "/relief-applications": "relief"}


@pytest.mark.parametrize("url", sorted(LISTS))
def test_every_api_list_of_personal_records_counts_its_page(client, users, url, monkeypatch):
    seen = []
    monkeypatch.setattr(volume, "check_api_page", lambda request, rows, **kw: seen.append((rows, kw["target"])))
    answered = [api(client, users[who], url).status_code for who in ("doctor", "office")]
    assert 200 in answered
    assert seen and all(target == LISTS[url] for _, target in seen)
