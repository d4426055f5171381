"""Load test: gunicorn (2 workers) on the bench database, driven by locust (headless) from the same
machine, with the CPU time of gunicorn, locust and PostgreSQL sampled from /proc so the report says
who used the cores.

    .venv/bin/pip install -r bench/requirements.txt
    .venv/bin/python -m bench.loadtest [--users 120] [--run-time 5m] [--threads 4]

Settings are production-like: debug off, a random secret key, DEBUG-only conveniences off; cookies
without the Secure flag (JINGFANG_SECURE_COOKIES=0) because the test talks plain HTTP on localhost.
Results: bench/out/loadtest_stats.csv (locust) and bench/out/loadtest.json / loadtest.md.
"""

import argparse
import csv
import json
import os
import random
import secrets
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
BIN = Path(sys.executable).parent


def cpu_seconds(pids: list[int]) -> float:
    total = 0.0
    tick = os.sysconf("SC_CLK_TCK")
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / tick  # utime + stime
        except (OSError, IndexError):
            pass
    return total


def children(pid: int) -> list[int]:
    out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()
    return [pid, *[int(p) for p in out]]


def wait_up(url: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2)  # noqa: S310 - localhost
            return
        except Exception:  # noqa: BLE001 - not up yet
            time.sleep(0.5)
    raise SystemExit(f"gunicorn did not answer at {url}")


def townships(dsn: str, count: int) -> list[str]:
    import psycopg

    with psycopg.connect(dsn) as conn:
        codes = [r[0] for r in conn.execute("SELECT code FROM regions_region WHERE level = 4 ORDER BY code")]
    return random.Random(11).sample(codes, min(count, len(codes)))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=120)
    parser.add_argument("--spawn-rate", type=float, default=4)
    parser.add_argument("--run-time", default="5m")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4, help="gunicorn threads per worker (1: sync workers)")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--townships", type=int, default=60)
    parser.add_argument("--wait", default="0.5,1.5",
                        help="think time of each user between actions, 'min,max' seconds (0,0: as fast as answered)")
    args = parser.parse_args(argv)
    dsn = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/jingfang_bench")
    OUT.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "DATABASE_URL": dsn, "JINGFANG_SECRET_KEY": secrets.token_urlsafe(50),
           "JINGFANG_ALLOWED_HOSTS": "127.0.0.1,localhost", "JINGFANG_SECURE_COOKIES": "0",
           "JINGFANG_VAR_DIR": str(OUT / "var"), "JINGFANG_LOG_LEVEL": "WARNING", "PYTHONPATH": str(ROOT)}
    env.pop("JINGFANG_DEBUG", None)
    subprocess.run([BIN / "jingfang", "migrate", "--noinput", "-v", "0"], env=env, check=True, cwd=ROOT)
    worker_class = ["--threads", str(args.threads)] if args.threads > 1 else []
    gunicorn = subprocess.Popen(
        [BIN / "gunicorn", "jingfang.wsgi", "-w", str(args.workers), *worker_class, "-b", f"127.0.0.1:{args.port}",
         "--access-logfile", "-", "--error-logfile", str(OUT / "gunicorn.err")],
        env=env, cwd=ROOT, stdout=subprocess.DEVNULL, start_new_session=True)
    report: dict = {"args": vars(args)}
    try:
        wait_up(f"http://127.0.0.1:{args.port}/accounts/login/")
        env["LOAD_TOWNSHIPS"] = ",".join(townships(dsn, args.townships))
        env["LOAD_WAIT"] = args.wait
        before = {"gunicorn": cpu_seconds(children(gunicorn.pid))}
        own = os.times()
        locust = subprocess.Popen(
            [BIN / "locust", "-f", str(ROOT / "bench" / "locustfile.py"), "--headless", "--host",
             f"http://127.0.0.1:{args.port}", "--users", str(args.users), "--spawn-rate", str(args.spawn_rate),
             "--run-time", args.run_time, "--reset-stats", "--csv", str(OUT / "loadtest"), "--only-summary"],
            env=env, cwd=ROOT, stdout=open(OUT / "locust.log", "w"), stderr=subprocess.STDOUT)  # noqa: SIM115
        t0 = time.monotonic()
        health = HealthProbe(f"http://127.0.0.1:{args.port}/healthz")
        health.start()
        locust.wait()
        wall = time.monotonic() - t0
        report["healthz"] = health.stop()
        done = os.times()
        report["cpu_seconds"] = {
            "gunicorn": round(cpu_seconds(children(gunicorn.pid)) - before["gunicorn"], 1),
            # the server processes of the bench database (opened by gunicorn during the run and kept)
            "postgres": round(cpu_seconds(bench_backends(dsn)), 1),
            "locust": round(done.children_user + done.children_system - own.children_user - own.children_system, 1),
        }
        report["wall_seconds"] = round(wall, 1)
        report["load_avg"] = [round(x, 2) for x in os.getloadavg()]
    finally:
        os.killpg(gunicorn.pid, signal.SIGTERM)
        gunicorn.wait(timeout=30)
    report["requests"] = read_stats(OUT / "loadtest_stats.csv")
    (OUT / "loadtest.json").write_text(json.dumps(report, ensure_ascii=False, indent=2))
    md = markdown(report)
    (OUT / "loadtest.md").write_text(md)
    print(md)
    return 0


