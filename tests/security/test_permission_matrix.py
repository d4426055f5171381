"""The permission matrix: every URL pattern and API operation, every method it accepts, as every role
(and anonymous), on an object inside and one outside the user's jurisdiction, against route_table.py.

Also, for every answer to a role that does not see clinical data (《中华人民共和国精神卫生法》第四条; 《中华人民共和国个人信息保护法》第六条): no clinical
field name as a JSON key, and none of the clinical vocabulary (tests/security/clinical_vocab.py: rule
texts and ids of every profile, condition classes, diagnoses, symptoms, adherence, and the markers planted
in the world's patients) anywhere in the body: pages, their htmx fragments (each page such a role may GET
is asked again as htmx asks it), API JSON and xlsx exports (read with openpyxl).

And for every route marked ``audited`` in route_table.py (it shows patient data): each GET writes
exactly one audit row, for the object inside the jurisdiction and the one outside (its 404) alike.

A route without an entry in route_table.py fails ``test_every_route_has_an_entry``; see route_table.py's
docstring for how to add one.
"""

import copy
import io
import json
import re
import zipfile

import pytest
from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver
from openpyxl import load_workbook

from jingfang.accounts import roles
from jingfang.api import api
from jingfang.audit.models import AuditEvent

from . import audited_routes, clinical_vocab, route_table, world

pytestmark = pytest.mark.django_db

PLACE_OF_SEAT = {"county": "beyond", "township": "beside", "village": "beside"}


# Enumeration -----------------------------------------------------------------------------------
def _walk(resolver=None, prefix="", namespace=""):
    """(route, key, pattern) of every URL pattern; key = "namespace:name", or the route when unnamed."""
    resolver = resolver or get_resolver()
    for p in resolver.url_patterns:
        if isinstance(p, URLResolver):
            ns = ":".join(x for x in (namespace, p.namespace) if x)
            yield from _walk(p, prefix + str(p.pattern), ns)
        elif isinstance(p, URLPattern):
            route = prefix + str(p.pattern)
            key = f"{namespace}:{p.name}" if p.name and namespace else (p.name or route)
            yield route, key, p


ALL_PATTERNS = list(_walk())
API_V1 = "api/v1/"
PAGE_PATTERNS = [(r, k, p) for r, k, p in ALL_PATTERNS if not r.startswith(("admin/", API_V1))]
ADMIN_PATTERNS = [(r, k, p) for r, k, p in ALL_PATTERNS if r.startswith("admin/")]
SCHEMA = api.get_openapi_schema()
OPERATIONS = {  # operation key -> (method, path template)
    o["operationId"].removeprefix("jingfang_"): (m.upper(), path)
    for path, methods in SCHEMA["paths"].items() for m, o in methods.items()
}


def _params(pattern) -> list[str]:
    return list(pattern.pattern.regex.groupindex)


# Meta-tests: the table covers every route, and only routes that exist --------------------------
def test_every_route_has_an_entry():
    pages = {k for _r, k, _p in PAGE_PATTERNS}
    missing_pages = sorted(pages - set(route_table.PAGES))
    missing_ops = sorted(set(OPERATIONS) - set(route_table.API))
    assert not missing_pages and not missing_ops, (
        "add these to tests/security/route_table.py (see its docstring):\n"
        f"PAGES: {missing_pages}\nAPI: {missing_ops}")


def test_the_table_has_no_entry_for_a_route_that_is_gone():
    pages = {k for _r, k, _p in PAGE_PATTERNS}
    assert sorted(set(route_table.PAGES) - pages) == []
    assert sorted(set(route_table.API) - set(OPERATIONS)) == []


def test_the_audited_column_names_only_routes_that_exist():
    assert sorted(audited_routes.AUDITED_PAGES - set(route_table.PAGES)) == []
    assert sorted(audited_routes.AUDITED_API - set(route_table.API)) == []


def test_every_api_url_is_an_operation_of_the_openapi_document():
    """An API route left out of the schema (include_in_schema=False) would escape the matrix."""
    documented = {re.sub(r"\{(\w+)\}", r"<\1>", path.removeprefix("/")) for path in SCHEMA["paths"]}
    api_routes = {r for r, _k, _p in ALL_PATTERNS if r.startswith(API_V1)}
    assert api_routes - documented == set()
    assert len(OPERATIONS) > 100


