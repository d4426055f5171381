"""The ledger import as a background job: read → check every row → (all rows good) write all.

- The sheet is read in a child process and handed over a part at a time (``ledger.reading``); each
  part is checked as it arrives and, when importing, written at once, inside the one transaction, while
  the next part is read and the server stores the previous one.
- Any problem (an unreadable cell, a bad ID checksum, an unknown village or one outside the
  uploader's jurisdiction, a diagnosis outside the six, a duplicate within the file) means nothing
  is written: writing stops at the first problem, the rest is still checked so that the report names
  every row and column, and the transaction is rolled back. The job fails with that report,
  downloadable as xlsx.
- Rows whose ID number is already registered are skipped and listed through the one gate
  (``registry.disclosure``): "已在系统中登记" (never where) inside the jurisdiction or for a doctor
  within the daily quota, else "需县级核实"; re-running a file therefore creates no duplicates. Checking
  only spends the quota on every number; a failed import lists no skipped rows (its transaction, and
  the quota it spent, are rolled back, so it must not have told anything).
- The write is one transaction: the ImportBatch row (unique file hash), the patients with guardians
  and first status, their schedules, and the audit row commit together or not at all. A worker
  killed mid-way leaves nothing; the job is then shown as failed and may be re-run.
"""

from django.db import connection, transaction

from jingfang.core import errors, uploads, xlsx
from jingfang.jobs import services as jobs
from jingfang.jobs.kinds import JobFailed
from jingfang.jobs.models import Job, JobFile
from jingfang.registry.services_bulk import UNVERIFIED, Checker
from jingfang.registry.services_bulk_write import Registrar, id_ranges

from . import ledger, sheets
from .models import ImportBatch
from .services import CHECK

PREVIEW = 50
CHECKING, IMPORTING, WRITING = "正在读取并逐行校验", "正在读取、校验并写入数据库", "正在写入数据库"


class _Refused(Exception):
    """Leaves the write transaction (rolled back) when the file has a problem or no data rows."""


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
    importing = params.get("mode") != CHECK
    try:
        checker = Checker(actor, keep=not (importing and _interleaved()), lookup=not importing)
    except errors.Forbidden as exc:
        jobs.drop_file(job, JobFile.INPUT)
        raise JobFailed(str(exc)) from None
    done = None
    try:
        with ledger.reading(data, actor) as reader:
            if importing:
                done = _check_and_write(job, actor, reader, checker, report)
            else:
                report.phase(CHECKING, total=reader.expected)
                for part in reader:
                    checker.add(part)
                    _progress(report, checker.rows, reader.expected)
            sheet = reader.sheet
    except uploads.UploadRejected as exc:
        jobs.drop_file(job, JobFile.INPUT)
        raise JobFailed(str(exc)) from None
    except ledger.ReaderFailed as exc:  # not the file's fault: the input is kept for a re-run
        raise JobFailed(f"{exc}，未导入任何数据；可重新运行", retryable=True) from None
    except _Refused:
        sheet = reader.sheet
    if not (importing and _interleaved()) or done is not None:  # what the gate told is kept: audit it
        checker.record_disclosures()
    if not sheet.rows:
        jobs.drop_file(job, JobFile.INPUT)
        raise JobFailed("表中没有数据行（表头下面是空的）")
    checked = checker.checked
    problems = ledger.problem_rows(sheet, checked.problems)
    skipped = [] if importing and problems else checked.skipped
    registered, unverified = _split(skipped)
    summary = [["数据行数", sheet.rows], ["有错误的行", len({p[0] for p in problems})],
               ["已在系统中登记（跳过）", registered]]
    if unverified:
        summary.append(["需县级核实（未导入）", unverified])
    if sheet.ignored:
        summary.append(["未识别的列（已忽略）", "、".join(sheet.ignored)[:200]])
    if problems or skipped:
        who = actor.get_full_name() or actor.get_username()
        jobs.attach(job, JobFile.REPORT, "台账校验报告.xlsx", xlsx.XLSX_TYPE,
                    sheets.report(problems, skipped, who))
    result = {"summary": summary, "problems": len(problems), "skipped": len(skipped), "rows": sheet.rows}
    if problems:
        result["table"] = {
            "title": "校验发现的问题", "headers": ["行号", "列", "问题"],
            "rows": [list(p) for p in problems[:PREVIEW]], "more": max(0, len(problems) - PREVIEW),
        }
    jobs.drop_file(job, JobFile.INPUT)
    if not importing:
        if problems:
            result["message"] = f"校验完成：发现{len(problems)}处问题，请下载校验报告修改"
        else:
            result["message"] = f"校验通过：可导入{len(checked.patients)}人" + _skipped_note(skipped)
        summary.insert(1, ["可导入人数", len(checked.patients)])
        return result
    if problems:
        rows = len({p[0] for p in problems})
        raise JobFailed(
            f"发现{len(problems)}处问题（涉及{rows}行）。按“存在错误行时全部不导入”，本次未导入任何数据；"
            "请下载校验报告，修改后重新上传。", result=result,
        )
    summary.insert(1, ["新建档案", done.created])
    result["created"] = done.created
    result["message"] = f"导入完成：新建{done.created}人" + (
        f"，{registered}人已在系统中登记（已跳过，见报告）" if registered else ""
    ) + (f"，{unverified}人需县级核实（未导入，见报告）" if unverified else "")
    return result


