"""A write and its audit row commit together or not at all (SECURITY.md, "Audit row").

Every function that writes and records a success audit row is found in the source (``audited_writes``):
each must have a case below, or a reason in NOT_WRITES why it writes nothing of its own. A case runs the
function on the permission matrix's world (tests/security/world.py) with the audit writer failing at the
function's own audit call (any audit row of a service it calls is written as usual): the failure must
come out of the function and leave every table as it was, those audit rows included.
"""

import ast
import datetime as dt
import importlib
import inspect
import io
import sys
import tempfile
from pathlib import Path

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import transaction
from django.test import Client, RequestFactory
from django.urls import reverse

from jingfang.accounts import roles
from jingfang.audit import log as audit_log

from . import world

pytestmark = pytest.mark.django_db

SRC = Path(__file__).resolve().parents[2] / "src"
PACKAGE = SRC / "jingfang"
# Modules that only pass a row on to audit.log.record: the function that called them is the writer.
WRAPPERS = {str(PACKAGE / "audit" / "log.py"), str(PACKAGE / "support" / "auditing.py")}
WRITE_CALLS = {"save", "delete", "create", "update", "bulk_create", "bulk_update", "get_or_create",
               "update_or_create"}
TODAY = dt.date.today()
D = dt.timedelta


# Discovery -----------------------------------------------------------------------------------------
def _success_audit(call: ast.Call, imports_record: bool) -> bool:
    """An audit call that records a success: no outcome given, or outcome "ok" (a refusal passes its
    outcome as a constant other than "ok", or as a variable holding one)."""
    f = call.func
    if isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name):
        if f.value.id not in ("audit", "auditing") or f.attr not in ("record", "record_request"):
            return False
    elif not (isinstance(f, ast.Name) and f.id == "record" and imports_record):
        return False
    outcome = [k.value for k in call.keywords if k.arg == "outcome"]
    return not outcome or (isinstance(outcome[0], ast.Constant) and outcome[0].value == "ok")


def _writes(call: ast.Call) -> bool:
    f = call.func
    if not isinstance(f, ast.Attribute):
        return False
    owner = f.value.id if isinstance(f.value, ast.Name) else ""
    return f.attr in WRITE_CALLS or "services" in owner


def audited_writes() -> set[str]:
    """"module:qualname" of every function (or method) that records a success audit row and writes:
    any such function of a services module or a management command, and elsewhere one that also
    saves, creates, updates or deletes rows or calls a services module."""
    found = set()
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(SRC)
        if "tests" in rel.parts or "migrations" in rel.parts:
            continue
        text = path.read_text(encoding="utf-8")
        tree = ast.parse(text)
        imports_record = "from jingfang.audit.log import record" in text
        writer_module = "services" in path.stem or "commands" in rel.parts
        module = ".".join(rel.with_suffix("").parts)
        for node in tree.body:
            if isinstance(node, ast.FunctionDef):
                functions = [(node.name, node)]
            elif isinstance(node, ast.ClassDef):
                functions = [(f"{node.name}.{f.name}", f) for f in node.body if isinstance(f, ast.FunctionDef)]
            else:
                continue
            for name, fn in functions:
                calls = [c for c in ast.walk(fn) if isinstance(c, ast.Call)]
                if any(_success_audit(c, imports_record) for c in calls) and (
                        writer_module or any(_writes(c) for c in calls)):
                    found.add(f"{module}:{name}")
    return found


def resolve(name: str):
    module, qualname = name.split(":")
    obj = importlib.import_module(module)
    for part in qualname.split("."):
        obj = inspect.getattr_static(obj, part) if inspect.isclass(obj) else getattr(obj, part)
        if isinstance(obj, (staticmethod, classmethod)):
            obj = obj.__func__
    return inspect.unwrap(obj)


def _codes(code) -> set:
    """A function's code and that of the functions defined inside it (e.g. a callback it passes on)."""
    out = {code}
    for const in code.co_consts:
        if inspect.iscode(const):
            out |= _codes(const)
    return out


class AuditDown(Exception):
    """The audit writer failed (e.g. the database refused the row)."""


