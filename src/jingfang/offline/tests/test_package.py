"""GET /api/v1/offline/package: the user's own due work, the minimum of each patient, no ID number or
phone, no-store, audited once naming every patient in it."""

import datetime as dt

import pytest

from jingfang.audit.models import AuditEvent
from jingfang.core import clock
from jingfang.followups.models import FollowUp
from jingfang.offline import formdef

pytestmark = pytest.mark.django_db


def test_package_holds_own_due_patients_minimum(users, jia, make_patient, download, client):
    other = make_patient("990102002001", name="丙患者")  # 西镇: not the village doctor's
    r = download(users["vdoc"])
    assert r.status_code == 200
    assert r["Cache-Control"] == "no-store"
    body = r.json()
    assert body["window_days"] == 14 and body["preview"] is None
    assert body["user"]["username"] == users["vdoc"].username and body["user"]["region"] == "甲村"
    ids = [p["id"] for p in body["patients"]]
    assert jia.pk in ids and other.pk not in ids
    p = next(p for p in body["patients"] if p["id"] == jia.pk)
    assert p["name"] == "甲患者" and p["village"] == "甲村" and p["address"] == "甲村5组8号"
    assert p["guardian_name"] == "王监护" and p["due"] and p["due"][0]["kind"]
    assert set(p) == {"id", "name", "village", "address", "guardian_name", "key_person", "last_visit", "medications",
                      "due", "params"}
    assert p["params"]["registered_on"] == jia.registered_on.isoformat()
    assert body["form"] == formdef.definition()
    assert body["expires_at"] > body["generated_at"]


def test_no_id_number_or_phone_in_the_raw_bytes(users, jia, download):
    raw = download(users["vdoc"]).content
    assert jia.id_number.encode() not in raw
    for phone in (jia.phone, "13900004321"):  # the patient's and the guardian's
        assert phone.encode() not in raw
    assert b"id_number" not in raw and b'"phone":' not in raw


def test_audited_once_naming_each_patient(users, jia, make_patient, download):
    second = make_patient("990102001001", name="甲二")
    before = AuditEvent.objects.count()
    download(users["vdoc"])
    rows = list(AuditEvent.objects.order_by("id")[before:])
    assert len(rows) == 1
    assert rows[0].action == "export" and rows[0].target == "offline_package"
    assert set(rows[0].detail["patients"]) == {jia.pk, second.pk}


def test_last_visit_and_medications(users, make_patient, download, client):
    from jingfang.followups import services
    from jingfang.offline.tests.conftest import visit_form

    today = clock.today()
    jia = make_patient("990102001001", name="甲患者")
    type(jia).objects.filter(pk=jia.pk).update(registered_on=today - dt.timedelta(days=400))
    jia.refresh_from_db()
    data = {k: ("on" if v is True else v) for k, v in visit_form(date=(today - dt.timedelta(days=80)).isoformat()).items()}
    data["med_1_name"], data["med_1_dose"] = "利培酮", "2mg bid"
    services.record_followup(users["vdoc"], jia, data)
    body = download(users["vdoc"], days=31).json()
    p = next(p for p in body["patients"] if p["id"] == jia.pk)
    f = FollowUp.objects.get(patient=jia)
    assert p["last_visit"] == {"date": f.date.isoformat(), "risk_level": 0, "condition": f.condition, "mode": "home_visit"}
    assert p["medications"] == [{"name": "利培酮", "dose": "2mg bid"}]


def test_days_bounds(users, jia, download):
    assert download(users["vdoc"], days=31).json()["window_days"] == 31
    assert download(users["vdoc"], days=60).json()["window_days"] == 31  # cut to max_package_days
    assert download(users["vdoc"], days=3).json()["window_days"] == 3
    r = download(users["vdoc"], days=0)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "days"
    assert download(users["vdoc"], days=93).status_code == 422


@pytest.mark.parametrize("who", ["police", "cadre", "office", "civil", "dpf", "judicial", "county", "admin"])
def test_other_roles_403(users, jia, download, who):
    r = download(users[who])
    assert r.status_code == 403
    assert "甲患者".encode() not in r.content