class HealthProbe(threading.Thread):
    """``GET /healthz`` once a second while the load runs, as a load balancer would: how long it takes
    to answer, and how often it does not (past saturation it queues behind the users' requests)."""

    def __init__(self, url: str):
        super().__init__(daemon=True)
        self.url, self.times, self.failures = url, [], 0
        self.halt = threading.Event()

    def run(self) -> None:
        while not self.halt.wait(1.0):
            t0 = time.monotonic()
            try:
                with urllib.request.urlopen(self.url, timeout=10) as response:
                    ok = response.status == 200
            except OSError:
                ok = False
            if ok:
                self.times.append((time.monotonic() - t0) * 1000)
            else:
                self.failures += 1

    def stop(self) -> dict:
        self.halt.set()
        self.join(timeout=15)
        from .measure import pct

        times = self.times
        return {"probes": len(times) + self.failures, "failures": self.failures,
                "p50_ms": round(pct(times, 0.5)) if times else None, "max_ms": round(max(times)) if times else None}


def bench_backends(dsn: str) -> list[int]:
    import psycopg

    with psycopg.connect(dsn) as conn:
        return [r[0] for r in conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()")]


def read_stats(path: Path) -> list[dict]:
    with path.open() as fh:
        return [{"type": r["Type"], "name": r["Name"], "requests": int(r["Request Count"]),
                 "failures": int(r["Failure Count"]), "p50_ms": float(r["50%"] or 0), "p99_ms": float(r["99%"] or 0),
                 "rps": round(float(r["Requests/s"] or 0), 1)} for r in csv.DictReader(fh)]


def markdown(report: dict) -> str:
    rows = report["requests"]
    total = next((r for r in rows if r["name"] == "Aggregated"), None)
    lines = ["| request | count | failures | p50 ms | p99 ms | req/s |", "|---|---:|---:|---:|---:|---:|"]
    lines += [f"| {r['name']} | {r['requests']} | {r['failures']} | {r['p50_ms']:.0f} | {r['p99_ms']:.0f} | {r['rps']} |"
              for r in rows]
    cpu = report.get("cpu_seconds", {})
    wall = report.get("wall_seconds") or 1
    share = ", ".join(f"{k} {v} s ({v / wall:.2f} cores)" for k, v in cpu.items())
    head = (f"{report['args']['users']} users, gunicorn {report['args']['workers']} workers x "
            f"{report['args']['threads']} threads, think time {report['args']['wait']} s, {report['args']['run_time']}: "
            f"{total['rps'] if total else '?'} req/s, p50 {total['p50_ms'] if total else '?'} ms, "
            f"p99 {total['p99_ms'] if total else '?'} ms, {total['failures'] if total else '?'} failures. "
            f"CPU used during the run: {share}; load average after {report.get('load_avg')}.")
    health = report.get("healthz")
    if health:
        head += (f" /healthz once a second meanwhile: {health['probes']} probes, {health['failures']} not answered 200 "
                 f"within 10 s, p50 {health['p50_ms']} ms, slowest {health['max_ms']} ms.")
    return head + "\n\n" + "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
