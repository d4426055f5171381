"""Every export in the codebase goes through exports.guard: the URL patterns and API routes that send
files or record an export are exactly the guarded ones, and no module builds a file response itself."""

import inspect
from pathlib import Path

from django.urls import URLPattern, URLResolver, get_resolver

from jingfang.api import api
from jingfang.exports.guard import GUARDED_ATTR

EXPORT_WORDS = ("export", "xlsx", "roster", "report.xlsx")
# Downloads that are not exports of the system's data, and why.
NOT_EXPORTS = {
    "imports:template": "the empty import template: headers only, no personal data",
    "jobs:file": "a file a background job made from the user's own upload (the import's validation report); "
                 "no job kind exports system data yet, and one that does must call exports.guard when queued",
}
API_NOT_EXPORTS = {
    "jingfang.jobs.api.get_file": NOT_EXPORTS["jobs:file"],
    "jingfang.imports.api.template": NOT_EXPORTS["imports:template"],
    "jingfang.imports.api.import_patients": "an upload (core.uploads); answers with counts, not data",
    "jingfang.exchange.api_recon.upload": "an upload (core.uploads); answers with counts, not data",
}
SRC = Path(__file__).resolve().parents[2]
# Modules that may build a file response: the builder itself, the guard, and the non-exports above.
FILE_RESPONSE_MODULES = {"core/xlsx.py", "exports/guard.py", "jobs/views.py", "jobs/api.py", "imports/views.py",
                         "imports/api.py"}


def _patterns(patterns=None, prefix="", namespace=""):
    for p in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(p, URLResolver):
            ns = ":".join(x for x in (namespace, p.namespace) if x)
            yield from _patterns(p.url_patterns, prefix + str(p.pattern), ns)
        elif isinstance(p, URLPattern):
            yield prefix + str(p.pattern), ":".join(x for x in (namespace, p.name or "") if x), p.callback


def test_every_export_url_is_guarded_and_only_those():
    exportish, guarded = set(), set()
    for route, name, callback in _patterns():
        if route.startswith(("api/", "admin/")) or name.startswith("exports:"):
            continue
        if any(word in (route + " " + name).lower() for word in EXPORT_WORDS):
            exportish.add(name)
        if getattr(callback, GUARDED_ATTR, False):
            guarded.add(name)
    assert guarded == exportish - set(NOT_EXPORTS), (exportish - set(NOT_EXPORTS)) ^ guarded
    assert len(guarded) >= 18  # registry, audit, follow-ups ×5, screening ×2, intake, support ×4, stats ×2, …


def _api_operations():
    for _prefix, router in api._routers:
        for path, path_view in router.path_operations.items():
            for op in path_view.operations:
                yield path, op.view_func


def test_every_api_route_returning_an_export_is_guarded():
    guarded, unguarded = [], []
    for path, func in _api_operations():
        inner = inspect.unwrap(func)
        name = f"{inner.__module__}.{inner.__name__}"
        source = inspect.getsource(inner)
        exports = '"export"' in source or "xlsx" in source or "Content-Disposition" in source
        if getattr(func, GUARDED_ATTR, False):
            guarded.append(path)
        elif exports and name not in API_NOT_EXPORTS:
            unguarded.append(f"{path} {name}")
    assert unguarded == []
    assert "/campaigns/{id}/report" in guarded


def test_no_module_sends_a_file_around_the_guard():
    offenders = []
    for path in SRC.rglob("*.py"):
        rel = path.relative_to(SRC).as_posix()
        if "/tests/" in f"/{rel}" or "/migrations/" in rel or rel in FILE_RESPONSE_MODULES:
            continue
        text = path.read_text(encoding="utf-8")
        for needle in ("xlsx_response(", "Content-Disposition", "FileResponse("):
            if needle in text:
                offenders.append(f"{rel}: {needle}")
    assert offenders == []
