"""Mixed traffic of signed-in users for the load test (bench/loadtest.py runs it headless).

Township doctors (most users) sign in on the web page and then open their worklist, open patients
(page and its follow-up list), search by name, record follow-ups and edit patients through the API
with their session (as the pages' scripts would; CSRF header on writes), editing with the version
read just before: a 409 on a collision is an expected answer, counted apart. County supervisors sign in with password and TOTP code and open the county
worklist and KPI table. Users, passwords and TOTP secrets are the bench's synthetic ones (bench/tree.py,
bench/dataset.py); LOAD_TOWNSHIPS lists the townships to draw users from.
"""

import datetime as dt
import os
import random
import re
from zoneinfo import ZoneInfo

import pyotp
from locust import FastHttpUser, between, events, task

from bench import tree
from bench.dataset import totp_secret

# The server's day is China's calendar day (settings.TIME_ZONE), whatever this machine's clock zone.
SHANGHAI = ZoneInfo("Asia/Shanghai")

TOWNSHIPS = [c for c in os.environ.get("LOAD_TOWNSHIPS", "").split(",") if c]
COUNTIES = sorted({c[:6] + "000000" for c in TOWNSHIPS})
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
_used_supervisors: set[str] = set()


class Signed(FastHttpUser):
    abstract = True
    # think time between a user's actions, seconds: LOAD_WAIT="min,max" (bench/loadtest.py --wait)
    wait_time = between(*(float(x) for x in os.environ.get("LOAD_WAIT", "0.5,1.5").split(",")))

    def csrf(self, page: str) -> str:
        r = self.client.get(page, name=page)
        m = CSRF.search(r.text or "")
        return m.group(1) if m else ""

    def csrf_header(self) -> dict:
        return {"X-CSRFToken": next((c.value for c in self.client.cookiejar if c.name == "csrftoken"), "")}

    def sign_in(self, username: str, secret: str | None = None) -> None:
        token = self.csrf("/accounts/login/")
        with self.client.post("/accounts/login/", data={"username": username, "password": tree.PASSWORD,
                                                        "csrfmiddlewaretoken": token},
                              name="sign in", catch_response=True, allow_redirects=False) as r:
            if r.status_code != 302:
                r.failure(f"sign in answered {r.status_code}")
                return
        if secret is not None:
            token = self.csrf("/accounts/login/otp/")
            code = pyotp.TOTP(secret).now()  # the current step's code, taken just before sending it
            with self.client.post("/accounts/login/otp/", data={"code": code, "csrfmiddlewaretoken": token},
                                  name="sign in (TOTP)", catch_response=True, allow_redirects=False) as r:
                if r.status_code != 302:
                    r.failure(f"TOTP answered {r.status_code}")

    def page(self, url: str, name: str, **headers) -> None:
        with self.client.get(url, name=name, headers=headers, catch_response=True) as r:
            if r.status_code != 200:
                r.failure(f"{r.status_code}")


class TownshipDoctor(Signed):
    weight = 9

    def on_start(self):
        self.township = random.choice(TOWNSHIPS)
        self.username = tree.township_doctor(self.township)
        self.sign_in(self.username)
        r = self.client.get("/api/v1/patients?status=at_home&page_size=100", name="api patient ids")
        self.patients = [p["id"] for p in r.json()["items"]]

    @task(3)
    def worklist(self):
        self.page("/worklist/", "worklist (township)")

    @task(4)
    def patient(self):
        pid = random.choice(self.patients)
        self.page(f"/patients/{pid}/", "patient page")
        self.page(f"/patients/{pid}/followups/", "patient follow-up list (htmx)", **{"HX-Request": "true"})

    @task(2)
    def search(self):
        token = self.csrf_header()["X-CSRFToken"]
        with self.client.post("/patients/", data={"q": random.choice(SURNAMES), "csrfmiddlewaretoken": token},
                              name="search by name", catch_response=True) as r:
            if r.status_code != 200:
                r.failure(f"{r.status_code}")

    @task(1)
    def record_followup(self):
        pid = random.choice(self.patients)
        body = {"date": dt.datetime.now(SHANGHAI).date().isoformat(), "mode": "home_visit", "risk_level": 0, "insight": "full",
                "social_function": "good", "adherence": "regular", "adverse_reaction": "none",
                "physical_illness": "none", "medications": [{"name": "利培酮片", "dose": "每日1次"}]}
        with self.client.post(f"/api/v1/patients/{pid}/followups", json=body, headers=self.csrf_header(),
                              name="api record follow-up", catch_response=True) as r:
            if r.status_code != 201:
                r.failure(f"{r.status_code} {(r.text or '')[:200]}")

    @task(1)
    def edit_patient(self):
        pid = random.choice(self.patients)
        r = self.client.get(f"/api/v1/patients/{pid}", name="api patient")
        if r.status_code != 200:
            return
        body = {"address": f"{random.randint(1, 12)}组{random.randint(1, 120)}号", "version": r.json()["version"]}
        with self.client.patch(f"/api/v1/patients/{pid}", json=body, headers=self.csrf_header(), name="api edit patient",
                               catch_response=True) as r:
            if r.status_code == 409:
                r.success()  # another user edited first: the expected refusal, not an error
                events.request.fire(request_type="PATCH", name="api edit patient: 409 (refused stale)",
                                    response_time=0, response_length=0, exception=None, context={})
            elif r.status_code != 200:
                r.failure(f"{r.status_code} {(r.text or '')[:200]}")


class CountySupervisor(Signed):
    weight = 1

    def on_start(self):
        county = random.choice(COUNTIES)
        for n in range(4):
            username = tree.county_supervisor(county, n)
            if username not in _used_supervisors:
                break
        _used_supervisors.add(username)
        self.sign_in(username, totp_secret(username))

    @task(3)
    def worklist(self):
        self.page("/worklist/", "worklist (county)")

    @task(1)
    def kpis(self):
        self.page("/stats/kpis/", "KPI table (county)")