def test_names_are_unique_outside_the_admin():
    keys = [k for _r, k, _p in PAGE_PATTERNS]
    assert len(keys) == len(set(keys)), "two page patterns share a name: the matrix could not tell them apart"


def _place_for(role, place: str) -> str:
    if place != "outside":
        return "inside"
    return PLACE_OF_SEAT[world.ROLE_SEAT[role]] if role else "beside"


def _value(w, place: str, spec):
    if isinstance(spec, route_table.Lit):
        return spec.value
    obj = w[place][spec]
    return str(getattr(obj, "pk", obj))


def _kwargs(w, place: str, rule, names: list[str]) -> dict:
    if not names:
        return {}
    spec = rule.obj if isinstance(rule.obj, dict) else {names[0]: rule.obj}
    assert set(spec) == set(names), f"route parameters {names}, table gives {sorted(spec)}"
    return {n: _value(w, place, s) for n, s in spec.items()}


COMPONENTS = SCHEMA.get("components", {}).get("schemas", {})


def _example(schema: dict, depth: int = 0):
    """A minimal value that the schema accepts (required keys only), so that a write reaches the
    endpoint and its authorization instead of stopping at the schema (422)."""
    if "$ref" in schema:
        schema = COMPONENTS[schema["$ref"].rsplit("/", 1)[-1]]
    for combo in ("allOf", "anyOf", "oneOf"):
        if combo in schema:
            options = [o for o in schema[combo] if o.get("type") != "null"] or schema[combo]
            return _example(options[0], depth + 1)
    if "enum" in schema:
        return schema["enum"][0]
    if "const" in schema:
        return schema["const"]
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        return {k: _example(schema["properties"][k], depth + 1) for k in schema.get("required", [])
                if depth < 6}
    if kind == "array":
        return [_example(schema.get("items", {}), depth + 1) for _ in range(schema.get("minItems", 0))]
    if kind == "integer":
        return max(1, schema.get("minimum", schema.get("exclusiveMinimum", 0) + 1))
    if kind == "number":
        return max(1, schema.get("minimum", 1))
    if kind == "boolean":
        return False
    if schema.get("format") == "date":
        return world.TODAY.isoformat()
    if schema.get("format") == "date-time":
        return f"{world.TODAY.isoformat()}T08:00:00+08:00"
    return "测试" * max(1, (schema.get("minLength", 1) + 1) // 2)


def _request_schema(key: str) -> tuple[str, dict] | None:
    method, path = OPERATIONS[key]
    body = SCHEMA["paths"][path][method.lower()].get("requestBody")
    if not body:
        return None
    content_type, spec = next(iter(body["content"].items()))
    return content_type, spec["schema"]


def _fill_body(w, place: str, body):
    if body is None:
        return {}
    text = json.dumps(body, ensure_ascii=False)
    for key in re.findall(r"\{(\w+)\}", text):
        text = text.replace("{" + key + "}", _value(w, place, key))
    return json.loads(text)


def _api_body(w, place: str, key: str, rule):
    spec = _request_schema(key)
    if spec is None:
        return None
    content_type, schema = spec
    body = _example(schema)
    body.update(_fill_body(w, place, rule.body))
    if content_type.startswith("multipart/"):
        body = {k: v for k, v in body.items() if k != "file"}
        body["file"] = world.sheet([["测试", "990102198001010011"]])
        return ("multipart", body)
    return body


# Requests and outcomes -------------------------------------------------------------------------
def _request(w, role, method: str, url: str, *, api_call: bool, body=None, htmx: bool = False,
             audits: list | None = None):
    """One request in a savepoint that is rolled back; the client's cookies are restored after it.
    ``audits``: a list to which the number of audit rows the request wrote is appended."""
    client = w["clients"][role]
    saved = copy.deepcopy(client.cookies)
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    if api_call and w["tokens"][role]:
        headers["HTTP_AUTHORIZATION"] = f"Bearer {w['tokens'][role]}"
    try:
        with transaction.atomic():
            last = _last_audit() if audits is not None else 0
            if method == "GET":
                response = client.get(url, **headers)
            elif isinstance(body, tuple):  # multipart/form-data
                response = client.post(url, body[1], **headers)
            elif api_call and method != "DELETE":
                response = client.generic(method, url, json.dumps(body or {}), content_type="application/json",
                                          **headers)
            elif api_call:
                response = client.generic(method, url, **headers)
            else:
                response = client.post(url, body or {}, **headers)
            if audits is not None:
                audits.append(AuditEvent.objects.filter(pk__gt=last).count())
            transaction.set_rollback(True)
    except Exception as exc:  # a view that raises is a 500 in production
        return None, f"error ({type(exc).__name__}: {str(exc)[:120]})"
    finally:
        client.cookies = saved
    return response, _outcome(response, api_call)


def _last_audit() -> int:
    return AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def _outcome(response, api_call: bool) -> str:
    status = response.status_code
    if status >= 500:
        return f"error ({status})"
    if status == 401:
        return "login"
    if status in (301, 302, 303, 307, 308):
        location = response.get("Location", "")
        if location.startswith(("/accounts/login/", "/admin/login/")):
            return "login"
        return "allow"
    if status in (400, 409, 422):
        return "invalid"
    return {403: "deny", 404: "hide", 405: "method"}.get(status, "allow")


def _expected(rule, role, place: str, method: str) -> set[str]:
    """What the table says; "invalid" (a validation answer) counts as allowed: authorization passed."""
    who = rule.get if method == "GET" else rule.post
    if rule.fixed:
        return {rule.fixed}
    if who is None:
        return {"method"}
    if (role, place) in rule.overrides:
        return {rule.overrides[(role, place)]}
    if rule.public:
        return {"allow", "invalid", "login", "method"}
    if role in rule.any_for:
        return {"allow", "invalid", "login", "method", "deny", "hide"}
    if role is None:
        return {"login"}
    if role in rule.empty_for:
        return {"empty"}
    if role not in who:
        return set(rule.refused)
    if place == "outside" and _scoped(rule):
        return {rule.outside}
    return {"allow", "invalid"}


# Leaks of clinical data ------------------------------------------------------------------------
def _is_empty(response) -> bool:
    try:
        data = json.loads(response.content)
    except ValueError:
        return False
    return isinstance(data, dict) and data.get("count") == 0 and not data.get("items")


def _body_text(response) -> str:
    if getattr(response, "streaming", False):
        content = b"".join(response.streaming_content)
        response.streaming_content = [content]  # read again by a later look
    else:
        content = response.content
    if content[:2] == b"PK":  # xlsx: every cell of every sheet, and the sheets' XML (names, headers)
        try:
            workbook = load_workbook(io.BytesIO(content), read_only=True)
            cells = " ".join(str(v) for ws in workbook.worksheets for row in ws.iter_rows(values_only=True)
                             for v in row if v is not None)
            with zipfile.ZipFile(io.BytesIO(content)) as z:
                xml = " ".join(z.read(n).decode("utf-8", "replace") for n in z.namelist() if n.endswith(".xml"))
            return cells + " " + xml
        except (zipfile.BadZipFile, OSError, KeyError, ValueError):
            pass
    return content.decode("utf-8", "replace")


def _json_keys(value, found=None) -> set[str]:
    found = set() if found is None else found
    if isinstance(value, dict):
        for k, v in value.items():
            found.add(k)
            _json_keys(v, found)
    elif isinstance(value, list):
        for v in value:
            _json_keys(v, found)
    return found


def _leaks(response) -> list[str]:
    text = _body_text(response)
    problems = clinical_vocab.found_in(text)
    if "json" in response.get("Content-Type", ""):
        try:
            keys = _json_keys(json.loads(text))
        except ValueError:
            keys = set()
        problems += sorted(keys & roles.CLINICAL_FIELDS)
    return problems


# The matrix ------------------------------------------------------------------------------------
def _cases():
    for _route, key, _pattern in PAGE_PATTERNS:
        for method in ("GET", "POST"):
            yield pytest.param("page", key, method, id=f"{key} {method}")
    for key, (method, _path) in sorted(OPERATIONS.items()):
        yield pytest.param("api", key, method, id=f"api {key} {method}")
    for route, key, _pattern in ADMIN_PATTERNS:
        for method in ("GET", "POST"):
            yield pytest.param("admin", key, method, id=f"admin {route} {method}")


PATTERN_BY_KEY = {k: (r, p) for r, k, p in ALL_PATTERNS}
ADMIN_VALUES = {"object_id": "1", "id": "1", "app_label": "accounts", "url": "no-such-page/",
                "content_type_id": "1"}


def _url(w, kind: str, key: str, rule, place: str) -> str:
    if kind == "api":
        path = OPERATIONS[key][1]
        names = re.findall(r"\{(\w+)\}", path)
        for n, v in _kwargs(w, place, rule, names).items():
            path = path.replace("{" + n + "}", v)
        return path + _fill_query(w, place, rule.query)
    route, pattern = PATTERN_BY_KEY[key]
    names = _params(pattern)
    values = ({n: ADMIN_VALUES[n] for n in names} if kind == "admin" else _kwargs(w, place, rule, names))
    url = "/" + route
    for n, v in values.items():
        url = re.sub(r"<(?:\w+:)?" + n + r">|\(\?P<" + n + r">[^)]*\)", v, url)
    url = url.replace("^", "").replace("$", "")
    return url + _fill_query(w, place, rule.query)


def _fill_query(w, place: str, query: str) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: _value(w, place, m.group(1)), query)


