"""Issuing and closing measures (audited, version-checked), who sees them, their worklist items, and the
joint consultation's record frozen when the meeting is recorded (齐云山镇2024 四、2–3; 平桥区2025 三（四）)."""

import datetime as dt

import pytest

from jingfang.accountability import consultation, selectors, services
from jingfang.accountability.models import ConsultationRecord, Measure
from jingfang.audit.models import AuditEvent
from jingfang.care import services as care_services
from jingfang.core import errors
from jingfang.followups import worklist
from jingfang.stats.permissions import CLINICAL_KPIS

from .conftest import TODAY, consultation_data, measure_data

pytestmark = pytest.mark.django_db


def labels(user, on=TODAY):
    return {i.label: i for i in worklist.items_for(user, on, kind="deadline", horizon=400)}


def test_issue_with_default_deadline_and_audit(users, incident):
    m = services.issue(users["office"], data=measure_data(incident_ids=[incident.pk]))
    assert m.deadline == TODAY + dt.timedelta(days=30)  # national-2018 [accountability] interview_days
    assert m.target_name == "甲村" and m.issued_by == users["office"] and m.version == 1
    assert list(m.incidents.all()) == [incident]
    row = AuditEvent.objects.filter(target=f"accountability:{m.pk}", action="create").get()
    assert row.outcome == "ok" and row.detail["incidents"] == 1


@pytest.mark.parametrize("who", ["doctor", "vdoc", "cadre", "police", "civil", "dpf", "judicial", "admin"])
def test_only_issuers_issue(users, who):
    with pytest.raises(errors.Forbidden):
        services.issue(users[who], data=measure_data())
    assert AuditEvent.objects.filter(target="accountability", outcome="denied").exists()


def test_bad_input_names_the_field(users, tree):
    with pytest.raises(errors.Invalid) as exc:
        services.issue(users["office"], data=measure_data(target_region_code="990102002001"))  # 丙村, 西镇
    assert [e.field for e in exc.value.errors] == ["target_region_code"]
    with pytest.raises(errors.Invalid) as exc:
        services.issue(users["office"], data=measure_data(target_unit="police_station"))  # a village
    assert "派出所应选择乡镇（街道）" in exc.value.errors[0].message
    with pytest.raises(errors.Invalid) as exc:
        services.issue(users["office"], data=measure_data(kind="liability", reason=""))
    assert {e.field for e in exc.value.errors} == {"reason", "incident_ids"}
    assert not Measure.objects.exists()


def test_liability_needs_the_review_first(users, incident):
    with pytest.raises(errors.Invalid) as exc:
        services.issue(users["office"], data=measure_data(kind="liability", incident_ids=[incident.pk]))
    assert "倒查" in exc.value.errors[0].message
    care_services.save_review(users["office"], incident, "未按期随访")
    m = services.issue(users["office"], data=measure_data(kind="liability", incident_ids=[incident.pk]))
    assert m.deadline == TODAY + dt.timedelta(days=90)


def test_incident_of_another_township_is_refused(users, make_patient):
    from jingfang.care.models import Incident

    other = make_patient("990102002001", name="丙患者")  # 西镇
    inc = Incident.objects.create(patient=other, date=TODAY, place="丙村", kind="trouble")
    with pytest.raises(errors.Invalid) as exc:  # a measure on 甲村 cannot rest on an incident of 西镇
        services.issue(users["county"], data=measure_data(incident_ids=[inc.pk]))
    assert exc.value.errors[0].field == "incident_ids"
    m = services.issue(users["county"], data=measure_data(target_region_code="990102002001", incident_ids=[inc.pk]))
    assert list(m.incidents.all()) == [inc]


def test_close_with_version_check(users):
    m = services.issue(users["office"], data=measure_data())
    with pytest.raises(errors.Forbidden):
        services.close(users["cadre"], measure=m, data={"closing_text": "已整改", "version": 1})
    with pytest.raises(errors.Invalid) as exc:
        services.close(users["office"], measure=m, data={"closing_text": "已整改"})
    assert exc.value.errors[0].field == "version"
    services.close(users["county"], measure=m, data={"closing_text": "已补齐随访", "version": 1})
    with pytest.raises(errors.Conflict) as exc:  # the same form submitted by someone else meanwhile
        services.close(users["office"], measure=m, data={"closing_text": "已整改", "version": 1})
    assert exc.value.extra["current_version"] == 2
    m.refresh_from_db()
    assert m.closed_on == TODAY and m.closed_by == users["county"] and m.closing_text == "已补齐随访"
    assert AuditEvent.objects.filter(target=f"accountability:{m.pk}", action="update", outcome="ok").count() == 1


