"""The 导入台账 page and /api/v1/imports: who may use them, the explicit all-or-nothing choice, the
redirect to the job's progress page, errors shown on the form."""

import pytest

from jingfang.audit.models import AuditEvent
from jingfang.jobs.models import Job
from jingfang.registry.models import Patient

from .conftest import upload

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _password_only(settings):
    settings.JINGFANG_TOTP_ENFORCE = False


def test_the_page_says_all_or_nothing_and_offers_the_template(client, users):
    client.force_login(users["doctor"])
    html = client.get("/imports/").content.decode()
    assert "存在错误行时全部不导入" in html and 'href="/imports/template.xlsx"' in html
    assert 'value="import"' in html and 'value="check"' in html
    assert 'enctype="multipart/form-data"' in html


def test_upload_goes_to_the_job_page(client, users, ledger):
    client.force_login(users["doctor"])
    response = client.post("/imports/", {"file": upload(ledger(3)), "mode": "import"})
    job = Job.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/jobs/{job.pk}/"
    assert job.status == Job.SUCCEEDED and Patient.objects.count() == 3
    page = client.get(response["Location"]).content.decode()
    assert "导入完成：新建3人" in page and "hx-trigger" not in page
    assert "导入患者台账：台账.xlsx" in client.get("/imports/").content.decode()  # in the recent list


def test_errors_are_shown_on_the_form(client, users, ledger):
    client.force_login(users["doctor"])
    html = client.post("/imports/", {"file": upload(b"not a workbook", "x.xlsx"), "mode": "import"}).content.decode()
    assert "只接受 Excel .xlsx 文件" in html or "不是有效的 .xlsx" in html
    data = ledger(2)
    client.post("/imports/", {"file": upload(data), "mode": "import"})
    again = client.post("/imports/", {"file": upload(data), "mode": "import"}).content.decode()
    assert "导入过" in again and Job.objects.count() == 1
    no_mode = client.post("/imports/", {"file": upload(ledger(2, start=50))}).content.decode()
    assert "这个字段是必填项" in no_mode or "必填" in no_mode


@pytest.mark.parametrize("role", ["cadre", "police", "office", "county", "civil", "dpf", "judicial", "admin"])
def test_roles_that_cannot_register_are_refused(client, users, role):
    client.force_login(users[role])
    assert client.get("/imports/").status_code == 403
    assert client.get("/imports/template.xlsx").status_code == 403
    assert client.get("/api/v1/imports/patients/template").status_code == 403
    assert "导入台账" not in client.get("/jobs/").content.decode()
    assert AuditEvent.objects.filter(action="import", outcome="denied").count() == 3


def test_api_upload_answers_202_with_the_job(client, users, ledger):
    client.force_login(users["vdoc"])
    rows = ledger.rows(4)
    for r in rows:
        r["现住址所在村（社区）区划代码"] = "990102001001"
    response = client.post("/api/v1/imports/patients", {"file": upload(ledger(rows=rows)), "mode": "check"})
    assert response.status_code == 202
    body = response.json()
    assert body["kind"] == "import_patients" and body["status"] == "succeeded"
    assert body["result"]["message"] == "校验通过：可导入4人"
    assert client.get(f"/api/v1/jobs/{body['id']}").json()["percent"] == 100
    bad = client.post("/api/v1/imports/patients", {"file": upload(ledger(rows=rows)), "mode": "sometimes"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "mode"
    template = client.get("/api/v1/imports/patients/template")
    assert template.status_code == 200 and template.content[:2] == b"PK"
