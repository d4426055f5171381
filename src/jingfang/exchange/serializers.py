"""Exchange tables and reconciliation runs as plain data, for the API and the pages.

Nothing here is clinical: the lines carry whereabouts, risk levels and incidents, and ID numbers only
masked. Every party reads the same table, but the risk level (its changes, our file's level in a
reconciliation) only the roles that receive it (accounts.roles.RISK_ROLES): given ``role``, the others'
answer leaves it out.
"""

from django.utils import timezone

from jingfang.accounts import roles

from . import services, table
from .models import DEPARTMENTS, LINE_KINDS, LIST_DEPARTMENTS, RESOLUTIONS, RUN_STATES


def person(user) -> str:
    return (user.get_full_name() or user.get_username()) if user is not None else ""


def receipt_data(r) -> dict:
    return {"department": r.department, "department_label": DEPARTMENTS.get(r.department, r.department),
            "received_on": r.received_on, "received_by": r.received_by, "note": r.note,
            "recorded_by": person(r.recorded_by), "recorded_at": r.recorded_at}


RISK_CATEGORIES = ("risk_changed", "risk_up3")


def _hides_risk(role) -> bool:
    return role is not None and not roles.sees_risk(role)


def shown_lines(lines, role=None) -> list:
    """The table's lines as ``role`` may read them (None: all)."""
    return [ln for ln in lines if not (_hides_risk(role) and ln.get("category") in RISK_CATEGORIES)]


def table_summary(t, role=None) -> dict:
    counts = t.content.get("counts", {})
    if _hides_risk(role):
        counts = {k: v for k, v in counts.items() if k not in RISK_CATEGORIES}
    return {
        "id": t.pk, "township_code": t.township_id, "township_name": t.township.name, "month": f"{t.month:%Y-%m}",
        "version": t.version, "generated_at": t.generated_at, "generated_by": person(t.generated_by),
        "counts": counts, "lines": len(shown_lines(t.content.get("lines", []), role)),
        "receipts": [r.department for r in t.receipts.all()],
    }


def line_out(line: dict) -> dict:
    return {**line, "category_label": table.LABELS.get(line["category"], line["category"]),
            "supplement": bool(line.get("supplement"))}


def table_detail(t, role=None) -> dict:
    summary_rows, previous_source = services.summary_rows(t)
    if _hides_risk(role):
        summary_rows = [r for r in summary_rows if r["key"] not in RISK_CATEGORIES]
    content = t.content
    supplement = t.supplement or {}
    added = {table.line_key(ln) for ln in supplement.get("added", [])}
    return {
        **table_summary(t, role),
        "start": content.get("start"), "end": content.get("end"),
        "summary": summary_rows, "previous_source": previous_source,
        "lines": [line_out({**ln, "supplement": table.line_key(ln) in added})
                  for ln in shown_lines(content.get("lines", []), role)],
        "removed": [line_out(ln) for ln in shown_lines(supplement.get("removed", []), role)],
        "receipts": [receipt_data(r) for r in t.receipts.select_related("recorded_by")],
        "departments": [{"key": k, "label": v} for k, v in services.departments_for(t.township_id).items()],
    }


def run_summary(run) -> dict:
    return {
        "id": run.pk, "township_code": run.township_id, "township_name": run.township.name,
        "department": run.department, "department_label": LIST_DEPARTMENTS.get(run.department, run.department),
        "state": run.state, "state_label": RUN_STATES.get(run.state, run.state), "filename": run.filename,
        "uploaded_at": run.uploaded_at, "uploaded_by": person(run.uploaded_by), "row_count": run.row_count,
        "counts": run.counts or {}, "completed_at": run.completed_at,
    }


def resolution_data(r) -> dict:
    return {"action": r.action, "action_label": RESOLUTIONS.get(r.action, r.action), "note": r.note,
            "patient_id": r.patient_id, "lead_id": r.lead_id, "resolved_by": person(r.resolved_by),
            "resolved_at": timezone.localtime(r.resolved_at)}


def line_data(line, role=None) -> dict:
    theirs = {k: v for k, v in (line.theirs or {}).items() if k != "id_number"}  # full number never leaves
    resolutions = list(line.resolutions.all())
    ours, diffs = line.ours or {}, line.diffs or []
    if _hides_risk(role):  # their own list's level stays theirs; ours is not told
        ours = {k: v for k, v in ours.items() if k != "risk_level"}
        diffs = [d for d in diffs if d.get("field") != "risk_level"]
    return {
        "id": line.pk, "kind": line.kind, "kind_label": LINE_KINDS.get(line.kind, line.kind),
        "row_number": line.row_number, "patient_id": line.patient_id, "theirs": theirs, "ours": ours,
        "diffs": diffs, "warnings": line.warnings or [], "resolution": line.resolution or None,
        "resolution_label": RESOLUTIONS.get(line.resolution) if line.resolution else None,
        "resolutions": [resolution_data(r) for r in resolutions],
    }


def run_detail(run, lines=None, role=None) -> dict:
    lines = run.lines.prefetch_related("resolutions__resolved_by") if lines is None else lines
    return {**run_summary(run), "sheet": run.sheet, "header_rows": run.header_rows, "headers": run.headers,
            "mapping": run.mapping, "warnings": run.warnings, "lines": [line_data(ln, role) for ln in lines]}
