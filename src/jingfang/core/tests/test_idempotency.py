"""Retried API writes are done once (Idempotency-Key), a committed write is never answered with an error,
and an outage answers 503 with Retry-After (core.idempotency, core.api_support.guard_writes,
core.views.server_error)."""

import datetime as dt
import json
from contextlib import contextmanager
from unittest import mock

import pytest
from django.db import InterfaceError, OperationalError, connection
from django.test import Client
from django.utils import timezone

from jingfang.accounts.services import issue_token
from jingfang.api import api
from jingfang.audit.models import AuditEvent
from jingfang.core import clock, errors, idempotency
from jingfang.core.models import IdempotentRequest
from jingfang.followups.models import FollowUp
from jingfang.registry import serializers
from jingfang.registry.models import Patient, Revision

TODAY = clock.today()
VISIT = {"date": TODAY.isoformat(), "mode": "phone", "seen": True, "risk_level": 2, "symptoms": ["hallucination"],
         "insight": "partial", "social_function": "fair", "adherence": "regular", "adverse_reaction": "none",
         "physical_illness": "none", "hospitalized": False}


def send(client, user, method, url, body, key=None, token=None):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token or issue_token(user)}"}
    if key is not None:
        headers["HTTP_IDEMPOTENCY_KEY"] = key
    return getattr(client, method)(url, json.dumps(body), content_type="application/json", **headers)


def created(patient) -> int:
    """Audit rows of recorded visits of the patient."""
    return AuditEvent.objects.filter(action="create", outcome="ok", patient_id=patient.pk,
                                     target__startswith="followup:").count()


@pytest.fixture
def patient(make_patient):
    return make_patient("990102001001", name="甲患者")


# Keys ------------------------------------------------------------------------------------------
@pytest.mark.django_db
def test_repeat_with_the_same_key_stores_one_visit_and_replays_the_first_answer(client, users, patient):
    url = f"/api/v1/patients/{patient.pk}/followups"
    first = send(client, users["vdoc"], "post", url, VISIT, key="visit-0001")
    assert first.status_code == 201, first.content
    assert "Idempotent-Replayed" not in first
    again = send(client, users["vdoc"], "post", url, {**VISIT}, key="visit-0001")
    assert again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert again["Content-Type"] == first["Content-Type"]
    assert FollowUp.objects.filter(patient=patient).count() == 1
    assert created(patient) == 1


@pytest.mark.django_db
def test_json_spacing_and_key_order_do_not_make_another_request(client, users, patient):
    url = f"/api/v1/patients/{patient.pk}/followups"
    user = users["vdoc"]
    headers = {"HTTP_AUTHORIZATION": f"Bearer {issue_token(user)}", "HTTP_IDEMPOTENCY_KEY": "k1"}
    assert client.post(url, json.dumps(VISIT), content_type="application/json", **headers).status_code == 201
    reordered = json.dumps(dict(reversed(list(VISIT.items()))), indent=2)
    again = client.post(url, reordered, content_type="application/json", **headers)
    assert again.status_code == 201 and again["Idempotent-Replayed"] == "true"
    assert FollowUp.objects.filter(patient=patient).count() == 1


@pytest.mark.django_db
def test_same_key_with_another_body_is_refused_with_422(client, users, patient):
    url = f"/api/v1/patients/{patient.pk}/followups"
    assert send(client, users["vdoc"], "post", url, VISIT, key="k-42").status_code == 201
    other = send(client, users["vdoc"], "post", url, {**VISIT, "risk_level": 3}, key="k-42")
    assert other.status_code == 422
    (error,) = other.json()["errors"]
    assert error["field"] == "Idempotency-Key" and "另一个请求" in error["message"]
    assert FollowUp.objects.filter(patient=patient).count() == 1
    assert created(patient) == 1


