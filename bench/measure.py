"""Time the real code paths on the bench database and, beside each read, the minimal SQL giving the
same answer (rawsql.py). Pages go through Django's test Client signed in as the user who opens them
(debug off, every middleware, audit rows written); the follow-up write through its service.

Each measurement rotates over a seeded sample of townships, counties or patients, is warmed up once,
and reports the median and p95 of its repetitions, the same for the raw SQL, their ratio, and the
database time and query count of the application's call (from a connection execute wrapper).
"""

import datetime as dt
import random
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import connection, reset_queries
from django.test import Client

from jingfang.core import clock

from . import rawsql, tree

PAGE_SIZE = 100  # followups.worklist.PAGE_SIZE: the rows one worklist page shows
PAST_DAYS = 180  # the past date of the county worklist's second measurement, counted back from today


@dataclass
class Case:
    name: str
    label: str
    target: str
    call: Callable[[int], object]  # one timed application call for repetition i
    raw: Callable[[int], object] | None = None
    repeat: int = 20
    check: Callable[[dict], bool] | None = None  # pass/fail from the figures
    note: str = ""
    extra: Callable[[dict], list[str]] | None = None  # further lines for the report


@dataclass
class DbTimer:
    seconds: float = 0.0
    queries: int = 0
    slowest: list = field(default_factory=list)

    def __call__(self, execute, sql, params, many, context):
        t0 = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            elapsed = time.perf_counter() - t0
            self.seconds += elapsed
            self.queries += 1
            if elapsed > 0.02:
                self.slowest.append((round(elapsed * 1000, 1), sql[:300]))


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, int(round(q * len(ordered) + 0.5)) - 1))]


def ms(seconds: float) -> float:
    return round(seconds * 1000, 1)


def run_case(case: Case) -> dict:
    case.call(-1)  # warm-up (imports, caches, first-touch of the pages of the tables)
    if case.raw:
        case.raw(-1)
    app, raw, db, queries, slowest = [], [], [], [], []
    for i in range(case.repeat):
        timer = DbTimer()
        with connection.execute_wrapper(timer):
            t0 = time.perf_counter()
            case.call(i)
            app.append(time.perf_counter() - t0)
        db.append(timer.seconds)
        queries.append(timer.queries)
        slowest += timer.slowest
        if case.raw:
            t0 = time.perf_counter()
            case.raw(i)
            raw.append(time.perf_counter() - t0)
        reset_queries()
    out = {
        "name": case.name, "label": case.label, "target": case.target, "repeat": case.repeat,
        "p50_ms": ms(statistics.median(app)), "p95_ms": ms(pct(app, 0.95)),
        "db_p50_ms": ms(statistics.median(db)), "queries_p50": int(statistics.median(queries)), "note": case.note,
    }
    if raw:
        out["raw_p50_ms"], out["raw_p95_ms"] = ms(statistics.median(raw)), ms(pct(raw, 0.95))
        out["ratio"] = round(out["p50_ms"] / max(out["raw_p50_ms"], 0.01), 2)
    out["pass"] = case.check(out) if case.check else None
    if case.extra:
        out["extra"] = case.extra(out)
    out["slow_queries"] = sorted(slowest, reverse=True)[:3]
    return out


class World:
    """Users, places and patients picked from the bench database."""

    def __init__(self, seed: int = 7):
        from jingfang.accounts.models import User
        from jingfang.regions.models import Region

        rng = random.Random(seed)
        townships = list(Region.objects.filter(level=4).values_list("code", flat=True))
        counties = list(Region.objects.filter(level=3).values_list("code", flat=True))
        self.townships = rng.sample(townships, min(20, len(townships)))
        self.counties = rng.sample(counties, min(10, len(counties)))
        names = [tree.township_doctor(c) for c in self.townships] + [tree.county_supervisor(c) for c in self.counties]
        self.users = {u.username: u for u in User.objects.filter(username__in=[*names, tree.PROVINCE_SUPERVISOR])}
        self.clients: dict[str, Client] = {}
        self.rng = rng

    def client(self, username: str) -> Client:
        if username not in self.clients:
            c = Client()
            c.force_login(self.users[username])
            self.clients[username] = c
        return self.clients[username]

    def township(self, i: int) -> str:
        return self.townships[i % len(self.townships)]

    def county(self, i: int) -> str:
        return self.counties[i % len(self.counties)]

    def patients_in(self, code: str, count: int, **filters) -> list[int]:
        from jingfang.regions import codes
        from jingfang.registry.models import Patient

        lo, hi = codes.code_range(code)
        ids = list(Patient.objects.filter(region_id__gte=lo, region_id__lte=hi, **filters)
                   .values_list("id", flat=True)[:2000])
        return self.rng.sample(ids, min(count, len(ids)))


def get(client: Client, url: str, htmx: bool = False, **params):
    response = client.get(url, params, headers={"HX-Request": "true"} if htmx else {})
    if response.status_code != 200:
        raise RuntimeError(f"GET {url} answered {response.status_code}")
    if getattr(response, "streaming", False):
        b"".join(response.streaming_content)
    return response


def followup_data(day: dt.date) -> dict:
    return {"date": day.isoformat(), "mode": "home_visit", "seen": "on", "risk_level": 0, "insight": "full",
            "social_function": "good", "adherence": "regular", "adverse_reaction": "none",
            "physical_illness": "none", "sleep": "good", "diet": "good", "med_1_name": "利培酮片",
            "med_1_dose": "每日1次"}


