"""What the worklist and a patient's due items say to roles without clinical rights (security review M1):
no schedule item unless its rule asks for their part (a joint visit), then no condition class, no rule id,
no clinical escalation; health roles keep the rule's own words."""

import datetime as dt
import io

import pytest
from openpyxl import load_workbook

from jingfang.audit.models import AuditEvent
from jingfang.core import clock
from jingfang.followups import services, wording
from jingfang.policies.profiles import Interval, load_profile
from jingfang.registry.models import Patient

pytestmark = pytest.mark.django_db
TODAY = clock.today()
NON_HEALTH = ("office", "police", "cadre")
CLINICAL_WORDS = ("病情", "稳定", "治疗", "转诊", "national-2018:")


@pytest.mark.parametrize("text,words", [
    ("1m", "每月1次"), ("3m", "每季度1次"), ("6m", "每半年1次"), ("1y", "每年1次"), ("2m", "每2个月1次"),
    ("1w", "每周1次"), ("2w", "每2周1次"), ("15d", "每15天1次"), ("24m", "每24个月1次"),
])
def test_how_often_says_an_interval_in_plain_words(text, words):
    assert wording.how_often(Interval.parse(text)) == words


NATIONAL = load_profile("national-2018")


@pytest.mark.parametrize("kind,rule_id,reason,expected", [
    ("followup", "national-2018:stable", "病情稳定：维持目前治疗方案，3个月时随访", "定期随访：每季度1次"),
    ("followup", "national-2018:unstable", "病情不稳定：对症处理后立即转诊", "定期随访：每2周1次"),
    ("followup", "national-2018:unstable_guardian_refuses", "病情不稳定、未能住院或转诊", wording.JOINT_WORDING),
    ("followup", "national-2018:first_visit", "新登记患者尚无随访分类", "定期随访：每2周1次"),
    ("followup", "national-2018:hospitalized", "住院期间：…出院后按病情分类恢复随访", wording.HOSPITALIZED_WORDING),
    ("followup", "national-2018:no_such_rule", "病情稳定", "定期随访"),
    ("assessment", "national-2018:assessment_stable", "病情稳定患者每6个月", wording.ASSESSMENT_WORDING),
    ("health_check", "national-2018:health_check", "每年至少1次健康检查", "健康体检：每年1次"),
    ("face_to_face", "national-2018:face_to_face", "面访", "面访"),  # the national profile sets none
    ("deadline", "national-2018:plan_review", "一人一策定期研判：病情反复，改长效针剂", wording.PLAN_REVIEW_WORDING),
    ("deadline", "national-2018:lost_review", "失访查找：各村每月梳理", "失访查找：各村每月梳理"),
])
def test_public_reason_of_a_profile_rule(kind, rule_id, reason, expected):
    assert wording.public_reason(NATIONAL, kind, rule_id, reason) == expected


def test_public_reason_keeps_the_words_of_work_that_is_not_a_profile_rule():
    assert wording.public_reason(None, "deadline", "care:meeting_task", "例会议定，由您负责") == "例会议定，由您负责"


def test_the_yearly_minimum_caps_the_interval_said():
    # national: at least 4 a year, so a 6-month rule would still be said quarterly
    assert wording._followup_interval(NATIONAL, "stable") == Interval.parse("3m")


def _visit(user, patient, days_ago, **extra):
    return services.record_followup(user, patient, {
        "date": (TODAY - dt.timedelta(days=days_ago)).isoformat(), "mode": "home_visit", "seen": "on",
        "risk_level": 0, "insight": "full", "social_function": "good", "adherence": "regular",
        "adverse_reaction": "none", "physical_illness": "none", **extra})


@pytest.fixture
def stable_overdue(users, make_patient):
    p = make_patient("990102001001", name="甲患者")
    Patient.objects.filter(pk=p.pk).update(registered_on=TODAY - dt.timedelta(days=400))
    p.refresh_from_db()
    _visit(users["doctor"], p, 120)  # stable: due 3 months later, overdue now
    return p


NATIONAL_JOINT = "national-2018:unstable_guardian_refuses"


