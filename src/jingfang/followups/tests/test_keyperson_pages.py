"""Key persons, individual plans, lost to follow-up, medication and sensitive periods: the pages."""

import datetime as dt
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from jingfang.audit.models import AuditEvent
from jingfang.followups import engine
from jingfang.followups.models import FollowUp, IndividualPlan, PlanMeasure, SearchAttempt, SensitivePeriod
from jingfang.registry.models import Patient

pytestmark = pytest.mark.django_db

NAMES = ("甲患者", "乙患者", "丙患者")


@pytest.fixture
def three(make_patient):
    """甲患者 in 甲村 and 乙患者 in 乙村 (both 东镇), 丙患者 in 丙村 (西镇)."""
    return (
        make_patient("990102001001", name="甲患者"),
        make_patient("990102001002", name="乙患者"),
        make_patient("990102002001", name="丙患者"),
    )


def as_user(client, user):
    client.force_login(user)
    return client


def update(patient, **fields):
    Patient.objects.filter(pk=patient.pk).update(**fields)
    patient.refresh_from_db()
    return patient


def seen_followup(patient, date, adherence="none", cause="economic", **extra):
    return FollowUp.objects.create(
        patient=patient, date=date, mode="home_visit", seen=True, adherence=adherence, adherence_cause=cause,
        risk_level=1, **extra,
    )


def shown(html, names=NAMES):
    return {n for n in names if n in html}


def workbook_text(response) -> str:
    wb = load_workbook(io.BytesIO(response.content))
    return " ".join(str(c) for row in wb.active.iter_rows(values_only=True) for c in row if c is not None)


def make_plan(patient, *, medication=True, review=None):
    plan = IndividualPlan.objects.create(patient=patient, title="测试方案", owner_name="李责任",
                                         review_date=review or dt.date.today() + dt.timedelta(days=20))
    PlanMeasure.objects.create(plan=plan, category="guardianship", text="落实监护人看护责任")
    if medication:
        PlanMeasure.objects.create(plan=plan, category="medication", text="改用长效针剂每月注射")
    return plan


# ---- scoping -----------------------------------------------------------------------------------

PATIENT_PAGES = [
    ("get", "/patients/{pk}/plan/", {}),
    ("post", "/patients/{pk}/plan/", {"title": "x", "review_date": "2030-01-01", "active": "on"}),
    ("post", "/patients/{pk}/plan/flag/", {"key_person_manual": "1", "key_person_reason": "x", "version": "1"}),
    ("post", "/patients/{pk}/plan/measures/{mid}/done/", {"done": "1"}),
    ("get", "/patients/{pk}/search/", {}),
    ("post", "/patients/{pk}/search/", {"date": "2024-01-02", "method": "home", "result": "found"}),
]


@pytest.mark.parametrize("method,url,data", PATIENT_PAGES)
@pytest.mark.parametrize("who", ["doctor2", "outsider", "vdoc"])  # other township; other county; other village
def test_patient_pages_out_of_jurisdiction_are_404_like_missing_and_audited(client, users, three, who, method,
                                                                            url, data):
    target = three[1]  # 乙村
    plan = make_plan(target, medication=False)
    measure = plan.measures.get()
    update(target, lost=True)
    as_user(client, users[who])
    out = getattr(client, method)(url.format(pk=target.pk, mid=measure.pk), data)
    missing = getattr(client, method)(url.format(pk=999999, mid=measure.pk), data)
    assert out.status_code == missing.status_code == 404
    assert out.content == missing.content
    assert AuditEvent.objects.filter(patient_id=target.pk, outcome="denied", username=users[who].username).exists()
    target.refresh_from_db()
    measure.refresh_from_db()
    assert target.version == 1 and target.lost and not target.key_person_manual and not measure.done
    assert IndividualPlan.objects.filter(patient=target).count() == 1
    assert not SearchAttempt.objects.exists()


LIST_SCOPES = [
    ("county", set(NAMES)),
    ("doctor", {"甲患者", "乙患者"}),
    ("vdoc", {"甲患者"}),
    ("doctor2", {"丙患者"}),
    ("outsider", set()),
]


@pytest.mark.parametrize("who,sees", LIST_SCOPES)
def test_key_person_list_shows_exactly_the_jurisdiction(client, users, three, who, sees):
    for p in three:
        update(p, key_person=True, grade="red")
    as_user(client, users[who])
    response = client.get("/keypersons/")
    assert response.status_code == 200
    assert shown(response.content.decode()) == sees
    event = AuditEvent.objects.get(username=users[who].username, action="list", target="keypersons")
    assert event.detail["count"] == len(sees)


