"""Cases of the follow-up, import, intake, job, registry and screening writes."""

from django.test import Client
from django.urls import reverse

from jingfang.accounts import roles

from .. import world
from .common import TODAY, D, _client, inside, patient_form, u


# followups
def c_record_followup(w):
    from jingfang.followups import services

    return lambda: services.record_followup(u(w, roles.VILLAGE_DOCTOR), inside(w, "patient"), {
        "date": (TODAY - D(2)).isoformat(), "mode": "home_visit", "seen": "on", "risk_level": 1, "insight": "full",
        "social_function": "good", "adherence": "regular", "adverse_reaction": "none", "physical_illness": "none"})


def c_record_roll_call(w):
    from jingfang.followups import services
    from jingfang.followups.models import SensitivePeriod
    from jingfang.registry.models import Patient

    patient = inside(w, "patient")  # roll calls are for key persons during a sensitive period
    Patient.objects.filter(pk=patient.pk).update(key_person=True)
    patient.refresh_from_db()
    SensitivePeriod.objects.create(region_id=patient.region_id[:6] + "000000", name="敏感时期", start=TODAY - D(3),
                                   end=TODAY + D(3))
    return lambda: services.record_roll_call(u(w, roles.VILLAGE_DOCTOR), patient, TODAY - D(1))


def c_log_search(w):
    from jingfang.followups import services

    return lambda: services.log_search(u(w, roles.VILLAGE_DOCTOR), inside(w, "patient"),
                                       {"date": TODAY.isoformat(), "method": "home", "result": "found"})


def c_save_plan(w):
    from jingfang.followups import services

    return lambda: services.save_plan(u(w, roles.TOWNSHIP_DOCTOR), inside(w, "patient"), {
        "title": "一人一策（调整）", "owner_name": "村医", "review_date": (TODAY + D(20)).isoformat()},
        [{"category": "visit", "text": "每周电话随访"}])


def c_set_measure_done(w):
    from jingfang.followups import services

    return lambda: services.set_measure_done(u(w, roles.TOWNSHIP_DOCTOR), inside(w, "measure"), True)


def c_add_sensitive_period(w):
    from jingfang.followups import services

    return lambda: services.add_sensitive_period(u(w, roles.COUNTY_SUPERVISOR), "重大活动", TODAY, TODAY + D(7))


# imports
def c_start_import(w):
    from jingfang.imports import services

    upload = world.sheet([["王台账", world._id_number()]])
    return lambda: services.start_import(u(w, roles.TOWNSHIP_DOCTOR), upload, services.CHECK)


# intake
def c_receive_card(w):
    from jingfang.intake import services

    return lambda: services.receive_card(u(w, roles.TOWNSHIP_DOCTOR), {
        "kind": "discharge", "hospital": "测试市精神卫生中心", "received_on": TODAY.isoformat(),
        "patient_name": "孙报告", "id_number": "", "address": "7组", "diagnosis": "schizophrenia"})


def c_advance(w):
    from jingfang.intake import services

    return lambda: services.accept_card(u(w, roles.TOWNSHIP_DOCTOR), inside(w, "card"))


def c_enter_card(w):
    from jingfang.intake import services

    card = services.accept_card(u(w, roles.TOWNSHIP_DOCTOR), inside(w, "card"))
    return lambda: services.enter_card(u(w, roles.TOWNSHIP_DOCTOR), card, {
        "id_number": world._id_number(), "region_code": "990102001001"})


def c_record_release(w):
    from jingfang.intake import services_movement

    return lambda: services_movement.record_release(u(w, roles.POLICE), {
        "kind": "custody", "released_on": (TODAY - D(3)).isoformat(), "notifying_unit": "看守所",
        "notified_on": (TODAY - D(2)).isoformat(), "person_name": "吴释放", "id_number": "", "address": "8组",
        "township_code": "990102001000"})


def c_take_over(w):
    from jingfang.intake import services_movement

    return lambda: services_movement.take_over(u(w, roles.TOWNSHIP_OFFICE), inside(w, "release"),
                                               {"text": "已面访，监护人在家"})


def c_send_transfer(w):
    from jingfang.intake import services_movement

    return lambda: services_movement.send_transfer(u(w, roles.TOWNSHIP_DOCTOR), inside(w, "patient"),
                                                   {"destination_code": "990102002000", "reason": "随子女迁居"})


def c_accept_transfer(w):
    from jingfang.intake import services_movement

    return lambda: services_movement.accept_transfer(u(w, roles.TOWNSHIP_DOCTOR), inside(w, "incoming"),
                                                     {"village_code": "990102001001"})


def c_return_transfer(w):
    from jingfang.intake import services_movement

    return lambda: services_movement.return_transfer(u(w, roles.TOWNSHIP_DOCTOR), inside(w, "incoming"),
                                                     {"reason": "经核实未在本辖区居住"})


# jobs
def c_job_rerun(w):
    job = inside(w, "job")
    client = _client(job.owner)
    return lambda: client.post(reverse("jobs:rerun", args=[job.pk]))


