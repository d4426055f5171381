"""Attacks on the offline field app from outside: existence of patients out of the jurisdiction, data for
roles that should not have it, writes without audit or twice, caching, and others' held visits."""

import datetime as dt
import json
import re
import uuid

import pytest
from django.test import Client

from jingfang.accounts import services as account_services
from jingfang.audit.models import AuditEvent
from jingfang.core import clock
from jingfang.followups.models import FollowUp
from jingfang.offline.models import OfflineEntry
from jingfang.offline.tests.conftest import download, jia, move, sync, visit  # noqa: F401

pytestmark = pytest.mark.django_db

NON_HEALTH = ["police", "cadre", "office", "civil", "dpf", "judicial"]
NOT_FIELD = [*NON_HEALTH, "county", "admin", "secadmin", "auditor", "doctor"]  # doctor: reviewer, has field too
PACKAGE = "/api/v1/offline/package"
SYNC = "/api/v1/offline/sync"
OUTCOMES = "/api/v1/offline/outcomes"


def _cid() -> str:
    return str(uuid.uuid4())


def _strip(result: dict) -> dict:
    return {k: v for k, v in result.items() if k != "client_id"}


# ---- 1. existence of a patient outside the jurisdiction ------------------------------------------

def test_sync_answers_the_same_for_outside_missing_and_deleted_patients(client, users, make_patient):
    west = make_patient("990102002001", name="西镇患者")
    north = make_patient("990103001001", name="北镇患者")
    yi = make_patient("990102001002", name="乙村患者")
    gone = make_patient("990102001001", name="已删患者")
    gone_id = gone.pk
    from jingfang.registry.models import Patient
    try:
        Patient.objects.filter(pk=gone_id).delete()
    except Exception:  # noqa: BLE001 - protected by related rows: then it stays an outside-like id
        gone_id = 10**9 + 7
    ids = [west.pk, north.pk, yi.pk, 10**9, gone_id]
    res = sync(client, users["vdoc"], [visit(i) for i in ids],
               [{"client_id": _cid(), "patient_id": i, "date": clock.today().isoformat(),
                 "result": "present", "note": ""} for i in ids])
    assert res.status_code == 200
    results = res.json()["results"]
    visits, calls = results[:5], results[5:]
    assert len({json.dumps(_strip(r), sort_keys=True) for r in visits}) == 1
    assert len({json.dumps(_strip(r), sort_keys=True) for r in calls}) == 1
    assert visits[0]["status"] == "refused" and "西镇患者" not in res.content.decode()
    assert "乙村患者" not in res.content.decode()
    assert not OfflineEntry.objects.exists() and not FollowUp.objects.exists()
    client.force_login(users["vdoc"])
    assert client.get(OUTCOMES).json() == {"count": 0, "items": []}


def test_outside_patient_refusal_is_audited(client, users, make_patient):
    west = make_patient("990102002001", name="西镇患者")
    before = AuditEvent.objects.count()
    sync(client, users["vdoc"], [visit(west)])
    assert AuditEvent.objects.count() > before


# ---- 2. data for roles that should not have it ----------------------------------------------------

@pytest.mark.parametrize("who", [*NON_HEALTH, "county", "admin", "secadmin", "auditor"])
def test_non_field_roles_get_nothing(client, users, jia, who):  # noqa: F811
    client.force_login(users[who])
    for res in (client.get(PACKAGE), client.get(OUTCOMES),
                client.post(SYNC, data=json.dumps({"visits": [visit(jia)]}), content_type="application/json")):
        assert res.status_code == 403
        assert "甲患者" not in res.content.decode() and "甲村5组" not in res.content.decode()
    assert not FollowUp.objects.exists() and not OfflineEntry.objects.exists()


@pytest.mark.parametrize("who", [*NON_HEALTH, "vdoc", "county"])
def test_review_pages_refuse_other_roles(client, users, jia, download, who):  # noqa: F811
    download(users["vdoc"])
    move(jia, "990102002001")
    sync(client, users["vdoc"], [visit(jia)])
    entry = OfflineEntry.objects.get()
    client.force_login(users[who])
    for res in (client.get("/offline/held/"), client.get(f"/offline/held/{entry.pk}/"),
                client.post(f"/offline/held/{entry.pk}/", {"action": "dismiss", "reason": "无此次随访记录"})):
        assert res.status_code in (403, 404)
        assert "甲患者" not in res.content.decode()
    entry.refresh_from_db()
    assert entry.review_state == "pending" and entry.reviewed_by is None


