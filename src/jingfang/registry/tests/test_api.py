import datetime as dt
import json
import re

import pytest

from conftest import id_for, patient_data
from jingfang.accounts.services import issue_token
from jingfang.audit.models import AuditEvent
from jingfang.core import clock
from jingfang.registry import serializers
from jingfang.registry.models import Patient, StatusChange

pytestmark = pytest.mark.django_db

CLINICAL_KEYS = {"diagnosis", "diagnosis_label", "condition", "condition_label", "clinical_notes",
                 "diagnosis_date", "psychiatrist_opinion", "past_symptoms"}


class Api:
    """Calls the API as one user with a bearer token."""

    def __init__(self, client, user):
        self.client = client
        self.headers = {"HTTP_AUTHORIZATION": f"Bearer {issue_token(user)}"}

    def get(self, url, **params):
        return self.client.get("/api/v1" + url, params, **self.headers)

    def _send(self, method, url, body):
        return getattr(self.client, method)(
            "/api/v1" + url, data=json.dumps(body), content_type="application/json", **self.headers
        )

    def post(self, url, body=None):
        return self._send("post", url, body or {})

    def patch(self, url, body):
        return self._send("patch", url, body)


@pytest.fixture
def api_as(client, users):
    return lambda key: Api(client, users[key])


def fields_of(response):
    return [e["field"] for e in response.json()["errors"]]


def create_body(**over):
    return {**patient_data(), "guardian": {"name": "王监护", "relation": "parent", "phone": "13900004321"}, **over}


# Create ----------------------------------------------------------------------------------------
def test_create_derives_sex_and_birth_and_masks(api_as):
    number = id_for(birth=dt.date(1975, 2, 3), sex="F")
    r = api_as("doctor").post("/patients", create_body(id_number=number, risk_level=2,
                                                       past_dangerous_acts={"self_harm": 1}))
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["sex"] == "F" and body["birth_date"] == "1975-02-03"
    assert re.fullmatch(r"990\*{11}[0-9X]{4}", body["id_number_masked"])
    assert body["id_number_masked"][-4:] == number[-4:] and number not in r.content.decode()
    assert body["phone_masked"] == "138****1234"
    assert body["version"] == 1 and body["region_code"] == "990102001001" and body["status"] == "at_home"
    assert body["region_name"] == "测试县东镇甲村"
    assert body["past_dangerous_acts"]["self_harm"] == 1 and body["key_person"] is True
    assert body["guardians"] == [{"id": body["guardians"][0]["id"], "name": "王监护", "relation": "parent",
                                  "relation_label": "父母", "phone_masked": "139****4321", "address": "",
                                  "is_primary": True}]
    assert body["condition"] is None and body["diagnosis"] == "schizophrenia"
    p = Patient.objects.get(pk=body["id"])
    assert p.id_number == number and p.created_by.role == "township_doctor"
    assert AuditEvent.objects.filter(action="create", patient_id=p.pk, outcome="ok").exists()


def _bad_checksum():
    good = id_for()
    return good[:-1] + ("0" if good[-1] != "0" else "1")


@pytest.mark.parametrize(
    "over,field,text",
    [
        ({"id_number": _bad_checksum()}, "id_number", "校验位"),
        ({"region_code": "990102001999"}, "region_code", "不存在"),
        ({"region_code": "990102002001"}, "region_code", "辖区"),
        ({"diagnosis_date": (clock.today() + dt.timedelta(days=3)).isoformat()}, "diagnosis_date", "晚于今天"),
        ({"name": "王" * 60}, "name", "50"),
        ({"risk_level": 7}, "risk_level", "risk_level：应为0至5的整数"),
        ({"risk_level": "high"}, "risk_level", "0至5"),
        ({"foo": 1}, "foo", "foo"),
        ({"diagnosis": "flu"}, "diagnosis", "schizophrenia"),
        ({"guardian": {"name": "王监护", "ssn": "x"}}, "guardian.ssn", "guardian.ssn"),
        ({"past_dangerous_acts": {"self_harm": -1}}, "past_dangerous_acts.self_harm", "0至999"),
        ({"diagnosis_date": "2020-13-45"}, "diagnosis_date", "日期"),
    ],
    ids=["checksum", "unknown-region", "foreign-region", "future-date", "long-name", "risk7", "risk-text",
         "unknown-key", "bad-diagnosis", "guardian-extra", "negative-acts", "bad-date"],
)
def test_create_refuses_bad_input_naming_the_field(api_as, over, field, text):
    r = api_as("doctor").post("/patients", create_body(**over))
    assert r.status_code == 422, r.content
    errors = r.json()["errors"]
    assert field in [e["field"] for e in errors]
    message = next(e["message"] for e in errors if e["field"] == field)
    assert text in message and re.search(r"[\u4e00-\u9fff]", message)
    assert Patient.objects.count() == 0