class FailingAudit:
    """Replaces audit.log.record: fails when called from ``target`` (directly or through a wrapper such
    as record_request), writes the row as usual when called from anywhere else."""

    def __init__(self, target):
        self.codes = _codes(target.__code__)
        self.original = audit_log.record
        self.failed = 0

    def __call__(self, *args, **kwargs):
        frame = sys._getframe(1)
        while frame is not None and frame.f_code.co_filename in WRAPPERS:
            frame = frame.f_back
        if frame is not None and frame.f_code in self.codes:
            self.failed += 1
            raise AuditDown("审计记录写入失败")
        return self.original(*args, **kwargs)

    def __enter__(self):
        # modules that imported the function itself (management commands) as well as audit.log's users
        self.patched = [m for name, m in list(sys.modules.items())
                        if name.startswith("jingfang") and getattr(m, "record", None) is self.original]
        for m in self.patched:
            m.record = self
        return self

    def __exit__(self, *exc):
        for m in self.patched:
            m.record = self.original


def snapshot() -> dict:
    """Every row of every table, as stored."""
    out = {}
    for model in apps.get_models(include_auto_created=True):
        if model._meta.proxy or not model._meta.managed:
            continue
        out[model._meta.db_table] = list(model._base_manager.order_by("pk").values_list())
    return out


# Cases: (world) -> the write, ready to run ----------------------------------------------------------
def u(w, role):
    return w["users"][role]


def fresh(obj):
    return type(obj)._base_manager.get(pk=obj.pk)


def inside(w, key):
    return fresh(w["inside"][key])


def patient_form(name="李新档", **over):
    data = {"name": name, "id_number": world._id_number(), "phone": "13800005678", "region_code": "990102001001",
            "household_region_code": "990102001001", "address": "4组3号", "diagnosis": "schizophrenia",
            "diagnosis_date": "2016-04-01", "status": "at_home"}
    data.update(over)
    return data


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def new_user(role, region, username):
    from jingfang.accounts.models import User

    return User.objects.create_user(username=username, password=world.PASSWORD, role=role, region_id=region)


# accounts
def c_complete_sign_in(w):
    from jingfang.accounts.models import User
    from jingfang.accounts.services import complete_sign_in

    user = u(w, roles.VILLAGE_DOCTOR)
    User.objects.filter(pk=user.pk).update(failed_logins=2)
    user = fresh(user)
    return lambda: complete_sign_in(None, user)


def c_issue_token(w):
    from jingfang.accounts.services import issue_token

    return lambda: issue_token(u(w, roles.POLICE))


def c_password_change(w):
    user = new_user(roles.VILLAGE_DOCTOR, "990102001001", "atomic_password")
    client = _client(user)
    new = "Atomic#Change-2027"
    return lambda: client.post(reverse("accounts:password_change"), {
        "old_password": world.PASSWORD, "new_password1": new, "new_password2": new})


def _code(device) -> str:
    from jingfang.accounts import otp

    return otp._totp(device.secret).now()


def _enrol_client(user) -> Client:
    """A signed-in client whose enrolment code (issued by the security administrator) was accepted."""
    from jingfang.accounts import otp, views

    client = _client(user)
    _, code = otp.issue_enrolment_code(user, issued_by=None)
    session = client.session
    session[views.ENROL_CODE] = {"uid": user.pk, "code": code.pk}
    session.save()
    return client


def c_totp_enrol(w):
    from jingfang.accounts import otp

    user = new_user(roles.VILLAGE_DOCTOR, "990102001001", "atomic_totp")
    client = _enrol_client(user)
    device = otp.fresh_pending_device(user)
    return lambda: client.post(reverse("accounts:totp_enrol"), {"code": _code(device)})


def c_totp_disable(w):
    from jingfang.accounts import otp
    from jingfang.accounts.models import TOTPDevice

    user = new_user(roles.VILLAGE_DOCTOR, "990102001001", "atomic_totp_off")
    client = _client(user)
    device = otp.fresh_pending_device(user)
    TOTPDevice.objects.filter(pk=device.pk).update(confirmed=True)
    return lambda: client.post(reverse("accounts:totp_enrol"), {"action": "disable", "code": _code(device)})


def c_enrol_code_step(w):
    from jingfang.accounts import otp

    user = new_user(roles.VILLAGE_DOCTOR, "990102001001", "atomic_enrol_code")
    client = _client(user)
    otp.fresh_pending_device(user)  # an earlier unconfirmed device: replaced by the step
    raw, _ = otp.issue_enrolment_code(user, issued_by=None)
    return lambda: client.post(reverse("accounts:totp_enrol"), {"enrol_code": raw})


