"""Transfers between townships (齐云山镇2024 三（五）3): until accepted the origin keeps the patient and
follows up by phone; acceptance moves the patient with their whole history; a return leaves all
with the origin; illegal steps are refused."""

import pytest
from django.utils.timezone import localdate

from jingfang.audit.models import AuditEvent
from jingfang.core import errors
from jingfang.followups import services as followups
from jingfang.followups import worklist
from jingfang.followups.models import DueItem, FollowUp
from jingfang.intake import services_movement as movement
from jingfang.intake.models import Transfer
from jingfang.registry.models import Patient, Revision, StatusChange

pytestmark = pytest.mark.django_db


@pytest.fixture
def patient(make_patient, users):
    p = make_patient("990102001001", name="韩转移")
    followups.record_followup(users["doctor"], p, {
        "date": localdate().isoformat(), "mode": "home_visit", "seen": "on", "risk_level": 1, "insight": "full",
        "social_function": "good", "adherence": "regular", "adverse_reaction": "none", "physical_illness": "none",
    })
    p.refresh_from_db()
    return p


def followup_items(user, patient):
    return [i for i in worklist.items_for(user, localdate(), kind="followup", horizon=92) if i.patient_id == patient.pk]


def test_until_acceptance_the_origin_keeps_the_patient_and_follows_up_by_phone(client, users, patient, send):
    version = patient.version
    t = send(patient)
    patient.refresh_from_db()
    assert t.status == "sent" and t.origin_id == "990102001000" and t.origin_village_id == "990102001001"
    assert patient.transfer_pending and patient.version == version + 1 and patient.region_id == "990102001001"
    assert Revision.objects.filter(patient=patient, version=patient.version, changes__transfer_pending=[False, True])
    items = followup_items(users["doctor"], patient)
    assert len(items) == 1 and items[0].mode == "phone" and any("电话随访" in n for n in items[0].notes)
    assert DueItem.objects.filter(patient=patient, kind="face_to_face").count() == 0
    client.force_login(users["doctor"])
    assert client.get(f"/patients/{patient.pk}/").status_code == 200
    client.force_login(users["doctor2"])
    assert client.get(f"/patients/{patient.pk}/").status_code == 404  # not theirs before acceptance
    # The destination's worklist carries the inbox item (masked name), not the patient.
    inbox = [i for i in worklist.items_for(users["doctor2"], localdate(), horizon=92) if "转入待接收" in i.label]
    assert len(inbox) == 1 and inbox[0].patient_id is None and inbox[0].label.startswith("转入待接收：韩**")
    assert AuditEvent.objects.filter(user_id=users["doctor"].pk, action="create", target=f"transfer:{t.pk}",
                                     patient_id=patient.pk, outcome="ok").exists()


def test_the_inbox_shows_a_summary_only(client, users, patient, send):
    t = send(patient)
    client.force_login(users["doctor2"])
    r = client.get("/intake/transfers/inbox/")
    html = r.content.decode()
    assert r.status_code == 200 and "韩转移" in html and "接收" in html
    assert patient.id_number not in html and patient.id_number[:3] + "*" * 11 + patient.id_number[-4:] in html
    assert f"/patients/{patient.pk}/" not in html  # no link to the file before acceptance
    assert "精神分裂症" not in html and "甲村3组12号" not in html  # no diagnosis, no address
    summary = r.context["items"][0]["t"]["patient"]
    assert set(summary) <= {"id", "name", "sex", "birth_date", "id_number_masked", "phone_masked", "region_code",
                            "status", "status_label", "risk_level", "condition", "condition_label", "key_person",
                            "next_due_date", "version"}
    assert AuditEvent.objects.filter(user_id=users["doctor2"].pk, action="list", target="transfer_inbox").exists()
    client.get(f"/intake/transfers/{t.pk}/")
    assert AuditEvent.objects.filter(user_id=users["doctor2"].pk, action="view", target=f"transfer:{t.pk}",
                                     patient_id=patient.pk).exists()


def test_acceptance_moves_the_patient_and_its_history(client, users, patient, send):
    t = send(patient)
    before = patient.version
    t = movement.accept_transfer(users["doctor2"], t, {"village_code": "990102002001"})
    patient.refresh_from_db()
    assert t.status == "accepted" and t.accepted_by == users["doctor2"] and t.destination_village_id == "990102002001"
    assert patient.region_id == "990102002001" and not patient.transfer_pending and patient.version == before + 1
    assert Revision.objects.filter(patient=patient, version=patient.version,
                                   changes__region_code=["990102001001", "990102002001"]).exists()
    change = StatusChange.objects.filter(patient=patient).order_by("-id").first()
    assert change.note.startswith("转入") and "东镇" in change.note and change.recorded_by == users["doctor2"]
    assert FollowUp.objects.filter(patient=patient).count() == 1  # the history went along
    assert set(DueItem.objects.filter(patient=patient).values_list("region_code", flat=True)) == {"990102002001"}
    # Destination sees it, follow-up back on the ordinary schedule; the origin gets a 404 identical to missing.
    assert followup_items(users["doctor2"], patient) and not followup_items(users["doctor"], patient)
    assert followup_items(users["doctor2"], patient)[0].mode != "phone"
    client.force_login(users["doctor2"])
    page = client.get(f"/patients/{patient.pk}/")
    assert page.status_code == 200 and "韩转移" in page.content.decode()
    client.force_login(users["doctor"])
    foreign, missing = client.get(f"/patients/{patient.pk}/"), client.get("/patients/987654/")
    assert foreign.status_code == missing.status_code == 404 and foreign.content == missing.content
    api_foreign = client.get(f"/api/v1/patients/{patient.pk}")
    assert api_foreign.status_code == 404 and api_foreign.content == client.get("/api/v1/patients/987654").content
    assert patient.pk not in [p.pk for p in client.get("/patients/").context["page"].object_list]
    # Both sides' audit rows.
    assert AuditEvent.objects.filter(user_id=users["doctor"].pk, target=f"transfer:{t.pk}", action="create",
                                     patient_id=patient.pk).exists()
    assert AuditEvent.objects.filter(user_id=users["doctor2"].pk, target=f"transfer:{t.pk}", action="update",
                                     patient_id=patient.pk, detail__step="accept", outcome="ok").exists()
    # The origin still reads its own transfer record, with the name masked now.
    detail = client.get(f"/intake/transfers/{t.pk}/").content.decode()
    assert "韩**" in detail and f"/patients/{patient.pk}/" not in detail


