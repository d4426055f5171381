"""Reading exchange tables and reconciliation runs: always from the acting user's jurisdiction.

A table or run belongs to a township; the user's region must contain it (registry.selectors
.jurisdiction_range, the one definition of scope) and the role must be a party to it. Anything else
is indistinguishable from a row that does not exist (404, same body), and the attempt is audited.
"""

from django.http import Http404

from jingfang.audit import log as audit
from jingfang.regions import codes
from jingfang.regions.models import Region
from jingfang.registry.selectors import jurisdiction_range

from . import permissions as perms
from .models import ExchangeTable, ReconciliationLine, ReconciliationRun

TABLE_MISSING = "信息交换表不存在"
RUN_MISSING = "核对结果不存在"


def _in_scope(user, qs, action: str, field: str = "township_id"):
    scope = jurisdiction_range(user)
    if scope is None or not perms.can(user, action):
        return qs.none()
    return qs.filter(**{f"{field}__gte": scope[0], f"{field}__lte": scope[1]})


def townships_for(user) -> list[Region]:
    """The townships whose tables and lists the user works with (their own, or those under them)."""
    scope = jurisdiction_range(user)
    if scope is None:
        return []
    return list(Region.objects.filter(level=codes.TOWNSHIP, code__gte=scope[0], code__lte=scope[1]).order_by("code"))


def township_for(user, code: str) -> Region | None:
    """The township ``code`` if the user's jurisdiction contains it (a township-level user may omit it)."""
    code = (code or "").strip()
    if not code:
        mine = townships_for(user)
        return mine[0] if len(mine) == 1 else None
    return next((t for t in townships_for(user) if t.code == code), None)


def tables_for(user):
    return _in_scope(user, ExchangeTable.objects.all(), perms.VIEW_TABLES).select_related("township", "generated_by")


def runs_for(user):
    qs = _in_scope(user, ReconciliationRun.objects.all(), perms.VIEW_RECONCILIATIONS)
    department = perms.department_of(user)
    if department is not None:
        qs = qs.filter(department=department)
    return qs.select_related("township", "uploaded_by")


def _refuse(request, model, pk, kind: str, message: str):
    exists = isinstance(pk, int) and model.objects.filter(pk=pk).exists()
    audit.record_request(request, "view", outcome="denied" if exists else "not_found", target=f"{kind}:{pk}"[:200])
    raise Http404(message)


def _pk(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return str(value)[:40]


def get_table_for(request, pk, *, audit_success: bool = True) -> ExchangeTable:
    pk = _pk(pk)
    table = tables_for(request.user).filter(pk=pk).first() if isinstance(pk, int) else None
    if table is None:
        _refuse(request, ExchangeTable, pk, "exchange_table", TABLE_MISSING)
    if audit_success:
        audit.record_request(request, "view", target=f"exchange_table:{table.pk}",
                             detail={"township": table.township_id, "month": f"{table.month:%Y-%m}"})
    return table


def get_run_for(request, pk, *, audit_success: bool = True) -> ReconciliationRun:
    pk = _pk(pk)
    run = runs_for(request.user).filter(pk=pk).first() if isinstance(pk, int) else None
    if run is None:
        _refuse(request, ReconciliationRun, pk, "reconciliation", RUN_MISSING)
    if audit_success:
        audit.record_request(request, "view", target=f"reconciliation:{run.pk}",
                             detail={"township": run.township_id, "department": run.department})
    return run


def get_line_for(request, run: ReconciliationRun, line_pk) -> ReconciliationLine:
    pk = _pk(line_pk)
    line = run.lines.filter(pk=pk).first() if isinstance(pk, int) else None
    if line is None:
        _refuse(request, ReconciliationLine, pk, "reconciliation_line", RUN_MISSING)
    return line


def versions_of(table: ExchangeTable):
    return ExchangeTable.objects.filter(township_id=table.township_id, month=table.month).order_by("version")


def latest_tables(user, township_code: str = "", month=None):
    """The latest version of each (township, month) the user may read."""
    qs = tables_for(user)
    if township_code:
        qs = qs.filter(township_id=township_code)
    if month is not None:
        qs = qs.filter(month=month)
    latest = {}
    for t in qs.order_by("township_id", "month", "version"):
        latest[(t.township_id, t.month)] = t
    return sorted(latest.values(), key=lambda t: (t.month, t.township_id), reverse=True)