def _split(skipped: list) -> tuple[int, int]:
    """(already registered, 需县级核实) among the skipped rows."""
    unverified = sum(1 for _, message in skipped if message == UNVERIFIED)
    return len(skipped) - unverified, unverified


def _skipped_note(skipped: list) -> str:
    registered, unverified = _split(skipped)
    return (f"；另有{registered}人已在系统中登记，将跳过" if registered else "") + (
        f"；{unverified}人需县级核实，本次不导入" if unverified else "")


def _progress(report, rows: int, expected: int | None) -> None:
    """Rows done of the rows the sheet has (an estimate, known once the reader has seen the sheet)."""
    report(rows, max(rows, expected) if expected else None)


def _interleaved() -> bool:
    """Check and write together on PostgreSQL. SQLite has one writer at a time: the file is checked
    first, so that everybody else's saves wait only while it is written."""
    return connection.vendor == "postgresql"


def _clean(reader, checker) -> bool:
    return not (checker.checked.problems or reader.sheet.problems)


def _check_and_write(job: Job, actor, reader, checker: Checker, report):
    """Inside one transaction: each part checked, then written while the file is clean so far (or, on
    SQLite, every part checked first). Raises _Refused (nothing written, or everything rolled back) if
    any row has a problem or there are no data rows."""
    params = job.params or {}
    interleaved = _interleaved()
    report.phase(IMPORTING if interleaved else CHECKING, total=reader.expected)
    if not interleaved:
        for part in reader:
            checker.add(part)
            _progress(report, checker.rows, reader.expected)
        if not (_clean(reader, checker) and reader.sheet.rows):
            raise _Refused
        report.phase(WRITING, total=len(checker.checked.patients))
    with report.writing(), transaction.atomic():
        if ImportBatch.objects.filter(sha256=params["sha256"]).exists():
            raise JobFailed("这个文件已经导入过，不会重复导入")
        batch = ImportBatch.objects.create(
            job=job, sha256=params["sha256"], filename=params.get("filename", "")[:200], uploaded_by=actor,
            region_code=actor.region_id, rows=0,
        )
        try:
            total = None if interleaved else len(checker.checked.patients)
            with Registrar(actor, progress=None if interleaved else report, total=total) as registrar:
                if not interleaved:
                    registrar.add(checker.checked, more=False)
                for part in reader if interleaved else ():
                    checked = checker.add(part)
                    if _clean(reader, checker):
                        registrar.add(checked)
                    _progress(report, checker.rows, reader.expected)
                if not (_clean(reader, checker) and reader.sheet.rows):
                    raise _Refused
            done = registrar.finish()
        except errors.ServiceError as exc:
            raise JobFailed(str(exc.errors[0].message), retryable=True) from None
        ImportBatch.objects.filter(pk=batch.pk).update(
            rows=reader.sheet.rows, created_count=done.created, skipped_count=done.skipped,
            patient_ranges=id_ranges(done.ids)[:1000],
        )
        if not Job.objects.filter(pk=job.pk, attempt=job.attempt).exists():
            raise JobFailed("任务已被重新提交，本次运行放弃写入")
    report(checker.rows, checker.rows, force=True)
    return done