def test_missing_required_fields_are_named(api_as):
    body = create_body()
    del body["name"], body["region_code"]
    r = api_as("doctor").post("/patients", body)
    assert r.status_code == 422 and set(fields_of(r)) == {"name", "region_code"}


def test_duplicate_is_409_saying_where_only_if_visible(api_as):
    body = create_body()
    first = api_as("doctor").post("/patients", body).json()
    again = api_as("vdoc").post("/patients", {**body, "name": "另一人"})
    assert again.status_code == 409
    assert again.json()["existing_id"] == first["id"] and "甲村" in again.json()["errors"][0]["message"]
    foreign = api_as("doctor2").post("/patients", {**body, "region_code": "990102002001",
                                                   "household_region_code": "990102002001"})
    assert foreign.status_code == 409
    assert foreign.json()["existing_id"] is None and "甲村" not in foreign.content.decode()
    assert Patient.objects.count() == 1


@pytest.mark.parametrize("who", ["police", "cadre", "admin", "office"])
def test_roles_that_may_not_create_get_403(api_as, who):
    r = api_as(who).post("/patients", create_body())
    assert r.status_code == 403 and r.json()["errors"]
    assert Patient.objects.count() == 0


# Read ------------------------------------------------------------------------------------------
def test_police_never_receives_clinical_keys(api_as, make_patient):
    p = make_patient(clinical_notes="幻听明显", psychiatrist_opinion="继续服药")
    Patient.objects.filter(pk=p.pk).update(condition="unstable", key_person=True)
    police = api_as("police").get(f"/patients/{p.pk}")
    assert police.status_code == 200
    body = police.json()
    assert not CLINICAL_KEYS & set(body)
    assert "幻听" not in police.content.decode() and "病情不稳定" not in body["key_person_reasons"]
    assert body["id_number_masked"] and body["risk_level"] is None and body["guardians"]
    doctor = api_as("doctor").get(f"/patients/{p.pk}").json()
    assert CLINICAL_KEYS <= set(doctor)
    assert doctor["condition"] == "unstable" and doctor["clinical_notes"] == "幻听明显"
    assert "病情不稳定" in doctor["key_person_reasons"]
    items = api_as("police").get("/patients").json()["items"]
    assert items and all("condition" not in i and "condition_label" not in i for i in items)
    assert "condition" in api_as("doctor").get("/patients").json()["items"][0]


def test_empty_condition_is_null_for_health_roles(api_as, make_patient):
    p = make_patient()
    assert api_as("county").get("/patients").json()["items"][0]["condition"] is None
    assert api_as("vdoc").get(f"/patients/{p.pk}").json()["condition"] is None