@pytest.mark.parametrize("who,sees", LIST_SCOPES)
def test_lost_list_shows_exactly_the_jurisdiction(client, users, three, who, sees):
    update(three[0], lost=True)
    update(three[1], status="missing")
    update(three[2], lost=True)
    as_user(client, users[who])
    html = client.get("/lost/").content.decode()
    assert shown(html) == sees


@pytest.mark.parametrize("who,sees", [row for row in LIST_SCOPES if row[0] != "outsider"] + [("outsider", set())])
def test_medication_list_shows_exactly_the_jurisdiction(client, users, three, who, sees):
    for p in three:
        seen_followup(p, dt.date(2024, 3, 1))
    as_user(client, users[who])
    response = client.get("/medication/")
    assert response.status_code == 200
    assert shown(response.content.decode()) == sees


@pytest.mark.parametrize("page", ["/keypersons/", "/lost/", "/medication/"])
def test_list_region_filter_outside_the_jurisdiction_shows_nothing(client, users, three, page):
    for p in three:
        update(p, key_person=True, lost=True)
        seen_followup(p, dt.date(2024, 3, 1))
    as_user(client, users["vdoc"])
    assert shown(client.get(page, {"region": "990102002001"}).content.decode()) == set()
    assert shown(client.get(page, {"region": "990102001001"}).content.decode()) == {"甲患者"}


# ---- key persons -------------------------------------------------------------------------------

def test_key_person_list_grades_plans_and_overdue_review(client, users, three):
    a, b, c = three
    update(a, key_person=True, grade="red", risk_level=3)
    update(b, key_person=True, grade="")
    update(c, key_person=False)
    make_plan(a, review=dt.date.today() - dt.timedelta(days=3))
    as_user(client, users["county"])
    html = client.get("/keypersons/").content.decode()
    assert "甲患者" in html and "乙患者" in html and "丙患者" not in html
    assert "grade-red" in html and "grade-grey" in html
    assert "已逾期" in html and "尚未制定" in html
    assert shown(client.get("/keypersons/", {"grade": "red"}).content.decode()) == {"甲患者"}
    assert shown(client.get("/keypersons/", {"grade": "grey"}).content.decode()) == {"乙患者"}
    assert shown(client.get("/keypersons/", {"no_plan": "1"}).content.decode()) == {"乙患者"}
    partial = client.get("/keypersons/", {"grade": "red"}, HTTP_HX_REQUEST="true").content.decode()
    assert "甲患者" in partial and "<html" not in partial


def test_key_person_reasons_hide_the_condition_from_police(client, users, three):
    update(three[0], key_person=True, condition="unstable")
    as_user(client, users["police"])
    response = client.get("/keypersons/")
    (row,) = response.context["rows"]
    assert "病情不稳定" not in row["reasons"] and "卫生健康部门评估认定" in row["reasons"]
    html = response.content.decode()
    assert "甲患者" in html and "卫生健康部门评估认定" in html and "红色：病情不稳定" not in html  # no legend
    as_user(client, users["doctor"])
    (row,) = client.get("/keypersons/").context["rows"]
    assert "病情不稳定" in row["reasons"]


def test_key_person_export_is_masked_stamped_and_audited(client, users, three):
    for p in three:
        update(p, key_person=True, grade="orange")
    as_user(client, users["doctor"])
    response = client.get("/keypersons/export.xlsx")
    assert response.status_code == 200
    text = workbook_text(response)
    assert "甲患者" in text and "乙患者" in text and "丙患者" not in text
    assert three[0].id_number not in text and "13800001234" not in text
    assert three[0].id_number[:3] + "*" * 11 + three[0].id_number[-4:] in text and "138****1234" in text
    assert "导出人" in text and "橙色" in text
    event = AuditEvent.objects.get(action="export", username=users["doctor"].username)
    assert event.detail["count"] == 2 and event.outcome == "ok"


def test_export_refused_without_the_export_right(client, users, three):
    as_user(client, users["cadre"])
    assert client.get("/keypersons/export.xlsx").status_code == 403
    assert client.get("/lost/export.xlsx").status_code == 403
    assert AuditEvent.objects.filter(action="export", outcome="denied", username=users["cadre"].username).count() == 2


# ---- individual plan ---------------------------------------------------------------------------