def test_bearer_token_of_police_gets_no_package(users, jia):  # noqa: F811
    raw = account_services.issue_token(users["police"])
    res = Client().get(PACKAGE, HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert res.status_code == 403 and "甲患者" not in res.content.decode()


def test_package_holds_only_own_jurisdiction(client, users, jia, make_patient, download):  # noqa: F811
    make_patient("990102002001", name="西镇患者")
    make_patient("990102001002", name="乙村患者")
    body = download(users["vdoc"]).content.decode()
    assert "西镇患者" not in body and "乙村患者" not in body


# ---- 4. package: no ID number, no phone, never cached -------------------------------------------

def test_package_has_no_id_number_or_phone_and_is_no_store(users, jia, download):  # noqa: F811
    res = download(users["vdoc"])
    assert res.status_code == 200 and "no-store" in res["Cache-Control"]
    body = res.content.decode()
    assert "甲患者" in body
    assert jia.id_number not in body and jia.id_number[-6:] not in body
    assert "13800001234" not in body and "13900004321" not in body
    assert not re.search(r"1[3-9]\d{9}", body)
    assert not re.search(r"\d{17}[\dXx]", body)


@pytest.mark.parametrize("days", ["0", "-1", "93", "abc", "9" * 40, "1e3"])
def test_package_odd_days(users, jia, download, days):  # noqa: F811
    res = download(users["vdoc"], days=days)
    assert res.status_code == 422 and "甲患者" not in res.content.decode()


def test_service_worker_never_keeps_api_answers(client):
    res = client.get("/m/sw.js")
    assert res.status_code == 200
    text = res.content.decode()
    assert 'url.pathname.startsWith("/api/")) return null' in text
    assert '"/api/' not in text.split("const FILES =", 1)[1].split(";", 1)[0]


# ---- 3. writes: once, audited, sane dates, odd input ----------------------------------------------

def test_same_client_id_with_other_body_writes_once(client, users, jia):  # noqa: F811
    cid = _cid()
    first = sync(client, users["vdoc"], [visit(jia, cid, risk_level=0)]).json()["results"][0]
    again = sync(client, users["vdoc"], [visit(jia, cid, risk_level=4)]).json()["results"][0]
    assert first["status"] == "applied" and again == first
    assert FollowUp.objects.count() == 1 and FollowUp.objects.get().risk_level == 0


def test_same_client_id_twice_in_one_batch(client, users, jia):  # noqa: F811
    cid = _cid()
    res = sync(client, users["vdoc"], [visit(jia, cid), visit(jia, cid, risk_level=3)]).json()["results"]
    assert res[0] == res[1] and FollowUp.objects.count() == 1


def test_another_users_client_id_reveals_nothing(client, users, jia, make_user):  # noqa: F811
    cid = _cid()
    sync(client, users["vdoc"], [visit(jia, cid, notes="私密备注")])
    other = make_user("village_doctor", "990102002001", username="vdoc_west")
    res = sync(client, other, [visit(jia, cid)])
    body = res.content.decode()
    assert res.json()["results"][0]["status"] == "refused" and "私密备注" not in body
    assert FollowUp.objects.count() == 1


def test_applied_visit_has_audit_row(client, users, jia):  # noqa: F811
    sync(client, users["vdoc"], [visit(jia)])
    f = FollowUp.objects.get()
    assert AuditEvent.objects.filter(patient_id=jia.pk, action="create", outcome="ok").exists() or \
        AuditEvent.objects.filter(patient_id=jia.pk, action="create").exists()
    assert f.patient_id == jia.pk


@pytest.mark.parametrize("when", [clock.today() + dt.timedelta(days=1), dt.date(1900, 1, 1),
                                  dt.date(2000, 1, 1)])
def test_dates_in_the_future_or_before_registration_refused(client, users, jia, when):  # noqa: F811
    [r] = sync(client, users["vdoc"], [visit(jia, date=when.isoformat())]).json()["results"]
    assert r["status"] == "refused" and any(e["field"] == "date" for e in r["errors"])
    assert re.search(r"[\u4e00-\u9fff]", r["errors"][0]["message"])
    assert not FollowUp.objects.exists() and not OfflineEntry.objects.exists()


def test_visit_after_death_is_not_applied(client, users, jia):  # noqa: F811
    from jingfang.registry.models import Patient
    Patient.objects.filter(pk=jia.pk).update(status="deceased",
                                             death_date=clock.today() - dt.timedelta(days=5))
    [r] = sync(client, users["vdoc"], [visit(jia)]).json()["results"]
    assert r["status"] in ("held", "refused") and not FollowUp.objects.exists()


def test_oversized_batch_writes_nothing(client, users, jia):  # noqa: F811
    res = sync(client, users["vdoc"], [visit(jia) for _ in range(60)],
               [{"client_id": _cid(), "patient_id": jia.pk, "date": clock.today().isoformat(),
                 "result": "present", "note": ""} for _ in range(60)])
    assert res.status_code in (413, 422) and re.search(r"[\u4e00-\u9fff]", res.content.decode())
    assert not FollowUp.objects.exists() and not OfflineEntry.objects.exists()


@pytest.mark.parametrize("raw", ["{", "[]", "null", '{"visits": "x"}', '{"visits": [{}]}', '{"visits": [1]}',
                                 '{"visits": [], "extra": 1}', "\ud800", '{"visits": [{"client_id": "' + "a" * 5000 + '"}]}'])
def test_malformed_sync_bodies(client, users, raw):
    client.force_login(users["vdoc"])
    res = client.post(SYNC, data=raw.encode("utf-8", "surrogatepass"), content_type="application/json")
    assert 400 <= res.status_code < 500
    assert re.search(r"[\u4e00-\u9fff]", res.content.decode())
    assert not OfflineEntry.objects.exists()


@pytest.mark.parametrize("form", [{"notes": "字" * 100000}, {"risk_level": 10**30}, {"date": "2026-02-30"},
                                  {"medications": [{"name": "药" * 500, "dose": "x"}]}, {"mode": {"a": 1}},
                                  {"date": "9" * 300}, {"unknown_field": 1}])
def test_odd_forms_refused_with_chinese_errors(client, users, jia, form):  # noqa: F811
    entry = visit(jia)
    entry["form"].update(form)
    res = sync(client, users["vdoc"], [entry])
    assert res.status_code == 200
    [r] = res.json()["results"]
    assert r["status"] == "refused" and r["errors"]
    assert all(re.search(r"[\u4e00-\u9fff]", e["message"]) for e in r["errors"])
    assert not FollowUp.objects.exists() and not OfflineEntry.objects.exists()


@pytest.mark.parametrize("call", [{"date": "2026-13-01"}, {"date": "x" * 10}, {"result": "dead"},
                                  {"note": "字" * 1000}, {"patient_id": 0}, {"patient_id": "1; drop"}])
def test_odd_roll_calls(client, users, jia, call):  # noqa: F811
    entry = {"client_id": _cid(), "patient_id": jia.pk, "date": clock.today().isoformat(),
             "result": "present", "note": ""}
    entry.update(call)
    res = sync(client, users["vdoc"], [], [entry])
    assert res.status_code in (200, 422)
    if res.status_code == 200:
        assert res.json()["results"][0]["status"] == "refused"
    assert re.search(r"[\u4e00-\u9fff]", res.content.decode())
    assert not OfflineEntry.objects.exists()


# ---- 5. others' held visits, replay, CSRF, forward ---------------------------------------------

@pytest.fixture
def held(client, users, jia, download):  # noqa: F811
    download(users["vdoc"])
    move(jia, "990102002001")
    [r] = sync(client, users["vdoc"], [visit(jia, risk_level=2)]).json()["results"]
    assert r["status"] == "held"
    return OfflineEntry.objects.get()


@pytest.mark.parametrize("action", ["apply", "forward", "dismiss"])
def test_other_township_cannot_act_on_held(client, users, held, action):
    for who in ("doctor2", "outsider"):
        client.force_login(users[who])
        res = client.post(f"/offline/held/{held.pk}/", {"action": action, "reason": "无此次随访记录啊"})
        assert res.status_code == 404 and "甲患者" not in res.content.decode()
    held.refresh_from_db()
    assert held.review_state == "pending" and held.review_region_id == "990102001000"
    assert not FollowUp.objects.exists()


def test_forward_reveals_nothing_of_the_new_place(client, users, held):
    client.force_login(users["doctor"])
    res = client.post(f"/offline/held/{held.pk}/", {"action": "forward"}, follow=True)
    assert res.status_code == 200
    for word in ("西镇", "丙村", "990102002"):
        assert word not in res.content.decode()
    page = client.get(f"/offline/held/{held.pk}/").content.decode()
    for word in ("西镇", "丙村", "990102002"):
        assert word not in page
    client.force_login(users["vdoc"])
    out = client.get(OUTCOMES).content.decode()
    assert "西镇" not in out and "丙村" not in out and json.loads(out)["items"][0]["status"] == "held"
    # replaying the forward changes nothing
    client.force_login(users["doctor"])
    client.post(f"/offline/held/{held.pk}/", {"action": "forward"})
    held.refresh_from_db()
    assert held.review_region_id == "990102002000" and held.review_state == "pending"


def test_replayed_apply_records_once(client, users, held):
    client.force_login(users["doctor2"])
    client.post(f"/offline/held/{held.pk}/", {"action": "apply"})  # not theirs yet: 404
    client.force_login(users["doctor"])
    client.post(f"/offline/held/{held.pk}/", {"action": "forward"})
    client.force_login(users["doctor2"])
    for _ in range(2):
        res = client.post(f"/offline/held/{held.pk}/", {"action": "apply"})
        assert res.status_code in (302, 422)
    assert FollowUp.objects.count() == 1
    res = client.post(f"/offline/held/{held.pk}/", {"action": "dismiss", "reason": "重放不予录入"})
    assert res.status_code == 422 and FollowUp.objects.count() == 1
    held.refresh_from_db()
    assert held.review_state == "applied"


def test_review_post_without_csrf_is_refused(users, held):
    c = Client(enforce_csrf_checks=True)
    c.force_login(users["doctor"])
    res = c.post(f"/offline/held/{held.pk}/", {"action": "dismiss", "reason": "跨站伪造请求"})
    assert res.status_code == 403
    held.refresh_from_db()
    assert held.review_state == "pending"


def test_sync_with_session_but_without_csrf_is_refused(users, jia):  # noqa: F811
    c = Client(enforce_csrf_checks=True)
    c.force_login(users["vdoc"])
    res = c.post(SYNC, data=json.dumps({"visits": [visit(jia)]}), content_type="application/json")
    assert res.status_code == 403 and not FollowUp.objects.exists()


def test_recorder_cannot_read_held_body_of_others(client, users, held, make_user):
    other = make_user("village_doctor", "990102001002", username="vdoc_yi")
    client.force_login(other)
    assert client.get(OUTCOMES).json() == {"count": 0, "items": []}


@pytest.mark.parametrize("action", ["apply", "dismiss"])
def test_forwarder_cannot_decide_the_other_townships_visit(client, users, held, action):
    client.force_login(users["doctor"])
    client.post(f"/offline/held/{held.pk}/", {"action": "forward"})
    move(held.patient, "990102001001")  # even if the patient came back meanwhile
    res = client.post(f"/offline/held/{held.pk}/", {"action": action, "reason": "转交后再不予录入"})
    assert res.status_code == 422 and "已转交" in res.content.decode()
    held.refresh_from_db()
    assert held.review_state == "pending" and held.review_region_id == "990102002000"
    assert not FollowUp.objects.exists()


def test_stale_dismiss_after_apply_does_not_undo_it(users, held):
    """Two reviewers open the same visit; one applies, the other then dismisses from the stale page."""
    from jingfang.offline import services

    move(held.patient, "990102001001")
    stale = OfflineEntry.objects.get(pk=held.pk)
    services.apply_held(users["doctor"], OfflineEntry.objects.get(pk=held.pk))
    with pytest.raises(services.errors.ServiceError):
        services.dismiss_held(users["doctor"], stale, "另一人不予录入")
    held.refresh_from_db()
    assert held.review_state == "applied" and held.followup_id is not None
    assert FollowUp.objects.count() == 1


def test_stale_apply_after_dismiss_does_not_record(users, held):
    from jingfang.offline import services

    move(held.patient, "990102001001")
    stale = OfflineEntry.objects.get(pk=held.pk)
    services.dismiss_held(users["doctor"], OfflineEntry.objects.get(pk=held.pk), "另一人不予录入")
    with pytest.raises(services.errors.ServiceError):
        services.apply_held(users["doctor"], stale)
    held.refresh_from_db()
    assert held.review_state == "dismissed" and not FollowUp.objects.exists()


def test_stale_forward_after_apply_does_not_move_it(users, held):
    from jingfang.offline import services

    stale = OfflineEntry.objects.get(pk=held.pk)
    move(held.patient, "990102001001")
    services.apply_held(users["doctor"], OfflineEntry.objects.get(pk=held.pk))
    move(held.patient, "990102002001")
    with pytest.raises(services.errors.ServiceError):
        services.forward_held(users["doctor"], stale)
    held.refresh_from_db()
    assert held.review_state == "applied" and held.review_region_id == "990102001000"


def test_held_after_death_is_not_applied_by_review(client, users, jia):  # noqa: F811
    from jingfang.registry.models import Patient
    Patient.objects.filter(pk=jia.pk).update(status="deceased",
                                             death_date=clock.today() - dt.timedelta(days=5))
    [r] = sync(client, users["vdoc"], [visit(jia)]).json()["results"]
    if r["status"] != "held":
        return
    entry = OfflineEntry.objects.get()
    client.force_login(users["doctor"])
    res = client.post(f"/offline/held/{entry.pk}/", {"action": "apply"})
    assert res.status_code == 422 and not FollowUp.objects.exists()


@pytest.mark.parametrize("url", ["/offline/held/?state=<script>&page=abc", "/offline/held/?page=99999999999999999999",
                                 "/offline/held/99999999999999999999/", "/offline/held/0/"])
def test_review_pages_odd_input(client, users, held, url):
    client.force_login(users["doctor"])
    res = client.get(url)
    assert res.status_code in (200, 404) and "<script>" not in res.content.decode()


@pytest.mark.parametrize("action", ["", "delete", "apply\x00", "x" * 5000])
def test_review_unknown_action(client, users, held, action):
    client.force_login(users["doctor"])
    res = client.post(f"/offline/held/{held.pk}/", {"action": action, "reason": "字" * 100000})
    assert res.status_code == 422 and "请选择录入、转交或不予录入" in res.content.decode()
    held.refresh_from_db()
    assert held.review_state == "pending"


@pytest.mark.parametrize("query", [{"page": "0"}, {"page": "-1"}, {"page_size": "100000"}, {"page": "9" * 40}])
def test_outcomes_odd_paging(client, users, held, query):
    client.force_login(users["vdoc"])
    res = client.get(OUTCOMES, query)
    assert res.status_code in (200, 422)
    if res.status_code == 422:
        assert re.search(r"[\u4e00-\u9fff]", res.content.decode())


@pytest.mark.parametrize("who", NON_HEALTH)
def test_phone_shell_refuses_non_field_roles(client, users, who):
    client.force_login(users[who])
    assert client.get("/m/").status_code == 403


def test_phone_shell_holds_no_personal_data(client, users, jia):  # noqa: F811
    client.force_login(users["vdoc"])
    body = client.get("/m/").content.decode()
    assert "甲患者" not in body and users["vdoc"].username not in body


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(__import__("django.db").db.connection.vendor != "postgresql",
                    reason="needs PostgreSQL: SQLite serialises every writer, so nothing here would overlap")
def test_parallel_apply_and_dismiss_decide_once(client, users, jia, download):  # noqa: F811
    import threading
    import time
    from unittest import mock

    from django.db import connections

    from jingfang.followups import services as followup_services

    download(users["vdoc"])
    move(jia, "990102002001")
    sync(client, users["vdoc"], [visit(jia)])
    entry = OfflineEntry.objects.get()
    move(jia, "990102001001")
    writing = threading.Event()
    record = followup_services.record_followup

    def slow_record(*args, **kwargs):
        result = record(*args, **kwargs)
        writing.set()
        time.sleep(1.5)  # the apply's transaction is still open
        return result

    codes: dict[str, int] = {}

    def send(name, data):
        try:
            c = Client()
            c.force_login(users["doctor"])
            codes[name] = c.post(f"/offline/held/{entry.pk}/", data).status_code
        finally:
            connections.close_all()

    with mock.patch.object(followup_services, "record_followup", slow_record):
        first = threading.Thread(target=send, args=("apply", {"action": "apply"}))
        first.start()
        assert writing.wait(30)
        second = threading.Thread(target=send, args=("dismiss", {"action": "dismiss", "reason": "同时不予录入"}))
        second.start()
        first.join(60)
        second.join(60)
    entry.refresh_from_db()
    assert codes == {"apply": 302, "dismiss": 422}
    assert entry.review_state == "applied" and FollowUp.objects.filter(pk=entry.followup_id).exists()
    assert FollowUp.objects.count() == 1


def test_held_answer_says_nothing_of_a_death_after_the_move(client, users, make_patient, download):  # noqa: F811
    from jingfang.registry.models import Patient

    a = make_patient("990102001001", name="迁走甲")
    b = make_patient("990102001001", name="迁走后死亡乙")
    download(users["vdoc"])
    move(a, "990102002001")
    move(b, "990102002001")
    Patient.objects.filter(pk=b.pk).update(status="deceased", death_date=clock.today() - dt.timedelta(days=3))
    ra, rb = sync(client, users["vdoc"], [visit(a), visit(b)]).json()["results"]
    assert ra["status"] == rb["status"] == "held"
    assert _strip(ra) == _strip(rb) and "死亡" not in rb["message"]
    client.force_login(users["vdoc"])
    items = client.get(OUTCOMES).json()["items"]
    assert {i["message"] for i in items} == {"待乡镇精防人员审核"}


def test_held_body_is_escaped_on_the_review_page(client, users, jia, download):  # noqa: F811
    download(users["vdoc"])
    move(jia, "990102002001")
    [r] = sync(client, users["vdoc"], [visit(jia, notes="<script>alert(1)</script>",
                                            medications=[{"name": "<img src=x onerror=alert(1)>", "dose": "1"}])]
               ).json()["results"]
    assert r["status"] == "held"
    client.force_login(users["doctor"])
    page = client.get(f"/offline/held/{OfflineEntry.objects.get().pk}/").content.decode()
    assert "<script>alert(1)" not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(1)" in page


# ---- 6. paper follow-up forms: codes and the print page -------------------------------------------

PAPER_RESOLVE = "/api/v1/offline/paper/resolve"


def _resolve(client, user, code):
    client.force_login(user)
    return client.post(PAPER_RESOLVE, data=json.dumps({"code": code}), content_type="application/json")


@pytest.mark.parametrize("who", ["police", "cadre", "doctor2", "outsider", "office", "judicial"])
def test_a_real_code_tells_others_no_more_than_a_random_one(client, users, jia, who):  # noqa: F811
    """A police officer, a village cadre (same village), another township's doctor: the code printed for a
    patient answers them exactly as a code nobody issued, and the print page shows them nothing."""
    from jingfang.offline import paper_code, paper_tokens

    real = paper_tokens.tokens_for(users["doctor"], [jia.pk], 14)[jia.pk].code
    random_code = paper_code.make()
    got_real, got_random = _resolve(client, users[who], real), _resolve(client, users[who], random_code)
    assert got_real.status_code == got_random.status_code == 404
    assert got_real.content == got_random.content
    assert {k: v for k, v in got_real.items() if k.lower() != "date"} == \
        {k: v for k, v in got_random.items() if k.lower() != "date"}
    assert "甲患者" not in got_real.content.decode()
    page = client.get("/offline/paper/", {"village": "990102001001"})
    assert page.status_code in (403, 404) and "甲患者" not in page.content.decode()
    assert real not in page.content.decode()


def test_codes_cannot_be_walked(client, users, jia, settings):  # noqa: F811
    """Guessing: a malformed code is refused offline-style before any look-up; well-formed guesses are
    bounded per user and day, after which even the right code is refused."""
    from jingfang.offline import paper_code, paper_tokens

    settings.JINGFANG_PAPER_MISSES_PER_DAY = 5
    real = paper_tokens.tokens_for(users["doctor"], [jia.pk], 14)[jia.pk].code
    statuses = [_resolve(client, users["vdoc"], paper_code.make()).status_code for _ in range(8)]
    assert statuses == [404] * 5 + [429] * 3
    assert _resolve(client, users["vdoc"], real).status_code == 429
    assert AuditEvent.objects.filter(user_id=users["vdoc"].pk, target="paper_code").count() == 8 + 1


def test_the_code_is_not_derived_from_the_patient(users, make_patient):
    """Two patients registered one after the other get unrelated codes; a code never carries the id,
    the ID number or its tail, and printing again for another window does not reveal a sequence."""
    from jingfang.offline import paper_tokens

    a, b = make_patient("990102001001", name="编号甲"), make_patient("990102001001", name="编号乙")
    tokens = paper_tokens.tokens_for(users["doctor"], [a.pk, b.pk], 14)
    ca, cb = tokens[a.pk].code, tokens[b.pk].code
    assert sum(x == y for x, y in zip(ca, cb, strict=True)) < 5
    for p, code in ((a, ca), (b, cb)):
        assert p.id_number[-4:] not in code and p.id_number[6:14] not in code
        # a short id (a fresh database's 1, 2 …) stands in a random code by chance; a longer one must not
        assert len(str(p.pk)) < 3 or str(p.pk) not in code
