"""The one gate for "is this ID number registered elsewhere?" (registry.disclosure), on every path that
answers it, for every role, within and past the daily quota.

``far`` is registered in 丁村 (the neighbouring county): outside the jurisdiction of every user of the
``users`` fixture but ``outsider``. ``FRESH`` numbers are registered nowhere. A role that is never told
must get the same answer for ``far`` as for a fresh number; a doctor past the quota too.
"""

import datetime as dt
import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook, load_workbook

from jingfang.accounts import roles
from jingfang.accounts.services import issue_token
from jingfang.audit.models import AuditEvent
from jingfang.core import clock, idnumber
from jingfang.registry import disclosure, services, services_bulk
from jingfang.registry.models import Disclosure, Patient
from jingfang.screening import selectors as screening_selectors
from jingfang.screening.models import Lead

pytestmark = pytest.mark.django_db

V11 = "990102001001"
ASKERS = ["county", "office", "doctor", "vdoc", "cadre", "police", "civil", "dpf", "judicial"]
TOLD = {"doctor", "vdoc"}  # township and village doctors (health roles that may break the glass)
UPLOADERS = ["police", "civil", "dpf", "judicial"]


def fresh(n: int) -> str:
    return idnumber.make("110101", dt.date(1970, 1, 1) + dt.timedelta(days=n), 2 * n + 1, "M")


@pytest.fixture
def far(make_patient):
    return make_patient("990103001001", name="丁远方", id_number=fresh(9000))


@pytest.fixture
def far2(make_patient):
    """Like ``far``, for asking past the quota (a number answered earlier today stays answered)."""
    return make_patient("990103001001", name="丁远二", id_number=fresh(9003))


@pytest.fixture
def near(make_patient):
    """Registered in 甲村: inside the jurisdiction of every asker."""
    return make_patient(V11, name="甲近处", id_number=fresh(9001))


def api(client, user, method, url, body=None, **extra):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {issue_token(user)}", **extra}
    if method == "get":
        return client.get(url, **headers)
    return client.post(url, data=json.dumps(body or {}), content_type="application/json", **headers)


def spend_all(user, settings):
    """Use up ``user``'s quota for today (a doctor: on a number nobody asks about in the test)."""
    settings.JINGFANG_DISCLOSURE_PER_DAY = max(1, disclosure.spent_today(user))
    disclosure.check(user, [fresh(8000)], purpose="test")
    if disclosure.may_learn(user):
        assert disclosure.spent_today(user) == settings.JINGFANG_DISCLOSURE_PER_DAY


# The gate itself ------------------------------------------------------------------------------------
def test_only_the_doctors_may_be_told():
    told = {r for r in roles.ROLES if disclosure.DISCLOSING_ROLES and r in disclosure.DISCLOSING_ROLES}
    assert told == {roles.TOWNSHIP_DOCTOR, roles.VILLAGE_DOCTOR}


def test_quota_counts_distinct_numbers_whatever_the_answer(users, far, near, settings):
    settings.JINGFANG_DISCLOSURE_PER_DAY = 3
    doctor = users["doctor"]
    a = disclosure.check(doctor, [far.id_number, fresh(1)], purpose="test")
    assert a.elsewhere == {far.id_number} and a.told == {far.id_number, fresh(1)} and not a.unverified
    assert disclosure.spent_today(doctor) == 2  # registered or not, each number costs one
    a = disclosure.check(doctor, [far.id_number, near.id_number], purpose="test")
    assert a.elsewhere == {far.id_number} and a.inside == {near.id_number}
    assert disclosure.spent_today(doctor) == 2  # asked again today: free; inside: free
    a = disclosure.check(doctor, [fresh(2), fresh(3), far.id_number], purpose="test")
    assert a.told == {fresh(2), far.id_number} and a.unverified == {fresh(3)}
    assert disclosure.spent_today(doctor) == 3
    # registering (colliding): a fresh number is not a look-up and costs nothing
    a = disclosure.check(doctor, [fresh(4)], purpose="test", colliding=True)
    assert a == disclosure.Answer(frozenset(), frozenset(), frozenset(), frozenset())
    assert disclosure.spent_today(doctor) == 3
    # another user has a quota of their own
    assert disclosure.check(users["vdoc"], [far.id_number], purpose="test").elsewhere == {far.id_number}
    # the audit rows count, never hold a number
    rows = AuditEvent.objects.filter(action="search", target="registration_check:test")
    assert rows.count() == 4 and rows.filter(outcome="denied").count() == 1  # nothing asked: no row
    assert not any(far.id_number in str(r.detail) for r in rows)
    assert list(Disclosure.objects.values_list("digest", flat=True).distinct()) != []
    assert not Disclosure.objects.filter(digest=far.id_number).exists()


