"""Lost to follow-up and medication: the pages."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from jingfang.audit.models import AuditEvent
from jingfang.core import clock
from jingfang.followups import engine
from jingfang.followups.models import FollowUp, SearchAttempt, SensitivePeriod

from .pages_support import NAMES, as_user, make_plan, seen_followup, shown, update, workbook_text  # noqa: F401

pytestmark = pytest.mark.django_db


# ---- lost to follow-up -------------------------------------------------------------------------

def test_lost_list_counts_per_village_and_this_months_attempts(client, users, three):
    a, b, c = three
    update(a, lost=True, last_seen_date=dt.date(2023, 11, 5))
    update(b, status="missing")
    today = clock.today()
    SearchAttempt.objects.create(patient=a, date=today, method="phone", result="not_found")
    SearchAttempt.objects.create(patient=a, date=today.replace(day=1) - dt.timedelta(days=1), method="home",
                                 result="not_found")
    as_user(client, users["doctor"])
    response = client.get("/lost/")
    html = response.content.decode()
    assert "甲村 <strong>1</strong>" in html and "乙村 <strong>1</strong>" in html and "丙村" not in html
    assert "2023-11-05" in html and "电话联系" in html
    rows = {p.name: p for p in response.context["page"].object_list}
    assert rows["甲患者"].month_attempts == 1 and rows["乙患者"].month_attempts == 0
    assert shown(client.get("/lost/", {"unsearched": "1"}).content.decode()) == {"乙患者"}


def make_lost(patient):
    """Three failed attempts in a row (national profile: lost after 3), then the engine's refresh."""
    for day in (5, 12, 19):
        FollowUp.objects.create(patient=patient, date=dt.date(2024, 1, day), mode="home_visit", seen=False,
                                not_seen_reason="unreachable")
    engine.refresh(patient)
    patient.refresh_from_db()
    assert patient.lost
    return patient


def test_logging_a_search_found_clears_lost_and_missing(client, users, three):
    a, b, _ = three
    make_lost(a)
    update(b, status="missing")
    as_user(client, users["cadre"])  # village cadre of 甲村: logs searches
    response = client.post(f"/patients/{a.pk}/search/",
                           {"date": clock.today().isoformat(), "method": "relatives", "result": "not_found",
                            "note": "邻居称外出"})
    assert response.status_code == 302
    a.refresh_from_db()
    assert a.lost
    client.post(f"/patients/{a.pk}/search/", {"date": clock.today().isoformat(), "method": "home", "result": "found"})
    a.refresh_from_db()
    assert a.lost is False
    assert a.last_seen_date == clock.today()  # 末次见到 is the day the search found the patient
    assert SearchAttempt.objects.filter(patient=a).count() == 2
    html = client.get(f"/patients/{a.pk}/search/").content.decode()
    assert "邻居称外出" in html and "已找到" in html
    assert "甲患者" not in client.get("/lost/").content.decode()

    as_user(client, users["doctor"])
    client.post(f"/patients/{b.pk}/search/", {"date": clock.today().isoformat(), "method": "police", "result": "found"})
    b.refresh_from_db()
    assert b.status == "at_home" and not b.lost
    assert AuditEvent.objects.filter(action="create", target="search", patient_id=b.pk).exists()


def test_search_form_errors_and_rights(client, users, three):
    a = three[0]
    update(a, lost=True)
    as_user(client, users["doctor"])
    future = (clock.today() + dt.timedelta(days=2)).isoformat()
    bad = client.post(f"/patients/{a.pk}/search/", {"date": future, "method": "home", "result": "found"})
    assert bad.status_code == 422 and "不能晚于今天" in bad.content.decode()
    a.refresh_from_db()
    assert a.lost and not SearchAttempt.objects.exists()
    as_user(client, users["civil"])  # no worklist
    assert client.get(f"/patients/{a.pk}/search/").status_code == 403
    assert client.get("/lost/").status_code == 403


def test_lost_export_is_masked_and_audited(client, users, three):
    update(three[0], lost=True)
    as_user(client, users["police"])
    response = client.get("/lost/export.xlsx")
    text = workbook_text(response)
    assert "甲患者" in text and three[0].id_number not in text and "13900004321" not in text
    assert "139****4321" in text and "导出人" in text
    assert AuditEvent.objects.get(action="export", username=users["police"].username).detail["count"] == 1


# ---- medication --------------------------------------------------------------------------------

@pytest.mark.parametrize("who", ["police", "office", "cadre", "civil", "dpf", "judicial", "admin"])
def test_medication_page_is_for_health_roles_only(client, users, three, who):
    seen_followup(three[0], dt.date(2024, 3, 1))
    as_user(client, users[who])
    response = client.get("/medication/")
    assert response.status_code == 403 and "甲患者" not in response.content.decode()
    assert client.get("/medication/export.xlsx").status_code == 403
    assert AuditEvent.objects.filter(username=users[who].username, outcome="denied").count() == 2


