"""Large exports run as background jobs: the guard lets the export through, the worker replays the
request as the same user (permission, jurisdiction and approval decided again then), the file is
downloaded from the job's page; every step audited."""

import io

import pytest
from openpyxl import load_workbook

from jingfang.audit.models import AuditEvent
from jingfang.core.xlsx import XLSX_TYPE
from jingfang.exports import rules
from jingfang.exports.models import ExportRequest
from jingfang.jobs import services
from jingfang.jobs.models import Job, JobFile

pytestmark = pytest.mark.django_db
EXPORT = "/patients/export.xlsx"
NAMES = ("赵后台", "钱后台", "孙后台")


@pytest.fixture
def three(make_patient, settings, immediate):
    settings.JINGFANG_TOTP_ENFORCE = False
    settings.JINGFANG_EXPORT_APPROVAL_ROWS = 100
    settings.JINGFANG_EXPORT_BACKGROUND_ROWS = 2  # three rows: a "large" export
    return [make_patient("990102001001", name=NAMES[0]), make_patient("990102001001", name=NAMES[1]),
            make_patient("990102001002", name=NAMES[2])]


def _names(content: bytes) -> set[str]:
    ws = load_workbook(io.BytesIO(content)).active
    return {c for row in ws.iter_rows(values_only=True) for c in row if c in NAMES}


def test_a_large_export_is_made_by_the_worker_and_downloaded_from_the_job(client, users, three):
    client.force_login(users["doctor"])
    response = client.get(EXPORT)
    job = Job.objects.get(kind="export")
    assert response.status_code == 302 and response["Location"] == f"/jobs/{job.pk}/"
    assert job.status == Job.SUCCEEDED and job.result["rows"] == 3 and job.params["data"] == []
    page = client.get(response["Location"]).content.decode()
    assert "导出文件已生成（3行）" in page and f"/jobs/{job.pk}/files/result/" in page
    made = AuditEvent.objects.get(action="export", target="patients.xlsx", outcome="ok")
    assert made.user_id == users["doctor"].pk and made.detail["count"] == 3
    download = client.get(f"/jobs/{job.pk}/files/result/")
    assert download.status_code == 200 and download["Content-Type"] == XLSX_TYPE
    assert _names(download.content) == set(NAMES)
    assert AuditEvent.objects.filter(action="export", target=f"job:{job.pk}", detail__file="result").exists()


def test_small_exports_and_api_exports_stay_in_the_request(client, users, three):
    client.force_login(users["vdoc"])  # 甲村: two rows, not above the background threshold
    response = client.get(EXPORT)
    assert response.status_code == 200 and response["Content-Type"] == XLSX_TYPE
    assert not Job.objects.exists()


def test_search_words_are_posted_replayed_and_then_forgotten(client, users, three):
    client.force_login(users["doctor"])
    response = client.post(EXPORT, {"q": "后台"}, HTTP_HX_REQUEST="true")
    job = Job.objects.get(kind="export")
    assert response.status_code == 204 and response["HX-Redirect"] == f"/jobs/{job.pk}/"
    assert job.status == Job.SUCCEEDED and job.params["method"] == "POST" and job.params["data"] == []
    assert _names(services.file_bytes(job, JobFile.RESULT)) == set(NAMES)


def test_an_approved_large_export_uses_its_approval_in_the_worker(client, users, three, settings):
    settings.JINGFANG_EXPORT_APPROVAL_ROWS = 2
    client.force_login(users["doctor"])
    assert "导出需要审批" in client.get(EXPORT).content.decode()
    req = ExportRequest.objects.get()
    client.post(f"/exports/{req.pk}/submit/", {"reason": "县里要求核对本镇全部在册患者名单"})
    client.force_login(users["office"])
    client.post(f"/exports/{req.pk}/decide/", {"decision": "approve", "note": ""})
    client.force_login(users["doctor"])
    response = client.get(f"{EXPORT}?approval={req.pk}")
    job = Job.objects.get(kind="export")
    assert response.status_code == 302 and job.status == Job.SUCCEEDED
    req.refresh_from_db()
    assert req.status == rules.DOWNLOADED and req.downloaded_rows == 3
    assert AuditEvent.objects.get(action="export", target="patients.xlsx", outcome="ok").detail["approval"] == req.pk


def test_the_worker_decides_again_and_refuses_what_the_user_may_no_longer_do(client, users, three, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
    client.force_login(users["doctor"])
    client.get(EXPORT)
    job = Job.objects.get(kind="export")
    assert job.status == Job.QUEUED
    users["doctor"].role = "village_cadre"  # no export right any more
    users["doctor"].save()
    from jingfang.jobs import runner

    runner.execute(job.pk)
    job.refresh_from_db()
    assert job.status == Job.FAILED and "导出未完成" in job.error
    assert not JobFile.objects.filter(job=job, purpose=JobFile.RESULT).exists()
    assert AuditEvent.objects.filter(action="export", outcome="denied", user_id=users["doctor"].pk).exists()
