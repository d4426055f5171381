"""Benchmark harness entry point (not part of `make test`).

    .venv/bin/python -m bench build   [--patients N] [--counties C]  # recreate jingfang_bench and load it
    .venv/bin/python -m bench measure [--repeat R] [--only a,b]      # time the pages/services vs raw SQL
    .venv/bin/python -m bench all     [--patients N]                 # both (what `make bench` runs)

The database is BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/jingfang_bench); its
name must start with jingfang_bench because `build` drops and recreates it. Results are written
as JSON and Markdown under bench/out/.
"""

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

DEFAULT_DSN = "postgres://postgres@127.0.0.1:5432/jingfang_bench"
OUT = Path(__file__).resolve().parent / "out"


def setup(dsn: str) -> None:
    os.environ["DATABASE_URL"] = dsn
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jingfang.settings")
    os.environ.setdefault("JINGFANG_VAR_DIR", str(OUT / "var"))
    os.environ.pop("JINGFANG_DEBUG", None)  # production-like: debug off
    import django

    django.setup()
    _ensure_keys()


def _ensure_keys() -> None:
    """Encryption keys for the synthetic data: the configured ones, else a key file generated once in
    the bench's var directory (marked as development keys; shared by the loader, the measurements and
    the gunicorn of the load test)."""
    from django.conf import settings

    try:
        from jingfang.core import crypto
    except ImportError:
        return
    if settings.JINGFANG_FIELD_KEYS or settings.JINGFANG_KEY_FILE or crypto.default_key_file().exists():
        return
    crypto.write_dev_key_file(crypto.default_key_file())


def machine() -> dict:
    info = {"python": platform.python_version(), "cpus": os.cpu_count(), "platform": platform.platform()}
    try:
        info["cpu"] = next(line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                           if line.startswith("model name"))
        mem = next(line for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal"))
        info["ram_gb"] = round(int(mem.split()[1]) / 1024 / 1024, 1)
    except (OSError, StopIteration):
        pass
    info["load_avg"] = [round(x, 2) for x in os.getloadavg()]
    return info


def write(name: str, data: dict) -> Path:
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / name
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2, default=str))
    return path


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["build", "measure", "all"])
    parser.add_argument("--patients", type=int, default=int(os.environ.get("BENCH_PATIENTS", 1_000_000)))
    parser.add_argument("--counties", type=int, default=100,
                        help="counties (10 per city); a small run with few counties keeps each county full-size")
    parser.add_argument("--workers", type=int, default=None, help="generator processes (default: CPU count)")
    parser.add_argument("--repeat", type=int, default=int(os.environ.get("BENCH_REPEAT", 20)))
    parser.add_argument("--only", default="", help="comma-separated measurement names")
    parser.add_argument("--import-rows", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=97)
    args = parser.parse_args(argv)
    dsn = os.environ.get("BENCH_DATABASE_URL", DEFAULT_DSN)
    setup(dsn)

    from . import tree

    if args.command in ("build", "all"):
        from .dataset import build

        per_city = min(10, args.counties)
        shape = tree.Shape(cities=-(-args.counties // per_city), counties_per_city=per_city)
        result = build(dsn, args.patients, shape, seed=args.seed, workers=args.workers)
        result["machine"] = machine()
        print(f"wrote {write('build.json', result)}")
    if args.command in ("measure", "all"):
        from .measure import run

        started = time.time()
        results = run(repeat=args.repeat, only=[s for s in args.only.split(",") if s],
                      import_rows=args.import_rows)
        report = {"machine": machine(), "started": started, "results": results}
        path = write("measure.json", report)
        from .report import markdown

        md = markdown(report)
        (OUT / "measure.md").write_text(md)
        print(md)
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
