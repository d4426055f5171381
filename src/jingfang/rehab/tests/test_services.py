"""Writes of community rehabilitation (one service per write, audited) and the KPIs from the database."""

import datetime as dt

import pytest

from jingfang.audit.models import AuditEvent
from jingfang.core import clock, errors
from jingfang.followups import services as followup_services
from jingfang.regions.models import Region
from jingfang.rehab import compute, services
from jingfang.rehab.models import Attendance, Enrolment, Facility

pytestmark = pytest.mark.django_db
TODAY = clock.today()
MONTH = f"{TODAY:%Y-%m}"


def facility_data(**over):
    return {"region_code": "990102002000", "name": "西镇中途宿舍", "kind": "halfway_house", "operator": "civil_affairs",
            "address": "西镇民政服务站", "places": "8", "opened_on": "2022-01-01", **over}


def fields(exc) -> set[str]:
    return {e.field for e in exc.value.errors}


def test_create_facility_is_audited(users, rehab):
    f = services.create_facility(users["county"], data=facility_data())
    assert f.region_id == "990102002000" and f.status == "operating" and f.version == 1
    assert AuditEvent.objects.filter(action="create", target=f"facility:{f.pk}", outcome="ok").exists()


@pytest.mark.parametrize("over, field", [
    ({"kind": "other"}, "kind_other"),  # the county names its other form
    ({"status": "closed"}, "closed_on"),
    ({"closed_on": "2023-01-01"}, "closed_on"),  # only a closed facility has a closing date
    ({"status": "closed", "closed_on": "2021-01-01"}, "closed_on"),  # before opening
    ({"places": "0"}, "places"),
    ({"opened_on": (TODAY + dt.timedelta(days=3)).isoformat()}, "opened_on"),
    ({"region_code": "990102001001"}, "region_code"),  # a village, not a township
    ({"region_code": "990103001000"}, "region_code"),  # another county
])
def test_facility_refusals_name_the_field(users, rehab, over, field):
    with pytest.raises(errors.Invalid) as exc:
        services.create_facility(users["county"], data=facility_data(**over))
    assert field in fields(exc)
    assert all("：" in e.message or e.message for e in exc.value.errors)


def test_township_doctor_registers_only_in_their_township(users, rehab):
    with pytest.raises(errors.Invalid):
        services.create_facility(users["doctor"], data=facility_data())
    with pytest.raises(errors.Forbidden):
        services.create_facility(users["office"], data=facility_data(region_code="990102001000"))
    assert AuditEvent.objects.filter(action="create", outcome="denied", target="facility").exists()


def test_duplicate_name_conflicts(users, rehab):
    with pytest.raises(errors.Conflict):
        services.create_facility(users["county"], data=facility_data(region_code="990102001000", name="东镇日间康复站"))


def test_update_facility_checks_the_version(users, rehab):
    station = rehab["station"]
    f = services.update_facility(users["county"], facility=station, data={"status": "suspended", "version": "1"})
    assert f.status == "suspended" and f.version == 2
    with pytest.raises(errors.Conflict):  # a second edit from the same stale page
        services.update_facility(users["doctor"], facility=station, data={"places": "30", "version": "1"})
    assert Facility.objects.get(pk=station.pk).places == 20
    assert AuditEvent.objects.filter(target=f"facility:{station.pk}", outcome="conflict").exists()


def test_enrol_attend_end(users, rehab):
    p = rehab["张甲"]
    e = services.enrol(users["vdoc"], patient=p, data={"programme": "facility", "facility_id": str(rehab["station"].pk),
                                                       "start": TODAY.isoformat()})
    assert e.owner == "health" and e.end is None
    a = services.record_attendance(users["vdoc"], enrolment=e, data={"month": MONTH, "days": "12"})
    again = services.record_attendance(users["doctor"], enrolment=e, data={"month": MONTH, "days": "14"})
    assert again.pk == a.pk and Attendance.objects.get(pk=a.pk).days == 14  # the month's figure is replaced
    with pytest.raises(errors.Conflict):  # a second open enrolment in the same facility
        services.enrol(users["doctor"], patient=p, data={"programme": "facility", "facility_id": str(rehab["station"].pk),
                                                         "start": TODAY.isoformat()})
    with pytest.raises(errors.Invalid) as exc:
        services.end_enrolment(users["doctor"], enrolment=e, data={"end": (TODAY - dt.timedelta(days=1)).isoformat(),
                                                                   "end_reason": "completed"})
    assert "end" in fields(exc)
    done = services.end_enrolment(users["doctor"], enrolment=e, data={"end": TODAY.isoformat(), "end_reason": "employed",
                                                                      "version": "1"})
    assert done.end == TODAY and done.end_reason == "employed" and done.version == 2
    with pytest.raises(errors.Conflict):
        services.end_enrolment(users["doctor"], enrolment=e, data={"end": TODAY.isoformat(), "end_reason": "other"})
    assert AuditEvent.objects.filter(patient_id=p.pk, target=f"enrolment:{e.pk}", action="create").count() == 2


