"""Reading a ledger in a child process, a part at a time (ledger.reading), and the import that checks
and writes each part as it arrives: the same sheet as reading it at once, problems in any part still
mean nothing is written, and a reader that dies fails the job instead of importing half a file."""

import os

import pytest

from jingfang.core import uploads
from jingfang.imports import ledger as ledgers
from jingfang.imports import services
from jingfang.imports.models import ImportBatch
from jingfang.jobs.models import Job
from jingfang.registry.models import Patient
from jingfang.registry.services_bulk import Checker, Registration

from .conftest import upload

pytestmark = pytest.mark.django_db


def _read_in_parts(data, actor, size) -> tuple[ledgers.Sheet, list[list], set]:
    pids = set()
    with ledgers.reading(data, actor, size=size) as reader:
        assert reader.expected is None  # written row by row (openpyxl write-only): no declared size...
        parts = list(reader)
        assert reader.expected == 7  # ...so the first pass counted the rows (8, less the header)
        pids.add(getattr(getattr(reader, "_process", None), "pid", None))
        return reader.sheet, parts, pids


def _sample(ledger_fixture) -> bytes:
    rows = ledger_fixture.rows(7)
    rows[1]["确诊日期"] = "2015-13-01"  # an unreadable cell (row 3)
    rows[4]["性别"] = "女" if rows[4]["性别"] == "男" else "男"  # sex against the ID (row 6)
    for r in rows[1::2]:  # the others leave it blank: the residence's (rows 2, 4, 6, 8)
        r["户籍地区划代码"] = r["现住址所在村（社区）区划代码"]
    return ledger_fixture(rows=rows, headers=[*rows[1], "备注栏"])


@pytest.mark.parametrize("child", [True, False], ids=["child process", "this process"])
def test_reading_in_parts_gives_what_reading_at_once_gives(users, ledger, settings, child):
    settings.JINGFANG_IMPORT_READ_PROCESS = child
    data = _sample(ledger)
    whole = ledgers.read(data, users["doctor"])
    sheet, parts, pids = _read_in_parts(data, users["doctor"], size=3)
    assert [len(p) for p in parts] == [3, 3, 1]
    assert [r for p in parts for r in p] == whole.registrations
    assert sheet.problems == whole.problems and len(whole.problems) == 2
    assert sheet.same_household == whole.same_household == {2, 4, 6, 8}
    assert (sheet.headers, sheet.ignored, sheet.rows) == (whole.headers, whole.ignored, 7)
    assert sheet.ignored == ["备注栏"]
    assert (pids != {None}) is child and os.getpid() not in pids


def test_the_child_reports_a_rejected_file_as_the_file_s_fault(users, ledger):
    data = ledger(rows=[{"姓名": "王建国", "本人电话": "13800001234"}], headers=["姓名", "本人电话"])
    with pytest.raises(uploads.UploadRejected, match="缺少必填的列"), ledgers.reading(data, users["doctor"]) as reader:
        list(reader)


def _die(*args, **kwargs):
    os._exit(9)  # as if the child were killed (out of memory, say)


def _fail(*args, **kwargs):
    raise ValueError("a bug in the reader")


@pytest.mark.parametrize(("fault", "error"), [(_die, "读取文件的子进程意外退出"), (_fail, "读取文件的子进程出错")],
                         ids=["killed", "bug"])
def test_a_reader_that_dies_fails_the_job_and_writes_nothing(users, ledger, monkeypatch, settings, fault, error):
    settings.JINGFANG_IMPORT_READ_PROCESS = True  # the child dies, not this process
    monkeypatch.setattr(ledgers, "_parts", fault)
    job = services.start_import(users["doctor"], upload(ledger(5)), services.IMPORT)
    job.refresh_from_db()
    assert job.status == Job.FAILED and job.retryable
    assert job.error == f"{error}，未导入任何数据；可重新运行"  # no traceback shown to the uploader
    assert Patient.objects.count() == 0 and ImportBatch.objects.count() == 0