def c_issue_enrolment_code(w):
    from jingfang.accounts import otp

    user = new_user(roles.VILLAGE_DOCTOR, "990102001001", "atomic_enrol_issue")
    otp.issue_enrolment_code(user, issued_by=None)  # an earlier unused code: ended by the new one
    return lambda: otp.issue_enrolment_code(user, issued_by=u(w, roles.SECURITY_ADMIN))


def c_logout(w):
    from jingfang.accounts.services import issue_token

    user = new_user(roles.VILLAGE_DOCTOR, "990102001001", "atomic_logout")
    issue_token(user)
    client = _client(user)
    return lambda: client.post(reverse("accounts:logout"))


def _with_token(username):
    from jingfang.accounts.services import issue_token

    user = new_user(roles.VILLAGE_DOCTOR, "990102001001", username)
    return user, issue_token(user)


def c_revoke_all_tokens_own(w):
    from jingfang.accounts.services import revoke_all_tokens

    user, _ = _with_token("atomic_revoke_own")
    return lambda: revoke_all_tokens(user, "logout")


def c_revoke_all_tokens_by_admin(w):
    from jingfang.accounts.services import revoke_all_tokens

    user, _ = _with_token("atomic_revoke_admin")
    return lambda: revoke_all_tokens(user, "password_change", actor=u(w, roles.SECURITY_ADMIN))


def c_revoke_token(w):
    from jingfang.accounts.models import ApiToken
    from jingfang.accounts.services import revoke_token

    user, _ = _with_token("atomic_revoke_one")
    token = ApiToken.objects.get(user=user)
    return lambda: revoke_token(token.pk)


def c_token_for_idle(w):
    from django.test import override_settings
    from django.utils import timezone

    from jingfang.accounts.models import ApiToken
    from jingfang.accounts.services import token_for

    user, raw = _with_token("atomic_idle_token")
    ApiToken.objects.filter(user=user).update(last_used_at=timezone.now() - D(hours=2))

    def run():
        with override_settings(JINGFANG_IDLE_MINUTES=30):
            return token_for(raw)

    return run


def c_request_access_deactivate(w):
    from jingfang.accounts import services_access

    user = new_user(roles.VILLAGE_DOCTOR, "990102001001", "atomic_deactivate")
    return lambda: services_access.request_access_change(
        actor=u(w, roles.ADMIN), user=user, role=user.role, region=user.region_id, active=False)


def c_request_access_role(w):
    from jingfang.accounts import services_access

    user = new_user(roles.VILLAGE_DOCTOR, "990102001001", "atomic_role")
    services_access.request_access_change(  # an earlier pending request: superseded by the new one
        actor=u(w, roles.ADMIN), user=user, role=roles.VILLAGE_CADRE, region=user.region_id, active=True)
    return lambda: services_access.request_access_change(
        actor=u(w, roles.ADMIN), user=user, role=roles.TOWNSHIP_DOCTOR, region="990102001000", active=True)


def _pending_access(w, username):
    from jingfang.accounts import services_access

    user = new_user(roles.VILLAGE_DOCTOR, "990102001001", username)
    pending = services_access.request_access_change(
        actor=u(w, roles.ADMIN), user=user, role=roles.TOWNSHIP_DOCTOR, region="990102001000", active=True)
    assert pending is not None
    return pending


def c_approve_access_request(w):
    from jingfang.accounts import services_access

    pending = _pending_access(w, "atomic_approve")
    return lambda: services_access.approve_access_request(actor=u(w, roles.SECURITY_ADMIN), access_request=pending)


def c_reject_access_request(w):
    from jingfang.accounts import services_access

    pending = _pending_access(w, "atomic_reject")
    return lambda: services_access.reject_access_request(actor=u(w, roles.SECURITY_ADMIN), access_request=pending)


def c_create_user(w):
    return lambda: call_command("create_user", "atomic_console", role=roles.VILLAGE_DOCTOR, region="990102001001",
                                password=world.PASSWORD, stdout=io.StringIO())


def c_purge_audit(w):
    return lambda: call_command("purge_audit", before="2001-01-01", stdout=io.StringIO())


def c_load_regions(w):
    path = Path(tempfile.mkdtemp()) / "regions.csv"
    path.write_text("code,name,parent_code,population\n990102001003,新村,990102001000,1200\n", encoding="utf-8")
    return lambda: call_command("load_regions", str(path), stdout=io.StringIO())


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


