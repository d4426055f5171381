"""Speed of the offline field app (/m/) on a throttled 3G profile, in Chromium (not part of `make test`).

    python -m bench.offline_speed [--runs 3] [--patients 200] [--visits 50] [--no-throttle] [--cpu-slowdown 4]
                                  [--database-url postgres://postgres@127.0.0.1:5432/jingfang_bench_offline]

Builds a SQLite database of its own under bench/out/offline_speed/ (or recreates the PostgreSQL database
``--database-url``, whose name must start with jingfang_bench) (the demo county's regions and users;
synthetic patients from the demo generator, Faker zh_CN, all placed in vdoc1's village so that the
package holds exactly ``--patients`` patients with due items), serves it with `jingfang serve`
(gunicorn, debug off) on a free port, and drives /usr/bin/chromium with Playwright. The network of the
page is throttled through CDP (`Network.emulateNetworkConditions`: 100 ms latency, 750 kbit/s down,
250 kbit/s up) once the app's shell is loaded; signing in and loading the shell are not timed.

Measured, median of ``--runs``:
- the package's size on the wire (body as sent, and the whole response with headers) and uncompressed,
  and its gzip size (what compression would send);
- download and open: tap 下载离线数据包 until the PIN form shows, then submit the PIN until the due list
  shows all patients (the typing itself is not counted);
- sync: with ``--visits`` visits recorded offline through the form, tap 立即同步 until every one shows as
  applied (已同步) and nothing waits.
Results: bench/out/offline_speed.json and .md.
"""

import argparse
import gzip
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

from jingfang.core import clock

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"
WORK = OUT / "offline_speed"
CHROMIUM = os.environ.get("JINGFANG_CHROMIUM", "/usr/bin/chromium")
USER, PASSWORD = "vdoc1", "Jingfang@2026"
OTHER_VILLAGE_USER = "vdoc2"  # patients beyond the package's size move to this user's village
PIN = "246810"
SEED = 20261207
THROTTLE = {"offline": False, "latency": 100, "downloadThroughput": 750_000 / 8, "uploadThroughput": 250_000 / 8}


DATABASE = {"url": ""}  # --database-url: PostgreSQL (a jingfang_bench* database, recreated); else SQLite


def server_env() -> dict:
    env = dict(os.environ)
    env.pop("DATABASE_URL", None)
    env.pop("JINGFANG_DEBUG", None)
    if DATABASE["url"]:
        env["DATABASE_URL"] = DATABASE["url"]
    env.update({
        "DJANGO_SETTINGS_MODULE": "jingfang.settings",
        "JINGFANG_VAR_DIR": str(WORK / "var"),
        "JINGFANG_DEV_KEYS": "1",  # development keys in the bench's var directory: synthetic data only
        "JINGFANG_SECURE_COOKIES": "0",  # plain http on 127.0.0.1
        "JINGFANG_TOTP_ENFORCE": "0",  # the village doctor signs in with a password
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT / "src"), env.get("PYTHONPATH", "")])),
    })
    return env


