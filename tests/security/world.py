"""The permission matrix's world: two counties, and one object of every kind in three places.

- ``inside``: 东镇 (t1), village 甲村 (v11): inside the jurisdiction of every matrix user (one user per
  role: county supervisor and admin at the county, township roles at t1, village roles at v11).
- ``beside``: 西镇 (t2), village 丙村 (v21), in the same county: outside every township/village user.
- ``beyond``: 北镇 (t3) of 邻县, village 丁村 (v31): outside everyone, the county supervisor included.

A matrix user's "outside" object is the ``beside`` one, or the ``beyond`` one for county-level users.
Everything is made through the apps' services, as the staff of each place would make it; every
patient carries the clinical markers below in clinical fields, so a test can look for them in any
answer given to a role that must not see clinical data.
"""

import datetime as dt
import io

from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from jingfang.accounts import roles
from jingfang.core import clock

PASSWORD = "Test@Pass-2026"
TODAY = clock.today()
# Text planted in clinical fields (diagnosis hospital, psychiatrist's opinion, clinical notes) and in the
# key-person reason a township doctor writes in their own words (health-only free text).
CLINICAL_MARKERS = ("CLINMARKHOSP", "CLINMARKOPINION", "CLINMARKNOTES", "CLINMARKKPR")

TREE = [
    # code, name, population
    ("990000000000", "测试省", 0), ("990100000000", "测试市", 0),
    ("990102000000", "测试县", 60000),
    ("990102001000", "东镇", 30000), ("990102001001", "甲村", 3000), ("990102001002", "乙村", 3000),
    ("990102002000", "西镇", 30000), ("990102002001", "丙村", 3000),
    ("990103000000", "邻县", 50000),
    ("990103001000", "北镇", 20000), ("990103001001", "丁村", 2000),
    ("990103002000", "南镇", 20000), ("990103002001", "戊村", 2000),
]
PLACES = {
    # place: (county, township, village, transfer destination)
    "inside": ("990102000000", "990102001000", "990102001001", "990102002000"),
    "beside": ("990102000000", "990102002000", "990102002001", "990103001000"),
    "beyond": ("990103000000", "990103001000", "990103001001", "990103002000"),
}
# The matrix's users: role -> region level they sit at ("county", "township", "village").
ROLE_SEAT = {
    roles.COUNTY_SUPERVISOR: "county", roles.ADMIN: "county", roles.SECURITY_ADMIN: "county",
    roles.AUDIT_ADMIN: "county",
    roles.TOWNSHIP_OFFICE: "township", roles.TOWNSHIP_DOCTOR: "township", roles.POLICE: "township",
    roles.CIVIL_AFFAIRS: "township", roles.DPF: "township", roles.JUDICIAL: "township",
    roles.VILLAGE_DOCTOR: "village", roles.VILLAGE_CADRE: "village",
}
SEAT_INDEX = {"county": 0, "township": 1, "village": 2}

_seq = {"n": 100}


def _id_number(birth=dt.date(1980, 5, 17), sex="M"):
    from jingfang.core import idnumber

    _seq["n"] += 2
    return idnumber.make("990102", birth, _seq["n"], sex)


def _regions():
    from jingfang.regions import codes
    from jingfang.regions.models import Region

    made = {}
    for code, name, population in TREE:
        parent = next((r for c, r in sorted(made.items(), reverse=True) if c != code and codes.is_within(code, c)),
                      None)
        made[code] = Region.objects.create(code=code, name=name, level=codes.level_of(code), parent=parent,
                                           population=population, policy="")
    for county in ("990102000000", "990103000000"):  # monthly guardian rewards and a relief fund
        Region.objects.filter(code=county).update(policy="pingqiao-2025")
    return made


def _users(place: str) -> dict:
    """One user per role for ``place`` (role -> User), seated at the county, township or village."""
    from jingfang.accounts.models import User

    out = {}
    for role, seat in ROLE_SEAT.items():
        region = PLACES[place][SEAT_INDEX[seat]]
        user = User.objects.create_user(username=f"{place}_{role}", password=PASSWORD, role=role, region_id=region)
        user.first_name = "测试"
        user.is_staff = roles.is_admin_role(role)  # as accounts' create_user does
        user.save()
        out[role] = user
    return out


