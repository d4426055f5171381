"""我的任务 pages and /api/v1/jobs: only one's own jobs (administrators also the system's), a progress
card that polls while the job runs and stops when it ends, audited downloads."""

import re

import pytest

from jingfang.audit.models import AuditEvent
from jingfang.jobs import services
from jingfang.jobs.models import Job

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _password_only(settings):
    settings.JINGFANG_TOTP_ENFORCE = False


def _login(client, user):
    client.force_login(user)
    return client


def test_the_list_shows_ones_own_jobs_only(client, users):
    mine = Job.objects.create(kind="count", title="我的任务甲", owner=users["doctor"])
    Job.objects.create(kind="count", title="别人的任务乙", owner=users["vdoc"])
    Job.objects.create(kind="count", title="系统任务丙", owner=None)
    html = _login(client, users["doctor"]).get("/jobs/").content.decode()
    assert "我的任务甲" in html and "别人的任务乙" not in html and "系统任务丙" not in html
    assert f'href="/jobs/{mine.pk}/"' in html
    admin_html = _login(client, users["admin"]).get("/jobs/").content.decode()
    assert "系统任务丙" in admin_html and "我的任务甲" not in admin_html


def test_someone_elses_job_is_404_and_audited(client, users):
    other = Job.objects.create(kind="count", title="别人的", owner=users["vdoc"])
    c = _login(client, users["doctor"])
    for url in (f"/jobs/{other.pk}/", f"/jobs/{other.pk}/card/", f"/jobs/{other.pk}/files/report/"):
        assert c.get(url).status_code == 404
    assert c.get("/jobs/999999/").status_code == 404
    assert AuditEvent.objects.filter(target=f"job:{other.pk}", outcome="denied").count() == 3
    assert AuditEvent.objects.filter(target="job:999999", outcome="not_found").exists()


def test_the_card_polls_while_running_and_stops_when_done(client, users):
    job = Job.objects.create(kind="count", title="数数", owner=users["doctor"], status=Job.RUNNING, attempt=1,
                             done=30, total=120, message="正在逐行校验")
    c = _login(client, users["doctor"])
    page = c.get(f"/jobs/{job.pk}/").content.decode()
    assert f'hx-get="/jobs/{job.pk}/card/"' in page and 'hx-trigger="every 1s"' in page
    assert '<progress max="100" value="25"' in page and "25%（30/120）" in page and "正在逐行校验" in page
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page)  # no inline script (strict CSP)
    Job.objects.filter(pk=job.pk).update(status=Job.SUCCEEDED, done=120, result={"message": "数到120"})
    card = c.get(f"/jobs/{job.pk}/card/", HTTP_HX_REQUEST="true").content.decode()
    assert "hx-trigger" not in card and 'value="100"' in card and "数到120" in card


def test_a_job_queued_for_long_says_the_worker_may_be_down(client, users):
    job = Job.objects.create(kind="count", title="数数", owner=users["doctor"])
    Job.objects.filter(pk=job.pk).update(created_at=job.created_at.replace(year=2020))
    assert "jingfang worker" in _login(client, users["doctor"]).get(f"/jobs/{job.pk}/").content.decode()


def test_files_download_audited_and_uploads_are_never_offered(client, users):
    job = Job.objects.create(kind="count", title="带文件", owner=users["doctor"], status=Job.FAILED)
    services.attach(job, "report", "报告.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", b"PK")
    services.attach(job, "input", "原表.xlsx", "application/octet-stream", b"PK-input")
    c = _login(client, users["doctor"])
    page = c.get(f"/jobs/{job.pk}/").content.decode()
    assert f"/jobs/{job.pk}/files/report/" in page and "/files/input/" not in page
    response = c.get(f"/jobs/{job.pk}/files/report/")
    assert response.status_code == 200 and response.content == b"PK"
    assert "attachment" in response["Content-Disposition"]
    assert c.get(f"/jobs/{job.pk}/files/input/").status_code == 404
    assert AuditEvent.objects.filter(action="export", target=f"job:{job.pk}", outcome="ok").count() == 1


def test_rerun_button_only_for_the_owner_of_a_rerunnable_failure(client, users, immediate):
    job = Job.objects.create(kind="count", title="数数", owner=users["doctor"], status=Job.FAILED, retryable=True,
                             error="后台进程已停止响应")
    c = _login(client, users["doctor"])
    assert "重新运行" in c.get(f"/jobs/{job.pk}/").content.decode()
    response = c.post(f"/jobs/{job.pk}/rerun/")
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.status == Job.SUCCEEDED


def test_api_lists_and_reads_own_jobs(client, users):
    mine = Job.objects.create(kind="count", title="我的", owner=users["doctor"], status=Job.RUNNING, attempt=1,
                              done=1, total=4)
    other = Job.objects.create(kind="count", title="别人的", owner=users["vdoc"])
    c = _login(client, users["doctor"])
    body = c.get("/api/v1/jobs").json()
    assert body["count"] == 1 and body["items"][0]["id"] == mine.pk and body["items"][0]["percent"] == 25
    one = c.get(f"/api/v1/jobs/{mine.pk}").json()
    assert (one["status"], one["kind_label"], one["files"]) == ("running", "测试：count", [])
    assert c.get(f"/api/v1/jobs/{other.pk}").status_code == 404
    assert c.post(f"/api/v1/jobs/{mine.pk}/rerun").status_code == 409