@pytest.mark.parametrize("interleaved", [True, False], ids=["checked and written together", "checked first"])
def test_a_problem_in_a_late_part_means_nothing_is_written(users, ledger, monkeypatch, interleaved):
    """PostgreSQL writes each part as it is checked; SQLite (one writer at a time) checks them all
    first. Either way, on either database, a late problem leaves nothing."""
    from jingfang.imports import jobs as import_jobs

    monkeypatch.setattr(import_jobs, "_interleaved", lambda: interleaved)
    monkeypatch.setattr(ledgers, "PART", 2)  # parts of 2 rows: the first parts are written before row 9
    rows = ledger.rows(9)
    rows[7]["目前诊断"] = "抑郁症"  # sheet row 9, in the fourth part
    job = services.start_import(users["doctor"], upload(ledger(rows=rows)), services.IMPORT)
    job.refresh_from_db()
    assert job.status == Job.FAILED and "未导入任何数据" in job.error
    assert Patient.objects.count() == 0 and ImportBatch.objects.count() == 0
    assert [r[:2] for r in job.result["table"]["rows"]] == [[9, "目前诊断"]]
    rows[7]["目前诊断"] = rows[0]["目前诊断"]
    again = services.start_import(users["doctor"], upload(ledger(rows=rows)), services.IMPORT)
    again.refresh_from_db()
    assert again.status == Job.SUCCEEDED, again.error
    assert Patient.objects.count() == 9 and ImportBatch.objects.get().rows == 9


def test_checking_in_parts_remembers_numbers_and_regions_across_parts(users, ledger, django_assert_max_num_queries):
    rows = ledger.rows(4)
    rows[3]["身份证号"] = rows[0]["身份证号"]
    sheet = ledgers.read(ledger(rows=rows), users["doctor"])
    regs = sheet.registrations
    checker = Checker(users["doctor"], keep=False)
    first = checker.add(regs[:2])
    assert len(first.patients) == 2 and not first.problems
    with django_assert_max_num_queries(1):  # the numbers' lookup only: the villages are known already
        second = checker.add(regs[2:])
    assert [(p.line, p.field) for p in second.problems] == [(5, "id_number")]
    assert second.problems[0].message == "与第2行的身份证号重复"
    assert checker.rows == 4 and checker.checked.patients == [] and len(checker.checked.problems) == 1


def test_a_part_with_an_unknown_region_asks_for_it_once(users, django_assert_num_queries):
    checker = Checker(users["doctor"])
    bad = [Registration(2, {"region_code": "990102001099", "household_region_code": "990102001099"})]
    checker.add(bad)
    with django_assert_num_queries(0):  # not found before: not asked again (and nothing valid to look up)
        checker.add([Registration(3, dict(bad[0].data))])
    assert {p.message for p in checker.checked.problems if p.field == "region_code"} == {"区划代码990102001099不存在"}


def test_the_declared_last_row_gives_the_progress_bar_its_total(users):
    import io

    from openpyxl import Workbook

    from jingfang.imports import fastsheet, synthetic

    rows = synthetic.rows(3, ["990102001001"])
    book = Workbook()  # as Excel and WPS save: <dimension ref="A1:..4"/> near the top of the sheet
    book.active.append(list(rows[0]))
    for row in rows:
        book.active.append(list(row.values()))
    out = io.BytesIO()
    book.save(out)
    assert fastsheet.last_row(out.getvalue()) == 4
    with ledgers.reading(out.getvalue(), users["doctor"]) as reader:
        assert reader.expected == 3
        assert sum(len(part) for part in reader) == 3
    assert fastsheet.last_row(synthetic.workbook(rows)) is None  # write-only: not declared
    counted = []
    list(fastsheet.rows(synthetic.workbook(rows), max_rows=10, max_cols=60, on_count=counted.append))
    assert counted == [4]  # but counted by the first pass
    assert fastsheet.last_row(b"not a zip") is None