# followups
def c_record_followup(w):
    from jingfang.followups import services

    return lambda: services.record_followup(u(w, roles.VILLAGE_DOCTOR), inside(w, "patient"), {
        "date": (TODAY - D(2)).isoformat(), "mode": "home_visit", "seen": "on", "risk_level": 1, "insight": "full",
        "social_function": "good", "adherence": "regular", "adverse_reaction": "none", "physical_illness": "none"})


def c_record_roll_call(w):
    from jingfang.followups import services

    return lambda: services.record_roll_call(u(w, roles.VILLAGE_DOCTOR), inside(w, "patient"), TODAY - D(1))


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
    from jingfang.registry import services
    from jingfang.registry.services_bulk import Registration

    doctor = u(w, roles.TOWNSHIP_DOCTOR)
    data = patient_form("赵台账")
    data.pop("status")
    checked = services.check_registrations(doctor, [Registration(2, data, None)])
    assert checked.ok
    return lambda: services.bulk_register_patients(doctor, checked)


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


# stats
def c_create_report(w):
    from jingfang.stats import inspections

    quarter = (TODAY.month - 1) // 3 + 1
    year, quarter = (TODAY.year, quarter - 1) if quarter > 1 else (TODAY.year - 1, 4)
    return lambda: inspections.create_report(u(w, roles.COUNTY_SUPERVISOR), "990102001000", year, quarter)


def c_regenerate(w):
    from jingfang.stats import inspections

    return lambda: inspections.regenerate(u(w, roles.COUNTY_SUPERVISOR), inside(w, "inspection"))


def c_save_findings(w):
    from jingfang.stats import inspections

    return lambda: inspections.save_findings(u(w, roles.COUNTY_SUPERVISOR), inside(w, "inspection"), "协议签订不全")


def c_add_item(w):
    from jingfang.stats import inspections

    return lambda: inspections.add_item(u(w, roles.COUNTY_SUPERVISOR), inside(w, "inspection"), "补录随访",
                                        "东镇卫生院", TODAY + D(15))


def c_close_item(w):
    from jingfang.stats import inspections

    return lambda: inspections.close_item(u(w, roles.COUNTY_SUPERVISOR), inside(w, "item"), "已补签")


# support
def c_save_benefit(w):
    from jingfang.support import benefits

    return lambda: benefits.save_benefit(u(w, roles.CIVIL_AFFAIRS), inside(w, "patient"), {
        "kind": "dibao", "since": (TODAY - D(30)).isoformat()}, inside(w, "benefit"))


def c_delete_benefit(w):
    from jingfang.support import benefits

    return lambda: benefits.delete_benefit(u(w, roles.CIVIL_AFFAIRS), inside(w, "benefit"))


RELIEF = {"applicant_name": "王监护", "applicant_relation": "parent", "applicant_phone": "13900004321",
          "insurance_type": "resident", "facts": "患者近月病情反复，需住院治疗，家庭无力承担费用。"}


def c_relief_create(w):
    from jingfang.support import relief_services

    return lambda: relief_services.create(u(w, roles.VILLAGE_DOCTOR), inside(w, "patient"), dict(RELIEF))


def c_relief_update(w):
    from jingfang.support import relief_services

    return lambda: relief_services.update_draft(u(w, roles.VILLAGE_DOCTOR), inside(w, "relief"),
                                                {**RELIEF, "facts": "患者病情加重，家庭确实无力承担住院费用。"})


def c_relief_step(w):
    from jingfang.support import relief_services

    return lambda: relief_services.step(u(w, roles.VILLAGE_DOCTOR), inside(w, "relief"), "submit")


def c_relief_approve_over_budget(w):
    from jingfang.support import relief_services
    from jingfang.support.models import ReliefFund

    app = relief_services.step(u(w, roles.VILLAGE_DOCTOR), inside(w, "relief"), "submit")
    app = relief_services.step(u(w, roles.VILLAGE_CADRE), app, "village_review",
                               {"opinion": "该患者家庭确实困难，建议予以救助", "option": "both_half"})
    fund = relief_services.fund_for(app.patient.region_id, TODAY.year)
    ReliefFund.objects.filter(pk=fund.pk).update(budget_yuan=100)
    return lambda: relief_services.step(u(w, roles.TOWNSHIP_OFFICE), app, "approve", {
        "option": "both_half", "amount": "3000", "budget_override": True, "override_reason": "病情危重须立即住院"})


