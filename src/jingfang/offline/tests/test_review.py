"""The township doctor's review of held visits (录入, 转交, 不予录入), the worklist item, and what the
recorder's phone learns (GET /api/v1/offline/outcomes)."""

import datetime as dt

import pytest

from jingfang.audit.models import AuditEvent
from jingfang.core import clock
from jingfang.followups import worklist
from jingfang.followups.models import FollowUp
from jingfang.offline.models import OfflineEntry

from .conftest import move, sync, visit

pytestmark = pytest.mark.django_db


@pytest.fixture
def held(client, users, jia, download):
    """The village doctor's visit to 甲患者, held: the patient moved to 西镇 while the phone was offline."""
    download(users["vdoc"])
    move(jia, "990102002001")
    [res] = sync(client, users["vdoc"], [visit(jia, risk_level=2)]).json()["results"]
    assert res["status"] == "held"
    return OfflineEntry.objects.get()


def outcomes(client, user):
    client.force_login(user)
    return client.get("/api/v1/offline/outcomes").json()


def test_held_list_and_worklist_item_for_the_recorders_township(client, users, held):
    client.force_login(users["doctor"])
    page = client.get("/offline/held/")
    assert page.status_code == 200 and "甲患者" in page.content.decode()
    assert "患者已不在录入人辖区内" in page.content.decode()
    items = worklist.items_for(users["doctor"], clock.today())
    mine = [i for i in items if i.rule_id == "offline:held"]
    assert len(mine) == 1 and "离线随访待审核" in mine[0].label and mine[0].url == "/offline/held/"
    # the other township's doctor sees neither; the village doctor has no review
    assert not [i for i in worklist.items_for(users["doctor2"], clock.today()) if i.rule_id == "offline:held"]
    client.force_login(users["doctor2"])
    assert client.get(f"/offline/held/{held.pk}/").status_code == 404
    assert client.get(f"/offline/held/{10**9}/").status_code == 404
    client.force_login(users["vdoc"])
    assert client.get("/offline/held/").status_code == 403


def test_forward_then_the_new_township_applies(client, users, held):
    client.force_login(users["doctor"])
    r = client.post(f"/offline/held/{held.pk}/", {"action": "apply"})
    assert r.status_code == 422 and "转交" in r.content.decode()  # not reachable: forward it
    r = client.post(f"/offline/held/{held.pk}/", {"action": "forward"})
    assert r.status_code == 302
    held.refresh_from_db()
    assert held.review_region_id == "990102002000" and held.review_state == "pending"
    # again (a double click): nothing more, no error
    assert client.post(f"/offline/held/{held.pk}/", {"action": "forward"}).status_code == 302
    assert AuditEvent.objects.filter(target=f"offline_entry:{held.pk}", detail__review="forwarded").count() == 1
    assert "甲患者" not in client.get("/offline/held/").content.decode()
    # the recorder learns nothing of where
    out = outcomes(client, users["vdoc"])
    assert out["items"][0]["status"] == "held" and "西镇" not in str(out) and "丙村" not in str(out)
    # 西镇's doctor applies it through the follow-up service
    client.force_login(users["doctor2"])
    assert "甲患者" in client.get("/offline/held/").content.decode()
    assert client.post(f"/offline/held/{held.pk}/", {"action": "apply"}).status_code == 302
    fu = FollowUp.objects.get()
    held.refresh_from_db()
    assert held.review_state == "applied" and held.followup == fu and fu.risk_level == 2
    assert fu.recorded_by == users["doctor2"]
    assert client.post(f"/offline/held/{held.pk}/", {"action": "apply"}).status_code == 302  # idempotent
    assert FollowUp.objects.count() == 1
    out = outcomes(client, users["vdoc"])
    assert out["items"][0]["status"] == "applied" and out["items"][0]["followup_id"] == fu.pk


def test_dismiss_needs_a_reason_and_the_recorder_sees_it(client, users, held):
    client.force_login(users["doctor"])
    r = client.post(f"/offline/held/{held.pk}/", {"action": "dismiss", "reason": "重复"})
    assert r.status_code == 422 and "5至200个字" in r.content.decode()
    held.refresh_from_db()
    assert held.review_state == "pending"
    r = client.post(f"/offline/held/{held.pk}/", {"action": "dismiss", "reason": "与纸质随访重复录入"})
    assert r.status_code == 302
    held.refresh_from_db()
    assert held.review_state == "dismissed" and held.reviewed_by == users["doctor"]
    assert client.post(f"/offline/held/{held.pk}/", {"action": "dismiss", "reason": "再次点击了按钮"}).status_code == 302
    held.refresh_from_db()
    assert held.review_note == "与纸质随访重复录入"
    assert client.post(f"/offline/held/{held.pk}/", {"action": "apply"}).status_code == 422  # decided
    out = outcomes(client, users["vdoc"])
    assert out["count"] == 1
    assert out["items"][0]["status"] == "dismissed" and "与纸质随访重复录入" in out["items"][0]["message"]
    assert not FollowUp.objects.exists()
    assert not [i for i in worklist.items_for(users["doctor"], clock.today()) if i.rule_id == "offline:held"]


def test_apply_a_visit_held_for_a_death_once_the_record_is_corrected(client, users, jia):
    type(jia).objects.filter(pk=jia.pk).update(status="deceased", death_date=clock.today() - dt.timedelta(days=1))
    sync(client, users["vdoc"], [visit(jia)])
    entry = OfflineEntry.objects.get()
    client.force_login(users["doctor"])
    r = client.post(f"/offline/held/{entry.pk}/", {"action": "apply"})
    assert r.status_code == 422 and "死亡" in r.content.decode()
    assert client.post(f"/offline/held/{entry.pk}/", {"action": "forward"}).status_code == 422  # still here
    type(jia).objects.filter(pk=jia.pk).update(status="at_home", death_date=None)  # the death was entered in error
    assert client.post(f"/offline/held/{entry.pk}/", {"action": "apply"}).status_code == 302
    assert FollowUp.objects.filter(patient=jia).count() == 1


def test_outcomes_only_own_and_health_roles(client, users, held, make_user):
    other = make_user("village_doctor", "v11", username="vdoc_other")
    assert outcomes(client, other)["count"] == 0
    client.force_login(users["police"])
    assert client.get("/api/v1/offline/outcomes").status_code == 403


def test_the_worklist_page_links_to_the_review(client, users, held):
    client.force_login(users["doctor"])
    page = client.get("/", follow=True).content.decode()
    assert "离线随访待审核" in page and 'href="/offline/held/"' in page