def _scoped(rule) -> bool:
    """Does the route name something inside or outside a jurisdiction (an object or a region)?"""
    specs = rule.obj.values() if isinstance(rule.obj, dict) else [rule.obj]
    templates = rule.query + (json.dumps(rule.body, ensure_ascii=False) if rule.body else "")
    return any(s is not None and not isinstance(s, route_table.Lit) for s in specs) or bool(
        re.search(r"\{\w+\}", templates))


@pytest.mark.parametrize("kind,key,method", list(_cases()))
def test_route(matrix, kind, key, method):
    if kind == "admin":
        rule = route_table.ADMIN_OPEN.get(key, route_table.ADMIN_SITE)
    else:
        rule = (route_table.PAGES if kind == "page" else route_table.API).get(key)
        if rule is None:
            pytest.fail(f"{key} has no entry in tests/security/route_table.py")
    places = ("inside", "outside") if _scoped(rule) else ("inside",)
    audited = kind != "admin" and key in (audited_routes.AUDITED_PAGES if kind == "page" else audited_routes.AUDITED_API)
    # A public route does not look at the role: anonymous and one signed-in role are enough. The admin
    # site's pages all ask one function (accounts.admin._admin_role_only): every role on its index,
    # anonymous, the administrator and the most trusted other role on the rest.
    if rule.public or rule.fixed:
        who = (None, roles.TOWNSHIP_OFFICE)
    elif kind == "admin" and key != "admin:index":
        who = (None, roles.ADMIN, roles.COUNTY_SUPERVISOR)
    else:
        who = (None, *roles.ROLES)
    wrong, leaks = [], []
    for role in who:
        allowed = rule.get if method == "GET" else rule.post
        refused = role is None or allowed is None or role not in allowed
        # A role that is refused is refused for the object outside too: one request is enough.
        for place in places[:1] if refused and not rule.overrides else places:
            where = _place_for(role, place)
            url = _url(matrix, kind, key, rule, where)
            body = _api_body(matrix, where, key, rule) if kind == "api" else None
            audits = [] if audited and method == "GET" and role else None
            response, got = _request(matrix, role, method, url, api_call=kind == "api", body=body, audits=audits)
            expected = _expected(rule, role, place, method)
            if audits and got in ("allow", "hide") and audits != [1]:
                wrong.append(f"  {role} {place} {url}: {audits[0]} audit rows, expected exactly 1")
            if expected == {"empty"} and got == "allow" and _is_empty(response):
                got = "empty"
            if got not in expected:
                wrong.append(f"  {role or 'anonymous'} {place} {url}: expected {'/'.join(sorted(expected))}, got {got}"
                             + (f" {response.content[:160]!r}" if response is not None and got.startswith("allow") is False
                                and response.status_code not in (302, 404, 403) else ""))
            if response is not None and role and not roles.sees_clinical(role) and not rule.schema:
                found = _leaks(response)
                if found:
                    leaks.append(f"  {role} {place} {url}: {found}")
                if kind == "page" and method == "GET" and response.status_code == 200:
                    fragment, _ = _request(matrix, role, method, url, api_call=False, htmx=True)
                    found = _leaks(fragment) if fragment is not None else []
                    if found:
                        leaks.append(f"  {role} {place} {url} (htmx): {found}")
    assert not wrong and not leaks, f"{method} {key}\n" + "\n".join(wrong + [" clinical data:"] * bool(leaks) + leaks)
