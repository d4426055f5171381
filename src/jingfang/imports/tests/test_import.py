"""The ledger import end to end (jobs run at once): all or nothing, the report by row and column,
idempotency (same file refused, registered numbers skipped), a crash mid-write leaves nothing, who
may import and where."""

import io

import pytest
from openpyxl import load_workbook

from jingfang.audit.models import AuditEvent
from jingfang.core import errors, idnumber
from jingfang.imports import services
from jingfang.imports.models import ImportBatch
from jingfang.jobs import services as jobs
from jingfang.jobs.models import Job, JobFile
from jingfang.registry.models import Guardian, Patient, StatusChange

from .conftest import upload

pytestmark = pytest.mark.django_db


def _run(user, data: bytes, mode: str = "import", name: str = "台账.xlsx") -> Job:
    job = services.start_import(user, upload(data, name), mode)
    job.refresh_from_db()
    return job


def _report_rows(job: Job) -> list[tuple]:
    wb = load_workbook(io.BytesIO(jobs.file_bytes(job, JobFile.REPORT)), read_only=True)
    rows = list(wb.active.iter_rows(values_only=True))
    assert rows[2] == ("行号", "列", "问题")
    return [r for r in rows[3:] if r and r[0] is not None]


def test_a_good_ledger_is_imported_with_guardians_and_history(users, ledger):
    job = _run(users["doctor"], ledger(6))
    assert job.status == Job.SUCCEEDED, job.error
    assert job.result["message"] == "导入完成：新建6人" and job.percent == 100
    assert Patient.objects.count() == 6 and Guardian.objects.count() == 6
    assert StatusChange.objects.filter(note="建档（台账导入）").count() == 6
    p = Patient.objects.order_by("pk").first()
    assert p.created_by == users["doctor"] and p.diagnosis in ("schizophrenia", "bipolar", "epilepsy",
                                                               "schizoaffective", "paranoid_psychosis",
                                                               "intellectual_disability")
    assert p.household_region_id == p.region_id  # 户籍地区划代码 left blank: same as the residence
    batch = ImportBatch.objects.get()
    assert (batch.created_count, batch.rows, batch.job_id) == (6, 6, job.pk)
    assert not JobFile.objects.filter(job=job, purpose=JobFile.INPUT).exists()  # the upload is not kept
    assert AuditEvent.objects.filter(action="import", detail__created=6).exists()


def test_any_bad_row_means_nothing_is_written_and_the_report_names_row_and_column(users, ledger):
    rows = ledger.rows(8)
    good = rows[0]["身份证号"]
    rows[1]["身份证号"] = good[:-1] + ("0" if good[-1] != "0" else "1")  # bad check digit: sheet row 3
    rows[2]["现住址所在村（社区）区划代码"] = "990102001099"  # unknown village: row 4
    rows[3]["现住址所在村（社区）区划代码"] = "990102002001"  # another township's village: row 5
    rows[4]["目前诊断"] = "抑郁症"  # not one of the six: row 6
    rows[5]["身份证号"], rows[5]["性别"] = rows[6]["身份证号"], rows[6]["性别"]  # duplicate in the file: rows 7, 8
    rows[7]["确诊日期"] = "2015-13-01"  # no such date: row 9
    job = _run(users["doctor"], ledger(rows=rows))
    assert job.status == Job.FAILED and not job.retryable
    assert "存在错误行时全部不导入" in job.error and "未导入任何数据" in job.error
    assert Patient.objects.count() == 0 and ImportBatch.objects.count() == 0
    report = _report_rows(job)
    by_row = {(r[0], r[1]): r[2] for r in report}
    assert "校验位" in by_row[(3, "身份证号")]
    assert by_row[(4, "现住址所在村（社区）区划代码")] == "区划代码990102001099不存在"
    assert "不在您的辖区内" in by_row[(5, "现住址所在村（社区）区划代码")]
    assert "不是可选值" in by_row[(6, "目前诊断")]
    assert by_row[(8, "身份证号")] == "与第7行的身份证号重复"
    assert by_row[(9, "确诊日期")] == "日期不存在，请核对"
    assert len(report) == 6
    # the page shows the first problems too, the report never repeats cell values
    assert job.result["table"]["rows"][0][:2] == [3, "身份证号"]
    assert not any(good in str(cell) for r in report for cell in r)


def test_check_mode_writes_nothing(users, ledger):
    job = _run(users["doctor"], ledger(4), mode="check")
    assert job.status == Job.SUCCEEDED and job.result["message"] == "校验通过：可导入4人"
    assert Patient.objects.count() == 0 and ImportBatch.objects.count() == 0
    assert not JobFile.objects.filter(job=job).exists()


