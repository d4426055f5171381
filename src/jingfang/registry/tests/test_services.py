import pytest

from conftest import id_for, patient_data
from jingfang.audit.models import AuditEvent
from jingfang.core import clock, errors
from jingfang.registry import services
from jingfang.registry.models import Patient, Revision, StatusChange

pytestmark = pytest.mark.django_db


def test_create_derives_birth_and_sex_and_writes_history_and_audit(users):
    number = id_for(birth=__import__("datetime").date(1975, 2, 3), sex="F")
    p = services.create_patient(users["doctor"], patient_data(id_number=number), guardian={"name": "李监护", "relation": "spouse"})
    assert p.birth_date.isoformat() == "1975-02-03" and p.sex == "F"
    assert p.region_id == "990102001001" and p.version == 1
    assert StatusChange.objects.filter(patient=p, status="at_home").count() == 1
    assert p.guardians.get().name == "李监护"
    assert AuditEvent.objects.filter(action="create", patient_id=p.pk, outcome="ok").exists()


def test_bad_checksum_names_the_field_and_writes_nothing(users):
    good = id_for()
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")
    with pytest.raises(errors.Invalid) as exc:
        services.create_patient(users["doctor"], patient_data(id_number=bad))
    assert [e.field for e in exc.value.errors] == ["id_number"]
    assert "校验位" in exc.value.errors[0].message
    assert Patient.objects.count() == 0


def test_duplicate_id_is_409_and_says_where_only_if_visible(users):
    data = patient_data()
    first = services.create_patient(users["doctor"], data)
    with pytest.raises(errors.Conflict) as exc:
        services.create_patient(users["doctor"], {**data, "name": "另一人"})
    assert exc.value.extra["existing_id"] == first.pk and "甲村" in exc.value.errors[0].message
    with pytest.raises(errors.Conflict) as exc:
        services.create_patient(users["doctor2"], {**data, "region_code": "990102002001"})
    assert exc.value.extra["existing_id"] is None and "不在您的辖区内" in exc.value.errors[0].message
    assert Patient.objects.count() == 1


def test_region_outside_jurisdiction_is_refused(users):
    with pytest.raises(errors.Invalid) as exc:
        services.create_patient(users["doctor"], patient_data(region_code="990102002001"))
    assert exc.value.errors[0].field == "region_code"


def test_stale_version_is_refused_with_the_other_change(users, make_patient):
    p = make_patient()
    a = Patient.objects.get(pk=p.pk)
    b = Patient.objects.get(pk=p.pk)
    services.update_patient(users["doctor"], a, {"address": "新地址1号"}, version=1)
    with pytest.raises(errors.Conflict) as exc:
        services.update_patient(users["vdoc"], b, {"phone": "13700000000"}, version=1)
    assert exc.value.extra["current_version"] == 2
    assert exc.value.extra["changes"][0]["fields"]["address"]["new"] == "新地址1号"
    fresh = Patient.objects.get(pk=p.pk)
    assert fresh.address == "新地址1号" and fresh.phone == "13800001234"
    assert Revision.objects.filter(patient=p).count() == 1


def test_an_edit_overtaken_between_reading_and_writing_is_refused_and_audited(users, make_patient):
    p = make_patient()
    stale = Patient.objects.get(pk=p.pk)  # read at version 1 ...
    Patient.objects.filter(pk=p.pk).update(version=2)  # ... another edit commits before this one writes
    with pytest.raises(errors.Conflict):
        services.update_patient(users["doctor"], stale, {"address": "迟到的修改"}, version=1)
    assert Patient.objects.get(pk=p.pk).address != "迟到的修改" and not Revision.objects.filter(patient=p).exists()
    assert AuditEvent.objects.filter(action="update", outcome="conflict", patient_id=p.pk).count() == 1


def test_a_status_change_overtaken_by_another_write_is_refused_and_the_refusal_audited(users, make_patient):

    p = make_patient()
    stale = Patient.objects.get(pk=p.pk)  # read at version 1 ...
    Patient.objects.filter(pk=p.pk).update(version=2)  # ... another write commits before this one
    with pytest.raises(errors.Conflict):
        services.change_status(users["vdoc"], stale, {"status": "hospitalized", "detail": "psychiatric_hospital",
                                                      "since": clock.today().isoformat(), "version": 1})
    fresh = Patient.objects.get(pk=p.pk)
    assert fresh.status == "at_home" and not StatusChange.objects.filter(patient=p, status="hospitalized").exists()
    assert AuditEvent.objects.filter(action="status", outcome="conflict", patient_id=p.pk).count() == 1


def test_an_edit_and_its_audit_row_are_stored_together(users, make_patient, monkeypatch):
    from jingfang.audit import log

    p = make_patient()

    def fail(*args, **kwargs):
        raise RuntimeError("audit store unavailable")

    monkeypatch.setattr(log, "record", fail)
    with pytest.raises(RuntimeError):
        services.update_patient(users["doctor"], p, {"address": "新地址9号"}, version=1)
    fresh = Patient.objects.get(pk=p.pk)
    assert fresh.address != "新地址9号" and fresh.version == 1 and not Revision.objects.filter(patient=p).exists()


def test_police_cannot_write_clinical_fields(users, make_patient):
    p = make_patient()
    with pytest.raises(errors.Forbidden):
        services.update_patient(users["office"], p, {"diagnosis": "bipolar"}, version=1)
    services.update_patient(users["office"], p, {"address": "综治改地址"}, version=1)
    p.refresh_from_db()
    assert p.address == "综治改地址" and p.diagnosis == "schizophrenia"


def test_status_change_keeps_history(users, make_patient):
    p = make_patient(status_since="2025-06-01")
    with pytest.raises(errors.Invalid) as exc:
        services.change_status(users["vdoc"], p, {"status": "hospitalized", "since": "2025-05-01", "version": 1})
    assert exc.value.errors[0].field == "since"
    services.change_status(users["vdoc"], p, {"status": "hospitalized", "detail": "psychiatric_hospital", "since": "2026-01-05", "version": 1})
    p.refresh_from_db()
    assert p.status == "hospitalized" and p.version == 2
    assert list(p.status_history.values_list("status", flat=True)) == ["hospitalized", "at_home"]
    with pytest.raises(errors.Invalid) as exc:
        services.change_status(users["vdoc"], p, {"status": "deceased", "since": "2026-02-01", "version": 2})
    assert {e.field for e in exc.value.errors} >= {"death_date"}