@pytest.mark.django_db
def test_same_key_on_another_path_is_refused(client, users, make_patient, patient):
    other_patient = make_patient("990102001001", name="乙患者")
    assert send(client, users["vdoc"], "post", f"/api/v1/patients/{patient.pk}/followups", VISIT,
                key="k").status_code == 201
    refused = send(client, users["vdoc"], "post", f"/api/v1/patients/{other_patient.pk}/followups", VISIT, key="k")
    assert refused.status_code == 422
    assert not FollowUp.objects.filter(patient=other_patient).exists()


@pytest.mark.django_db
def test_without_a_key_every_request_is_a_new_write(client, users, patient):
    url = f"/api/v1/patients/{patient.pk}/followups"
    assert send(client, users["vdoc"], "post", url, VISIT).status_code == 201
    second = send(client, users["vdoc"], "post", url, VISIT)
    assert second.status_code == 201 and "Idempotent-Replayed" not in second
    assert FollowUp.objects.filter(patient=patient).count() == 2
    assert created(patient) == 2
    assert not IdempotentRequest.objects.exists()


@pytest.mark.django_db
def test_keys_are_per_user(client, users, patient, make_user):
    url = f"/api/v1/patients/{patient.pk}/followups"
    mine = send(client, users["vdoc"], "post", url, VISIT, key="shared-key")
    theirs = send(client, users["doctor"], "post", url, VISIT, key="shared-key")
    assert mine.status_code == theirs.status_code == 201
    assert "Idempotent-Replayed" not in theirs and theirs.json()["id"] != mine.json()["id"]
    assert FollowUp.objects.filter(patient=patient).count() == 2
    # Another user's different body under the same key is not "another request" either.
    third = send(client, make_user("village_doctor", "v11", "vdoc_b"), "post", url, {**VISIT, "risk_level": 0}, key="shared-key")
    assert third.status_code == 201 and "Idempotent-Replayed" not in third
    assert FollowUp.objects.filter(patient=patient).count() == 3


@pytest.mark.django_db
def test_the_same_user_with_another_token_gets_the_first_answer(client, users, patient):
    url = f"/api/v1/patients/{patient.pk}/followups"
    first = send(client, users["vdoc"], "post", url, VISIT, key="k", token=issue_token(users["vdoc"]))
    again = send(client, users["vdoc"], "post", url, VISIT, key="k", token=issue_token(users["vdoc"]))
    assert again["Idempotent-Replayed"] == "true" and again.json() == first.json()


@pytest.mark.django_db
def test_a_refusal_is_not_kept_and_the_key_may_be_sent_again(client, users, patient):
    url = f"/api/v1/patients/{patient.pk}/followups"
    bad = send(client, users["vdoc"], "post", url, {**VISIT, "date": (TODAY + dt.timedelta(days=5)).isoformat()},
               key="retry-me")
    assert bad.status_code == 422 and not IdempotentRequest.objects.exists()
    good = send(client, users["vdoc"], "post", url, VISIT, key="retry-me")
    assert good.status_code == 201 and "Idempotent-Replayed" not in good
    assert FollowUp.objects.filter(patient=patient).count() == 1


@pytest.mark.django_db
def test_a_replay_needs_the_same_authentication(client, users, patient):
    url = f"/api/v1/patients/{patient.pk}/followups"
    assert send(client, users["vdoc"], "post", url, VISIT, key="k").status_code == 201
    anonymous = client.post(url, json.dumps(VISIT), content_type="application/json", HTTP_IDEMPOTENCY_KEY="k")
    assert anonymous.status_code == 401 and "Idempotent-Replayed" not in anonymous


@pytest.mark.django_db
@pytest.mark.parametrize("key", ["", "x" * 201, "has space", "tab\there", "中文键"])
def test_bad_keys_are_refused_naming_the_header(client, users, patient, key):
    url = f"/api/v1/patients/{patient.pk}/followups"
    headers = {"HTTP_AUTHORIZATION": f"Bearer {issue_token(users['vdoc'])}",
               "HTTP_IDEMPOTENCY_KEY": key.encode("utf-8").decode("latin-1")}
    r = client.post(url, json.dumps(VISIT), content_type="application/json", **headers)
    assert r.status_code == 422
    (error,) = r.json()["errors"]
    assert error["field"] == "Idempotency-Key" and "1至200个可见的ASCII字符" in error["message"]
    assert not FollowUp.objects.exists()


