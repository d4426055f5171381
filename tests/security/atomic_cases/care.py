"""Cases of the care, emergency, exchange and exports writes."""

from django.test import RequestFactory

from jingfang.accounts import roles

from .. import world
from .common import TODAY, D, fresh, inside, u


# care
def c_create_agreement(w):
    from jingfang.care import services

    patient, guardian = inside(w, "patient"), inside(w, "guardian")
    start = TODAY - D(5)
    return lambda: services.create_agreement(u(w, roles.VILLAGE_DOCTOR), patient, {
        "guardian_id": guardian.pk, "type": "management", "start": start, "signed": True, "signed_on": start})


def c_revoke_agreement(w):
    from jingfang.care import services

    return lambda: services.revoke_agreement(u(w, roles.TOWNSHIP_DOCTOR), inside(w, "agreement"), "监护人不履责")


def c_replace_guardian(w):
    from jingfang.care import services
    from jingfang.registry.models import Guardian

    patient = inside(w, "patient")
    second = Guardian.objects.create(patient=patient, name="王二监护", relation="sibling", phone="13900004322")
    return lambda: services.replace_guardian(u(w, roles.TOWNSHIP_DOCTOR), inside(w, "agreement"),
                                             "监护人不履责，调整监护人", {"guardian_id": second.pk})


def c_record_incident(w):
    from jingfang.care import services

    return lambda: services.record_incident(u(w, roles.POLICE), inside(w, "patient"), {
        "date": (TODAY - D(3)).isoformat(), "place": "村口", "kind": "minor_trouble", "description": "与邻居争吵",
        "injuries": 0, "deaths": 0, "property_loss_yuan": "0", "police_response": "到场劝离",
        "onsite_handling": "劝导", "hospital": "", "aftermath": ""})


def c_save_review(w):
    from jingfang.care import services

    return lambda: services.save_review(u(w, roles.TOWNSHIP_DOCTOR), inside(w, "incident"), "随访不到位")


def c_save_meeting(w):
    from jingfang.care import services

    patient = inside(w, "patient")
    return lambda: services.save_meeting(u(w, roles.TOWNSHIP_DOCTOR), {
        "kind": "team_monthly", "region_code": "990102001001", "date": TODAY.isoformat(), "minutes": "研判风险",
        "decisions": "加强随访", "patient_ids": [patient.pk], "attendees": [{"name": "李组长", "unit": "村委"}],
        "tasks": [{"text": "入户核实", "owner_id": u(w, roles.VILLAGE_DOCTOR).pk,
                   "due_date": (TODAY + D(5)).isoformat()}]})


def c_complete_task(w):
    from jingfang.care import services

    return lambda: services.complete_task(u(w, roles.VILLAGE_DOCTOR), inside(w, "task"))


def c_save_team(w):
    from jingfang.care import services

    return lambda: services.save_team(u(w, roles.VILLAGE_DOCTOR), inside(w, "patient"), [
        {"role": "leader", "name": "李组长", "phone": "13700000001", "unit": "甲村党支部"},
        {"role": "township_doctor", "name": "张医生", "phone": "13700000002", "unit": "东镇卫生院",
         "user_id": u(w, roles.TOWNSHIP_DOCTOR).pk},
        {"role": "police", "name": "赵民警", "phone": "13700000003", "unit": "东镇派出所",
         "user_id": u(w, roles.POLICE).pk},
        {"role": "guardian", "name": "王监护", "phone": "13900004321"},
    ])


# emergency
def _emergency(w, place):
    from jingfang.emergency import services

    number = fresh(w[place]["patient"]).id_number
    return lambda: services.request_access(u(w, roles.POLICE), {
        "id_number": number, "category": "incident", "reason": "现场处置肇事肇祸，需了解监护人情况"})


def c_request_access_outside(w):
    return _emergency(w, "beside")


def c_request_access_inside(w):
    return _emergency(w, "inside")


def c_acknowledge(w):
    from jingfang.emergency import services

    return lambda: services.acknowledge(u(w, roles.TOWNSHIP_OFFICE), inside(w, "grant"))


def c_review(w):
    from jingfang.emergency import services

    return lambda: services.review(u(w, roles.COUNTY_SUPERVISOR), inside(w, "grant"),
                                   {"outcome": "reasonable", "note": "现场处置确有需要"})


# exchange
def c_generate(w):
    from jingfang.exchange import services, table

    month = table.previous_month(table.previous_month(TODAY))
    return lambda: services.generate(u(w, roles.TOWNSHIP_OFFICE), "990102001000", month)


def c_record_receipt(w):
    from jingfang.exchange import services

    return lambda: services.record_receipt(u(w, roles.TOWNSHIP_OFFICE), inside(w, "table"),
                                           {"department": "police", "received_by": "某民警"})


def _police_sheet(w):
    patient = inside(w, "patient")
    return world.sheet([[patient.name, patient.id_number], ["周不明", "990102198001010038"]])


def c_upload(w):
    from jingfang.exchange import services_recon

    upload = _police_sheet(w)
    return lambda: services_recon.upload(u(w, roles.POLICE), upload, "990102001000",
                                         mapping={"name": "姓名", "id_number": "身份证号"})


def c_apply_mapping(w):
    from jingfang.exchange import services_recon
    from jingfang.exchange.models import ColumnMapping

    ColumnMapping.objects.all().delete()
    run = services_recon.upload(u(w, roles.POLICE), _police_sheet(w), "990102001000")
    assert run.state == "mapping"
    return lambda: services_recon.apply_mapping(u(w, roles.POLICE), run, {"name": "姓名", "id_number": "身份证号"})


def _theirs_only(w):
    run = inside(w, "recon")
    return run, run.lines.filter(kind__in=_link_kinds()).order_by("pk").first()


def _link_kinds():
    from jingfang.exchange.services_recon import LINK_KINDS

    return LINK_KINDS


def c_resolve_note(w):
    from jingfang.exchange import services_recon

    run, line = inside(w, "recon"), inside(w, "line")
    return lambda: services_recon.resolve(u(w, roles.TOWNSHIP_OFFICE), run, line,
                                          {"action": "note", "note": "已核实，系同一人"})


def c_resolve_lead(w):
    from jingfang.exchange import services_recon

    run, line = _theirs_only(w)
    assert line is not None
    return lambda: services_recon.resolve(u(w, roles.TOWNSHIP_OFFICE), run, line, {
        "action": "lead", "name": "孙不明", "id_number": world._id_number(), "sex": "M", "birth_date": "1980-05-17",
        "region_code": "990102001001", "signs": ["3"], "allow_duplicates": True})


# exports
def _approved_request(w):
    from jingfang.exports import services

    req = inside(w, "export_request")
    decider = next(user for user in w["users"].values() if services.may_decide(user, req))
    return services.decide(decider, req, "approve")


def c_gate_finish(w):
    from jingfang.exports.guard import Gate

    req = _approved_request(w)
    request = RequestFactory().get(req.path)
    request.user = req.requester
    return lambda: Gate(request, req.row_count, req.title, approval=req).finish("patients")


def c_submit(w):
    from jingfang.exports import services

    user = u(w, roles.VILLAGE_DOCTOR)
    draft = services.open_draft(user, view_name="registry:patient_export", title="患者名单",
                                path="/patients/export.xlsx", method="GET", params=[], count=600)
    return lambda: services.submit(user, draft, "核对全村在册患者名单")


def c_decide(w):
    from jingfang.exports import services

    req = inside(w, "export_request")
    decider = next(user for user in w["users"].values() if services.may_decide(user, req))
    return lambda: services.decide(decider, req, "reject", "请缩小导出范围")
