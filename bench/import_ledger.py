"""Throughput of the patient-ledger import (jingfang.imports), end to end: read the xlsx, check every
row, write patients, guardians, first status rows, due items and the audit row in one transaction.

    .venv/bin/python -m bench.import_ledger [--rows 10000] [--database-url URL]

Default database: a fresh SQLite file in a temporary directory. With --database-url (PostgreSQL), the
database is used as is (migrated first); its fictional county 990199 is removed and recreated. Runs the
job with the immediate backend (no worker) and prints rows per second for each phase and overall.
"""

import argparse
import os
import sys
import tempfile
import time


def setup(url: str | None) -> None:
    # one var directory (SQLite file, development keys) per database, kept between runs
    import hashlib

    var = os.path.join(tempfile.gettempdir(), "jf-import-bench-" + hashlib.sha1((url or "sqlite").encode()).hexdigest()[:8])
    if not url and os.path.exists(os.path.join(var, "jingfang.sqlite3")):
        os.remove(os.path.join(var, "jingfang.sqlite3"))  # SQLite: start from an empty file
    os.environ["JINGFANG_VAR_DIR"] = var
    os.environ.pop("JINGFANG_DEBUG", None)
    os.environ["JINGFANG_DEV_KEYS"] = "1"
    os.environ["JINGFANG_TASKS_BACKEND"] = "immediate"
    if url:
        os.environ["DATABASE_URL"] = url
    else:
        os.environ.pop("DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jingfang.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


COUNTY = "990199000000"


def county(villages_per_township: int = 20, townships: int = 10):
    """The fictional county 990199 with its villages (created once) and an importer at county level;
    patients left there by an earlier run are removed."""
    from jingfang.accounts.models import User
    from jingfang.regions import codes
    from jingfang.regions.models import Region
    from jingfang.registry.models import Patient

    Patient.objects.filter(region_id__gte="990199000000", region_id__lte="990199999999").delete()
    for code, name, parent in (("990000000000", "测试省", None), ("990100000000", "测试市", "990000000000"),
                               (COUNTY, "基准导入县", "990100000000")):
        Region.objects.get_or_create(code=code, defaults={"name": name, "level": codes.level_of(code), "parent_id": parent})
    villages = []
    for t in range(1, townships + 1):
        tcode = f"990199{t:03d}000"
        Region.objects.get_or_create(code=tcode, defaults={"name": f"第{t}镇", "level": codes.TOWNSHIP,
                                                           "parent_id": COUNTY})
        for v in range(1, villages_per_township + 1):
            vcode = f"990199{t:03d}{v:03d}"
            Region.objects.get_or_create(code=vcode, defaults={"name": f"第{t}镇{v}村", "level": codes.VILLAGE,
                                                               "parent_id": tcode})
            villages.append(vcode)
    user = User.objects.filter(username="bench_importer").first() or User.objects.create_user(
        username="bench_importer", password="Bench@2026x", role="township_doctor", region_id=COUNTY)
    return user, villages


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args(argv)
    setup(args.database_url)
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.db import connection

    from jingfang.imports import services, synthetic
    from jingfang.jobs.models import Job
    from jingfang.registry.models import Patient

    user, villages = county()
    started = time.perf_counter()
    data = synthetic.workbook(synthetic.rows(args.rows, villages, seed=7))
    print(f"generated {args.rows} rows ({len(data) / 1e6:.1f} MB) in {time.perf_counter() - started:.1f}s")
    phases: dict[str, float] = {}
    cpu_marks: dict[str, float] = {}
    from jingfang.jobs import progress

    original = progress.Reporter._write

    def timed(self):
        if self.message not in phases:
            phases[self.message] = time.perf_counter()
            cpu_marks[self.message] = time.process_time()
        original(self)

    progress.Reporter._write = timed
    t0, c0 = time.perf_counter(), time.process_time()
    job = services.start_import(user, SimpleUploadedFile("bench.xlsx", data), services.IMPORT)
    elapsed, cpu = time.perf_counter() - t0, time.process_time() - c0
    job.refresh_from_db()
    created = Patient.objects.filter(region_id__gte="990199000000", region_id__lte="990199999999").count()
    print(f"database: {connection.vendor}; job {job.status}: {job.result.get('message') or job.error}")
    marks = sorted(phases.items(), key=lambda kv: kv[1]) + [("end", t0 + elapsed)]
    cpus = [cpu_marks.get(name, c0 + cpu) for name, _ in marks[:-1]] + [c0 + cpu]
    for i, ((name, at), (_, nxt)) in enumerate(zip(marks, marks[1:], strict=False)):
        print(f"  {name:<12} {nxt - at:6.2f}s {args.rows / max(nxt - at, 1e-9):8.0f} rows/s"
              f"   CPU {cpus[i + 1] - cpus[i]:6.2f}s")
    print(f"total {elapsed:.2f}s, {args.rows / elapsed:.0f} rows/s (this process's CPU: {cpu:.2f}s, "
          f"{args.rows / cpu:.0f} rows per CPU-second; load average {os.getloadavg()[0]:.1f}); "
          f"patients created: {created}")
    return 0 if job.status == Job.SUCCEEDED and created == args.rows else 1


if __name__ == "__main__":
    sys.exit(main())