# --- the data -----------------------------------------------------------------------------------------
def prepare(patients: int) -> dict:
    """A fresh database: the demo regions and users, and synthetic patients in vdoc1's village, until the
    package holds exactly ``patients`` patients (the surplus moves to another village)."""
    if WORK.exists():
        shutil.rmtree(WORK)
    (WORK / "var").mkdir(parents=True)
    os.environ.pop("DATABASE_URL", None)
    if DATABASE["url"]:
        from bench.dataset import recreate_database

        recreate_database(DATABASE["url"])
    os.environ.update({k: v for k, v in server_env().items() if k.startswith(("DJANGO", "JINGFANG", "DATABASE"))})
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import transaction

    call_command("migrate", verbosity=0)
    from jingfang.accounts.models import User
    from jingfang.demo import generate as demo
    from jingfang.demo.accounts import create_demo_users
    from jingfang.demo.followups import write_followups
    from jingfang.demo.people import iter_patient_specs
    from jingfang.followups import engine
    from jingfang.offline import package
    from jingfang.registry.models import Patient

    as_of = demo.default_as_of()
    with transaction.atomic():
        demo.load_demo_regions()
        create_demo_users()
    user = User.objects.get(username=USER)
    other = User.objects.get(username=OTHER_VILLAGE_USER).region_id
    village = user.region_id
    made, count, batch = 0, 0, patients
    while count < patients:
        specs = list(iter_patient_specs(made + batch, SEED, as_of))[made:]
        made += len(specs)
        for spec in specs:
            spec.fields["region_id"] = spec.fields["household_region_id"] = village
        specs = [s for s in specs if s.fields.get("status", "at_home") not in ("dead", "moved_out")]
        with transaction.atomic():
            written = demo.write_patients(specs)
            write_followups(written, max(as_of, clock.today()))
        count = len(_package_ids(package, user))
        batch = max(20, (patients - count) * 3)
    surplus = _package_ids(package, user)[patients:]
    for p in Patient.objects.filter(pk__in=surplus):
        Patient.objects.filter(pk=p.pk).update(region_id=other, household_region_id=other)
        p.refresh_from_db()
        engine.refresh(p)
    ids = _package_ids(package, user)
    assert len(ids) == patients, (len(ids), patients)
    from django.db import connection

    connection.close()
    return {"patients_generated": made, "package_patients": len(ids), "village": village,
            "database": connection.vendor}


def _package_ids(package, user) -> list[int]:
    from jingfang.followups import worklist
    from jingfang.offline import rules

    days = package.window(user, None)
    items = worklist.items_for(user, clock.today(), horizon=days)
    seen: list[int] = []
    for i in items:
        if i.patient_id is not None and i.kind in rules.PACKAGE_KINDS and i.patient_id not in seen:
            seen.append(i.patient_id)
    return sorted(seen)


# --- the server ---------------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(port: int) -> subprocess.Popen:
    log = open(WORK / "server.log", "ab")  # noqa: SIM115 (kept open for the server's lifetime)
    proc = subprocess.Popen([sys.executable, "-m", "jingfang", "serve", "--port", str(port), "--workers", "2",
                             "--threads", "4"], cwd=WORK, env=server_env(), stdout=log, stderr=log)
    for _ in range(300):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return proc
        except OSError:
            time.sleep(0.1)
    proc.terminate()
    raise RuntimeError("jingfang serve did not start; see bench/out/offline_speed/server.log")


# --- the browser --------------------------------------------------------------------------------------
def new_page(browser, base: str):
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN",
                                  timezone_id="Asia/Shanghai", service_workers="allow")
    page = context.new_page()
    page.set_default_timeout(60000)
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", USER)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    page.goto(f"{base}/m/")
    page.evaluate("navigator.serviceWorker.ready.then((r) => Boolean(r.active))")
    return context, page


CPU_SLOWDOWN = {"rate": 1}  # --cpu-slowdown: Emulation.setCPUThrottlingRate (1 = the machine's own speed)


def throttle(page, on: bool) -> object:
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    if on:
        cdp.send("Network.emulateNetworkConditions", THROTTLE)
    if CPU_SLOWDOWN["rate"] > 1:
        cdp.send("Emulation.setCPUThrottlingRate", {"rate": CPU_SLOWDOWN["rate"]})
    return cdp


def measure_download(browser, base: str, patients: int, throttled: bool) -> dict:
    from playwright.sync_api import expect

    context, page = new_page(browser, base)
    try:
        cdp = throttle(page, throttled)
        wire: dict = {}

        def on_response(event):
            if event["response"]["url"].split("?")[0].endswith("/api/v1/offline/package"):
                wire["id"] = event["requestId"]
                wire["encoding"] = event["response"]["headers"].get("content-encoding", "")

        def on_finished(event):
            if event["requestId"] == wire.get("id"):
                wire["encoded"] = event["encodedDataLength"]

        cdp.on("Network.responseReceived", on_response)
        cdp.on("Network.loadingFinished", on_finished)
        with page.expect_response("**/api/v1/offline/package") as answer:
            t0 = time.perf_counter()
            page.click("#download")
            page.wait_for_selector("#set-pin")
            t_download = time.perf_counter() - t0
        response = answer.value
        body = response.body()
        headers = response.headers
        page.fill("#pin", PIN)
        page.fill("#pin2", PIN)
        t1 = time.perf_counter()
        page.click("#set-pin button[type=submit]")
        expect(page.locator("#due-list > li")).to_have_count(patients)
        t_open = time.perf_counter() - t1
        content_length = int(headers.get("content-length", 0) or 0)
        return {
            "download_s": round(t_download, 3), "open_s": round(t_open, 3), "total_s": round(t_download + t_open, 3),
            "content_encoding": headers.get("content-encoding", "") or wire.get("encoding", ""),
            "body_as_sent_bytes": content_length or None,
            "wire_bytes_with_headers": wire.get("encoded"),
            "uncompressed_bytes": len(body),
            "gzip6_bytes": len(gzip.compress(body, compresslevel=6)),
        }
    finally:
        context.close()


