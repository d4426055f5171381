"""Every GET route (pages and their htmx fragments, xlsx, API, each read with a leaked API token too) as the
roles that must not read what the world's patient carries beyond the clinical vocabulary that
test_permission_matrix scans for:

- the risk level (world: a seen follow-up with risk 3): never to civil affairs, the DPF, judicial offices and
  village cadres (accounts.roles.RISK_ROLES);
- the colour grade, hospital names (cost episode, report card, diagnosis hospital) and the date of a visit:
  never to any role without clinical rights;

and, for every route naming an object, the answer for the object outside the user's jurisdiction is the
answer for an id that does not exist (same status, same body once per-request tokens are removed).
"""

import datetime as dt
import re

import pytest

from jingfang.accounts import roles

from . import route_table, world
from .test_permission_matrix import (
    OPERATIONS,
    PAGE_PATTERNS,
    _body_text,
    _place_for,
    _request,
    _scoped,
    _url,
)

pytestmark = pytest.mark.django_db

NOT_RISK = (roles.CIVIL_AFFAIRS, roles.DPF, roles.JUDICIAL, roles.VILLAGE_CADRE)
NON_HEALTH = (roles.POLICE, roles.TOWNSHIP_OFFICE, *NOT_RISK)
RISK = re.compile(r"危险性(?:评估|等级)?\s*[:：]?\s*[0-5]\s*级|[0-5]级（≥|\brisk[0-5]\b|\"risk_level\"|危险性评估3级以上")
GRADE = re.compile(r"grade-(?:red|orange|yellow|green|grey)\"|>(?:红色|橙色|黄色|绿色)<|\"grade\": \"(?:red|orange|yellow|green)\"")
HOSPITALS = ("乡镇卫生院门诊", "测试市精神卫生中心", world.CLINICAL_MARKERS[0])
VISIT_DAY = (world.TODAY - dt.timedelta(days=20)).isoformat()
# Pages whose risk words are the policy's definition of a 摸排 target group (当阳乡2022 四（一）: "危险性评估曾在3级
# （含）以上的"), the same for every campaign, not anyone's level.
GROUP_DEFINITIONS = {"screening:campaign_detail", "screening_api_campaigns_get_campaign"}
# The township office reviews incidents (倒查, care.permissions.REVIEW_INCIDENT): whether visits were made and
# missed is its review's subject, so the timeline keeps their dates for it (never the risk level's words
# for the roles without it, never the clinical rows).
REVIEW = {"care:incident_review", "care_api_incident_get_timeline"}
# The administrative region tree is public (names, codes, populations), not anyone's registration.
PUBLIC_OBJECTS = ("regions_api_",)
TOKENS = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"|nonce="[^"]+"|"csrfToken": "[^"]+"')


def _leaks(role, text: str, key: str = "") -> list[str]:
    found = [m.group(0) for m in GRADE.finditer(text)]
    found += [h for h in HOSPITALS if h in text]
    if VISIT_DAY in text and not (role == roles.TOWNSHIP_OFFICE and key in REVIEW):
        found.append(f"visit date {VISIT_DAY}")
    if role in NOT_RISK and key not in GROUP_DEFINITIONS:
        found += [m.group(0) for m in RISK.finditer(text)]
    return sorted(set(found))


def _routes():
    for _route, key, _pattern in PAGE_PATTERNS:
        yield pytest.param("page", key, id=key)
    for key, (method, _path) in sorted(OPERATIONS.items()):
        if method == "GET":
            yield pytest.param("api", key, id=f"api {key}")


@pytest.mark.parametrize("kind,key", list(_routes()))
def test_no_risk_grade_hospital_or_visit_date(matrix, kind, key):
    rule = (route_table.PAGES if kind == "page" else route_table.API)[key]
    if rule.public or rule.fixed or rule.schema:
        pytest.skip("public or fixed route")
    leaks = []
    for role in NON_HEALTH:
        if rule.get is None or role not in rule.get:
            continue
        url = _url(matrix, kind, key, rule, _place_for(role, "inside"))
        variants = [("session", False, False)]
        if kind == "page":
            variants.append(("htmx", False, True))
        else:
            variants.append(("token", True, False))
        for label, api_call, htmx in variants:
            response, _ = _request(matrix, role, "GET", url, api_call=api_call, htmx=htmx)
            if response is None or response.status_code != 200:
                continue
            found = _leaks(role, _body_text(response), key)
            if found:
                leaks.append(f"  {role} {url} ({label}): {found}")
    assert not leaks, f"GET {key}\n" + "\n".join(leaks)


def _scrub(text: str) -> str:
    return TOKENS.sub("", text)


@pytest.mark.parametrize("kind,key", list(_routes()))
def test_outside_answers_like_missing(matrix, kind, key):
    rule = (route_table.PAGES if kind == "page" else route_table.API)[key]
    if rule.public or rule.fixed or not _scoped(rule) or not rule.obj or key.startswith(PUBLIC_OBJECTS):
        pytest.skip("names no object")
    specs = rule.obj if isinstance(rule.obj, dict) else {"_": rule.obj}
    if any(isinstance(s, route_table.Lit) for s in specs.values()):
        pytest.skip("literal parameter")
    different = []
    for role in (*NON_HEALTH, roles.TOWNSHIP_DOCTOR, roles.VILLAGE_DOCTOR):
        if rule.get is None or role not in rule.get:
            continue
        outside = _url(matrix, kind, key, rule, _place_for(role, "outside"))
        inside = _url(matrix, kind, key, rule, _place_for(role, "inside"))
        place = _place_for(role, "outside")
        missing, ids = outside, []
        for spec in specs.values():
            pk = str(getattr(matrix[place][spec], "pk", matrix[place][spec]))
            if pk.isdigit():
                missing = re.sub(rf"(?<!\d){pk}(?!\d)", "987654321", missing, count=1)
                ids.append(pk)
        if missing == outside or outside == inside:
            continue
        a, _ = _request(matrix, role, "GET", outside, api_call=kind == "api")
        b, _ = _request(matrix, role, "GET", missing, api_call=kind == "api")
        if a is None or b is None:
            different.append(f"  {role} {outside}: error")
            continue
        ta, tb = _scrub(_body_text(a)), _scrub(_body_text(b)).replace("987654321", "ID")
        for pk in ids:
            ta = re.sub(rf"(?<!\d){pk}(?!\d)", "ID", ta)
        if a.status_code != b.status_code or ta != tb:
            different.append(f"  {role} {outside} -> {a.status_code} vs missing {b.status_code}: "
                             f"{ta[:160]!r} / {tb[:160]!r}")
    assert not different, f"GET {key}\n" + "\n".join(different)