def c_set_budget(w):
    from jingfang.support import relief_services

    fund = relief_services.fund_for("990102001001", TODAY.year)
    return lambda: relief_services.set_budget(u(w, roles.COUNTY_SUPERVISOR), fund, {"budget_yuan": "500000",
                                                                                     "note": "追加预算"})


def c_recompute(w):
    from jingfang.support import reward_services

    return lambda: reward_services.recompute(u(w, roles.TOWNSHIP_OFFICE), inside(w, "reward_run"))


def c_compute_run(w):
    from jingfang.support import reward_services

    month = TODAY.replace(day=1) - D(1)
    month = month.replace(day=1) - D(1)  # a month with no run yet: the run is created
    return lambda: reward_services.compute_run(u(w, roles.TOWNSHIP_OFFICE), {
        "township": "990102001000", "year": str(month.year), "month": str(month.month)})


def c_withhold(w):
    from jingfang.support import reward_services

    run = inside(w, "reward_run")
    line = run.lines.order_by("pk").first()
    assert line is not None
    return lambda: reward_services.withhold(u(w, roles.TOWNSHIP_OFFICE), run,
                                            {"patient": line.patient_id, "reason": "未按时督促服药"})


def c_restore(w):
    from jingfang.support import reward_services

    run = inside(w, "reward_run")
    pid = run.lines.order_by("pk").first().patient_id
    run = reward_services.withhold(u(w, roles.TOWNSHIP_OFFICE), run, {"patient": pid, "reason": "未按时督促服药"})
    return lambda: reward_services.restore(u(w, roles.TOWNSHIP_OFFICE), run, pid)


def c_mark_paid(w):
    from jingfang.support import reward_services

    return lambda: reward_services.mark_paid(u(w, roles.TOWNSHIP_OFFICE), inside(w, "reward_run"))