def test_list_pages_and_audits_without_query_text(api_as, make_patient, settings):
    ids = [make_patient(name=n, region_code=c).pk for n, c in
           [("张一", "990102001001"), ("张二", "990102001002"), ("李三", "990102001001")]]
    doctor = api_as("doctor")
    r = doctor.get("/patients", page_size=2)
    assert r.json()["count"] == 3 and len(r.json()["items"]) == 2
    second = doctor.get("/patients", page_size=2, page=2).json()["items"]
    assert {i["id"] for i in r.json()["items"] + second} == set(ids)
    assert doctor.get("/patients", page=9).json() == {"count": 3, "items": []}
    found = doctor.get("/patients", q="张", region_code="990102001001")
    assert [i["name"] for i in found.json()["items"]] == ["张一"]
    number = Patient.objects.get(pk=ids[2]).id_number
    assert [i["id"] for i in doctor.post("/patients/search", {"q": number}).json()["items"]] == [ids[2]]
    rows = list(AuditEvent.objects.filter(action__in=["list", "search"]).order_by("id"))
    assert [a.action for a in rows] == ["list", "list", "list", "search", "search"]
    assert rows[3].detail == {"count": 1, "filters": ["q", "region_code"]}
    assert rows[4].detail == {"count": 1, "filters": ["q"]}
    assert all(number not in json.dumps(a.detail, ensure_ascii=False) for a in rows)


@pytest.mark.parametrize("q", ["id", "13800001234", "138 0000 1234", "甲村1380000123"])
def test_identifiers_in_the_query_string_are_refused_not_searched(api_as, make_patient, q):
    """L2: an ID number or phone in ?q= would stay in access logs; it is refused (400 naming q) and
    audited without the number; the POST search is the way."""
    p = make_patient(phone="13800001234")
    q = p.id_number if q == "id" else q
    r = api_as("doctor").get("/patients", q=q)
    assert r.status_code == 400 and fields_of(r) == ["q"] and "items" not in r.json()
    assert "POST /api/v1/patients/search" in r.json()["errors"][0]["message"]
    event = AuditEvent.objects.latest("id")
    assert event.action == "search" and event.outcome == "invalid" and event.detail == {"filters": ["q"]}
    assert p.id_number not in json.dumps(event.detail) and "1380000" not in event.path
    assert api_as("doctor").get("/patients", q="王测").json()["count"] == 1  # names still search


@pytest.mark.parametrize(
    "params,field",
    [({"page_size": 101}, "page_size"), ({"page_size": 0}, "page_size"), ({"page": 0}, "page"),
     ({"status": "asleep"}, "status"), ({"page": "x"}, "page")],
)
def test_list_refuses_bad_paging_and_filters(api_as, params, field):
    r = api_as("doctor").get("/patients", **params)
    assert r.status_code == 422 and fields_of(r) == [field]
    assert field in r.json()["errors"][0]["message"]


def test_blank_query_parameters_mean_not_given(api_as, make_patient):
    make_patient()
    r = api_as("doctor").client.get(
        "/api/v1/patients?q=&region_code=&status=&key_person=&page=&page_size=", **api_as("doctor").headers
    )
    assert r.status_code == 200 and r.json()["count"] == 1
    assert AuditEvent.objects.filter(action="list").latest("id").detail == {"count": 1, "filters": []}


def test_filters_status_and_key_person(api_as, make_patient):
    a = make_patient(name="甲某", police_listed=True)
    make_patient(name="乙某")
    doctor = api_as("doctor")
    assert [i["id"] for i in doctor.get("/patients", key_person="true").json()["items"]] == [a.pk]
    assert doctor.get("/patients", key_person="false").json()["count"] == 1
    assert doctor.get("/patients", status="hospitalized").json()["count"] == 0
    assert doctor.get("/patients", status="at_home").json()["count"] == 2


# Update ----------------------------------------------------------------------------------------
def test_patch_bumps_version_and_stale_version_is_409_with_the_other_change(api_as, make_patient):
    p = make_patient()
    ok = api_as("doctor").patch(f"/patients/{p.pk}", {"version": 1, "address": "新地址1号"})
    assert ok.status_code == 200 and ok.json()["version"] == 2 and ok.json()["address"] == "新地址1号"
    stale = api_as("vdoc").patch(f"/patients/{p.pk}", {"version": 1, "phone": "13700000000"})
    assert stale.status_code == 409
    body = stale.json()
    assert body["current_version"] == 2 and body["errors"][0]["field"] == "version"
    assert body["changes"][0]["fields"]["address"]["new"] == "新地址1号"
    p.refresh_from_db()
    assert p.phone == "13800001234" and p.version == 2