def test_a_returned_transfer_leaves_everything_with_the_origin(users, patient, send):
    t = send(patient)
    with pytest.raises(errors.Invalid):
        movement.return_transfer(users["doctor2"], t, {"reason": "  "})
    t = movement.return_transfer(users["doctor2"], t, {"reason": "经核实未在本辖区居住"})
    patient.refresh_from_db()
    assert t.status == "returned" and t.return_reason == "经核实未在本辖区居住" and t.returned_on == localdate()
    assert patient.region_id == "990102001001" and not patient.transfer_pending
    items = followup_items(users["doctor"], patient)
    assert items and items[0].mode != "phone"
    assert not followup_items(users["doctor2"], patient)
    assert AuditEvent.objects.filter(user_id=users["doctor2"].pk, target=f"transfer:{t.pk}",
                                     detail__step="return").exists()
    send(patient)  # a returned transfer is closed: the patient may be sent again


def test_illegal_transfers_and_steps_are_refused(users, patient, send, make_patient):
    with pytest.raises(errors.Invalid) as exc:
        send(patient, destination="990102001000")
    assert exc.value.errors[0].message == "不能转移到本乡镇"
    for bad in ("990102002001", "990102009000", "12345", "990102000000"):  # village, unknown, malformed, county
        with pytest.raises(errors.Invalid):
            send(patient, destination=bad)
    with pytest.raises(errors.Forbidden):
        send(patient, user=users["office"])  # only the health centre's staff send
    t = send(patient, destination="990103001000")  # any county
    with pytest.raises(errors.Conflict):
        send(patient)  # one open transfer per patient
    assert Transfer.objects.filter(patient=patient).count() == 1
    with pytest.raises(errors.Forbidden):
        movement.accept_transfer(users["doctor2"], t, {"village_code": "990102002001"})  # not the destination
    with pytest.raises(errors.Forbidden):
        movement.accept_transfer(users["doctor"], t, {"village_code": "990102001001"})  # the origin cannot
    with pytest.raises(errors.Invalid):
        movement.accept_transfer(users["outsider"], t, {"village_code": "990102002001"})  # not their village
    movement.accept_transfer(users["outsider"], t, {"village_code": "990103001001"})
    with pytest.raises(errors.Conflict):
        movement.accept_transfer(users["outsider"], t, {"village_code": "990103001001"})  # accept twice
    with pytest.raises(errors.Conflict):
        movement.return_transfer(users["outsider"], t, {"reason": "晚了"})  # return after accept
    assert AuditEvent.objects.filter(target=f"transfer:{t.pk}", outcome="conflict").count() == 2
    dead = make_patient("990102001002", name="卫已故")
    Patient.objects.filter(pk=dead.pk).update(status="deceased")
    dead.refresh_from_db()
    with pytest.raises(errors.Invalid):
        send(dead)


def test_pages_send_accept_and_return(client, users, patient, make_patient):
    client.force_login(users["doctor"])
    form = client.get(f"/intake/transfers/new/?patient={patient.pk}")
    assert form.status_code == 200 and "韩转移" in form.content.decode()
    picked = client.get("/intake/transfers/destinations/", {"field": "destination_code", "destination_code_q": "丙村"})
    assert 'value="990102002000"' in picked.content.decode()
    r = client.post("/intake/transfers/new/", {"patient": patient.pk, "destination_code": "990102001000",
                                               "reason": "迁居"})
    assert r.status_code == 422 and "不能转移到本乡镇" in r.content.decode()
    r = client.post("/intake/transfers/new/", {"patient": patient.id_number, "destination_code": "990102002000",
                                               "reason": "迁居"})
    t = Transfer.objects.get(patient=patient)
    assert r.status_code == 302 and r["Location"] == f"/intake/transfers/{t.pk}/"
    r = client.post("/intake/transfers/new/", {"patient": patient.pk, "destination_code": "990102002000",
                                               "reason": "再转"})
    assert r.status_code == 409
    client.force_login(users["doctor2"])
    assert client.post(f"/intake/transfers/{t.pk}/accept/", {"village_code": "990102001001"}).status_code == 422
    r = client.post(f"/intake/transfers/{t.pk}/accept/", {"village_code": "990102002001"})
    assert r.status_code == 302
    assert client.post(f"/intake/transfers/{t.pk}/return/", {"reason": "x"}).status_code == 409
    other = make_patient("990102001002", name="秦退回")
    t2 = movement.send_transfer(users["doctor"], other, {"destination_code": "990102002000", "reason": "迁居"})
    assert client.post(f"/intake/transfers/{t2.pk}/return/", {"reason": "查无此人"}).status_code == 302
    other.refresh_from_db()
    assert other.region_id == "990102001002" and not other.transfer_pending
