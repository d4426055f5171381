"""A write and its audit row commit together or not at all (SECURITY.md, "Audit row").

Every function that writes and records a success audit row is found in the source (``audited_writes``):
each must have a case below, or a reason in NOT_WRITES why it writes nothing of its own. A case runs the
function on the permission matrix's world (tests/security/world.py) with the audit writer failing at the
function's own audit call (any audit row of a service it calls is written as usual): the failure must
come out of the function and leave every table as it was, those audit rows included.
"""

import ast
import datetime as dt
import importlib
import inspect
import sys
from pathlib import Path

import pytest
from django.apps import apps
from django.db import transaction

from jingfang.accounts import roles
from jingfang.audit import log as audit_log
from jingfang.core import clock

pytestmark = pytest.mark.django_db

SRC = Path(__file__).resolve().parents[2] / "src"
PACKAGE = SRC / "jingfang"
# Modules that only pass a row on to audit.log.record: the function that called them is the writer.
WRAPPERS = {str(PACKAGE / "audit" / "log.py"), str(PACKAGE / "support" / "auditing.py")}
WRITE_CALLS = {"save", "delete", "create", "update", "bulk_create", "bulk_update", "get_or_create",
               "update_or_create"}
TODAY = clock.today()
D = dt.timedelta


# Discovery -----------------------------------------------------------------------------------------
def _success_audit(call: ast.Call, imports_record: bool) -> bool:
    """An audit call that records a success: no outcome given, or outcome "ok" (a refusal passes its
    outcome as a constant other than "ok", or as a variable holding one)."""
    f = call.func
    if isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name):
        if f.value.id not in ("audit", "auditing") or f.attr not in ("record", "record_request"):
            return False
    elif not (isinstance(f, ast.Name) and f.id == "record" and imports_record):
        return False
    outcome = [k.value for k in call.keywords if k.arg == "outcome"]
    return not outcome or (isinstance(outcome[0], ast.Constant) and outcome[0].value == "ok")


def _writes(call: ast.Call) -> bool:
    f = call.func
    if not isinstance(f, ast.Attribute):
        return False
    owner = f.value.id if isinstance(f.value, ast.Name) else ""
    return f.attr in WRITE_CALLS or "services" in owner


def audited_writes() -> set[str]:
    """"module:qualname" of every function (or method) that records a success audit row and writes:
    any such function of a services module or a management command, and elsewhere one that also
    saves, creates, updates or deletes rows or calls a services module."""
    found = set()
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(SRC)
        if "tests" in rel.parts or "migrations" in rel.parts:
            continue
        text = path.read_text(encoding="utf-8")
        tree = ast.parse(text)
        imports_record = "from jingfang.audit.log import record" in text
        writer_module = "services" in path.stem or "commands" in rel.parts
        module = ".".join(rel.with_suffix("").parts)
        for node in tree.body:
            if isinstance(node, ast.FunctionDef):
                functions = [(node.name, node)]
            elif isinstance(node, ast.ClassDef):
                functions = [(f"{node.name}.{f.name}", f) for f in node.body if isinstance(f, ast.FunctionDef)]
            else:
                continue
            for name, fn in functions:
                calls = [c for c in ast.walk(fn) if isinstance(c, ast.Call)]
                if any(_success_audit(c, imports_record) for c in calls) and (
                        writer_module or any(_writes(c) for c in calls)):
                    found.add(f"{module}:{name}")
    return found


def resolve(name: str):
    module, qualname = name.split(":")
    obj = importlib.import_module(module)
    for part in qualname.split("."):
        obj = inspect.getattr_static(obj, part) if inspect.isclass(obj) else getattr(obj, part)
        if isinstance(obj, (staticmethod, classmethod)):
            obj = obj.__func__
    return inspect.unwrap(obj)


def _codes(code) -> set:
    """A function's code and that of the functions defined inside it (e.g. a callback it passes on)."""
    out = {code}
    for const in code.co_consts:
        if inspect.iscode(const):
            out |= _codes(const)
    return out


class AuditDown(Exception):
    """The audit writer failed (e.g. the database refused the row)."""