def cases(world: World, repeat: int, import_rows: int) -> list[Case]:
    from jingfang.followups import services
    from jingfang.registry.models import Patient

    today = clock.today()
    out = []
    # Every client signs in and makes its first request before any clock starts: the sign-in creates
    # the session (~13 queries) and the first request writes its clock into it (then every 30 s only).
    names = [tree.township_doctor(code) for code in world.townships]
    names += [tree.county_supervisor(code) for code in world.counties] + [tree.PROVINCE_SUPERVISOR]
    for name in names:
        get(world.client(name), "/api/v1/me")

    def worklist(kind: str, on: dt.date | None = None):
        def pick(i):
            code = world.township(i) if kind == "township" else world.county(i)
            user = tree.township_doctor(code) if kind == "township" else tree.county_supervisor(code)
            return code, user

        def call(i):
            code, user = pick(i)
            get(world.client(user), f"/worklist/?on={on:%Y-%m-%d}" if on else "/worklist/")

        def raw(i):
            if on:
                rawsql.past_worklist(pick(i)[0], on)
            else:
                rawsql.worklist(pick(i)[0], today, limit=PAGE_SIZE)

        return call, raw

    def floor(i):
        get(world.client(tree.township_doctor(world.township(i))), "/api/v1/me")

    out.append(Case("request_floor", "参照：最小的已登录请求 GET /api/v1/me（会话、认证、中间件）", "—", floor, None, repeat))
    call, raw = worklist("township")
    out.append(Case("township_worklist", "乡镇工作台 /worklist/（乡镇精防人员，约500名患者）", "≤2×SQL", call, raw, repeat,
                    lambda r: r["ratio"] <= 2))
    call, raw = worklist("county")
    out.append(Case("county_worklist", "县工作台 /worklist/（县级督导，约1万名患者）", "≤2×SQL 且 <150 ms", call, raw,
                    repeat, lambda r: r["ratio"] <= 2 and r["p50_ms"] < 150))

    call, raw = worklist("county", today - dt.timedelta(days=PAST_DAYS))
    out.append(Case("county_worklist_past", f"县工作台 /worklist/?on=（{PAST_DAYS}天前，按当时的随访记录重算）",
                    "≤2×SQL", call, raw, repeat, lambda r: r["ratio"] <= 2))

    patients = [(world.township(i), pid) for i in range(len(world.townships))
                for pid in world.patients_in(world.township(i), 3)]

    def page(i):
        code, pid = patients[i % len(patients)]
        client = world.client(tree.township_doctor(code))
        get(client, f"/patients/{pid}/")
        get(client, f"/patients/{pid}/followups/", htmx=True)  # the page's follow-up list (loaded by htmx)

    out.append(Case("patient_page", "患者档案页 /patients/<id>/ 及其随访列表片段", "≤2×SQL", page,
                    lambda i: rawsql.patient_page(patients[i % len(patients)][1]), repeat,
                    lambda r: r["ratio"] <= 2))

    writers = [(world.users[tree.township_doctor(code)], pid) for code in world.townships
               for pid in world.patients_in(code, max(2, repeat // len(world.townships) + 2), status="at_home")]

    def write(i):
        user, pid = writers[(i + 1) % len(writers)]
        services.record_followup(user, Patient.objects.get(pk=pid), followup_data(today))

    out.append(Case("followup_write", "录入随访（followups.services.record_followup）", "p50 <40 ms", write, None,
                    repeat, lambda r: r["p50_ms"] < 40))

    def kpis(i):
        get(world.client(tree.PROVINCE_SUPERVISOR), "/stats/kpis/")

    out.append(Case("province_kpis", "全省工作指标表 /stats/kpis/（省级，今年1月1日至今）", "<1 s", kpis,
                    lambda i: rawsql.kpis(tree.PROVINCE_CODE, dt.date(today.year, 1, 1), today),
                    max(3, repeat // 4), lambda r: r["p50_ms"] < 1000))

    from . import exchange_case

    out += exchange_case.cases(world, repeat, today)

    def export(i):
        """The page queues a county-sized export as a background job (jobs.exporting) and redirects to
        it; the job is run here as the worker would, and the file is fetched: all of it is timed."""
        from jingfang.jobs import runner
        from jingfang.jobs.models import Job

        client = world.client(tree.county_supervisor(world.county(i)))
        response = client.get("/patients/export.xlsx")
        if response.status_code == 302 and "/jobs/" in response["Location"]:
            pk = int(response["Location"].rstrip("/").rsplit("/", 1)[1])
            if Job.objects.filter(pk=pk, status=Job.QUEUED).exists():
                runner.execute(pk)
            job = Job.objects.get(pk=pk)
            if job.status != Job.SUCCEEDED:
                raise RuntimeError(f"export job ended {job.status}: {job.error}")
        elif response.status_code != 200:
            raise RuntimeError(f"export answered {response.status_code}")

    out.append(Case("county_export", "县患者名单导出 xlsx（县级督导，约1万名患者；后台任务生成）", "—", export,
                    lambda i: rawsql.patient_export(world.county(i)), max(3, repeat // 4)))
    from . import import_case

    out += import_case.cases(world, import_rows)
    return out


def run(repeat: int = 20, only: list[str] | None = None, import_rows: int = 100_000) -> list[dict]:
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)  # apps added since the build
    world = World()
    results = []
    for case in cases(world, repeat, import_rows):
        if only and case.name not in only:
            continue
        t0 = time.monotonic()
        try:
            result = run_case(case)
        except Exception as exc:  # noqa: BLE001 - report the failure and go on with the others
            result = {"name": case.name, "label": case.label, "target": case.target, "error": repr(exc)[:500]}
        result["seconds"] = round(time.monotonic() - t0, 1)
        print(f"  {case.name}: {result.get('p50_ms', '-')} ms p50, {result.get('p95_ms', '-')} ms p95, "
              f"raw {result.get('raw_p50_ms', '-')} ms, {result.get('error', '')}", flush=True)
        results.append(result)
    return results
