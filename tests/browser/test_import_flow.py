"""A township doctor uploads the ledger; the job's page shows its progress bar, polled by htmx, until
it reaches 100% and says how many files were created; a ledger with a bad row is refused whole, with a
report to download."""

import threading

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import expect

from jingfang.imports import synthetic
from jingfang.jobs import runner
from jingfang.jobs.models import Job
from jingfang.registry.models import Patient
from tests.browser.signin import login, open_menus

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
VILLAGES = ["990102001001", "990102001002"]


@pytest.fixture
def queued_jobs(settings, tmp_path):
    """Jobs are queued in the database (as in production) and run by a worker thread started by the test."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
    settings.VAR_DIR = tmp_path


def test_upload_watch_the_bar_reach_100_and_a_bad_file_refused(live_server, page, shot, users, queued_jobs, tmp_path):
    base = live_server.url
    good = tmp_path / "台账.xlsx"
    good.write_bytes(synthetic.workbook(synthetic.rows(1500, VILLAGES, seed=3)))
    login(page, base, users["doctor"].username)
    open_menus(page)
    page.click("summary:has-text('随访管理')")
    page.click("text=导入台账")
    page.wait_for_url(f"{base}/imports/")
    expect(page.locator("main")).to_contain_text("存在错误行时全部不导入")
    page.set_input_files("#id_file", str(good))
    shot(page, "import-01-upload")
    page.click("button:has-text('上传')")
    page.wait_for_url(f"{base}/jobs/*/")
    job = Job.objects.get()
    expect(page.locator("#job-card")).to_contain_text("排队中")
    shot(page, "import-02-queued")

    worker = threading.Thread(target=runner.execute, args=(job.pk,), daemon=True)
    worker.start()  # as `jingfang worker` would
    try:  # on the way: "正在逐行校验 40%（600/1500）" (how far it has got by the next poll depends on the machine)
        page.wait_for_selector(".job-percent:has-text('/')", timeout=20_000)
        shot(page, "import-03a-progress")
    except PlaywrightTimeout:
        pass
    expect(page.locator("#job-card")).to_contain_text("已完成", timeout=120_000)
    worker.join(timeout=60)
    expect(page.locator(".job-percent")).to_have_attribute("data-percent", "100")
    assert page.locator("#job-card progress").get_attribute("value") == "100"
    expect(page.locator("#job-card")).to_contain_text("导入完成：新建1500人")
    assert page.locator("#job-card").get_attribute("hx-trigger") is None  # polling stopped
    shot(page, "import-03b-done")
    assert Patient.objects.count() == 1500

    # the same ledger with one bad row more: nothing is written, the report names row and column
    rows = synthetic.rows(3, VILLAGES, seed=4, start=5000)
    rows[1]["现住址所在村（社区）区划代码"] = "990102002001"  # another township's village
    bad = tmp_path / "台账-有错.xlsx"
    bad.write_bytes(synthetic.workbook(rows))
    page.goto(f"{base}/imports/")
    page.set_input_files("#id_file", str(bad))
    page.click("button:has-text('上传')")
    page.wait_for_url(f"{base}/jobs/*/")
    second = Job.objects.order_by("-pk").first()
    runner.execute(second.pk)
    expect(page.locator("#job-card")).to_contain_text("失败", timeout=30_000)
    expect(page.locator("#job-card")).to_contain_text("不在您的辖区内")
    expect(page.locator("#job-card")).to_contain_text("下载校验报告")
    shot(page, "import-04-refused")
    assert Patient.objects.count() == 1500