class FailingAudit:
    """Replaces audit.log.record: fails when called from ``target`` (directly or through a wrapper such
    as record_request), writes the row as usual when called from anywhere else."""

    def __init__(self, target):
        self.codes = _codes(target.__code__)
        self.original = audit_log.record
        self.failed = 0

    def __call__(self, *args, **kwargs):
        frame = sys._getframe(1)
        while frame is not None and frame.f_code.co_filename in WRAPPERS:
            frame = frame.f_back
        if frame is not None and frame.f_code in self.codes:
            self.failed += 1
            raise AuditDown("审计记录写入失败")
        return self.original(*args, **kwargs)

    def __enter__(self):
        # modules that imported the function itself (management commands) as well as audit.log's users
        self.patched = [m for name, m in list(sys.modules.items())
                        if name.startswith("jingfang") and getattr(m, "record", None) is self.original]
        for m in self.patched:
            m.record = self
        return self

    def __exit__(self, *exc):
        for m in self.patched:
            m.record = self.original


def snapshot() -> dict:
    """Every row of every table, as stored."""
    out = {}
    for model in apps.get_models(include_auto_created=True):
        if model._meta.proxy or not model._meta.managed:
            continue
        out[model._meta.db_table] = list(model._base_manager.order_by("pk").values_list())
    return out



from .atomic_cases import CASES, NOT_WRITES  # noqa: E402
from .atomic_cases.common import inside, u  # noqa: E402


def test_every_audited_write_has_a_case():
    found = audited_writes()
    missing = sorted(found - set(CASES) - set(NOT_WRITES))
    assert not missing, (
        "These functions write and record a success audit row but have no case in CASES (or reason in "
        f"NOT_WRITES): {missing}")
    stale = sorted((set(CASES) | set(NOT_WRITES)) - found)
    assert not stale, f"Entries for functions that are no longer audited writes: {stale}"


def test_discovery_finds_writes_in_and_out_of_services_modules():
    found = audited_writes()
    assert {"jingfang.registry.services:update_patient", "jingfang.stats.inspections:close_item",
            "jingfang.jobs.views:job_rerun", "jingfang.support.services_rewards:withhold"} <= found
    assert "jingfang.support.auditing:record" not in found  # a wrapper, not a writer


PARAMS = [pytest.param(name, case, id=f"{name.split('.')[-1]}-{case.__name__[2:]}")
          for name, cases in sorted(CASES.items()) for case in cases]


@pytest.mark.parametrize(("name", "case"), PARAMS)
def test_a_failed_audit_row_leaves_nothing_written(matrix, name, case):
    target = resolve(name)
    with transaction.atomic():
        run = case(matrix)
        before = snapshot()
        failing = FailingAudit(target)
        with failing, pytest.raises(AuditDown):
            run()
        after = snapshot()
        transaction.set_rollback(True)
    assert failing.failed == 1
    changed = sorted(table for table in before if before[table] != after[table])
    assert not changed, f"{name}: its audit row failed, yet these tables changed: {changed}"


def test_the_failing_writer_fails_only_for_its_own_function(matrix):
    """The check itself: a service's audit row is written as usual when another function's fails."""
    from jingfang.audit.models import AuditEvent
    from jingfang.registry import services

    with transaction.atomic():
        before = AuditEvent.objects.count()
        with FailingAudit(resolve("jingfang.registry.services:create_patient")):
            services.set_transfer_pending(u(matrix, roles.TOWNSHIP_DOCTOR), inside(matrix, "patient"), True)
        assert AuditEvent.objects.count() == before + 1
        transaction.set_rollback(True)


def test_a_write_audited_after_its_transaction_is_caught(matrix):
    """The check itself: a write whose audit row follows its commit leaves the write behind."""
    from jingfang.registry.models import Patient

    def careless(patient):
        with transaction.atomic():
            Patient.objects.filter(pk=patient.pk).update(address="改了")
        audit_log.record(None, "update", patient_id=patient.pk)

    with transaction.atomic():
        patient = inside(matrix, "patient")
        before = snapshot()
        with FailingAudit(careless), pytest.raises(AuditDown):
            careless(patient)
        assert snapshot() != before
        transaction.set_rollback(True)


