"""Guardianship agreements (齐云山镇2024 三（七）): draw up, one in force per kind, revoke with a reason,
replace the guardian, states on any date, refusals."""

import datetime as dt

import pytest

from jingfang.audit.models import AuditEvent
from jingfang.care import services, vocab
from jingfang.care.models import GuardianshipAgreement
from jingfang.core import errors
from jingfang.registry.models import Guardian

from .conftest import TODAY

pytestmark = pytest.mark.django_db
START = TODAY - dt.timedelta(days=100)


def agreement(patient, **over):
    data = {"guardian_id": patient.guardians.get(is_primary=True).pk, "type": "reward", "start": START, "signed": True,
            "signed_on": START}
    data.update(over)
    return data


@pytest.fixture
def second_guardian(patient):
    return Guardian.objects.create(patient=patient, name="王二", relation="sibling", phone="13900001111",
                                   is_primary=False)


def test_draw_up_with_seed_000_duties_and_one_in_force_per_kind(users, patient):
    a = services.create_agreement(users["vdoc"], patient, agreement(patient))
    assert a.duties == vocab.DEFAULT_DUTIES and "按照医嘱督促患者按时服药" in a.duties
    assert a.guardian_name == "王监护" and a.state_on(TODAY) == "active"
    assert list(GuardianshipAgreement.objects.active_on(TODAY)) == [a]
    with pytest.raises(errors.Invalid) as exc:
        services.create_agreement(users["vdoc"], patient, agreement(patient))
    assert exc.value.errors[0].field == "type" and "已有有效的有奖监护协议" in exc.value.errors[0].message
    other_kind = services.create_agreement(users["vdoc"], patient, agreement(patient, type="management"))
    assert other_kind.type == "management"
    event = AuditEvent.objects.get(action="create", target=f"guardianship:{a.pk}")
    assert event.patient_id == patient.pk and "王监护" not in str(event.detail)


def test_agreement_validation(users, patient, other):
    with pytest.raises(errors.Invalid) as exc:  # another patient's guardian
        services.create_agreement(users["doctor"], patient, agreement(patient, guardian_id=other.guardians.get().pk))
    assert exc.value.errors[0].field == "guardian_id"
    with pytest.raises(errors.Invalid) as exc:
        services.create_agreement(users["doctor"], patient, agreement(patient, signed_on=None))
    assert exc.value.errors[0].field == "signed_on"
    with pytest.raises(errors.Invalid) as exc:
        services.create_agreement(users["doctor"], patient, agreement(patient, end=START - dt.timedelta(days=1)))
    assert exc.value.errors[0].field == "end"
    with pytest.raises(errors.Forbidden):
        services.create_agreement(users["police"], patient, agreement(patient))


def test_revoke_needs_a_reason_and_the_township(users, patient):
    a = services.create_agreement(users["vdoc"], patient, agreement(patient))
    with pytest.raises(errors.Forbidden):
        services.revoke_agreement(users["cadre"], a, "不履责")  # a village cadre may not revoke (齐云山镇2024 三（七）)
    assert AuditEvent.objects.filter(outcome="denied", username=users["cadre"].username, patient_id=patient.pk).exists()
    with pytest.raises(errors.Invalid) as exc:
        services.revoke_agreement(users["doctor"], a, "  ")
    assert exc.value.errors[0].field == "reason"
    revoked = services.revoke_agreement(users["office"], a, "监护人长期外出，未履行看护义务", TODAY - dt.timedelta(days=5))
    revoked.refresh_from_db()
    assert revoked.state == "revoked" and revoked.revoked_at == TODAY - dt.timedelta(days=5)
    assert revoked.state_on(TODAY) == "revoked" and revoked.state_on(TODAY - dt.timedelta(days=6)) == "active"
    assert not GuardianshipAgreement.objects.active_on(TODAY).exists()
    with pytest.raises(errors.Invalid):
        services.revoke_agreement(users["office"], revoked, "再次撤销")
    # After revocation a new agreement of the same kind may be drawn up.
    services.create_agreement(users["vdoc"], patient, agreement(patient, start=TODAY))


