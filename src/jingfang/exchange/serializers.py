"""Exchange tables and reconciliation runs as plain data, for the API and the pages.

Nothing here is clinical: the lines carry whereabouts, risk levels and incidents, which every party to
the exchange may read (accounts.roles), and ID numbers only masked.
"""

from django.utils import timezone

from . import services, table
from .models import DEPARTMENTS, LINE_KINDS, LIST_DEPARTMENTS, RESOLUTIONS, RUN_STATES


def person(user) -> str:
    return (user.get_full_name() or user.get_username()) if user is not None else ""


def receipt_data(r) -> dict:
    return {"department": r.department, "department_label": DEPARTMENTS.get(r.department, r.department),
            "received_on": r.received_on, "received_by": r.received_by, "note": r.note,
            "recorded_by": person(r.recorded_by), "recorded_at": r.recorded_at}


def table_summary(t) -> dict:
    return {
        "id": t.pk, "township_code": t.township_id, "township_name": t.township.name, "month": f"{t.month:%Y-%m}",
        "version": t.version, "generated_at": t.generated_at, "generated_by": person(t.generated_by),
        "counts": t.content.get("counts", {}), "lines": len(t.content.get("lines", [])),
        "receipts": [r.department for r in t.receipts.all()],
    }


def line_out(line: dict) -> dict:
    return {**line, "category_label": table.LABELS.get(line["category"], line["category"]),
            "supplement": bool(line.get("supplement"))}


def table_detail(t) -> dict:
    summary_rows, previous_source = services.summary_rows(t)
    content = t.content
    supplement = t.supplement or {}
    added = {table.line_key(ln) for ln in supplement.get("added", [])}
    return {
        **table_summary(t),
        "start": content.get("start"), "end": content.get("end"),
        "summary": summary_rows, "previous_source": previous_source,
        "lines": [line_out({**ln, "supplement": table.line_key(ln) in added}) for ln in content.get("lines", [])],
        "removed": [line_out(ln) for ln in supplement.get("removed", [])],
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


def line_data(line) -> dict:
    theirs = {k: v for k, v in (line.theirs or {}).items() if k != "id_number"}  # full number never leaves
    resolutions = list(line.resolutions.all())
    return {
        "id": line.pk, "kind": line.kind, "kind_label": LINE_KINDS.get(line.kind, line.kind),
        "row_number": line.row_number, "patient_id": line.patient_id, "theirs": theirs, "ours": line.ours or {},
        "diffs": line.diffs or [], "warnings": line.warnings or [], "resolution": line.resolution or None,
        "resolution_label": RESOLUTIONS.get(line.resolution) if line.resolution else None,
        "resolutions": [resolution_data(r) for r in resolutions],
    }


def run_detail(run, lines=None) -> dict:
    lines = run.lines.prefetch_related("resolutions__resolved_by") if lines is None else lines
    return {**run_summary(run), "sheet": run.sheet, "header_rows": run.header_rows, "headers": run.headers,
            "mapping": run.mapping, "warnings": run.warnings, "lines": [line_data(ln) for ln in lines]}