def c_api_rerun_job(w):
    from django.utils import timezone

    from jingfang.accounts.models import ApiToken
    from jingfang.accounts.services import issue_token

    job = inside(w, "job")
    token = issue_token(job.owner)
    ApiToken.objects.filter(user=job.owner).update(last_used_at=timezone.now())  # signing in: not the write
    return lambda: Client().post(f"/api/v1/jobs/{job.pk}/rerun", HTTP_AUTHORIZATION=f"Bearer {token}")


# registry
def c_create_patient(w):
    from jingfang.registry import services

    return lambda: services.create_patient(u(w, roles.TOWNSHIP_DOCTOR), patient_form(),
                                           guardian={"name": "李监护", "relation": "parent", "phone": "13900001111"})


def c_update_patient(w):
    from jingfang.registry import services

    patient = inside(w, "patient")
    return lambda: services.update_patient(u(w, roles.TOWNSHIP_DOCTOR), patient, {"address": "3组15号"},
                                           patient.version)


def c_change_status(w):
    from jingfang.registry import services

    patient = inside(w, "patient")
    return lambda: services.change_status(u(w, roles.TOWNSHIP_DOCTOR), patient, {
        "status": "hospitalized", "detail": "psychiatric_hospital", "since": TODAY.isoformat(),
        "version": patient.version})


def c_set_transfer_pending(w):
    from jingfang.registry import services

    return lambda: services.set_transfer_pending(u(w, roles.TOWNSHIP_DOCTOR), inside(w, "patient"), True)


def c_relocate_patient(w):
    from jingfang.regions.models import Region
    from jingfang.registry import services

    village = Region.objects.get(code="990102001002")
    return lambda: services.relocate_patient(u(w, roles.TOWNSHIP_DOCTOR), inside(w, "patient"), village,
                                             reason="本乡镇内迁居")


def c_count_dangerous_act(w):
    from jingfang.registry import services

    return lambda: services.count_dangerous_act(u(w, roles.POLICE), inside(w, "patient"), "minor_trouble")


def c_bulk_register(w):
    from jingfang.registry import services_bulk, services_bulk_write
    from jingfang.registry.services_bulk import Registration

    doctor = u(w, roles.TOWNSHIP_DOCTOR)
    data = patient_form("赵台账")
    data.pop("status")
    checked = services_bulk.check_registrations(doctor, [Registration(2, data, None)])
    assert checked.ok
    return lambda: services_bulk_write.bulk_register_patients(doctor, checked)


# screening
def c_create_campaign(w):
    from jingfang.screening import services_campaigns

    return lambda: services_campaigns.create_campaign(u(w, roles.TOWNSHIP_OFFICE), {
        "name": "补充摸排", "risk_since": f"{TODAY.year}-01-01",
        "plan_start": (TODAY - D(30)).isoformat(), "plan_end": (TODAY - D(11)).isoformat(),
        "implement_start": (TODAY - D(10)).isoformat(), "implement_end": (TODAY + D(9)).isoformat(),
        "fill_gaps_start": (TODAY + D(10)).isoformat(), "fill_gaps_end": (TODAY + D(20)).isoformat(),
        "consolidate_start": (TODAY + D(21)).isoformat(), "consolidate_end": (TODAY + D(40)).isoformat()})


def c_add_listing(w):
    from jingfang.screening import services_campaigns

    return lambda: services_campaigns.add_listing(u(w, roles.POLICE), inside(w, "campaign"), {
        "group": "forensic", "name": "钱排查", "sex": "F", "birth_date": "1982-03-04",
        "region_code": "990102001001", "address": "9组"})


def c_import_from_files(w):
    from jingfang.screening import services_campaigns

    return lambda: services_campaigns.import_from_files(u(w, roles.TOWNSHIP_DOCTOR), inside(w, "campaign"),
                                                        "risk3")


def c_update_person(w):
    from jingfang.screening import services_campaigns

    return lambda: services_campaigns.update_person(u(w, roles.TOWNSHIP_DOCTOR), inside(w, "campaign"),
                                                    inside(w, "person"), {"whereabouts": "at_home"})


def c_create_lead(w):
    from jingfang.screening import services_leads

    return lambda: services_leads.create_lead(u(w, roles.VILLAGE_DOCTOR), {
        "name": "郑疑似", "sex": "F", "birth_date": "1990-06-01", "region_code": "990102001001",
        "address": "2组5号", "signs": ["3"], "source": "door_to_door", "found_on": TODAY.isoformat()},
        allow_duplicates=True)


def c_lead_step(w):
    from jingfang.screening import services_leads

    return lambda: services_leads.refer(u(w, roles.TOWNSHIP_DOCTOR), inside(w, "lead"),
                                        {"referred_to": "县精神卫生中心", "referred_on": TODAY.isoformat()})


def c_confirm(w):
    from jingfang.screening import services_leads

    doctor = u(w, roles.TOWNSHIP_DOCTOR)
    lead = services_leads.refer(doctor, inside(w, "lead"),
                                {"referred_to": "县精神卫生中心", "referred_on": TODAY.isoformat()})
    return lambda: services_leads.confirm(doctor, lead, patient_form("李疑似"))