def test_medication_uses_the_latest_seen_followup_and_maps_causes(client, users, three):
    a, b, c = three
    seen_followup(a, dt.date(2024, 1, 5), cause="economic")
    FollowUp.objects.create(patient=a, date=dt.date(2024, 2, 5), mode="phone", seen=False, not_seen_reason="away_work")
    seen_followup(b, dt.date(2024, 1, 5), adherence="none", cause="weak_guardianship")
    seen_followup(b, dt.date(2024, 2, 5), adherence="regular", cause="")
    seen_followup(c, dt.date(2024, 2, 5), adherence="intermittent", cause="poor_compliance")
    as_user(client, users["county"])
    response = client.get("/medication/")
    html = response.content.decode()
    assert shown(html) == {"甲患者", "丙患者"}  # 乙患者 takes medicine regularly at the latest visit
    assert "2024-01-05" in html  # the visit at which 甲患者 was seen, not the later phone attempt
    rows = {r["p"].name: [m["text"] for m in r["measures"]] for r in response.context["rows"]}
    assert rows == {  # 齐云山镇2024 as carried by the national profile
        "甲患者": ["采取救助救治政策，推动困难患者免费服药"],
        "丙患者": ["在调整用药的基础上，加强服药宣传教育", "建议使用长效针剂"],
    }
    assert shown(client.get("/medication/", {"cause": "economic"}).content.decode()) == {"甲患者"}
    assert shown(client.get("/medication/", {"adherence": "intermittent"}).content.decode()) == {"丙患者"}


def test_medication_measures_fall_back_to_seed_000_when_the_profile_has_none(client, users, three, tree,
                                                                               monkeypatch):
    import dataclasses

    real = engine.profile_for

    def profile_for(code):  # 西镇's profile carries no [[medication_measures]]
        profile = real(code)
        return dataclasses.replace(profile, medication_measures=()) if code.startswith("990102002") else profile

    monkeypatch.setattr(engine, "profile_for", profile_for)
    tree["t1"].policy = "qiyunshan-2024"
    tree["t1"].save()
    engine.clear_caches()
    seen_followup(three[0], dt.date(2024, 3, 1), cause="economic")
    seen_followup(three[2], dt.date(2024, 3, 1), cause="weak_guardianship")
    as_user(client, users["county"])
    rows = {r["p"].name: r["measures"] for r in client.get("/medication/").context["rows"]}
    assert rows["甲患者"] == [{"text": "采取救助救治政策，推动困难患者免费服药", "cite": "齐云山镇2024，三（五）2"}]
    assert rows["丙患者"] == [{"text": "建议使用长效针剂", "cite": "齐云山镇2024，三（五）2"}]


def test_medication_list_query_count_does_not_grow_with_patients(client, users, make_patient):
    def load(n):
        for i in range(n):
            seen_followup(make_patient("990102001001", name="服药" + "甲乙丙丁戊己庚辛壬癸"[i]), dt.date(2024, 3, 1))
        as_user(client, users["doctor"])
        client.get("/medication/")  # warm the session and policy caches
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/medication/").status_code == 200
        return len(ctx.captured_queries)

    few = load(2)
    many = load(8)
    assert many == few


def test_medication_export_is_masked_and_audited(client, users, three):
    seen_followup(three[0], dt.date(2024, 3, 1), cause="inconvenient")
    as_user(client, users["vdoc"])
    text = workbook_text(client.get("/medication/export.xlsx"))
    assert "甲患者" in text and "送药上门" in text and three[0].id_number not in text
    assert AuditEvent.objects.get(action="export", username=users["vdoc"].username).detail["count"] == 1


# ---- sensitive periods -------------------------------------------------------------------------

def test_sensitive_periods_created_by_the_county_and_seen_below_it(client, users, three):
    as_user(client, users["county"])
    response = client.post("/sensitive-periods/", {"name": "全国两会", "start": "2025-03-01", "end": "2025-03-15"})
    assert response.status_code == 302
    period = SensitivePeriod.objects.get()
    assert period.region_id == "990102000000" and period.created_by == users["county"]
    SensitivePeriod.objects.create(region=users["outsider"].region, name="邻县庙会", start=dt.date(2025, 2, 1),
                                   end=dt.date(2025, 2, 3))
    for who, sees in [("county", {"全国两会"}), ("doctor", {"全国两会"}), ("vdoc", {"全国两会"}),
                      ("cadre", {"全国两会"}), ("outsider", {"邻县庙会"})]:
        as_user(client, users[who])
        html = client.get("/sensitive-periods/").content.decode()
        assert {n for n in ("全国两会", "邻县庙会") if n in html} == sees, who


def test_sensitive_period_rights_and_validation(client, users, tree):
    as_user(client, users["doctor"])
    assert "设定敏感时期" not in client.get("/sensitive-periods/").content.decode()
    assert client.post("/sensitive-periods/", {"name": "x", "start": "2025-03-01", "end": "2025-03-02"}).status_code == 403
    as_user(client, users["civil"])
    assert client.get("/sensitive-periods/").status_code == 403
    as_user(client, users["county"])
    bad = client.post("/sensitive-periods/", {"name": "国庆", "start": "2025-10-07", "end": "2025-10-01"})
    assert bad.status_code == 422 and "结束日期不能早于开始日期" in bad.content.decode()
    assert not SensitivePeriod.objects.exists()


def test_current_sensitive_period_is_announced_on_key_persons_and_exported(client, users, three):
    today = clock.today()
    SensitivePeriod.objects.create(region=users["county"].region, name="重大活动保障", start=today,
                                   end=today + dt.timedelta(days=3))
    as_user(client, users["doctor"])
    assert "当前处于敏感时期" in client.get("/keypersons/").content.decode()
    text = workbook_text(client.get("/sensitive-periods/export.xlsx"))
    assert "重大活动保障" in text and "进行中" in text
    assert AuditEvent.objects.get(action="export", username=users["doctor"].username).detail["count"] == 1
