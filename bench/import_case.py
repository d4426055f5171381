"""xlsx import of a patient ledger (jingfang.imports), through its service function.

The ledger (``imports.synthetic``: Faker names, valid-checksum ID numbers with the fictional area code
990102, the template's columns) is built before the clock starts. The timed call is what an upload
sets going: ``imports.services.start_import`` (file checks, job row) and the job itself
(``jobs.runner.execute``: the sheet read in a child process, each part checked and written as it arrives,
in one transaction), run here and
now instead of in `jingfang worker`. It runs once (each run registers the rows for good).
"""

import random
import time

from . import tree


def cases(world, rows: int) -> list:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from jingfang.accounts.models import User
    from jingfang.imports import services, synthetic
    from jingfang.jobs import runner
    from jingfang.jobs.models import Job
    from jingfang.regions.models import Region

    from .measure import Case

    # A township none of the other measurements samples: it ends up with 100,000 more patients.
    township = (Region.objects.filter(level=4, code__startswith="97").exclude(code__in=world.townships).order_by("-code")
                .values_list("code", flat=True).first())
    if township is None:  # a small data set whose every township is sampled: no import measurement
        return []
    actor = User.objects.get(username=tree.township_doctor(township))
    villages = list(Region.objects.filter(parent_id=township).values_list("code", flat=True))
    state: dict = {}

    def prepare() -> None:
        t0 = time.monotonic()
        start = random.randrange(1, 5000) * 100_000  # new people on every run of the bench
        state["file"] = synthetic.workbook(synthetic.rows(rows, villages, seed=start, start=start))
        state["built"] = round(time.monotonic() - t0, 1)

    def call(i: int) -> None:
        if i < 0:  # no warm-up: an import writes for good
            prepare()
            return
        upload = SimpleUploadedFile("台账.xlsx", state["file"])
        job = services.start_import(actor, upload, services.IMPORT)
        if job.status == Job.QUEUED:  # the database backend queued it: run it as the worker would
            runner.execute(job.pk)
        job.refresh_from_db()
        state["job"] = job
        if job.status != Job.SUCCEEDED or job.result.get("created") != rows:
            raise RuntimeError(f"import ended {job.status}: {job.error or job.result.get('message')}")

    def extra(result: dict) -> list[str]:
        per_second = rows / (result["p50_ms"] / 1000)
        result["rows_per_second"] = round(per_second)
        return [f"{rows:,} rows in {result['p50_ms'] / 1000:.1f} s = {per_second:,.0f} rows/s "
                f"(ledger built beforehand in {state.get('built')} s, {len(state.get('file', b'')) / 1e6:.1f} MB)"]

    return [Case("import_100k", f"台账导入 xlsx（{rows:,}名患者，乡镇精防人员）", "≥3,000 行/秒", call, None, 1,
                 lambda r: rows / (r["p50_ms"] / 1000) >= 3000, extra=extra)]
