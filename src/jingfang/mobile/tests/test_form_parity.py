"""The phone validates a follow-up exactly as the server's definition says: the same cases through
``offline.formdef.check_fields`` (Python) and the phone's ``checkFields`` (static/mobile/form.js, run
by Node) give the same problems with the same words."""

import datetime as dt
import json
import shutil
import subprocess
from pathlib import Path

import pytest

from jingfang.offline import formdef

NODE = shutil.which("node") or shutil.which("nodejs")
SCRIPT = Path(__file__).with_name("check_fields.mjs")
TODAY = dt.date(2026, 12, 7)
PARAMS = {"registered_on": "2020-01-01", "joint_min_members": 3}
SEEN = {"date": "2026-12-01", "mode": "home_visit", "seen": True, "risk_level": 1, "insight": "full",
        "social_function": "good", "adherence": "regular", "adverse_reaction": "none", "physical_illness": "none"}
CASES = [
    {},
    SEEN,
    {**SEEN, "risk_level": None},
    {**SEEN, "risk_level": 9},
    {**SEEN, "risk_level": True},
    {**SEEN, "risk_level": "3"},
    {**SEEN, "mode": "by_pigeon"},
    {**SEEN, "date": "2026-02-30"},
    {**SEEN, "date": "2026-12-08"},
    {**SEEN, "date": "2019-12-31"},
    {**SEEN, "not_seen_reason": "away_work"},
    {**SEEN, "adherence": "intermittent"},
    {**SEEN, "social_function": None, "social_detail": {"work": "poor", "housework": "fair"}},
    {**SEEN, "social_detail": {"flying": "good"}},
    {**SEEN, "dangerous_acts": {"minor_trouble": 100}},
    {**SEEN, "symptoms": ["not-a-symptom"]},
    {**SEEN, "medications": [{"name": "利培酮", "dose": "2mg bid"}] * 4},
    {**SEEN, "medications": [{"name": "x" * 500}]},
    {**SEEN, "notes": "长" * 2001},
    {**SEEN, "referral": True},
    {**SEEN, "condition": "stable"},
    {**SEEN, "joint": True, "attendees": ["甲"]},
    {**SEEN, "discharge_date": "2026-12-05"},
    {**SEEN, "colour": "blue"},
    {"date": "2026-12-01", "mode": "home_visit", "seen": False},
    {"date": "2026-12-01", "mode": "home_visit", "seen": False, "not_seen_reason": "away_work", "risk_level": 2,
     "insight": "full"},
    {"date": "2026-12-01", "mode": "home_visit", "seen": False, "died": True},
    {"date": "2026-12-01", "mode": "home_visit", "seen": False, "died": True, "death_date": "2027-01-01",
     "death_cause": "other"},
]


@pytest.mark.skipif(NODE is None, reason="node not installed")
def test_the_phone_and_the_server_find_the_same_problems():
    definition = json.loads(json.dumps(formdef.definition(), ensure_ascii=False))
    cases = CASES
    python = [[list(p) for p in formdef.check_fields(definition, body, PARAMS, TODAY)] for body in cases]
    run = subprocess.run([NODE, str(SCRIPT)], input=json.dumps({
        "form": definition, "today": TODAY.isoformat(), "cases": [{"body": b, "params": PARAMS} for b in cases]},
        ensure_ascii=False), capture_output=True, text=True, timeout=60, check=True)
    javascript = json.loads(run.stdout)
    assert len(javascript) == len(python)
    for body, py, js in zip(cases, python, javascript, strict=True):
        assert js == py, body
    assert sum(1 for p in python if p) >= len(CASES) - 2  # the cases do exercise the checks