def record_visit(page, patient_id: int) -> None:
    from playwright.sync_api import expect

    page.click("[data-tab=due]")
    page.click(f"[data-patient='{patient_id}']")
    page.click("#record")
    page.check("input[name=mode][value=home_visit]")
    page.check("input[name=seen][value=true]")
    page.click("#next")
    page.check("input[name=risk_level][value='0']")
    page.check("input[name=insight][value=full]")
    page.click("#next")
    page.check("input[name=social_function][value=good]")
    page.click("#next")
    page.check("input[name=adherence][value=regular]")
    page.check("input[name=adverse_reaction][value=none]")
    page.check("input[name=physical_illness][value=none]")
    page.click("#next")
    page.click("#next")
    expect(page.locator("#next")).to_have_text("保存到本机")
    page.click("#next")
    expect(page.locator("#notice")).to_contain_text("已保存到本机")


def measure_sync(browser, base: str, patient_ids: list[int], throttled: bool) -> dict:
    from playwright.sync_api import expect

    context, page = new_page(browser, base)
    try:
        page.click("#download")
        page.fill("#pin", PIN)
        page.fill("#pin2", PIN)
        page.click("#set-pin button[type=submit]")
        page.wait_for_selector("#due-list")
        context.set_offline(True)
        for pk in patient_ids:
            record_visit(page, pk)
        expect(page.locator("#waiting")).to_have_text(str(len(patient_ids)))
        context.set_offline(False)  # Playwright resets the network conditions here; throttle after it
        throttle(page, throttled)
        sizes: list[int] = []
        page.on("request", lambda r: sizes.append(len(r.post_data_buffer or b""))
                if r.url.endswith("/api/v1/offline/sync") else None)
        page.click("[data-tab=queue]")
        t0 = time.perf_counter()
        page.click("#sync")
        expect(page.locator("#waiting")).to_have_text("0")
        expect(page.locator("#queue-done > li")).to_have_count(len(patient_ids))
        elapsed = time.perf_counter() - t0
        expect(page.locator("#notice")).to_contain_text("同步完成")
        return {"sync_s": round(elapsed, 3), "visits": len(patient_ids), "requests": len(sizes),
                "upload_bytes": sum(sizes)}
    finally:
        context.close()


def median_of(runs: list[dict], key: str):
    values = [r[key] for r in runs if r.get(key) is not None]
    return statistics.median(values) if values else None


