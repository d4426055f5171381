"""Key persons, individual plans and sensitive periods: the pages."""

import datetime as dt

import pytest

from jingfang.audit.models import AuditEvent
from jingfang.core import clock
from jingfang.followups import engine
from jingfang.followups.models import IndividualPlan, PlanMeasure, SearchAttempt

from .pages_support import NAMES, as_user, make_plan, seen_followup, shown, update, workbook_text  # noqa: F401

pytestmark = pytest.mark.django_db


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
    make_plan(a, review=clock.today() - dt.timedelta(days=3))
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
    # the office is not health staff: free text (which may speak of the illness) is refused, naming the field
    free = client.post(f"/patients/{p.pk}/plan/flag/",
                       {"key_person_manual": "1", "key_person_reason": "病情不稳定，拒绝服药", "version": p.version})
    assert free.status_code == 422 and "重点人员原因请从所列原因中选择" in free.content.decode()
    p.refresh_from_db()
    assert not p.key_person_manual and p.key_person_reason == ""
    ok = client.post(f"/patients/{p.pk}/plan/flag/",
                     {"key_person_manual": "1", "key_person_reason": "拒绝接受随访或面访", "version": p.version})
    assert ok.status_code == 302
    p.refresh_from_db()
    assert p.key_person_manual and p.key_person and p.key_person_reason == "拒绝接受随访或面访"
    assert "人工标记：拒绝接受随访或面访" in client.get(f"/patients/{p.pk}/plan/").content.decode()
    stale = client.post(f"/patients/{p.pk}/plan/flag/", {"version": p.version - 1})
    assert stale.status_code == 409
    cleared = client.post(f"/patients/{p.pk}/plan/flag/", {"version": p.version})
    assert cleared.status_code == 302
    p.refresh_from_db()
    assert not p.key_person_manual and p.key_person_reason == ""
    as_user(client, users["police"])  # no EDIT_PATIENT
    assert client.post(f"/patients/{p.pk}/plan/flag/", {"key_person_manual": "1", "key_person_reason": "x",
                                                         "version": p.version}).status_code == 403