def test_a_number_that_fails_its_checksum_costs_nothing(users):
    bad = fresh(1)[:-1] + ("0" if fresh(1)[-1] != "0" else "1")
    a = disclosure.check(users["doctor"], [bad, bad[:17]], purpose="test")
    assert not a.told and not a.unverified and disclosure.spent_today(users["doctor"]) == 0


def test_a_day_later_the_quota_is_new(users, far, settings):
    spend_all(users["doctor"], settings)  # far not yet asked
    assert disclosure.check(users["doctor"], [far.id_number], purpose="test").unverified == {far.id_number}
    Disclosure.objects.update(day=clock.today() - dt.timedelta(days=1))
    assert disclosure.check(users["doctor"], [far.id_number], purpose="test").elsewhere == {far.id_number}


@pytest.mark.parametrize("who", sorted(set(ASKERS) - TOLD) + ["admin"])
def test_other_roles_are_never_told_and_spend_nothing(users, far, who):
    a = disclosure.check(users[who], [far.id_number, fresh(1)], purpose="test")
    assert not a.elsewhere and not a.told and not a.unverified
    assert not Disclosure.objects.exists()


# POST /screening/leads/duplicates/ (the page's live check) -------------------------------------------
def _dups_page(client, user, number):
    client.force_login(user)
    r = client.post("/screening/leads/duplicates/", {"id_number": number, "name": "", "birth_date": "",
                                                     "region_code": ""})
    return r.status_code, r.content.decode()


@pytest.mark.parametrize("who", ASKERS)
def test_duplicate_check_page(client, users, far, far2, settings, who):
    user = users[who]
    registered, unknown = _dups_page(client, user, far.id_number), _dups_page(client, user, fresh(1))
    assert registered[0] == unknown[0] == 200
    assert "未发现可能重复" in unknown[1]
    if who in TOLD:
        assert screening_selectors.OTHER_JURISDICTION_PATIENT in registered[1] and "丁" not in registered[1]
    else:
        assert registered == unknown
    spend_all(user, settings)
    past = _dups_page(client, user, far2.id_number), _dups_page(client, user, fresh(2))
    assert past[0] == past[1]  # past the quota (or never told): the same answer either way
    assert (screening_selectors.UNVERIFIED in past[0][1]) == (who in TOLD)


def test_duplicate_check_page_is_closed_to_admin(client, users, far):
    assert _dups_page(client, users["admin"], far.id_number)[0] == 403


# POST /api/v1/leads -------------------------------------------------------------------------------------
LEAD = {"name": "李疑似", "region_code": V11, "signs": [3], "source": "door_to_door"}


@pytest.mark.parametrize("who", ASKERS)
def test_lead_api(client, users, far, far2, settings, who):
    user = users[who]
    r = api(client, user, "post", "/api/v1/leads", {**LEAD, "id_number": far.id_number})
    if who in TOLD:
        assert r.status_code == 409 and r.json()["duplicates"][0]["message"] == "该身份证号已在其他辖区建档"
    else:  # reported like any lead; the township doctor resolves it (and is told, within quota)
        assert r.status_code == 201, r.content
        assert "其他辖区" not in r.content.decode()
    assert api(client, user, "post", "/api/v1/leads", {**LEAD, "id_number": fresh(1)}).status_code == 201
    spend_all(user, settings)
    leads = Lead.objects.count()
    r = api(client, user, "post", "/api/v1/leads", {**LEAD, "id_number": far2.id_number, "name": "李二"})
    assert r.status_code == 201 and "其他辖区" not in r.content.decode()  # 需县级核实 does not block
    assert api(client, user, "post", "/api/v1/leads", {**LEAD, "id_number": fresh(2), "name": "李三"}).status_code == 201
    assert Lead.objects.count() == leads + 2


