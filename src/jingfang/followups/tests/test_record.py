"""Recording follow-ups: validation, derived class with override, the stored schedule, API contract."""

import datetime as dt
import json

import pytest

from jingfang.audit.models import AuditEvent
from jingfang.core import clock, errors
from jingfang.followups import services
from jingfang.followups.models import DueItem, FollowUp, PlanMeasure
from jingfang.registry.models import Patient

pytestmark = pytest.mark.django_db

TODAY = clock.today()


def seen(**over):
    data = {"date": TODAY.isoformat(), "mode": "home_visit", "seen": "on", "risk_level": 0, "insight": "full",
            "social_function": "good", "adherence": "regular", "adverse_reaction": "none", "physical_illness": "none"}
    data.update(over)
    return {k: v for k, v in data.items() if v is not None}


@pytest.fixture
def patient(make_patient):
    p = make_patient()
    Patient.objects.filter(pk=p.pk).update(registered_on=TODAY - dt.timedelta(days=400))
    p.refresh_from_db()
    return p


def test_stable_visit_sets_next_due_three_months_on_national(users, patient):
    result = services.record_followup(users["vdoc"], patient, seen())
    patient.refresh_from_db()
    assert result.condition == "stable" and patient.condition == "stable" and patient.risk_level == 0
    expected = dt.date(TODAY.year + (TODAY.month + 2) // 12, (TODAY.month + 2) % 12 + 1, 1)
    assert patient.next_due_date.replace(day=1) == expected  # 3 calendar months on (2018 norms)
    item = DueItem.objects.get(patient=patient, kind="followup")
    assert item.due_date == patient.next_due_date and "3个月" in item.rule
    assert AuditEvent.objects.filter(action="create", target__startswith="followup:", patient_id=patient.pk).exists()


def test_follow_up_and_its_audit_row_are_stored_together(users, patient, monkeypatch):
    from jingfang.audit import log

    version = patient.version

    def fail(*args, **kwargs):
        raise RuntimeError("audit store unavailable")

    monkeypatch.setattr(log, "record", fail)
    with pytest.raises(RuntimeError):
        services.record_followup(users["vdoc"], patient, seen())
    patient.refresh_from_db()
    assert not FollowUp.objects.filter(patient=patient).exists() and patient.version == version


def test_risk_three_is_unstable_with_escalations_and_key_person(users, patient):
    result = services.record_followup(users["vdoc"], patient, seen(risk_level=3))
    patient.refresh_from_db()
    assert result.condition == "unstable" and "危险性评估3级" in result.reasons
    assert patient.key_person and patient.grade == "red"
    assert (patient.next_due_date - TODAY).days <= 14  # within 2 weeks (2018 norms)
    assert result.actions


def test_override_needs_a_reason(users, patient):
    with pytest.raises(errors.Invalid) as exc:
        services.record_followup(users["vdoc"], patient, seen(condition_override="unstable"))
    assert exc.value.errors[0].field == "condition_override_reason"
    result = services.record_followup(
        users["vdoc"], patient, seen(condition_override="basically_stable", condition_override_reason="家属反映近期失眠")
    )
    fu = FollowUp.objects.get(pk=result.followup.pk)
    assert fu.condition == "basically_stable" and fu.condition_derived == "stable"


@pytest.mark.parametrize(
    "over,field",
    [
        ({"date": (TODAY + dt.timedelta(days=1)).isoformat()}, "date"),
        ({"date": "2000-01-01"}, "date"),  # before registration
        ({"risk_level": 7}, "risk_level"),
        ({"seen": None, "not_seen_reason": "away_work"}, None),  # not seen, yet assessed: contradiction
        ({"seen": None, "risk_level": None, "insight": None, "social_function": None, "adherence": None,
          "adverse_reaction": None, "physical_illness": None}, "not_seen_reason"),
        ({"adherence": "none"}, "adherence_cause"),
    ],
)
def test_bad_input_is_refused_and_nothing_saved(users, patient, over, field):
    with pytest.raises(errors.Invalid) as exc:
        services.record_followup(users["vdoc"], patient, seen(**over))
    assert field in {e.field for e in exc.value.errors} or (field is None and exc.value.errors)
    assert FollowUp.objects.count() == 0
    patient.refresh_from_db()
    assert patient.version == 1


def test_three_failed_attempts_make_the_patient_lost_and_found_returns_them(users, patient):
    for days in (20, 10, 1):
        services.record_followup(users["vdoc"], patient, {"date": (TODAY - dt.timedelta(days=days)).isoformat(),
                                                          "mode": "home_visit", "not_seen_reason": "unreachable"})
    patient.refresh_from_db()
    assert patient.lost and patient.key_person  # 连续3次未到访 (national form)
    assert DueItem.objects.filter(patient=patient, rule_id__endswith="lost_review").exists()
    services.log_search(users["cadre"], patient, {"date": TODAY.isoformat(), "method": "home", "result": "found"})
    patient.refresh_from_db()
    assert not patient.lost


def test_medication_cause_becomes_a_plan_measure(users, patient):
    result = services.record_followup(users["vdoc"], patient, seen(adherence="intermittent", adherence_cause="inconvenient"))
    assert any("送药" in a for a in result.actions)  # 齐云山镇2024: 取药不便 → 送药上门
    assert PlanMeasure.objects.filter(plan__patient=patient, category="medication").exists()


def test_police_cannot_record(users, patient):
    with pytest.raises(errors.Forbidden):
        services.record_followup(users["police"], patient, seen())


def test_api_post_and_list(client, users, patient):
    client.force_login(users["vdoc"])
    body = {"date": TODAY.isoformat(), "mode": "phone", "seen": True, "risk_level": 2, "symptoms": ["hallucination"],
            "insight": "partial", "social_function": "fair", "adherence": "regular", "adverse_reaction": "none",
            "physical_illness": "none", "hospitalized": False}
    r = client.post(f"/api/v1/patients/{patient.pk}/followups", json.dumps(body), content_type="application/json")
    assert r.status_code == 201, r.content
    out = r.json()
    assert out["condition"] == "basically_stable" and out["next_due_date"] and out["reasons"]
    bad = client.post(f"/api/v1/patients/{patient.pk}/followups", json.dumps({**body, "risk_level": 9}),
                      content_type="application/json")
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "risk_level"
    override = client.post(f"/api/v1/patients/{patient.pk}/followups", json.dumps({**body, "condition": "stable"}),
                           content_type="application/json")
    assert override.status_code == 422 and override.json()["errors"][0]["field"] == "condition_reason"
    listed = client.get(f"/api/v1/patients/{patient.pk}/followups").json()
    assert len(listed) == 1 and listed[0]["condition"] == "basically_stable"
    client.force_login(users["police"])
    police_view = client.get(f"/api/v1/patients/{patient.pk}/followups")  # visits are health records
    assert police_view.status_code == 403 and "condition" not in police_view.content.decode()
    client.force_login(users["doctor2"])
    assert client.post(f"/api/v1/patients/{patient.pk}/followups", json.dumps(body),
                       content_type="application/json").status_code == 404


def test_page_not_seen_drops_the_hidden_prefilled_assessment(client, users, patient):
    services.record_followup(users["vdoc"], patient, seen(date=(TODAY - dt.timedelta(days=30)).isoformat()))
    client.force_login(users["vdoc"])
    form = client.get(f"/patients/{patient.pk}/followups/new/").context["form"]
    assert form.initial["risk_level"] == 0 and form.initial["insight"] == "full"  # defaults from the last visit
    post = {"date": TODAY.isoformat(), "mode": "phone", "not_seen_reason": "away_work", "risk_level": "0",
            "insight": "full", "social_function": "good", "adherence": "regular"}
    response = client.post(f"/patients/{patient.pk}/followups/new/", post)
    assert response.status_code == 302
    latest = FollowUp.objects.filter(patient=patient).first()
    assert latest.seen is False and latest.risk_level is None and latest.not_seen_reason == "away_work"


def test_classify_preview_is_live_and_saves_nothing(client, users, patient):
    client.force_login(users["vdoc"])
    html = client.post(f"/patients/{patient.pk}/followups/classify/", seen(risk_level=4)).content.decode()
    assert "不稳定" in html and "危险性评估4级" in html
    assert FollowUp.objects.count() == 0


@pytest.mark.parametrize(
    "policy,attendees,ok",
    [
        ("", ["甲"], True),  # national-2018: no minimum for joint visits
        ("zhongliang-2022", ["甲", "乙"], False),  # 中梁乡2022: 每次随访不少于3名小组成员
        ("zhongliang-2022", ["甲", "乙", "丙"], True),
    ],
)
def test_joint_visit_minimum_attendance_per_profile(users, patient, policy, attendees, ok):
    from jingfang.followups import engine
    from jingfang.regions.models import Region

    Region.objects.filter(code="990102001000").update(policy=policy)
    engine.clear_caches()
    data = seen(joint="on", attendee_names="、".join(attendees))
    if ok:
        assert services.record_followup(users["vdoc"], patient, data).followup.attendee_count == len(attendees)
    else:
        with pytest.raises(errors.Invalid) as exc:
            services.record_followup(users["vdoc"], patient, data)
        assert exc.value.errors[0].field == "attendee_names" and "至少应有3名" in exc.value.errors[0].message


def test_flag_changes_are_kept_as_history(users, patient):
    from jingfang.followups.models import FlagChange

    services.record_followup(users["vdoc"], patient, seen(risk_level=3, date=(TODAY - dt.timedelta(days=20)).isoformat()))
    services.record_followup(users["vdoc"], patient, seen(risk_level=0))
    changes = list(FlagChange.objects.filter(patient=patient, flag="key_person").values_list("value", flat=True))
    assert changes == [True, False]