@pytest.mark.django_db
def test_the_longest_key_is_accepted(client, users, patient):
    r = send(client, users["vdoc"], "post", f"/api/v1/patients/{patient.pk}/followups", VISIT, key="~" * 200)
    assert r.status_code == 201


@pytest.mark.django_db
def test_the_kept_answer_is_encrypted_at_rest(client, users, patient):
    url = f"/api/v1/patients/{patient.pk}/followups"
    assert send(client, users["vdoc"], "post", url, VISIT, key="secret-key").status_code == 201
    with connection.cursor() as cursor:
        cursor.execute("SELECT key_digest, answer, body_digest FROM core_idempotentrequest")
        key_digest, answer, body_digest = cursor.fetchone()
    assert answer.startswith("v1:") and "condition" not in answer
    assert key_digest == idempotency.digest("secret-key") and "secret-key" not in key_digest
    assert len(body_digest) == 64


@pytest.mark.django_db
def test_patch_replay_and_create_patient_replay(client, users, patient):
    url = f"/api/v1/patients/{patient.pk}"
    first = send(client, users["doctor"], "patch", url, {"version": patient.version, "address": "新地址1号"}, key="p1")
    assert first.status_code == 200, first.content
    again = send(client, users["doctor"], "patch", url, {"version": patient.version, "address": "新地址1号"}, key="p1")
    assert again.status_code == 200 and again["Idempotent-Replayed"] == "true" and again.json() == first.json()
    assert Revision.objects.filter(patient=patient).count() == 1
    # Without the key the same retry is a stale version: 409, as before.
    assert send(client, users["doctor"], "patch", url, {"version": patient.version, "address": "新地址1号"}
                ).status_code == 409


def test_purge_deletes_keys_older_than_the_retention(db, users, settings):
    settings.JINGFANG_IDEMPOTENCY_DAYS = 30
    now = timezone.now()
    for days in (31, 29):
        IdempotentRequest.objects.create(user=users["vdoc"], key_digest=str(days), method="POST", path="/x",
                                         body_digest="0", status=201, answer={"body": "{}"},
                                         created_at=now - dt.timedelta(days=days))
    assert idempotency.purge(now=now) == 1
    assert list(IdempotentRequest.objects.values_list("key_digest", flat=True)) == ["29"]


def test_the_nightly_run_purges_old_keys(db, users, settings):
    from jingfang.jobs import schedule

    settings.JINGFANG_NIGHTLY_AT = "02:30"
    now = timezone.make_aware(dt.datetime.combine(TODAY, dt.time(2, 40)))
    IdempotentRequest.objects.create(user=users["vdoc"], key_digest="old", method="POST", path="/x", body_digest="0",
                                     status=201, answer={"body": "{}"}, created_at=now - dt.timedelta(days=40))
    schedule.tick(now)
    assert not IdempotentRequest.objects.exists()


def test_the_document_declares_the_key_on_signed_in_writes_and_503_everywhere(db):
    schema = api.get_openapi_schema()
    writes = 0
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            names = [p["name"] for p in operation.get("parameters", [])]
            signed_in_write = (method in ("post", "put", "patch", "delete") and operation.get("security")
                               and not operation.get("x-jingfang-read"))
            assert ("Idempotency-Key" in names) == bool(signed_in_write), (method, path)
            writes += bool(signed_in_write)
            assert "Retry-After" in operation["responses"]["503"]["headers"]
            if signed_in_write:
                assert "422" in operation["responses"]
    assert writes > 50
    # Reads sent by POST take no key: their answers are never kept.
    reads = {path for path, ops in schema["paths"].items() if ops.get("post", {}).get("x-jingfang-read")}
    assert reads == {"/api/v1/patients/search", "/api/v1/patients/{id}/reveal",
                     "/api/v1/patients/{id}/care-team/reveal"}