def test_create_plan_with_measures_then_toggle_done(client, users, three):
    p = three[0]
    as_user(client, users["vdoc"])
    page = client.get(f"/patients/{p.pk}/plan/")
    assert page.status_code == 200 and "尚未制定一人一策方案" in page.content.decode()
    response = client.post(f"/patients/{p.pk}/plan/", {
        "title": "甲患者管控方案", "owner_name": "张村医", "review_date": "2030-06-30", "active": "on",
        "m-0-category": "guardianship", "m-0-text": "与监护人签订监护协议",
        "m-1-category": "medication", "m-1-text": "送药上门",
        "m-2-category": "other", "m-2-text": "",
    })
    assert response.status_code == 302
    plan = IndividualPlan.objects.get(patient=p, active=True)
    assert plan.title == "甲患者管控方案" and plan.review_date == dt.date(2030, 6, 30)
    assert sorted(plan.measures.values_list("category", flat=True)) == ["guardianship", "medication"]
    html = client.get(f"/patients/{p.pk}/plan/").content.decode()
    assert "甲患者管控方案" in html and "张村医" in html and "2030-06-30" in html
    assert "监护落实" in html and "服药管理" in html and "0 / 2" in html

    m = plan.measures.get(category="guardianship")
    toggled = client.post(f"/patients/{p.pk}/plan/measures/{m.pk}/done/", {"done": "1"}, HTTP_HX_REQUEST="true")
    assert toggled.status_code == 200
    body = toggled.content.decode()
    assert f'id="measure-{m.pk}"' in body and "checked" in body and "<html" not in body
    assert 'hx-swap-oob="true"' in body and "1 / 2 项已落实" in body
    m.refresh_from_db()
    assert m.done
    client.post(f"/patients/{p.pk}/plan/measures/{m.pk}/done/", {}, HTTP_HX_REQUEST="true")
    m.refresh_from_db()
    assert not m.done
    assert AuditEvent.objects.filter(action="update", target=f"measure:{m.pk}", outcome="ok").count() == 2

    # Update: add a measure to the same plan, then close it -> history.
    client.post(f"/patients/{p.pk}/plan/", {
        "title": "甲患者管控方案", "owner_name": "张村医", "review_date": "2030-06-30", "active": "on",
        "m-0-category": "visit", "m-0-text": "每月联合走访",
    })
    assert IndividualPlan.objects.filter(patient=p).count() == 1 and plan.measures.count() == 3
    client.post(f"/patients/{p.pk}/plan/", {"title": "甲患者管控方案", "review_date": "2030-06-30"})
    plan.refresh_from_db()
    assert plan.active is False
    html = client.get(f"/patients/{p.pk}/plan/").content.decode()
    assert "历史方案" in html and "每月联合走访" in html and "尚未制定一人一策方案" in html


def test_plan_with_bad_review_date_is_refused_and_keeps_the_typed_measures(client, users, three):
    p = three[0]
    as_user(client, users["doctor"])
    response = client.post(f"/patients/{p.pk}/plan/", {
        "title": "方案", "review_date": "", "active": "on", "m-0-category": "visit", "m-0-text": "每周电话联系",
    })
    assert response.status_code == 422
    html = response.content.decode()
    assert "下次研判日期" in html and "每周电话联系" in html
    assert not IndividualPlan.objects.exists()


def test_medication_measures_hidden_from_police_and_other_non_health_roles(client, users, three):
    p = three[0]
    plan = make_plan(p)
    med = plan.measures.get(category="medication")
    for who in ("police", "office", "civil", "judicial"):
        as_user(client, users[who])
        html = client.get(f"/patients/{p.pk}/plan/").content.decode()
        assert "测试方案" in html and "落实监护人看护责任" in html, who
        assert "长效针剂" not in html and "服药管理" not in html, who
    as_user(client, users["doctor"])
    html = client.get(f"/patients/{p.pk}/plan/").content.decode()
    assert "改用长效针剂每月注射" in html and "服药管理" in html
    # The township office manages plans but may neither tick nor add clinical measures.
    as_user(client, users["office"])
    assert client.post(f"/patients/{p.pk}/plan/measures/{med.pk}/done/", {"done": "1"}).status_code == 404
    med.refresh_from_db()
    assert not med.done
    refused = client.post(f"/patients/{p.pk}/plan/", {
        "title": "测试方案", "review_date": "2030-01-01", "active": "on",
        "m-0-category": "medication", "m-0-text": "停药观察",
    })
    assert refused.status_code == 422 and not plan.measures.filter(text="停药观察").exists()


def test_police_may_read_plans_but_not_write_them(client, users, three):
    p = three[0]
    plan = make_plan(p, medication=False)
    m = plan.measures.get()
    as_user(client, users["police"])
    html = client.get(f"/patients/{p.pk}/plan/").content.decode()
    assert "测试方案" in html and "保存方案" not in html and "hx-post" not in html
    assert client.post(f"/patients/{p.pk}/plan/", {"title": "x", "review_date": "2030-01-01"}).status_code == 403
    assert client.post(f"/patients/{p.pk}/plan/measures/{m.pk}/done/", {"done": "1"}).status_code == 403
    m.refresh_from_db()
    assert not m.done
    assert AuditEvent.objects.filter(username=users["police"].username, outcome="denied").count() == 2