def test_a_lead_elsewhere_is_told_only_to_a_doctor_within_quota(client, users, make_user, settings):
    west_police = make_user("police", "t2")
    api(client, west_police, "post", "/api/v1/leads", {**LEAD, "region_code": "990102002001",
                                                       "id_number": fresh(5)})
    for who in ASKERS:
        dups = screening_selectors.lead_duplicates(users[who], id_number=fresh(5))
        if who == "county":  # 丙村 is inside the county: the supervisor sees that lead anyway
            assert dups[0]["visible"]
        elif who in TOLD:
            assert [d["message"] for d in dups] == [screening_selectors.OTHER_JURISDICTION_LEAD]
        else:
            assert dups == []
    spend_all(users["doctor"], settings)
    assert [d["kind"] for d in screening_selectors.lead_duplicates(users["doctor"], id_number=fresh(6))] == [
        "unverified"]


# POST /api/v1/patients (and the page, and an edit of the ID number) ----------------------------------
def _patient(number, **over):
    from conftest import patient_data

    return patient_data(V11, id_number=number, **over)


@pytest.mark.parametrize("who", ASKERS)
def test_patient_api(client, users, far, far2, near, settings, who):
    user = users[who]
    r = api(client, user, "post", "/api/v1/patients", _patient(far.id_number))
    if not user.can(roles.CREATE_PATIENT):
        assert r.status_code == 403
        return
    assert r.status_code == 409 and r.json()["errors"][0]["message"] == "身份证号码已登记，档案不在您的辖区内"
    r = api(client, user, "post", "/api/v1/patients", _patient(near.id_number))
    assert r.status_code == 409 and "甲村" in r.json()["errors"][0]["message"]  # inside: where, and free
    assert disclosure.spent_today(user) == 1
    spend_all(user, settings)
    r = api(client, user, "post", "/api/v1/patients", _patient(far2.id_number))
    assert r.status_code == 409 and r.json()["errors"][0]["message"] == services.UNVERIFIED_DUPLICATE
    assert "不在您的辖区" not in r.content.decode() and Patient.objects.count() == 3
    # an edit that gives a file the number of a file elsewhere answers the same
    mine = services.create_patient(user, _patient(fresh(3)))
    r = client.patch(f"/api/v1/patients/{mine.pk}", data=json.dumps({"version": 1, "id_number": far2.id_number}),
                     content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {issue_token(user)}")
    assert r.status_code == 409 and r.json()["errors"][0]["message"] == services.UNVERIFIED_DUPLICATE


def test_patient_page(client, users, far, far2, settings):
    doctor = users["doctor"]
    client.force_login(doctor)
    data = _patient(far.id_number)
    r = client.post("/patients/new/", data)
    assert r.status_code == 409 and "档案不在您的辖区内" in r.content.decode()
    spend_all(doctor, settings)
    r = client.post("/patients/new/", _patient(far2.id_number))
    assert r.status_code == 409 and "需县级核实" in r.content.decode() and "档案不在您的辖区内" not in r.content.decode()


def test_confirming_a_lead_is_refused_outside_the_transaction_and_the_look_up_kept(users, far):
    from jingfang.screening import services_leads

    doctor = users["doctor"]
    lead = services_leads.create_lead(users["police"], {**LEAD, "signs": ["3"], "id_number": far.id_number})
    services_leads.refer(doctor, lead, {"referred_to": "县精神卫生中心"})
    with pytest.raises(Exception) as caught:
        services_leads.confirm(doctor, lead, _patient(far.id_number))
    assert "档案不在您的辖区内" in str(caught.value.errors[0].message)
    assert disclosure.spent_today(doctor) == 1  # not rolled back with the refusal


# POST /api/v1/reconciliations ------------------------------------------------------------------------
def _list(rows) -> SimpleUploadedFile:
    wb = Workbook()
    ws = wb.active
    ws.append(["姓名", "身份证号", "所在村"])
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return SimpleUploadedFile("名单.xlsx", buf.getvalue(),
                             content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


@pytest.mark.parametrize("who", ASKERS)
def test_reconciliation_api(client, users, far, who):
    user = users[who]
    mapping = json.dumps({"name": "姓名", "id_number": "身份证号"})
    r = client.post("/api/v1/reconciliations",
                    {"file": _list([["丁远方", far.id_number, ""], ["张陌生", fresh(1), ""]]), "mapping": mapping,
                     "township": "990102001000"},
                    HTTP_AUTHORIZATION=f"Bearer {issue_token(user)}")
    if who not in UPLOADERS:
        assert r.status_code == 403
        return
    assert r.status_code == 201, r.content
    lines = {ln["theirs"]["name"]: ln for ln in r.json()["lines"]}
    assert lines["丁远方"]["kind"] == lines["张陌生"]["kind"] == "theirs_only"
    assert lines["丁远方"]["warnings"] == lines["张陌生"]["warnings"] == []  # never told (a department role)
    assert not Disclosure.objects.exists()


def test_reconciliation_notes_for_the_told_and_the_unverified():
    from jingfang.exchange import matching

    rows = [{"row": 2, "cells": ["甲", fresh(1)]}, {"row": 3, "cells": ["乙", fresh(2)]},
            {"row": 4, "cells": ["丙", fresh(3)]}]
    out = matching.reconcile(rows, ["姓名", "身份证号"], {"name": "姓名", "id_number": "身份证号"}, [], {},
                             elsewhere={fresh(1)}, unverified={fresh(2)})
    assert [ln["warnings"] for ln in out["lines"]] == [[matching.ELSEWHERE], [matching.UNVERIFIED], []]


# POST /api/v1/imports/patients (check, and import) ------------------------------------------------------
@pytest.fixture
def immediate_tasks(settings, tmp_path):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend", "QUEUES": ["default"]}}
    settings.VAR_DIR = tmp_path


def _ledger(numbers) -> bytes:
    from jingfang.imports import synthetic

    rows = synthetic.rows(len(numbers), [V11], start=300)
    for row, number in zip(rows, numbers, strict=True):
        row["身份证号"], row["性别"] = number, "男"
    return synthetic.workbook(rows, None)


def _import(client, user, numbers, mode):
    from jingfang.jobs.models import Job

    r = client.post("/api/v1/imports/patients",
                    {"file": SimpleUploadedFile(f"台账{mode}{len(numbers)}{numbers[0]}.xlsx", _ledger(numbers)),
                     "mode": mode}, HTTP_AUTHORIZATION=f"Bearer {issue_token(user)}")
    if r.status_code != 202:
        return r.status_code, None
    return r.status_code, Job.objects.get(pk=r.json()["id"])


def _report(job) -> list:
    from jingfang.jobs import services as jobs
    from jingfang.jobs.models import JobFile

    data = jobs.file_bytes(job, JobFile.REPORT)
    if data is None:
        return []
    rows = list(load_workbook(io.BytesIO(data), read_only=True).active.iter_rows(values_only=True))
    return [r[2] for r in rows[3:] if r and r[0] is not None]


@pytest.mark.parametrize("who", ASKERS)
def test_import_check(client, users, far, settings, immediate_tasks, who):
    user = users[who]
    status, job = _import(client, user, [far.id_number, fresh(1), fresh(2)], "check")
    if not user.can(roles.CREATE_PATIENT):
        assert status == 403
        return
    assert job.status == job.SUCCEEDED, job.error
    assert job.result["message"] == "校验通过：可导入2人；另有1人已在系统中登记，将跳过"
    settings.JINGFANG_DISCLOSURE_PER_DAY = 3  # three spent: the next file is past the quota
    _, registered = _import(client, user, [far.id_number, fresh(3)], "check")
    _, unknown = _import(client, user, [fresh(4), fresh(5)], "check")
    # far was answered today already (free); fresh(3), fresh(4), fresh(5) are past the quota
    assert registered.result["message"] == "校验通过：可导入0人；另有1人已在系统中登记，将跳过；1人需县级核实，本次不导入"
    assert unknown.result["message"] == "校验通过：可导入0人；2人需县级核实，本次不导入"
    assert Patient.objects.count() == 1


def test_import_writes_fresh_rows_and_skips_collisions_told_or_not(client, users, far, make_patient, settings,
                                                                   immediate_tasks):
    doctor = users["doctor"]
    other = make_patient("990103001001", name="丁另一", id_number=fresh(9002))
    settings.JINGFANG_DISCLOSURE_PER_DAY = 1
    _, job = _import(client, doctor, [far.id_number, other.id_number, fresh(1)], "import")
    assert job.status == job.SUCCEEDED, job.error
    assert job.result["message"] == "导入完成：新建1人，1人已在系统中登记（已跳过，见报告），1人需县级核实（未导入，见报告）"
    assert sorted(_report(job)) == sorted(["已在系统中登记，本次不重复导入", services_bulk.UNVERIFIED])
    assert disclosure.spent_today(doctor) == 1  # only the collisions are asked, while the quota lasts
    row = AuditEvent.objects.get(target="registration_check:import")  # one row for the file, after it
    assert row.outcome == "denied" and row.detail == {"asked": 2, "told": 1, "unverified": 1, "inside": 0,
                                                      "disclosing": True}


def test_a_failed_import_lists_no_skipped_rows(client, users, far, immediate_tasks):
    from jingfang.imports import synthetic

    rows = synthetic.rows(2, [V11], start=300)
    rows[0]["身份证号"], rows[0]["性别"] = far.id_number, "男"
    rows[1]["目前诊断"] = "抑郁症"
    r = client.post("/api/v1/imports/patients",
                    {"file": SimpleUploadedFile("坏.xlsx", synthetic.workbook(rows, None)), "mode": "import"},
                    HTTP_AUTHORIZATION=f"Bearer {issue_token(users['doctor'])}")
    from jingfang.jobs.models import Job

    job = Job.objects.get(pk=r.json()["id"])
    assert job.status == job.FAILED and job.result["skipped"] == 0
    assert not any("已在系统中登记" in m for m in _report(job))


def test_an_office_editing_an_id_number_to_one_registered_elsewhere_is_not_told(client, users, far, make_patient):
    office = users["office"]
    mine = make_patient(V11, name="甲本地", id_number=fresh(7))
    for number, status in ((far.id_number, 409), (fresh(8), 200)):
        mine.refresh_from_db()
        r = client.patch(f"/api/v1/patients/{mine.pk}",
                         data=json.dumps({"version": mine.version, "id_number": number}),
                         content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {issue_token(office)}")
        assert r.status_code == status, r.content
    assert "档案不在您的辖区内" not in r.content.decode()
    mine.refresh_from_db()
    r = client.patch(f"/api/v1/patients/{mine.pk}", data=json.dumps({"version": mine.version,
                                                                     "id_number": far.id_number}),
                     content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {issue_token(office)}")
    assert r.json()["errors"][0]["message"] == services.UNVERIFIED_FOR_ROLE
    assert not Disclosure.objects.exists()


@pytest.mark.parametrize("who", ["doctor", "police"])
def test_lead_page(client, users, far, who):
    client.force_login(users[who])
    data = {"name": "李疑似", "region_code": V11, "signs": ["3"], "source": "door_to_door", "sex": "", "birth_date": ""}
    r = client.post("/screening/leads/new/", {**data, "id_number": far.id_number})
    if who in TOLD:
        assert r.status_code == 409 and "该身份证号已在其他辖区建档" in r.content.decode()
    else:  # saved like a lead for a fresh number
        assert r.status_code == 302 and Lead.objects.count() == 1
    assert client.post("/screening/leads/new/", {**data, "id_number": fresh(1)}).status_code == 302