@pytest.mark.parametrize("data, field", [
    ({"month": "2026-13", "days": "3"}, "month"),
    ({"month": "2026/03", "days": "3"}, "month"),
    ({"month": MONTH, "days": "32"}, "days"),
    ({"month": "2026-02", "days": "29"}, "days"),  # February 2026 has 28 days (or outside the enrolment)
    ({"month": (TODAY.replace(day=1) - dt.timedelta(days=1)).strftime("%Y-%m"), "days": "3"}, "month"),  # before start
    ({"month": f"{TODAY.year + 1}-01", "days": "3"}, "month"),  # after this month
])
def test_attendance_refusals(users, rehab, data, field):
    e = services.enrol(users["doctor"], patient=rehab["李乙"], data={"programme": "home", "start": TODAY.isoformat()})
    with pytest.raises(errors.Invalid) as exc:
        services.record_attendance(users["doctor"], enrolment=e, data=data)
    assert fields(exc) & {field, "days", "month"}


def test_departments_record_only_what_they_run(users, rehab):
    p = rehab["张甲"]
    dpf, civil = users["dpf"], users["civil"]
    home = services.enrol(dpf, patient=p, data={"programme": "home", "start": TODAY.isoformat()})
    assert home.owner == "dpf"
    shop = services.enrol(dpf, patient=p, data={"programme": "facility", "facility_id": str(rehab["workshop"].pk),
                                                "start": TODAY.isoformat()})
    assert shop.owner == "dpf"
    with pytest.raises(errors.Forbidden):  # the health-run station is not the DPF's to record
        services.enrol(dpf, patient=p, data={"programme": "facility", "facility_id": str(rehab["station"].pk),
                                             "start": TODAY.isoformat()})
    with pytest.raises(errors.Forbidden):  # home training is the DPF's, not civil affairs'
        services.enrol(civil, patient=p, data={"programme": "home", "start": TODAY.isoformat()})
    with pytest.raises(errors.Forbidden):
        services.record_attendance(civil, enrolment=home, data={"month": MONTH, "days": "3"})
    for role in ("county", "office", "police", "cadre", "judicial"):
        with pytest.raises(errors.Forbidden):
            services.enrol(users[role], patient=p, data={"programme": "home", "start": TODAY.isoformat()})
    assert AuditEvent.objects.filter(action="create", outcome="denied", patient_id=p.pk).count() >= 7


def test_enrol_refusals(users, rehab):
    p = rehab["王丙"]
    outside = services.create_facility(users["county"], data=facility_data())
    with pytest.raises(errors.Invalid) as exc:  # 西镇's facility is not the 东镇 doctor's
        services.enrol(users["doctor"], patient=p, data={"programme": "facility", "facility_id": str(outside.pk),
                                                         "start": TODAY.isoformat()})
    assert "facility_id" in fields(exc)
    with pytest.raises(errors.Invalid) as exc:
        services.enrol(users["doctor"], patient=p, data={"programme": "facility", "start": TODAY.isoformat()})
    assert "facility_id" in fields(exc)
    with pytest.raises(errors.Invalid) as exc:
        services.enrol(users["doctor"], patient=p, data={"programme": "home",
                                                         "start": (TODAY - dt.timedelta(days=500)).isoformat()})
    assert "start" in fields(exc)
    with pytest.raises(errors.Invalid) as exc:
        services.enrol(users["doctor"], patient=p, data={"programme": "pool", "start": TODAY.isoformat()})
    assert "programme" in fields(exc)


def test_board_counts_enrolments_and_followup_measures(users, rehab):
    county = Region.objects.get(code="990102000000")
    board = compute.board(county)
    # 东镇 has two operating facilities, 西镇 none: 1 of 2 = 50 % < 60 %
    assert (board.coverage.numerator, board.coverage.denominator, board.coverage.met) == (1, 2, False)
    assert [name for _c, name in board.coverage.shortfalls] == ["西镇"]
    assert board.participation.numerator == 0 and board.participation.denominator == 3
    services.enrol(users["dpf"], patient=rehab["张甲"], data={"programme": "home", "start": TODAY.isoformat()})
    followup_services.record_followup(users["doctor2"], rehab["王丙"], {
        "date": TODAY.isoformat(), "mode": "home_visit", "seen": "on", "risk_level": 0, "insight": "full",
        "social_function": "good", "adherence": "regular", "adverse_reaction": "none", "physical_illness": "none",
        "rehab_measures": ["life_skills", "social"]})
    board = compute.board(county)
    assert board.participation.numerator == 2 and board.participation.met is None
    assert dict(board.participation.parts) == {"康复登记": 1, "随访康复措施": 1, "两者均有": 0}
    assert [(r.name, r.facilities, r.participants, r.at_home) for r in board.rows] == [("东镇", 2, 1, 2), ("西镇", 0, 1, 1)]
    village_rows = compute.board(Region.objects.get(code="990102001000")).rows
    assert [(r.name, r.participants, r.at_home) for r in village_rows] == [("甲村", 1, 1), ("乙村", 0, 1)]
    assert Enrolment.objects.count() == 1