def test_the_same_file_is_refused_and_overlapping_rows_are_skipped(users, ledger):
    data = ledger(5)
    assert _run(users["doctor"], data).status == Job.SUCCEEDED
    with pytest.raises(errors.Conflict) as exc:
        services.start_import(users["doctor"], upload(data), "import")
    assert "已于" in exc.value.errors[0].message and "导入过" in exc.value.errors[0].message
    # the ledger again with two new rows: the five registered are skipped, the two are created
    more = _run(users["doctor"], ledger(rows=ledger.rows(5) + ledger.rows(2, start=100)))
    assert more.status == Job.SUCCEEDED
    assert more.result["message"] == "导入完成：新建2人，5人已在系统中登记（已跳过，见报告）"
    assert Patient.objects.count() == 7
    report = _report_rows(more)
    assert [r[2] for r in report] == ["已在系统中登记，本次不重复导入"] * 5
    assert ImportBatch.objects.count() == 2


def test_a_crash_mid_write_leaves_nothing_and_the_job_can_be_rerun(users, ledger, monkeypatch):
    from jingfang.followups import bulk as schedules

    original, calls = schedules.plan_new, {"n": 0}

    def crash_on_second_batch(patients, guardians, on=None):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("worker killed")
        return original(patients, guardians, on)

    monkeypatch.setattr(schedules, "plan_new", crash_on_second_batch)
    from jingfang.registry.services_bulk_write import Registrar

    # batches of 3: the crash comes after a first batch has been written
    monkeypatch.setitem(Registrar.__init__.__kwdefaults__, "batch_size", 3)
    job = _run(users["doctor"], ledger(8))
    assert job.status == Job.FAILED and job.retryable and "可重新运行" in job.error
    assert Patient.objects.count() == 0 and Guardian.objects.count() == 0 and StatusChange.objects.count() == 0
    assert ImportBatch.objects.count() == 0
    assert JobFile.objects.filter(job=job, purpose=JobFile.INPUT).exists()  # kept for the re-run
    monkeypatch.setattr(schedules, "plan_new", original)
    again = jobs.rerun(job)
    assert again.status == Job.SUCCEEDED and again.attempt == 2
    assert Patient.objects.count() == 8


def test_only_roles_that_register_patients_may_import(users, ledger):
    for role in ("cadre", "police", "office", "county", "civil", "dpf", "judicial", "admin"):
        with pytest.raises(errors.Forbidden):
            services.start_import(users[role], upload(ledger(1)), "import")
    assert Job.objects.count() == 0
    assert AuditEvent.objects.filter(action="import", outcome="denied").count() == 8


def test_a_village_doctor_imports_only_into_their_own_village(users, ledger):
    rows = ledger.rows(2)  # alternate villages 甲村 (the doctor's) and 乙村
    job = _run(users["vdoc"], ledger(rows=rows))
    assert job.status == Job.FAILED
    assert [(r[0], r[1]) for r in _report_rows(job)] == [(3, "现住址所在村（社区）区划代码")]
    assert "乙村（990102001002）不在您的辖区内" in _report_rows(job)[0][2]


def test_villages_by_name_and_sex_against_the_id(users, ledger):
    rows = ledger.rows(3)
    for r in rows:
        r.pop("现住址所在村（社区）区划代码")
    rows[0]["现住址所在村（社区）"] = "甲村"
    rows[1]["现住址所在村（社区）"] = "东镇乙村"
    rows[2]["现住址所在村（社区）"] = "丁村"  # another county's village
    rows[1]["性别"] = "女" if idnumber.parse(rows[1]["身份证号"])[2] == "M" else "男"
    headers = [h for h in rows[0] if h != "现住址所在村（社区）区划代码"] + ["现住址所在村（社区）"]
    job = _run(users["doctor"], ledger(rows=rows, headers=headers))
    problems = {(r[0], r[1]): r[2] for r in _report_rows(job)}
    assert problems[(4, "现住址所在村（社区）")] == "您的辖区内没有名为“丁村”的村（社区）"
    assert problems[(3, "性别")].startswith("性别与身份证号不符")
    assert len(problems) == 2


def test_unreadable_files_and_missing_columns_are_refused(users, ledger):
    with pytest.raises(errors.Invalid) as exc:
        services.start_import(users["doctor"], upload(b"name,id\n", "list.csv"), "import")
    assert "只接受 Excel .xlsx 文件" in exc.value.errors[0].message
    job = _run(users["doctor"], ledger(rows=[{"姓名": "王建国", "本人电话": "13800001234"}], headers=["姓名", "本人电话"]))
    assert job.status == Job.FAILED and "缺少必填的列" in job.error and "身份证号" in job.error


def test_template_has_every_column_and_imports_as_is(users, client, settings):
    settings.JINGFANG_TOTP_ENFORCE = False
    client.force_login(users["doctor"])
    response = client.get("/imports/template.xlsx")
    assert response.status_code == 200
    wb = load_workbook(io.BytesIO(response.content))
    header = [c.value for c in wb["患者台账"][1]]
    assert header[:3] == ["姓名*", "性别", "身份证号*"] and "目前诊断*" in header
    assert wb["患者台账"]["C2"].number_format == "@"  # ID numbers kept as text
    # the example row (fictional village 990102001001 = the test tree's 甲村) imports
    job = _run(users["doctor"], response.content)
    assert job.status == Job.SUCCEEDED, (job.error, job.result)
    assert Patient.objects.get().name == "王建国"