def test_replace_guardian_revokes_and_links_the_new_agreement(users, patient, second_guardian):
    a = services.create_agreement(users["vdoc"], patient, agreement(patient))
    with pytest.raises(errors.Invalid) as exc:  # the same guardian is no replacement
        services.replace_guardian(users["doctor"], a, "不履责", {"guardian_id": a.guardian_id})
    assert exc.value.errors[0].field == "guardian_id"
    new = services.replace_guardian(users["doctor"], a, "监护人不履责，调整监护人", {"guardian_id": second_guardian.pk})
    a.refresh_from_db()
    assert a.state == "revoked" and a.revoked_at == TODAY and a.replaced_by == new
    assert new.guardian == second_guardian and new.type == "reward" and new.start == TODAY
    assert list(GuardianshipAgreement.objects.active_on(TODAY)) == [new]
    assert list(GuardianshipAgreement.objects.active_on(TODAY - dt.timedelta(days=1))) == [a]
    with pytest.raises(errors.Invalid):
        services.replace_guardian(users["doctor"], a, "再次更换", {"guardian_id": second_guardian.pk})


def test_expired_and_pending_states():
    a = GuardianshipAgreement(start=dt.date(2025, 1, 1), end=dt.date(2025, 12, 31))
    assert a.state_on(dt.date(2024, 12, 31)) == "pending"
    assert a.state_on(dt.date(2025, 6, 1)) == "active"
    assert a.state_on(dt.date(2026, 1, 1)) == "expired" and a.state_label_on(dt.date(2026, 1, 1)) == "已到期"


def test_guardianship_pages(client, users, patient, second_guardian):
    client.force_login(users["vdoc"])
    page = client.get(f"/care/patients/{patient.pk}/guardianship/")
    assert page.status_code == 200 and "监护管理协议" in page.content.decode()
    r = client.post(f"/care/patients/{patient.pk}/guardianship/", {
        "guardian": patient.primary_guardian.pk, "type": "management", "start": START.isoformat(),
        "duties": vocab.DEFAULT_DUTIES, "signed": "on", "signed_on": START.isoformat()})
    assert r.status_code == 302
    a = GuardianshipAgreement.objects.get()
    assert client.get(f"/care/guardianship/{a.pk}/revoke/").status_code == 403  # village doctor
    client.force_login(users["doctor"])
    r = client.post(f"/care/guardianship/{a.pk}/revoke/", {"reason": "", "date": TODAY.isoformat()})
    assert r.status_code == 422
    r = client.post(f"/care/guardianship/{a.pk}/revoke/", {
        "reason": "不履责", "date": TODAY.isoformat(), "replace": "on", "new-guardian": second_guardian.pk,
        "new-type": "management", "new-start": TODAY.isoformat(), "new-duties": "照看"})
    assert r.status_code == 302
    a.refresh_from_db()
    assert a.state == "revoked" and a.replaced_by.guardian_name == "王二"
    html = client.get(f"/care/patients/{patient.pk}/guardianship/").content.decode()
    assert "已撤销" in html and "已更换为王二" in html


def test_a_registered_guardian_who_signed_is_the_teams_guardian(users, patient):
    """The guardian registered with the file who signed the agreement counts as the group's 监护人
    without being typed into the team again; an unsigned draft does not."""
    members = [{"role": "leader", "name": "李组长", "is_leader": True}, {"role": "township_doctor", "name": "张医生"},
               {"role": "police", "name": "赵民警"}]
    services.save_team(users["vdoc"], patient, members)
    assert services.team_missing(patient) == ["guardian"]
    services.create_agreement(users["vdoc"], patient, agreement(patient, signed=False, signed_on=None))
    assert services.team_missing(patient) == ["guardian"]
    services.create_agreement(users["vdoc"], patient, agreement(patient, type="management"))
    assert services.team_missing(patient) == []
