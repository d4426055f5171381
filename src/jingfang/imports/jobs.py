"""The ledger import as a background job: read → check every row → (all rows good) write all.

- Reading and checking happen outside any transaction, reporting progress row by row.
- Any problem (an unreadable cell, a bad ID checksum, an unknown village or one outside the
  uploader's jurisdiction, a diagnosis outside the six, a duplicate within the file) means nothing
  is written: the job fails with a report naming row and column, downloadable as xlsx.
- Rows whose ID number is already registered (anywhere) are skipped and listed ("已在系统中登记",
  never where); re-running a file therefore creates no duplicates.
- The write is one transaction: the ImportBatch row (unique file hash), the patients with guardians
  and first status, their schedules, and the audit row commit together or not at all. A worker
  killed mid-way leaves nothing; the job is then shown as failed and may be re-run.
"""

from django.db import transaction

from jingfang.core import errors, uploads, xlsx
from jingfang.jobs import services as jobs
from jingfang.jobs.kinds import JobFailed
from jingfang.jobs.models import Job, JobFile
from jingfang.registry.services import bulk_register_patients, check_registrations
from jingfang.registry.services_bulk import id_ranges

from . import ledger, sheets
from .models import ImportBatch
from .services import CHECK

PREVIEW = 50


def _actor(job: Job):
    actor = job.owner
    if actor is None or not actor.is_active:
        raise JobFailed("发起导入的账号已停用或删除，未导入任何数据")
    return actor


def run_import(job: Job, report) -> dict:
    actor = _actor(job)
    params = job.params or {}
    data = jobs.file_bytes(job, JobFile.INPUT)
    if data is None:
        raise JobFailed("上传的文件已不在（可能已过保留期），请重新上传")
    report.phase("正在读取文件")
    try:
        sheet = ledger.read(data, actor, progress=lambda n: report(n))
    except uploads.UploadRejected as exc:
        jobs.drop_file(job, JobFile.INPUT)
        raise JobFailed(str(exc)) from None
    if not sheet.registrations:
        jobs.drop_file(job, JobFile.INPUT)
        raise JobFailed("表中没有数据行（表头下面是空的）")
    report.phase("正在逐行校验", total=len(sheet.registrations))
    try:
        checked = check_registrations(actor, sheet.registrations, progress=report)
    except errors.Forbidden as exc:
        jobs.drop_file(job, JobFile.INPUT)
        raise JobFailed(str(exc)) from None
    sheet.registrations = []  # the checked patients hold what is needed now (memory, at 100,000 rows)
    problems = ledger.problem_rows(sheet, checked.problems)
    summary = [["数据行数", sheet.rows], ["有错误的行", len({p[0] for p in problems})],
               ["已在系统中登记（跳过）", len(checked.skipped)]]
    if sheet.ignored:
        summary.append(["未识别的列（已忽略）", "、".join(sheet.ignored)[:200]])
    if problems or checked.skipped:
        who = actor.get_full_name() or actor.get_username()
        jobs.attach(job, JobFile.REPORT, "台账校验报告.xlsx", xlsx.XLSX_TYPE,
                    sheets.report(problems, checked.skipped, who))
    result = {"summary": summary, "problems": len(problems), "skipped": len(checked.skipped), "rows": sheet.rows}
    if problems:
        result["table"] = {
            "title": "校验发现的问题", "headers": ["行号", "列", "问题"],
            "rows": [list(p) for p in problems[:PREVIEW]], "more": max(0, len(problems) - PREVIEW),
        }
    if params.get("mode") == CHECK or problems:
        jobs.drop_file(job, JobFile.INPUT)
    if params.get("mode") == CHECK:
        if problems:
            result["message"] = f"校验完成：发现{len(problems)}处问题，请下载校验报告修改"
        else:
            result["message"] = f"校验通过：可导入{len(checked.patients)}人" + _skipped_note(checked)
        summary.insert(1, ["可导入人数", len(checked.patients)])
        return result
    if problems:
        rows = len({p[0] for p in problems})
        raise JobFailed(
            f"发现{len(problems)}处问题（涉及{rows}行）。按“存在错误行时全部不导入”，本次未导入任何数据；"
            "请下载校验报告，修改后重新上传。", result=result,
        )
    return _write(job, actor, sheet, checked, result, report)


def _skipped_note(checked) -> str:
    return f"；另有{len(checked.skipped)}人已在系统中登记，将跳过" if checked.skipped else ""


def _write(job: Job, actor, sheet, checked, result: dict, report) -> dict:
    params = job.params or {}
    report.phase("正在写入数据库", total=len(checked.patients))
    with report.writing(), transaction.atomic():
        if ImportBatch.objects.filter(sha256=params["sha256"]).exists():
            raise JobFailed("这个文件已经导入过，不会重复导入")
        batch = ImportBatch.objects.create(
            job=job, sha256=params["sha256"], filename=params.get("filename", "")[:200], uploaded_by=actor,
            region_code=actor.region_id, rows=sheet.rows,
        )
        try:
            done = bulk_register_patients(actor, checked, progress=report)
        except errors.ServiceError as exc:
            raise JobFailed(str(exc.errors[0].message), retryable=True) from None
        ImportBatch.objects.filter(pk=batch.pk).update(
            created_count=done.created, skipped_count=done.skipped, patient_ranges=id_ranges(done.ids)[:1000]
        )
        if not Job.objects.filter(pk=job.pk, attempt=job.attempt).exists():
            raise JobFailed("任务已被重新提交，本次运行放弃写入")
    jobs.drop_file(job, JobFile.INPUT)
    result["summary"].insert(1, ["新建档案", done.created])
    result["created"] = done.created
    result["message"] = f"导入完成：新建{done.created}人" + (
        f"，{done.skipped}人已在系统中登记（已跳过，见报告）" if done.skipped else ""
    )
    return result