CASES = {
    "jingfang.accounts.management.commands.create_user:Command._create": (c_create_user,),
    "jingfang.accounts.otp:issue_enrolment_code": (c_issue_enrolment_code,),
    "jingfang.accounts.services:complete_sign_in": (c_complete_sign_in,),
    "jingfang.accounts.services:issue_token": (c_issue_token,),
    "jingfang.accounts.services:revoke_all_tokens": (c_revoke_all_tokens_own, c_revoke_all_tokens_by_admin),
    "jingfang.accounts.services:revoke_token": (c_revoke_token,),
    "jingfang.accounts.services:token_for": (c_token_for_idle,),
    "jingfang.accounts.services_access:approve_access_request": (c_approve_access_request,),
    "jingfang.accounts.services_access:reject_access_request": (c_reject_access_request,),
    "jingfang.accounts.services_access:request_access_change": (c_request_access_deactivate,
                                                                 c_request_access_role),
    "jingfang.accounts.views:_enrol_code_step": (c_enrol_code_step,),
    "jingfang.accounts.views:logout": (c_logout,),
    "jingfang.accounts.views:password_change": (c_password_change,),
    "jingfang.accounts.views:totp_enrol": (c_totp_enrol, c_totp_disable),
    "jingfang.audit.management.commands.purge_audit:Command.handle": (c_purge_audit,),
    "jingfang.care.services_guardianship:create_agreement": (c_create_agreement,),
    "jingfang.care.services_guardianship:replace_guardian": (c_replace_guardian,),
    "jingfang.care.services_guardianship:revoke_agreement": (c_revoke_agreement,),
    "jingfang.care.services_incident:record_incident": (c_record_incident,),
    "jingfang.care.services_incident:save_review": (c_save_review,),
    "jingfang.care.services_meeting:complete_task": (c_complete_task,),
    "jingfang.care.services_meeting:save_meeting": (c_save_meeting,),
    "jingfang.care.services_team:save_team": (c_save_team,),
    "jingfang.emergency.services:acknowledge": (c_acknowledge,),
    # request_access's look-up, count and grant commit with the audit row _open writes inside its transaction
    "jingfang.emergency.services:_open": (c_request_access_outside, c_request_access_inside),
    "jingfang.emergency.services:review": (c_review,),
    "jingfang.exchange.services:generate": (c_generate,),
    "jingfang.exchange.services:record_receipt": (c_record_receipt,),
    "jingfang.exchange.services_recon:apply_mapping": (c_apply_mapping,),
    "jingfang.exchange.services_recon:resolve": (c_resolve_note, c_resolve_lead),
    "jingfang.exchange.services_recon:upload": (c_upload,),
    "jingfang.exports.guard:Gate.finish": (c_gate_finish,),
    "jingfang.exports.services:decide": (c_decide,),
    "jingfang.exports.services:submit": (c_submit,),
    "jingfang.followups.services:add_sensitive_period": (c_add_sensitive_period,),
    "jingfang.followups.services:log_search": (c_log_search,),
    "jingfang.followups.services:record_followup": (c_record_followup,),
    "jingfang.followups.services:record_roll_call": (c_record_roll_call,),
    "jingfang.followups.services:save_plan": (c_save_plan,),
    "jingfang.followups.services:set_measure_done": (c_set_measure_done,),
    "jingfang.imports.services:start_import": (c_start_import,),
    "jingfang.intake.services:_advance": (c_advance,),
    "jingfang.intake.services:enter_card": (c_enter_card,),
    "jingfang.intake.services:receive_card": (c_receive_card,),
    "jingfang.intake.services_movement:accept_transfer": (c_accept_transfer,),
    "jingfang.intake.services_movement:record_release": (c_record_release,),
    "jingfang.intake.services_movement:return_transfer": (c_return_transfer,),
    "jingfang.intake.services_movement:send_transfer": (c_send_transfer,),
    "jingfang.intake.services_movement:take_over": (c_take_over,),
    "jingfang.jobs.api:rerun_job": (c_api_rerun_job,),
    "jingfang.jobs.views:job_rerun": (c_job_rerun,),
    "jingfang.regions.management.commands.load_regions:Command.handle": (c_load_regions,),
    "jingfang.registry.services:change_status": (c_change_status,),
    "jingfang.registry.services:count_dangerous_act": (c_count_dangerous_act,),
    "jingfang.registry.services:create_patient": (c_create_patient,),
    "jingfang.registry.services:relocate_patient": (c_relocate_patient,),
    "jingfang.registry.services:set_transfer_pending": (c_set_transfer_pending,),
    "jingfang.registry.services:update_patient": (c_update_patient,),
    "jingfang.registry.services_bulk_write:Registrar.finish": (c_bulk_register,),
    "jingfang.screening.services_campaigns:add_listing": (c_add_listing,),
    "jingfang.screening.services_campaigns:create_campaign": (c_create_campaign,),
    "jingfang.screening.services_campaigns:import_from_files": (c_import_from_files,),
    "jingfang.screening.services_campaigns:update_person": (c_update_person,),
    "jingfang.screening.services_leads:_step": (c_lead_step,),
    "jingfang.screening.services_leads:confirm": (c_confirm,),
    "jingfang.screening.services_leads:create_lead": (c_create_lead,),
    "jingfang.stats.inspections:add_item": (c_add_item,),
    "jingfang.stats.inspections:close_item": (c_close_item,),
    "jingfang.stats.inspections:create_report": (c_create_report,),
    "jingfang.stats.inspections:regenerate": (c_regenerate,),
    "jingfang.stats.inspections:save_findings": (c_save_findings,),
    "jingfang.support.benefits:delete_benefit": (c_delete_benefit,),
    "jingfang.support.benefits:save_benefit": (c_save_benefit,),
    "jingfang.support.relief_services:_Steps.approve": (c_relief_approve_over_budget,),
    "jingfang.support.relief_services:create": (c_relief_create,),
    "jingfang.support.relief_services:set_budget": (c_set_budget,),
    "jingfang.support.relief_services:step": (c_relief_step,),
    "jingfang.support.relief_services:update_draft": (c_relief_update,),
    "jingfang.support.reward_services:_recompute": (c_recompute, c_compute_run),
    "jingfang.support.reward_services:mark_paid": (c_mark_paid,),
    "jingfang.support.reward_services:restore": (c_restore,),
    "jingfang.support.reward_services:withhold": (c_withhold,),
}

