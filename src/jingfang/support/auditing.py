"""Audit rows for support's writes, in the house's action words (create/update) with the operation
named in the detail (e.g. {"op": "relief_approve"}); refusals keep their outcome (denied, invalid…).
Detail never holds an ID number, a phone number or a diagnosis."""

from jingfang.audit import log as audit


def record(actor, op: str, *, detail: dict | None = None, **kwargs):
    action = "create" if op.endswith("_create") else "update"
    return audit.record(actor, action, detail={"op": op, **(detail or {})}, **kwargs)