@pytest.mark.parametrize("role,kind,rule_id,shown", [
    ("township_doctor", "followup", "national-2018:stable", True),
    ("village_doctor", "health_check", "national-2018:health_check", True),
    ("police", "followup", "national-2018:stable", False),
    ("village_cadre", "face_to_face", "pingqiao-2025:face_to_face", False),
    ("township_office", "assessment", "national-2018:assessment_stable", False),
    ("police", "followup", NATIONAL_JOINT, True),
    ("village_cadre", "followup", "qiyunshan-2024:risk_1_2", True),
    ("police", "followup", "zhongliang-2022:unstable", False),  # every visit by 3 members: not a joint rule
    ("dpf", "deadline", "national-2018:plan_review", True),
    ("police", "roll_call", "sensitive_period:roll_call", True),
])
def test_shown_to(role, kind, rule_id, shown):
    from jingfang.followups import worklist

    assert wording.shown_to(role, kind, rule_id, worklist.joint_rule_ids()) is shown


def test_the_joint_rules_are_those_the_profiles_say_police_and_cadres_join():
    from jingfang.followups import worklist

    assert worklist.joint_rule_ids() >= {NATIONAL_JOINT, "qiyunshan-2024:risk_1_2",
                                         "pingqiao-2025:unstable_guardian_refuses"}
    assert "zhongliang-2022:unstable_guardian_refuses" not in worklist.joint_rule_ids()  # disabled there


@pytest.mark.parametrize("who", NON_HEALTH)
def test_non_health_roles_receive_no_follow_up_that_is_not_joint(client, users, stable_overdue, who):
    client.force_login(users[who])
    body = client.get("/api/v1/worklist?kind=followup").json()
    assert not [i for i in body["items"] if i["patient_id"] == stable_overdue.pk] and body["count"] == 0
    page = client.get("/worklist/?kind=followup").content.decode()
    assert "甲患者" not in page and "定期随访" not in page and "已逾期（0）" in page
    assert not [w for w in CLINICAL_WORDS if w in page]
    if who != "cadre":  # cadres do not export
        wb = load_workbook(io.BytesIO(client.get("/worklist/export.xlsx?kind=followup").content))
        text = " ".join(str(c) for row in wb.active.iter_rows(values_only=True) for c in row if c is not None)
        assert "甲患者" not in text and "定期随访" not in text


def test_health_roles_keep_the_rule_its_id_and_escalations(client, users, stable_overdue):
    client.force_login(users["doctor"])
    (item,) = [i for i in client.get("/api/v1/worklist?kind=followup").json()["items"]
               if i["patient_id"] == stable_overdue.pk]
    assert item["rule_id"] == "national-2018:stable" and item["reason"].startswith("病情稳定")


def test_clinical_escalations_are_dropped_and_status_ones_kept(users, make_patient):
    from jingfang.followups import worklist

    p = make_patient("990102001001", name="乙患者")
    _visit(users["doctor"], p, 0, condition_override="unstable", condition_override_reason="症状波动",
           guardian_refuses_hospital="on")  # 2018规范: visited with the village committee and police
    Patient.objects.filter(pk=p.pk).update(status="missing")
    p.refresh_from_db()
    from jingfang.followups import engine

    engine.refresh(p)
    doctor_items = [i for i in worklist.items_for(users["doctor"], TODAY, kind="followup", horizon=30)
                    if i.patient_id == p.pk]
    police_items = [i for i in worklist.items_for(users["police"], TODAY, kind="followup", horizon=30)
                    if i.patient_id == p.pk]
    assert "联系精神专科医师进行应急医疗处置" in doctor_items[0].escalations
    (item,) = police_items
    assert item.escalations == [NATIONAL.followup.missing_note]  # the status's, which police act on
    assert item.reason == wording.JOINT_WORDING and item.rule_id == "" and item.mode == "joint"


@pytest.mark.parametrize("who", NON_HEALTH)
def test_follow_up_history_says_no_rule_to_non_health_roles_and_is_audited(client, users, stable_overdue, who):
    client.force_login(users[who])
    before = AuditEvent.objects.count()
    html = client.get(f"/patients/{stable_overdue.pk}/followups/").content.decode()
    assert "甲患者" in html and "定期随访" not in html and not [w for w in CLINICAL_WORDS if w in html]
    assert AuditEvent.objects.count() == before + 1
    event = AuditEvent.objects.latest("pk")
    assert event.action == "view" and event.patient_id == stable_overdue.pk
    fragment = client.get(f"/patients/{stable_overdue.pk}/followups/", HTTP_HX_REQUEST="true")
    assert fragment.status_code == 200 and AuditEvent.objects.count() == before + 2


def test_follow_up_history_keeps_the_rule_for_health_roles(client, users, stable_overdue):
    client.force_login(users["vdoc"])
    assert "病情稳定：维持目前治疗方案" in client.get(f"/patients/{stable_overdue.pk}/followups/").content.decode()