# A committed write is never answered with an error ---------------------------------------------
@contextmanager
def database_gone_after_commit():
    """Every query fails, as in a PostgreSQL restart, from the moment a transaction has committed."""
    gone = {"now": False}
    commit = connection.commit

    def commit_then_go():
        commit()
        gone["now"] = True

    def refuse(execute, sql, params, many, context):
        if gone["now"]:
            raise OperationalError("server closed the connection unexpectedly")
        return execute(sql, params, many, context)

    with mock.patch.object(connection, "commit", commit_then_go), connection.execute_wrapper(refuse):
        yield gone


@pytest.mark.django_db(transaction=True)
def test_a_committed_patch_is_answered_200_when_the_database_goes_away_after_the_commit(users, make_patient):
    patient = make_patient("990102001001", name="甲患者")
    token = issue_token(users["doctor"])
    client = Client(raise_request_exception=False)
    body = {"version": patient.version, "address": "幸福路8号", "guardian": {"name": "王监护", "relation": "parent", "phone": "13900001111"}}
    with database_gone_after_commit() as gone:
        r = send(client, users["doctor"], "patch", f"/api/v1/patients/{patient.pk}", body, token=token)
        assert gone["now"]
    assert r.status_code == 200, r.content
    out = r.json()
    assert out["address"] == "幸福路8号" and out["version"] == patient.version + 1
    assert out["guardians"][0]["phone_masked"].endswith("1111")
    assert Revision.objects.filter(patient=patient).count() == 1
    assert AuditEvent.objects.filter(action="update", outcome="ok", patient_id=patient.pk).count() == 1
    assert Patient.objects.get(pk=patient.pk).address == "幸福路8号"


@pytest.mark.django_db(transaction=True)
def test_a_committed_followup_with_a_key_is_answered_201_and_its_replay_too(users, make_patient):
    patient = make_patient("990102001001", name="甲患者")
    token = issue_token(users["vdoc"])
    client = Client(raise_request_exception=False)
    url = f"/api/v1/patients/{patient.pk}/followups"
    with database_gone_after_commit():
        r = send(client, users["vdoc"], "post", url, VISIT, key="phone-1", token=token)
    assert r.status_code == 201, r.content
    again = send(client, users["vdoc"], "post", url, VISIT, key="phone-1", token=token)
    assert again.status_code == 201 and again.json() == r.json() and again["Idempotent-Replayed"] == "true"
    assert FollowUp.objects.filter(patient=patient).count() == 1
    assert created(patient) == 1


@pytest.mark.django_db(transaction=True)
def test_a_failure_while_building_the_reply_commits_nothing_and_answers_503(users, make_patient, settings):
    settings.JINGFANG_RETRY_AFTER_SECONDS = 17
    patient = make_patient("990102001001", name="甲患者")
    client = Client(raise_request_exception=False)
    url = f"/api/v1/patients/{patient.pk}"
    with mock.patch.object(serializers, "patient_detail", side_effect=InterfaceError("connection already closed")):
        r = send(client, users["doctor"], "patch", url, {"version": patient.version, "address": "幸福路9号"}, key="k9")
    assert r.status_code == 503 and r["Retry-After"] == "17"
    assert r["Content-Type"].startswith("application/json") and "数据库暂时无法访问" in r.json()["detail"]
    assert Patient.objects.get(pk=patient.pk).address != "幸福路9号"
    assert not Revision.objects.filter(patient=patient).exists()
    assert not AuditEvent.objects.filter(action="update", outcome="ok", patient_id=patient.pk).exists()
    assert not IdempotentRequest.objects.exists()
    # The retry with the same key does the write now.
    retry = send(client, users["doctor"], "patch", url, {"version": patient.version, "address": "幸福路9号"}, key="k9")
    assert retry.status_code == 200 and "Idempotent-Replayed" not in retry
    assert Revision.objects.filter(patient=patient).count() == 1