def markdown(result: dict) -> str:
    d, s = result["download_median"], result["sync_median"]
    kb = lambda n: f"{n / 1024:.1f} KB" if n else "—"  # noqa: E731
    lines = [
        f"Package: {result['prepared']['package_patients']} patients ({result['prepared']['database']}); network "
        f"{'throttled (100 ms, 750/250 kbit/s)' if result['throttled'] else 'not throttled'}; "
        f"CPU slowdown {result['cpu_slowdown']:g}×; "
        f"median of {result['runs']} runs.",
        "",
        "| measurement | median | runs | target |",
        "|---|---|---|---|",
        f"| package body as sent (Content-Encoding: {d['content_encoding'] or 'none'}) | {kb(d['body_as_sent_bytes'])} "
        f"| | < 300 KB compressed |",
        f"| package response on the wire incl. headers | {kb(d['wire_bytes_with_headers'])} | | |",
        f"| package uncompressed | {kb(d['uncompressed_bytes'])} | | |",
        f"| package gzip -6 (for comparison) | {kb(d['gzip6_bytes'])} | | |",
        f"| tap 下载 → PIN form | {d['download_s']:.2f} s | {result['download_runs_s']} | |",
        f"| submit PIN → due list of all patients | {d['open_s']:.2f} s | {result['open_runs_s']} | |",
        f"| download and open (sum) | {d['total_s']:.2f} s | {result['total_runs_s']} | < 3 s |",
        f"| sync of {s['visits']} visits until all applied | {s['sync_s']:.2f} s | {result['sync_runs_s']} | < 5 s |",
    ]
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.offline_speed", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--patients", type=int, default=200)
    parser.add_argument("--visits", type=int, default=50)
    parser.add_argument("--no-throttle", action="store_true", help="measure without network throttling")
    parser.add_argument("--cpu-slowdown", type=float, default=1,
                        help="also slow the page's CPU by this factor (CDP Emulation.setCPUThrottlingRate), e.g. 4")
    parser.add_argument("--database-url", default="",
                        help="PostgreSQL instead of SQLite, e.g. postgres://postgres@127.0.0.1:5432/jingfang_bench_offline "
                             "(dropped and recreated: the name must start with jingfang_bench)")
    args = parser.parse_args(argv)
    CPU_SLOWDOWN["rate"] = args.cpu_slowdown
    DATABASE["url"] = args.database_url
    if not Path(CHROMIUM).exists():
        print(f"{CHROMIUM} not found: apt-get install chromium fonts-noto-cjk", file=sys.stderr)
        return 2
    throttled = not args.no_throttle
    print(f"preparing {args.patients} patients …", flush=True)
    prepared = prepare(args.patients)
    print(json.dumps(prepared), flush=True)
    ids = _package_patient_ids()
    if args.visits * args.runs > len(ids):
        print("not enough patients for distinct visits in every run", file=sys.stderr)
        return 2
    port = free_port()
    server = start_server(port)
    base = f"http://127.0.0.1:{port}"
    from playwright.sync_api import sync_playwright

    downloads, syncs = [], []
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=[
                "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--no-first-run"])
            # the package does not change with downloads: every download run sees the same 200 patients
            new_page(browser, base)[0].close()  # warm-up: first sign-in, service worker, static files
            for n in range(args.runs):
                downloads.append(measure_download(browser, base, args.patients, throttled))
                print("download", n + 1, downloads[-1], flush=True)
            for n in range(args.runs):  # each run visits other patients, so each finds them due
                syncs.append(measure_sync(browser, base, ids[n * args.visits:(n + 1) * args.visits], throttled))
                print("sync", n + 1, syncs[-1], flush=True)
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=30)
    from bench.__main__ import machine

    result = {
        "prepared": prepared, "throttled": throttled, "cpu_slowdown": args.cpu_slowdown, "throttle": THROTTLE, "runs": args.runs,
        "download_runs": downloads, "sync_runs": syncs,
        "download_median": {k: median_of(downloads, k) for k in downloads[0]} | {
            "content_encoding": downloads[0]["content_encoding"]},
        "sync_median": {k: median_of(syncs, k) for k in syncs[0]},
        "download_runs_s": ", ".join(f"{r['download_s']:.2f}" for r in downloads),
        "open_runs_s": ", ".join(f"{r['open_s']:.2f}" for r in downloads),
        "total_runs_s": ", ".join(f"{r['total_s']:.2f}" for r in downloads),
        "sync_runs_s": ", ".join(f"{r['sync_s']:.2f}" for r in syncs),
        "machine": machine(),
    }
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "offline_speed.json").write_text(json.dumps(result, ensure_ascii=False, indent=2, default=str))
    (OUT / "offline_speed.md").write_text(markdown(result))
    print(markdown(result))
    return 0


def _package_patient_ids() -> list[int]:
    from jingfang.accounts.models import User
    from jingfang.offline import package

    return _package_ids(package, User.objects.get(username=USER))


if __name__ == "__main__":
    sys.exit(main())
