"""No role without clinical rights learns a clinical KPI's figures from any statistics route.

The KPIs counted from clinical fields (stats.permissions.CLINICAL_KPIS: medication, regular medication,
stable, unstable under case management) are withheld from those roles everywhere (visible_kpis): for a
one-patient village and a one-day period their figures would tell that patient's medication and
condition. The test builds two worlds that differ only in the patient's clinical facts at his one
follow-up (adherence and condition class) and asks every statistics GET route of the route table, as
every role without clinical rights, for that village and day: each answer must be the same in both
worlds (times and form tokens aside). A health role's answer does differ, so the worlds do.
"""

import datetime as dt
import difflib
import io
import re

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from jingfang.accounts import roles
from jingfang.core import clock
from jingfang.followups import services
from jingfang.followups.models import FollowUp
from jingfang.registry.models import Patient
from jingfang.stats import inspections, permissions
from jingfang.stats.kpis import KEYS, WITHHELD_TEXT

from . import route_table

DAY = clock.today() - dt.timedelta(days=3)
VILLAGE, TOWNSHIP = "990102001001", "990102001000"
WORLDS = ({"adherence": "regular", "condition": "stable"}, {"adherence": "none", "condition": "unstable"})


def _period(region: str) -> str:
    return f"region={region}&start={DAY}&end={DAY}"


def _urls(report) -> dict[str, list[str]]:
    """Every statistics GET route of the route table, with the URLs that ask about the village and the day."""
    pages = {
        "stats:dashboard": [f"{reverse('stats:dashboard')}?{_period(r)}{extra}" for r in (VILLAGE, TOWNSHIP)
                            for extra in ("", "&rank=medication", "&rank=stable", "&window=3")],
        "stats:dashboard_export": [f"{reverse('stats:dashboard_export')}?{_period(r)}" for r in (VILLAGE, TOWNSHIP)],
        "stats:kpis": [f"{reverse('stats:kpis')}?{_period(r)}" for r in (VILLAGE, TOWNSHIP)],
        "stats:kpi_export": [f"{reverse('stats:kpi_export')}?{_period(r)}" for r in (VILLAGE, TOWNSHIP)],
        "stats:kpi_patients": [f"{reverse('stats:kpi_patients', args=[k])}?{_period(VILLAGE)}&which={w}"
                               for k in KEYS for w in ("numerator", "denominator")],
        "stats:inspections": [reverse("stats:inspections")],
        "stats:items": [reverse("stats:items")],
        "stats:inspection": [reverse("stats:inspection", args=[report.pk])],
    }
    api = {
        "stats_api_get_kpis": [f"/api/v1/kpis?region_code={r}&start={DAY}&end={DAY}" for r in (VILLAGE, TOWNSHIP)],
        "stats_api_get_trend": [f"/api/v1/kpis/trend?region_code={r}&end={DAY}&months=2&window={n}"
                                for r in (VILLAGE, TOWNSHIP) for n in (1, 3)],
        "stats_api_get_ranking": [f"/api/v1/kpis/ranking?region_code={TOWNSHIP}&start={DAY}&end={DAY}"],
        "stats_api_list_reports": ["/api/v1/inspections"],
        "stats_api_get_report": [f"/api/v1/inspections/{report.pk}"],
    }
    return {**pages, **api}


def _stats_get_routes() -> set[str]:
    pages = {k for k, rule in route_table.PAGES.items() if k.startswith("stats:") and rule.get is not None}
    api = {k for k, rule in route_table.API.items() if k.startswith("stats_api_") and
           k.removeprefix("stats_api_").startswith(("get_", "list_"))}
    return pages | api


DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([+-]\d{2}:?\d{2}|Z)?")
TOKEN = re.compile(r'(csrfmiddlewaretoken" value=|nonce=|"X-CSRFToken": )"[^"]*"|chart-[0-9a-f-]{36}')


def _answer(client, url: str):
    response = client.get(url)
    if response.get("Content-Type", "").startswith("application/vnd.openxmlformats"):
        wb = load_workbook(io.BytesIO(b"".join(response.streaming_content) if response.streaming
                                      else response.content), read_only=True)
        body = [[DATETIME.sub("", str(c)) for c in row] for ws in wb.worksheets
                for row in ws.iter_rows(values_only=True) if not str(row[0] or "").startswith("导出人")]
        return response.status_code, body
    text = b"".join(response.streaming_content).decode() if response.streaming else response.content.decode()
    return response.status_code, TOKEN.sub("", DATETIME.sub("", text))