def test_who_sees_which_measure(users, tree):
    village = services.issue(users["office"], data=measure_data())
    police = services.issue(users["county"], data=measure_data(kind="notice", target_region_code="990102001000",
                                                               target_unit="police_station"))
    seen = {who: set(selectors.measures_for(users[who]).values_list("pk", flat=True)) for who in users}
    both = {village.pk, police.pk}
    assert seen["county"] == seen["office"] == seen["doctor"] == both
    assert seen["vdoc"] == {village.pk}  # health staff: targets within their village
    assert seen["cadre"] == {village.pk}  # the village committee sees its own
    assert seen["police"] == {police.pk}  # the police station its own
    for who in ("civil", "dpf", "judicial", "doctor2", "outsider", "admin", "secadmin", "auditor"):
        assert seen[who] == set(), who
    assert police.target_name == "东镇派出所"


def test_worklist_items_until_closed(users):
    m = services.issue(users["office"], data=measure_data(deadline=(TODAY + dt.timedelta(days=5)).isoformat()))
    label = "约谈整改：甲村"
    assert labels(users["cadre"])[label].state == "due"
    assert labels(users["office"])[label].url == f"/accountability/{m.pk}/"
    for who in ("police", "doctor", "vdoc", "county"):
        assert label not in labels(users[who]), who
    assert labels(users["cadre"], TODAY + dt.timedelta(days=6))[label].state == "overdue"
    services.close(users["office"], measure=m, data={"closing_text": "已整改", "version": 1})
    assert label not in labels(users["cadre"])


def test_consultation_record_is_frozen_when_recorded(users, patient, incident, inspection):
    open_measure = services.issue(users["office"], data=measure_data(issued_on=(TODAY - dt.timedelta(days=1)).isoformat()))
    meeting = care_services.save_meeting(users["office"], consultation_data(users))
    record = ConsultationRecord.objects.get(meeting=meeting)
    snap = record.snapshot
    assert snap["region"]["code"] == "990102001000" and snap["period"]["end"] == TODAY.isoformat()
    assert snap["period"]["start"] == TODAY.replace(month=(TODAY.month - 1) // 3 * 3 + 1, day=1).isoformat()
    assert {k["key"] for k in snap["kpis"]} >= {"management", "stable"}
    assert [m["id"] for m in snap["measures"]] == [open_measure.pk]
    assert [r["text"] for r in snap["rectifications"]] == ["补签监护协议"]
    assert snap["incidents"] == {"count": 1, "unreviewed": 1}
    assert AuditEvent.objects.filter(target=f"consultation:{meeting.pk}", action="update").exists()
    # the decided task is on its owner's worklist
    assert "会议任务：核实失访患者去向" in labels(users["police"])
    # changing the minutes keeps the record; moving the date freezes it again
    first = record.generated_at
    data = consultation_data(users, minutes="补充纪要")
    data["tasks"][0]["id"] = meeting.tasks.get().pk
    care_services.save_meeting(users["office"], data, meeting=meeting)
    assert ConsultationRecord.objects.get(meeting=meeting).generated_at == first
    data["date"] = (TODAY - dt.timedelta(days=1)).isoformat()
    care_services.save_meeting(users["office"], data, meeting=meeting)
    assert ConsultationRecord.objects.get(meeting=meeting).snapshot["as_of"] == data["date"]


def test_other_meetings_get_no_record(users, patient):
    data = consultation_data(users, kind="township_group_monthly")
    meeting = care_services.save_meeting(users["office"], data)
    assert not ConsultationRecord.objects.filter(meeting=meeting).exists()


def test_non_health_roles_see_no_clinical_indicator(users, patient):
    meeting = care_services.save_meeting(users["office"], consultation_data(users))
    snap = ConsultationRecord.objects.get(meeting=meeting).snapshot
    for who in ("office", "police", "cadre"):
        seen = consultation.visible(users[who], snap)
        for k in seen["kpis"]:
            if k["key"] in CLINICAL_KPIS:
                assert k["withheld"] and k["numerator"] is None and k["value"] is None
        assert not {k["key"] for k in seen["below_target"]} & CLINICAL_KPIS
    health = consultation.visible(users["doctor"], snap)
    assert any(k["key"] == "stable" and not k["withheld"] for k in health["kpis"])