# Error answers ---------------------------------------------------------------------------------
@pytest.mark.django_db
def test_an_unhandled_error_under_the_api_answers_json_500_without_internals(users, patient):
    client = Client(raise_request_exception=False)
    with mock.patch.object(serializers, "patient_detail", side_effect=RuntimeError("secret internals /srv/x.py")):
        r = client.get(f"/api/v1/patients/{patient.pk}", HTTP_AUTHORIZATION=f"Bearer {issue_token(users['doctor'])}")
    assert r.status_code == 500 and r["Content-Type"].startswith("application/json")
    assert "secret" not in r.content.decode() and "服务器" in r.json()["detail"]


@pytest.mark.django_db
def test_an_unhandled_error_in_a_write_rolls_it_back(users, patient):
    client = Client(raise_request_exception=False)
    with mock.patch.object(serializers, "patient_detail", side_effect=RuntimeError("boom")):
        r = send(client, users["doctor"], "patch", f"/api/v1/patients/{patient.pk}",
                 {"version": patient.version, "address": "回滚路1号"})
    assert r.status_code == 500
    assert Patient.objects.get(pk=patient.pk).address != "回滚路1号"
    assert not Revision.objects.filter(patient=patient).exists()


@pytest.mark.django_db
def test_an_outage_answers_the_api_503_json_with_retry_after(users, patient, settings):
    settings.JINGFANG_RETRY_AFTER_SECONDS = 45
    client = Client(raise_request_exception=False)
    token = issue_token(users["doctor"])
    with mock.patch("jingfang.registry.selectors.get_patient_for", side_effect=OperationalError("could not connect")):
        r = client.get(f"/api/v1/patients/{patient.pk}", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert r.status_code == 503 and r["Retry-After"] == "45"
    assert r["Content-Type"].startswith("application/json")
    assert set(r.json()) == {"detail"} and "could not connect" not in r.content.decode()


@pytest.mark.django_db
def test_an_outage_answers_pages_503_in_chinese(client, users, patient, settings):
    settings.JINGFANG_RETRY_AFTER_SECONDS = 30
    client = Client(raise_request_exception=False)
    client.force_login(users["doctor"])
    with mock.patch("jingfang.registry.selectors.get_patient_for", side_effect=OperationalError("gone")):
        r = client.get(f"/patients/{patient.pk}/")
    assert r.status_code == 503 and r["Retry-After"] == "30"
    text = r.content.decode()
    assert "暂时无法服务" in text and "数据库暂时无法访问" in text and "gone" not in text


def test_run_once_as_a_service_for_other_callers(db, users):
    calls = []

    def execute():
        calls.append(1)
        return idempotency.Answer(201, '{"id": 7}')

    args = {"method": "post", "path": "/offline/queue", "body_hash": idempotency.body_digest('{"a": 1}', "json")}
    first = idempotency.run_once(users["vdoc"], "q-1", execute=execute, **args)
    again = idempotency.run_once(users["vdoc"], "q-1", execute=execute, **args)
    assert calls == [1] and not first.replayed
    assert again == idempotency.Answer(201, '{"id": 7}', replayed=True)
    with pytest.raises(idempotency.KeyReused):
        idempotency.run_once(users["vdoc"], "q-1", execute=execute, **{**args, "body_hash": "other"})
    with pytest.raises(errors.Invalid):
        idempotency.run_once(users["vdoc"], "bad key", execute=execute, **args)
    # A result not kept (here: a refusal) leaves the key free.
    refused = idempotency.run_once(users["vdoc"], "q-2", execute=lambda: idempotency.Answer(422, "{}"), **args)
    assert refused.status == 422
    assert not IdempotentRequest.objects.filter(key_digest=idempotency.digest("q-2")).exists()


# A kept answer goes only to the access it was made for ------------------------------------------
@pytest.mark.django_db
def test_a_replay_after_the_patient_left_the_jurisdiction_answers_404_and_is_audited(client, users, patient):
    url = f"/api/v1/patients/{patient.pk}"
    body = {"version": patient.version, "address": "新地址2号"}
    assert send(client, users["doctor"], "patch", url, body, key="moved-1").status_code == 200
    Patient.objects.filter(pk=patient.pk).update(region_id="990102002001")  # transferred to another township
    again = send(client, users["doctor"], "patch", url, body, key="moved-1")
    assert again.status_code == 404 and "Idempotent-Replayed" not in again
    assert again.json() == {"detail": "患者不存在"}  # the API's JSON answer, not a page
    assert "新地址2号" not in again.content.decode() and patient.name not in again.content.decode()
    assert AuditEvent.objects.filter(user_id=users["doctor"].pk, patient_id=patient.pk, outcome="denied").exists()
    assert Revision.objects.filter(patient=patient).count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("field, value", [("role", "judicial"), ("region_id", "990102002000")])
def test_a_replay_after_a_role_or_region_change_is_refused_and_writes_nothing(client, users, patient, field, value):
    url = f"/api/v1/patients/{patient.pk}/followups"
    user = users["doctor"]
    assert send(client, user, "post", url, VISIT, key="scope-1").status_code == 201
    setattr(user, field, value)
    user.save()
    again = send(client, user, "post", url, VISIT, key="scope-1")
    assert again.status_code == 409 and "Idempotent-Replayed" not in again
    assert again.json()["errors"] == [{"field": "Idempotency-Key", "message": idempotency.PERMISSION_CHANGED}]
    assert "hallucination" not in again.content.decode() and "幻觉" not in again.content.decode()
    assert FollowUp.objects.filter(patient=patient).count() == 1


@pytest.mark.django_db
def test_reads_sent_by_post_are_never_kept_and_run_again(client, users, patient):
    url = f"/api/v1/patients/{patient.pk}/reveal"
    for _ in range(2):
        answer = send(client, users["doctor"], "post", url, {}, key="reveal-k")
        assert answer.status_code == 200 and "Idempotent-Replayed" not in answer
    assert AuditEvent.objects.filter(action="reveal", patient_id=patient.pk, outcome="ok").count() == 2
    assert not IdempotentRequest.objects.exists()


@pytest.mark.django_db
def test_a_replay_of_a_created_patient_moved_away_since_shows_nothing(client, users):
    """Not a patient's path: the patients the write's audit rows named are what the replay checks."""
    from conftest import id_for, patient_data

    body = patient_data("990102001001", name="丙新建", id_number=id_for(dt.date(1980, 5, 5), "M"))
    first = send(client, users["doctor"], "post", "/api/v1/patients", body, key="new-1")
    assert first.status_code == 201, first.content
    pk = first.json()["id"]
    assert IdempotentRequest.objects.get().patients == [pk]
    again = send(client, users["doctor"], "post", "/api/v1/patients", body, key="new-1")
    assert again.status_code == 201 and again["Idempotent-Replayed"] == "true"
    assert AuditEvent.objects.filter(action="view", patient_id=pk, outcome="ok").exists()  # shown again: audited
    Patient.objects.filter(pk=pk).update(region_id="990102002001")
    moved = send(client, users["doctor"], "post", "/api/v1/patients", body, key="new-1")
    assert moved.status_code == 404 and moved.json() == {"detail": "患者不存在"}
    assert "丙新建" not in moved.content.decode()
    assert Patient.objects.filter(name="丙新建").count() == 1


@pytest.mark.django_db(transaction=True)
def test_run_once_without_a_request_still_checks_the_patient(db, users, make_patient):
    from django.http import Http404

    from jingfang.audit import log as audit

    patient = make_patient("990102001001", name="乙患者")
    user = users["doctor"]

    def write():
        audit.record(user, "create", patient_id=patient.pk, target=f"followup:{patient.pk}")
        return idempotency.Answer(201, "{}")

    args = {"method": "post", "path": "/offline/queue", "body_hash": "b"}
    idempotency.run_once(user, "q-9", execute=write, **args)
    assert idempotency.run_once(user, "q-9", execute=write, **args).replayed
    Patient.objects.filter(pk=patient.pk).update(region_id="990102002001")
    with pytest.raises(Http404):
        idempotency.run_once(user, "q-9", execute=write, **args)