def test_health_roles_get_policy_medication_suggestions_on_the_plan(client, users, three, tree):
    p = three[0]
    tree["t1"].policy = "qiyunshan-2024"
    tree["t1"].save()
    engine.clear_caches()
    seen_followup(p, dt.date(2024, 3, 1), cause="inconvenient")
    as_user(client, users["doctor"])
    html = client.get(f"/patients/{p.pk}/plan/").content.decode()
    assert "送药上门" in html and "（齐云山镇2024，三（五）2）" in html
    client.post(f"/patients/{p.pk}/plan/", {"title": "方案", "review_date": "2030-01-01", "active": "on",
                                           "suggest": "送药上门"})
    m = PlanMeasure.objects.get(plan__patient=p)
    assert m.category == "medication" and m.source == "medication:inconvenient"
    as_user(client, users["police"])
    assert "送药上门" not in client.get(f"/patients/{p.pk}/plan/").content.decode()


def test_manual_key_person_flag_set_and_cleared_with_a_reason(client, users, three):
    p = three[0]
    as_user(client, users["office"])
    missing_reason = client.post(f"/patients/{p.pk}/plan/flag/", {"key_person_manual": "1", "version": p.version})
    assert missing_reason.status_code == 422 and "原因" in missing_reason.content.decode()
    p.refresh_from_db()
    assert not p.key_person_manual
    ok = client.post(f"/patients/{p.pk}/plan/flag/",
                     {"key_person_manual": "1", "key_person_reason": "多次拒绝随访", "version": p.version})
    assert ok.status_code == 302
    p.refresh_from_db()
    assert p.key_person_manual and p.key_person and p.key_person_reason == "多次拒绝随访"
    assert "人工标记：多次拒绝随访" in client.get(f"/patients/{p.pk}/plan/").content.decode()
    stale = client.post(f"/patients/{p.pk}/plan/flag/", {"version": p.version - 1})
    assert stale.status_code == 409
    cleared = client.post(f"/patients/{p.pk}/plan/flag/", {"version": p.version})
    assert cleared.status_code == 302
    p.refresh_from_db()
    assert not p.key_person_manual and p.key_person_reason == ""
    as_user(client, users["police"])  # no EDIT_PATIENT
    assert client.post(f"/patients/{p.pk}/plan/flag/", {"key_person_manual": "1", "key_person_reason": "x",
                                                         "version": p.version}).status_code == 403


# ---- lost to follow-up -------------------------------------------------------------------------

def test_lost_list_counts_per_village_and_this_months_attempts(client, users, three):
    a, b, c = three
    update(a, lost=True, last_seen_date=dt.date(2023, 11, 5))
    update(b, status="missing")
    today = engine.today()
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
                           {"date": engine.today().isoformat(), "method": "relatives", "result": "not_found",
                            "note": "邻居称外出"})
    assert response.status_code == 302
    a.refresh_from_db()
    assert a.lost
    client.post(f"/patients/{a.pk}/search/", {"date": engine.today().isoformat(), "method": "home", "result": "found"})
    a.refresh_from_db()
    assert a.lost is False
    assert SearchAttempt.objects.filter(patient=a).count() == 2
    html = client.get(f"/patients/{a.pk}/search/").content.decode()
    assert "邻居称外出" in html and "已找到" in html
    assert "甲患者" not in client.get("/lost/").content.decode()

    as_user(client, users["doctor"])
    client.post(f"/patients/{b.pk}/search/", {"date": engine.today().isoformat(), "method": "police", "result": "found"})
    b.refresh_from_db()
    assert b.status == "at_home" and not b.lost
    assert AuditEvent.objects.filter(action="create", target="search", patient_id=b.pk).exists()


def test_search_form_errors_and_rights(client, users, three):
    a = three[0]
    update(a, lost=True)
    as_user(client, users["doctor"])
    future = (engine.today() + dt.timedelta(days=2)).isoformat()
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
    assert rows == {  # seed 000 as carried by the national profile
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
    today = engine.today()
    SensitivePeriod.objects.create(region=users["county"].region, name="重大活动保障", start=today,
                                   end=today + dt.timedelta(days=3))
    as_user(client, users["doctor"])
    assert "当前处于敏感时期" in client.get("/keypersons/").content.decode()
    text = workbook_text(client.get("/sensitive-periods/export.xlsx"))
    assert "重大活动保障" in text and "进行中" in text
    assert AuditEvent.objects.get(action="export", username=users["doctor"].username).detail["count"] == 1
