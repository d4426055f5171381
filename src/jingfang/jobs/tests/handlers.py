"""Job handlers used by the tests (registered by conftest)."""

from django.db import transaction

from jingfang.jobs.kinds import JobFailed
from jingfang.jobs.models import Job


def count(job, report):
    n = job.params.get("n", 5)
    report.phase("数数", total=n)
    for i in range(1, n + 1):
        report(i)
    return {"message": f"数到{n}", "summary": [["个数", n]]}


def fail(job, report):
    raise JobFailed("输入有误：第3行", result={"summary": [["错误", 1]]})


def crash(job, report):
    raise RuntimeError("boom")


def write_then_crash(job, report):
    """Writes inside one transaction, then dies: nothing it wrote may remain."""
    report.phase("写入", total=2)
    with report.writing(), transaction.atomic():
        Job.objects.create(kind="count", title="中途写入的行")
        report(1, force=True)
        raise RuntimeError("killed mid-write")