def test_patch_requires_version_and_refuses_unknown_keys(api_as, make_patient):
    p = make_patient()
    assert fields_of(api_as("doctor").patch(f"/patients/{p.pk}", {"address": "x号"})) == ["version"]
    r = api_as("doctor").patch(f"/patients/{p.pk}", {"version": 1, "created_by": 1, "key_person": True})
    assert r.status_code == 422 and set(fields_of(r)) == {"created_by", "key_person"}
    p.refresh_from_db()
    assert p.version == 1


@pytest.mark.parametrize("who", ["police", "office"])
def test_patching_clinical_field_without_clinical_role_is_403_and_changes_nothing(api_as, make_patient, users, who):
    p = make_patient()
    r = api_as(who).patch(f"/patients/{p.pk}", {"version": 1, "diagnosis": "bipolar", "address": "改"})
    assert r.status_code == 403 and r.json()["errors"][0]["message"]
    if who == "office":  # may edit the file, but not its clinical fields
        assert fields_of(r) == ["diagnosis"]
    p.refresh_from_db()
    assert p.diagnosis == "schizophrenia" and p.address == "甲村3组12号" and p.version == 1
    assert AuditEvent.objects.filter(action="update", outcome="denied", patient_id=p.pk,
                                     user_id=users[who].pk).exists()


def test_patch_with_status_records_history_then_saves_the_rest(api_as, make_patient):
    p = make_patient()
    r = api_as("doctor").patch(f"/patients/{p.pk}", {
        "version": 1, "status": "hospitalized", "status_detail": "psychiatric_hospital", "address": "医院",
        "past_dangerous_acts": {"trouble": 2},
    })
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["status"] == "hospitalized" and body["address"] == "医院" and body["version"] == 3
    assert body["status_since"] == clock.today().isoformat() and body["past_dangerous_acts"]["trouble"] == 2
    assert list(StatusChange.objects.filter(patient=p).values_list("status", flat=True)) == [
        "hospitalized", "at_home"]


def test_patch_with_status_is_all_or_nothing(api_as, make_patient):
    p = make_patient()
    r = api_as("doctor").patch(f"/patients/{p.pk}", {"version": 1, "status": "missing", "phone": "12"})
    assert r.status_code == 422 and fields_of(r) == ["phone"]
    p.refresh_from_db()
    assert p.status == "at_home" and p.version == 1 and StatusChange.objects.filter(patient=p).count() == 1
    assert AuditEvent.objects.filter(action="update", outcome="invalid", patient_id=p.pk).exists()
    r = api_as("doctor").patch(f"/patients/{p.pk}", {"version": 1, "status_detail": "resting"})
    assert r.status_code == 422 and fields_of(r) == ["status"]


def test_patch_repeating_the_current_status_records_no_change(api_as, make_patient):
    p = make_patient()
    r = api_as("doctor").patch(f"/patients/{p.pk}", {"version": 1, "status": "at_home", "address": "新址"})
    assert r.status_code == 200 and r.json()["version"] == 2
    assert StatusChange.objects.filter(patient=p).count() == 1


# Status ----------------------------------------------------------------------------------------
def test_status_change_and_history(api_as, make_patient):
    p = make_patient(status_since="2025-06-01")
    vdoc = api_as("vdoc")
    bad = vdoc.post(f"/patients/{p.pk}/status", {"status": "deceased", "since": "2026-01-02", "version": 1})
    assert bad.status_code == 422 and {"death_date", "death_cause"} <= set(fields_of(bad))
    r = vdoc.post(f"/patients/{p.pk}/status", {"status": "deceased", "since": "2026-01-02", "version": 1,
                                              "death_date": "2026-01-01", "death_cause": "accident"})
    assert r.status_code == 200, r.content
    assert r.json()["status"] == "deceased" and r.json()["death_cause"] == "accident" and r.json()["version"] == 2
    stale = vdoc.post(f"/patients/{p.pk}/status", {"status": "at_home", "version": 1})
    assert stale.status_code == 409 and stale.json()["current_version"] == 2
    history = vdoc.get(f"/patients/{p.pk}/status-history").json()
    assert [(h["status"], h["since"]) for h in history] == [("deceased", "2026-01-02"), ("at_home", "2025-06-01")]
    assert history[0]["recorded_by"] and history[0]["status_label"] == "死亡"