def _patient(doctor, village: str, name: str):
    from jingfang.registry import services
    from jingfang.registry.models import Patient, StatusChange

    data = {
        "name": name, "id_number": _id_number(), "phone": "13800001234", "region_code": village,
        "household_region_code": village, "address": "3组12号", "diagnosis": "schizophrenia",
        "diagnosis_date": "2015-03-01", "status": "at_home", "diagnosis_hospital": CLINICAL_MARKERS[0],
        "psychiatrist_opinion": CLINICAL_MARKERS[1], "clinical_notes": CLINICAL_MARKERS[2],
        "past_symptoms": ["hallucination", "self_talk"], "key_person_manual": True,
        "key_person_reason": f"{CLINICAL_MARKERS[3]}病情不稳定，拒绝服药",
    }
    p = services.create_patient(doctor, data, guardian={"name": "王监护", "relation": "parent",
                                                        "phone": "13900004321"})
    since = TODAY - dt.timedelta(days=400)
    Patient.objects.filter(pk=p.pk).update(registered_on=since, status_since=since)
    StatusChange.objects.filter(patient=p).update(since=since)
    p.refresh_from_db()
    return p


def sheet(rows) -> SimpleUploadedFile:
    wb = Workbook()
    ws = wb.active
    ws.append(["姓名", "身份证号"])
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return SimpleUploadedFile("名单.xlsx", buf.getvalue(),
                              content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def _objects(place: str, u: dict, county_user) -> dict:
    """One object of every kind in ``place``, made by that place's staff (``u``: role -> user)."""
    from jingfang.care import services as care
    from jingfang.exchange import services as exchange
    from jingfang.exchange import services_recon as recon
    from jingfang.exchange import table as exchange_table
    from jingfang.followups import services as followups
    from jingfang.intake import services as cards
    from jingfang.intake import services_movement as movement
    from jingfang.screening import services_campaigns as campaigns
    from jingfang.screening import services_leads as leads
    from jingfang.stats import inspections
    from jingfang.support import services_relief, services_rewards
    from jingfang.support.models import Benefit
    from jingfang.workforce import services as workforce

    _county, township, village, destination = PLACES[place]
    doctor, office, vdoc = u[roles.TOWNSHIP_DOCTOR], u[roles.TOWNSHIP_OFFICE], u[roles.VILLAGE_DOCTOR]
    o = {"region": village, "township": township, "county": _county}
    patient = o["patient"] = _patient(doctor, village, f"{place}患者")
    moving = _patient(doctor, village, f"{place}迁出")
    o["guardian"] = patient.guardians.get(is_primary=True)
    followups.record_followup(vdoc, patient, {
        "date": (TODAY - dt.timedelta(days=20)).isoformat(), "mode": "home_visit", "seen": "on", "risk_level": 3,
        "insight": "full", "social_function": "good", "adherence": "regular", "adverse_reaction": "none",
        "physical_illness": "none"})
    plan = followups.save_plan(doctor, patient, {"title": "一人一策", "owner_name": "村医", "review_date": (TODAY + dt.timedelta(days=30))
                                                 .isoformat()}, [{"category": "visit", "text": "每两周面访"}])
    o["measure"] = plan.measures.get()
    o["lead"] = leads.create_lead(doctor, {
        "name": "李疑似", "sex": "M", "birth_date": "1985-04-02", "region_code": village, "address": "3组8号",
        "signs": ["3", "5"], "source": "door_to_door", "found_on": TODAY.isoformat()}, allow_duplicates=True)
    d = dt.timedelta
    o["campaign"] = campaigns.create_campaign(office, {
        "name": f"{place}摸排", "risk_since": f"{TODAY.year}-01-01",
        "plan_start": (TODAY - d(30)).isoformat(), "plan_end": (TODAY - d(11)).isoformat(),
        "implement_start": (TODAY - d(10)).isoformat(), "implement_end": (TODAY + d(9)).isoformat(),
        "fill_gaps_start": (TODAY + d(10)).isoformat(), "fill_gaps_end": (TODAY + d(20)).isoformat(),
        "consolidate_start": (TODAY + d(21)).isoformat(), "consolidate_end": (TODAY + d(40)).isoformat()})
    person = campaigns.add_listing(u[roles.POLICE], o["campaign"], {
        "group": "forensic", "name": "赵排查", "sex": "M", "birth_date": "1979-01-02",
        "region_code": village, "address": "5组"})
    o["person"], _ = person
    o["card"] = cards.receive_card(doctor, {
        "kind": "discharge", "hospital": "测试市精神卫生中心", "received_on": TODAY.isoformat(),
        "patient_name": "赵报告", "id_number": "", "address": "5组", "diagnosis": "schizophrenia"})
    o["release"] = movement.record_release(u[roles.POLICE], {
        "kind": "custody", "released_on": (TODAY - d(6)).isoformat(), "notifying_unit": "看守所",
        "notified_on": (TODAY - d(5)).isoformat(), "person_name": "钱释放", "id_number": "", "address": "6组",
        "township_code": township})
    o["transfer"] = movement.send_transfer(doctor, moving, {"destination_code": destination, "reason": "随子女迁居"})
    o["meeting"] = care.save_meeting(doctor, {
        "kind": "team_monthly", "region_code": village, "date": TODAY.isoformat(), "minutes": "通报随访情况",
        "decisions": "加强服药督促", "patient_ids": [patient.pk], "attendees": [{"name": "李组长", "unit": "村委"}],
        "tasks": [{"text": "督促监护人按时给药", "owner_id": vdoc.pk, "due_date": (TODAY + d(3)).isoformat()}]})
    o["task"] = o["meeting"].tasks.get()
    start = TODAY - d(100)
    o["agreement"] = care.create_agreement(vdoc, patient, {
        "guardian_id": o["guardian"].pk, "type": "reward", "start": start, "signed": True, "signed_on": start})
    o["incident"] = care.record_incident(u[roles.POLICE], patient, {
        "date": (TODAY - d(10)).isoformat(), "place": "村委会门口", "kind": "trouble", "description": "打砸门窗",
        "injuries": 0, "deaths": 0, "property_loss_yuan": "100", "police_response": "到场控制",
        "onsite_handling": "疏散", "hospital": "", "aftermath": ""})
    month = TODAY.replace(day=1) - d(1)
    o["reward_run"] = services_rewards.compute_run(office, {"township": township, "year": str(month.year),
                                                          "month": str(month.month)})
    o["benefit"] = Benefit.objects.create(patient=patient, kind="dibao", since=TODAY - d(200), recorded_by=doctor)
    o["relief"] = services_relief.create(vdoc, patient, {
        "applicant_name": "王监护", "applicant_relation": "parent", "applicant_phone": "13900004321",
        "insurance_type": "resident", "facts": "患者近月病情反复，需住院治疗，家庭无力承担费用。"})
    from jingfang.support import costs as support_costs

    o["cost"] = support_costs.save_episode(doctor, patient, {
        "kind": "outpatient", "hospital": "乡镇卫生院门诊", "start": (TODAY - d(15)).isoformat(), "total_cost": "300",
        "insurance_paid": "200"})
    quarter_month = (TODAY.month - 1) // 3 * 3 + 1
    o["inspection"] = inspections.create_report(county_user, township, TODAY.year, (quarter_month - 1) // 3 + 1)
    o["item"] = inspections.add_item(county_user, o["inspection"], "补签监护协议", "乡镇卫生院", TODAY + d(30))
    o["table"], _ = exchange.generate(office, township, exchange_table.previous_month(TODAY))
    o["institution"] = workforce.create_institution(county_user, data={
        "region_code": township, "name": f"{place}卫生院", "kind": "township_hc"})
    o["staff"] = workforce.create_staff(county_user, institution=o["institution"], data={
        "name": f"{place}精防", "kind": "prevention"})
    from jingfang.accountability import services as accountability

    o["accountability"] = accountability.issue(office, data={
        "kind": "interview", "target_region_code": village, "target_unit": "village_committee",
        "reason": "随访逾期较多", "rectification": "补齐随访", "incident_ids": [o["incident"].pk]})
    o["consultation"] = care.save_meeting(office, {
        "kind": "joint_consultation_quarterly", "region_code": township, "date": TODAY.isoformat(),
        "minutes": "联合会商", "decisions": "补齐随访", "attendees": [{"name": "王主任", "unit": "政法委"}],
        "tasks": [{"text": "核实去向", "owner_id": u[roles.POLICE].pk, "due_date": (TODAY + d(5)).isoformat()}]})
    from jingfang.rehab import services as rehab

    o["facility"] = rehab.create_facility(county_user, data={
        "region_code": township, "name": f"{place}日间康复站", "kind": "day_station", "operator": "health",
        "address": "卫生院二楼", "places": "20", "opened_on": "2020-01-01"})
    o["rehab_team"] = rehab.create_team(county_user, data={
        "region_code": township, "name": f"{place}多功能服务团队", "host": "卫生院", "formed_on": "2024-01-01"})
    # the DPF's home rehabilitation training: health staff and the DPF see it, civil affairs does not
    o["enrolment"] = rehab.enrol(u[roles.DPF], patient=patient, data={"programme": "home", "start": TODAY.isoformat()})
    run = recon.upload(u[roles.POLICE], sheet([[patient.name, patient.id_number], ["孙不明", "990102198001010011"]]),
                       township, mapping={"name": "姓名", "id_number": "身份证号"})
    o["recon"] = run
    o["line"] = run.lines.order_by("pk").first()
    return o


def build() -> dict:
    """The whole world: {"users": role -> user (the matrix's), "inside"/"beside"/"beyond": objects}."""
    from jingfang.followups import engine

    _regions()
    engine.clear_caches()
    staff = {place: _users(place) for place in PLACES}
    world = {"users": staff["inside"]}
    for place in PLACES:
        world[place] = _objects(place, staff[place], staff[place][roles.COUNTY_SUPERVISOR])
    _incoming(world, staff)
    _grants(world, staff)
    _export_requests(world)
    _jobs(world, staff)
    _offline(world, staff)
    return world


def _offline(world: dict, staff: dict) -> None:
    """A visit held for review in each place: the place's village doctor recorded it offline for a patient
    whose death was recorded meanwhile; the place's township doctors review it. And the code of a paper
    follow-up form printed for the place's patient."""
    from jingfang.followups import services as followups
    from jingfang.offline import paper_tokens
    from jingfang.offline import services as offline
    from jingfang.offline.models import OfflineEntry

    for place, (_county, _township, village, _destination) in PLACES.items():
        vdoc = staff[place][roles.VILLAGE_DOCTOR]
        patient = _patient(staff[place][roles.TOWNSHIP_DOCTOR], village, f"{place}离线")
        followups.record_followup(vdoc, patient, {
            "date": (TODAY - dt.timedelta(days=3)).isoformat(), "mode": "home_visit", "died": "on",
            "death_date": (TODAY - dt.timedelta(days=3)).isoformat(), "death_cause": "accident"})
        form = {"date": TODAY.isoformat(), "mode": "home_visit", "seen": True, "risk_level": 1, "insight": "full",
                "social_function": "good", "adherence": "regular", "adverse_reaction": "none",
                "physical_illness": "none"}
        patient.refresh_from_db()
        offline.sync_visit(vdoc, offline.Visit(f"world-{place}", patient.pk, form))
        world[place]["held"] = OfflineEntry.objects.get(user=vdoc, client_id=f"world-{place}", status="held")
        # the code of the place's patient's printed follow-up form, issued by the place's township doctor
        doctor, own = staff[place][roles.TOWNSHIP_DOCTOR], world[place]["patient"]
        world[place]["paper_code"] = paper_tokens.tokens_for(doctor, [own.pk], 14)[own.pk].code


def _incoming(world: dict, staff: dict) -> None:
    """A transfer waiting in each place's inbox, sent from somewhere that is not the next place inward:
    into 东镇 from 西镇, into 西镇 from 北镇, into 北镇 from 南镇 (outside both test counties' users)."""
    from jingfang.accounts.models import User
    from jingfang.intake import services_movement as movement

    south = User.objects.create_user(username="south_doctor", password=PASSWORD, role=roles.TOWNSHIP_DOCTOR,
                                     region_id="990103002000")
    senders = {"inside": ("beside", staff["beside"][roles.TOWNSHIP_DOCTOR], "990102002001"),
               "beyond": ("south", south, "990103002001"),
               "beside": ("beyond", staff["beyond"][roles.TOWNSHIP_DOCTOR], "990103001001")}
    for place, (origin, doctor, village) in senders.items():
        patient = _patient(doctor, village, f"{origin}转入")
        world[place]["incoming"] = movement.send_transfer(
            doctor, patient, {"destination_code": PLACES[place][1], "reason": "随子女迁居"})


def _grants(world: dict, staff: dict) -> None:
    """An emergency grant on each place's patient, asked for by police of another place (never a matrix
    user, whose answers for the outside patient must stay 404): the township office of the place and
    its county supervisor see it."""
    from jingfang.emergency import services as emergency

    askers = {"inside": "beside", "beside": "beyond", "beyond": "beside"}
    for place, asker in askers.items():
        outcome = emergency.request_access(staff[asker][roles.POLICE], {
            "id_number": world[place]["patient"].id_number, "category": "incident",
            "reason": "现场处置肇事肇祸，需了解监护人情况"})
        world[place]["grant"] = outcome.grant


def _export_requests(world: dict) -> None:
    """A pending request to export 600 rows in each place, by a village doctor of the place who is not a
    matrix user: the place's township office and its county supervisor see and decide it."""
    from jingfang.accounts.models import User
    from jingfang.exports import services as exports

    for place, (_county, _township, village, _dest) in PLACES.items():
        requester = User.objects.create_user(username=f"{place}_export_requester", password=PASSWORD,
                                             role=roles.VILLAGE_DOCTOR, region_id=village)
        draft = exports.open_draft(requester, view_name="registry:patient_export", title="患者名单",
                                   path="/patients/export.xlsx", method="GET", params=[], count=600)
        world[place]["export_request"] = exports.submit(requester, draft, "核对全村在册患者名单")


def _jobs(world: dict, staff: dict) -> None:
    """A background job in each place, started by the place's township doctor, that failed in a way
    that may be re-run and left a report: only its owner sees it (everyone else: 404)."""
    from jingfang.jobs import services as jobs
    from jingfang.jobs.models import Job

    for place in PLACES:
        job = Job.objects.create(kind="import_patients", title="导入患者台账：台账.xlsx",
                                 owner=staff[place][roles.TOWNSHIP_DOCTOR], status=Job.FAILED, retryable=True,
                                 error="后台进程已停止响应")
        jobs.attach(job, "report", "台账校验报告.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    b"PK")
        world[place]["job"] = job