# Found by the discovery but writing nothing of their own: the audit row is of a read or of a refusal.
NOT_WRITES = {
    "jingfang.care.services_team:reveal_team_phones": "reads phones (a deliberate act, audited); writes nothing",
    "jingfang.care.services_team:reveal_directory_phones": "reads phones (audited); writes nothing",
    "jingfang.registry.services:reveal_identifiers": "reads identifiers (audited); writes nothing",
    "jingfang.care.views_incident:incident_create": "the page's read is audited; the write is record_incident's",
    "jingfang.emergency.views:request_page": "the page's read is audited; the write is request_access's",
    "jingfang.emergency.views:grant_review": "the page's read is audited; the write is review's",
    "jingfang.exchange.views_tables:table_list": "a listing (audited); writes nothing",
    "jingfang.exchange.views_recon:line_resolve": "the page's read is audited; the write is services_recon.resolve's",
    "jingfang.intake.views_transfers:transfer_create": "the page's read is audited; the write is send_transfer's",
    "jingfang.jobs.api:get_file": "a download (audited); writes nothing",
    "jingfang.jobs.views:job_file": "a download (audited); writes nothing",
    "jingfang.screening.views_campaigns:person_edit": "the page's read is audited; the write is update_person's",
    "jingfang.stats.views:kpi_patients": "a listing (audited); writes nothing",
    "jingfang.support.api_relief:get_fund": "a read (audited); the year's fund appears with the profile's budget "
                                            "the first time it is looked at (a default, not a change)",
    "jingfang.support.api_relief:summary": "a listing (audited); writes nothing",
    "jingfang.support.api_rewards:insurance": "a listing (audited); writes nothing",
    "jingfang.support.views_relief:relief_new": "the search is audited; the write is relief_services.create's",
    "jingfang.support.views_relief:relief_print": "a read (audited); writes nothing",
    "jingfang.support.views_relief:relief_fund": "a read (audited) as get_fund; the write is set_budget's",
}


def test_every_audited_write_has_a_case():
    found = audited_writes()
    missing = sorted(found - set(CASES) - set(NOT_WRITES))
    assert not missing, (
        "These functions write and record a success audit row but have no case in CASES (or reason in "
        f"NOT_WRITES): {missing}")
    stale = sorted((set(CASES) | set(NOT_WRITES)) - found)
    assert not stale, f"Entries for functions that are no longer audited writes: {stale}"


def test_discovery_finds_writes_in_and_out_of_services_modules():
    found = audited_writes()
    assert {"jingfang.registry.services:update_patient", "jingfang.stats.inspections:close_item",
            "jingfang.jobs.views:job_rerun", "jingfang.support.reward_services:withhold"} <= found
    assert "jingfang.support.auditing:record" not in found  # a wrapper, not a writer


PARAMS = [pytest.param(name, case, id=f"{name.split('.')[-1]}-{case.__name__[2:]}")
          for name, cases in sorted(CASES.items()) for case in cases]


@pytest.mark.parametrize(("name", "case"), PARAMS)
def test_a_failed_audit_row_leaves_nothing_written(matrix, name, case):
    target = resolve(name)
    with transaction.atomic():
        run = case(matrix)
        before = snapshot()
        failing = FailingAudit(target)
        with failing, pytest.raises(AuditDown):
            run()
        after = snapshot()
        transaction.set_rollback(True)
    assert failing.failed == 1
    changed = sorted(table for table in before if before[table] != after[table])
    assert not changed, f"{name}: its audit row failed, yet these tables changed: {changed}"


def test_the_failing_writer_fails_only_for_its_own_function(matrix):
    """The check itself: a service's audit row is written as usual when another function's fails."""
    from jingfang.audit.models import AuditEvent
    from jingfang.registry import services

    with transaction.atomic():
        before = AuditEvent.objects.count()
        with FailingAudit(resolve("jingfang.registry.services:create_patient")):
            services.set_transfer_pending(u(matrix, roles.TOWNSHIP_DOCTOR), inside(matrix, "patient"), True)
        assert AuditEvent.objects.count() == before + 1
        transaction.set_rollback(True)


def test_a_write_audited_after_its_transaction_is_caught(matrix):
    """The check itself: a write whose audit row follows its commit leaves the write behind."""
    from jingfang.registry.models import Patient

    def careless(patient):
        with transaction.atomic():
            Patient.objects.filter(pk=patient.pk).update(address="改了")
        audit_log.record(None, "update", patient_id=patient.pk)

    with transaction.atomic():
        patient = inside(matrix, "patient")
        before = snapshot()
        with FailingAudit(careless), pytest.raises(AuditDown):
            careless(patient)
        assert snapshot() != before
        transaction.set_rollback(True)