@pytest.mark.parametrize("who", ["county", "judicial", "civil"])
def test_roles_without_status_permission_get_403(api_as, make_patient, who):
    p = make_patient()
    r = api_as(who).post(f"/patients/{p.pk}/status", {"status": "missing", "version": 1})
    assert r.status_code == 403
    p.refresh_from_db()
    assert p.status == "at_home"


# Reveal ----------------------------------------------------------------------------------------
def test_reveal_gives_full_identifiers_and_is_audited(api_as, make_patient, users):
    p = make_patient()
    r = api_as("doctor").post(f"/patients/{p.pk}/reveal")
    assert r.status_code == 200
    assert r.json()["id_number"] == p.id_number and r.json()["phone"] == "13800001234"
    assert r.json()["guardians"][0]["phone"] == "13900004321"
    assert AuditEvent.objects.filter(action="reveal", outcome="ok", patient_id=p.pk,
                                     user_id=users["doctor"].pk).exists()


@pytest.mark.parametrize("who", ["judicial", "cadre"])
def test_reveal_refused_for_roles_without_permission(api_as, make_patient, users, who):
    p = make_patient()
    r = api_as(who).post(f"/patients/{p.pk}/reveal")
    assert r.status_code == 403 and p.id_number not in r.content.decode()
    assert AuditEvent.objects.filter(action="reveal", outcome="denied", user_id=users[who].pk).exists()


# Serializers (shared with the pages) ------------------------------------------------------------
def test_export_rows_mask_and_hide_clinical_columns(make_patient):
    p = make_patient()
    patients = Patient.objects.filter(pk=p.pk).select_related("region").prefetch_related("guardians")
    headers, rows = serializers.export_rows(patients, "police")
    rows = list(rows)
    assert "目前诊断" not in headers and "病情分类" not in headers
    row = dict(zip(headers, rows[0], strict=True))
    assert row["身份证号（脱敏）"] == p.id_number[:3] + "*" * 11 + p.id_number[-4:]
    assert row["监护人电话（脱敏）"] == "139****4321" and row["姓名"] == "王测试"
    headers, rows = serializers.export_rows(patients, "township_doctor")
    assert dict(zip(headers, next(iter(rows)), strict=True))["目前诊断"] == "精神分裂症"


# OpenAPI ---------------------------------------------------------------------------------------
API_MD_PATHS = [
    ("/api/v1/auth/token", "post"), ("/api/v1/me", "get"), ("/api/v1/regions/{code}", "get"),
    ("/api/v1/patients", "get"), ("/api/v1/patients", "post"), ("/api/v1/patients/{id}", "get"),
    ("/api/v1/patients/{id}", "patch"),
]


def test_openapi_lists_the_contract_paths(client):
    schema = client.get("/api/openapi.json").json()
    for path, method in API_MD_PATHS:
        assert method in schema["paths"][path], (path, method)
    summary = schema["components"]["schemas"]["PatientSummary"]["properties"]
    assert {"id", "name", "sex", "birth_date", "id_number_masked", "phone_masked", "region_code", "status",
            "risk_level", "condition", "key_person", "next_due_date", "version"} <= set(summary)
    patient_in = schema["components"]["schemas"]["PatientIn"]
    assert patient_in.get("additionalProperties") is False


def test_docs_use_no_external_scripts_or_styles(client):
    r = client.get("/api/docs")
    assert r.status_code == 200
    html = r.content.decode()
    refs = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert refs and not [u for u in refs if u.startswith(("http:", "https:", "//"))]