def _difference(a, b) -> str:
    """Where two answers part (status, then the first differing lines), to say what told the fact."""
    if a[0] != b[0]:
        return f"status {a[0]} vs {b[0]}"
    left = a[1].splitlines() if isinstance(a[1], str) else [repr(r) for r in a[1]]
    right = b[1].splitlines() if isinstance(b[1], str) else [repr(r) for r in b[1]]
    return "\n".join(difflib.unified_diff(left, right, lineterm="", n=1))[:3000]


def _world(n: int):
    FollowUp.objects.all().update(**WORLDS[n])


@pytest.mark.django_db
def test_no_stats_route_tells_a_non_health_role_the_clinical_kpis(client, users, make_patient):
    patient = make_patient(VILLAGE, name="甲患者")
    Patient.objects.filter(pk=patient.pk).update(registered_on=DAY - dt.timedelta(days=400))
    patient.refresh_from_db()
    services.record_followup(users["doctor"], patient, {
        "date": DAY.isoformat(), "mode": "home_visit", "seen": "on", "risk_level": 0, "insight": "full",
        "social_function": "good", "adherence": "regular", "adverse_reaction": "none", "physical_illness": "none"})
    _world(0)
    report = inspections.create_report(users["county"], TOWNSHIP, DAY.year, (DAY.month - 1) // 3 + 1)
    inspections.add_item(users["county"], report, "整改", "东镇", DAY + dt.timedelta(days=30))  # the items page
    urls = _urls(report)
    assert set(urls) == _stats_get_routes(), "a statistics route is not asked here: add its URLs"
    askers = [u for u in users.values() if not roles.sees_clinical(u.role)]
    assert any(permissions.can_view(u) for u in askers)  # the township office reaches the statistics

    answers = []
    for n in (0, 1):
        _world(n)
        inspections.regenerate(users["county"], report)
        seen = {}
        for user in [*askers, users["doctor"]]:
            client.force_login(user)
            for key, group in urls.items():
                for url in group:
                    seen[(user.username, key, url)] = _answer(client, url)
        answers.append(seen)

    reached = 0
    for (username, key, url), first in answers[0].items():
        if username == users["doctor"].username:
            continue
        assert first[0] < 500, (username, url, first[0])
        other = answers[1][(username, key, url)]
        assert first == other, f"{username} learns a clinical fact from {url}:\n{_difference(first, other)}"
        reached += first[0] == 200
    assert reached >= 20  # the office's answers are real pages, not refusals

    office = users["office"].username
    status, body = answers[0][(office, "stats:kpis", urls["stats:kpis"][0])]
    assert status == 200 and WITHHELD_TEXT in body
    doctor = users["doctor"].username
    kpis_url = urls["stats_api_get_kpis"][0]
    assert answers[0][(doctor, "stats_api_get_kpis", kpis_url)] != answers[1][(doctor, "stats_api_get_kpis", kpis_url)]


@pytest.mark.django_db
def test_the_api_withholds_the_figures_and_says_so(client, users, make_patient):
    make_patient(VILLAGE, name="甲患者")
    client.force_login(users["office"])
    items = client.get(f"/api/v1/kpis?region_code={VILLAGE}").json()["items"]
    for k in items:
        if k["key"] in permissions.CLINICAL_KPIS:
            assert (k["numerator"], k["denominator"], k["value"], k["met"]) == (None, None, None, None)
            assert k["withheld"] is True and k["available"] is False and k["display"] == WITHHELD_TEXT
        else:
            assert k["withheld"] is False and k["numerator"] is not None
    assert {k["key"] for k in items} == set(KEYS)  # withheld, not left out: the schema and the names stay
    client.force_login(users["doctor"])
    items = client.get(f"/api/v1/kpis?region_code={VILLAGE}").json()["items"]
    assert not any(k["withheld"] for k in items)


def test_clinical_kpis_are_the_clinical_lists():
    assert permissions.CLINICAL_KPIS == {"stable", "medication", "regular_medication", "unstable_case_management"}
