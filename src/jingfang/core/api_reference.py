"""docs/api.md, the API reference kept in the repository: its contract part is written by hand, its
list of operations and data structures is generated here from the OpenAPI document (the contract).

``jingfang api_reference`` rewrites the generated part; ``jingfang api_reference --check`` (and
tests/test_api_reference.py) fails when the file no longer matches the OpenAPI document, so a new or
changed path cannot go undocumented. Pure apart from ``schema()``: a dict in, Markdown out.
"""

from __future__ import annotations

from pathlib import Path

BEGIN = "<!-- BEGIN GENERATED from the OpenAPI document by `jingfang api_reference`; do not edit by hand -->"
END = "<!-- END GENERATED -->"
METHODS = ("get", "post", "put", "patch", "delete")
DOC_PATH = Path(__file__).resolve().parents[3] / "docs" / "api.md"


def schema() -> dict:
    """The OpenAPI document as /api/openapi.json serves it."""
    from jingfang.api import api

    return api.get_openapi_schema()


def _ref_name(ref: str) -> str:
    return ref.rsplit("/", 1)[-1]


def type_of(node: dict | None) -> str:
    """A JSON-schema node in a few words: `integer`, `string (date)`, `PatientDetail`, `[LeadSummary]`."""
    if not node:
        return "any"
    if "$ref" in node:
        return f"[{_ref_name(node['$ref'])}](#{_ref_name(node['$ref']).lower()})"
    for key in ("anyOf", "oneOf", "allOf"):
        if key in node:
            parts = [type_of(n) for n in node[key] if n.get("type") != "null"]
            text = " | ".join(dict.fromkeys(parts)) or "null"
            nullable = any(n.get("type") == "null" for n in node[key])
            return text + (" | null" if nullable else "")
    if "enum" in node:
        return " | ".join(f"`{v}`" if v != "" else '`""`' for v in node["enum"])
    kind = node.get("type", "any")
    if kind == "array":
        return f"array of {type_of(node.get('items'))}"
    if node.get("format"):
        return f"{kind} ({node['format']})"
    return kind


def _cell(text) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def _auth(op: dict) -> str:
    schemes = [name for entry in op.get("security", []) for name in entry]
    if not schemes:
        return "none"
    words = {"TokenAuth": "bearer token", "SessionAuth": "web session (+ X-CSRFToken when not GET)"}
    return " or ".join(words.get(s, s) for s in schemes)


def _body(op: dict) -> str:
    content = op.get("requestBody", {}).get("content", {})
    return "; ".join(f"{kind}: {type_of(part.get('schema'))}" for kind, part in content.items())


def _responses(op: dict) -> tuple[str, str]:
    ok, errors = [], []
    for status, answer in sorted(op.get("responses", {}).items()):
        content = answer.get("content", {})
        body = next((type_of(part.get("schema")) for part in content.values()), "")
        if status.startswith(("2", "3")):
            ok.append(f"{status}" + (f" {body}" if body else ""))
        else:
            errors.append(status)
    return ", ".join(ok), ", ".join(errors)


def operations(doc: dict) -> list[tuple[str, str, str, dict]]:
    """(tag, method, path, operation) in the document's order."""
    found = []
    for path, item in doc.get("paths", {}).items():
        for method in METHODS:
            if method in item:
                op = item[method]
                found.append(((op.get("tags") or ["其他"])[0], method.upper(), path, op))
    return found


def render(doc: dict) -> str:
    """The generated part of docs/api.md (between BEGIN and END, markers excluded)."""
    ops = operations(doc)
    tags = list(dict.fromkeys(tag for tag, *_ in ops))
    out = ["## Operations by area", ""]
    out.append(f"{len(ops)} operations on {len(doc.get('paths', {}))} paths, grouped by area (the "
               "OpenAPI tag). Every operation's error statuses answer with `ApiError`.")
    out.append("")
    for tag in tags:
        out += [f"### {tag}", ""]
        for t, method, path, op in ops:
            if t != tag:
                continue
            out.append(f"#### `{method} {path}`")
            out.append("")
            out.append(_cell(op.get("summary", "")))
            out.append("")
            if op.get("description"):
                out += [op["description"].strip(), ""]
            params = op.get("parameters", [])
            ok, errors = _responses(op)
            out.append(f"- Auth: {_auth(op)}")
            for where in ("path", "query", "header"):
                named = [p for p in params if p.get("in") == where]
                if named:
                    shown = ", ".join(
                        f"`{p['name']}`{'' if p.get('required') else '?'} {type_of(p.get('schema'))}"
                        for p in named)
                    out.append(f"- {where.capitalize()} parameters: {shown}")
            if _body(op):
                out.append(f"- Body: {_body(op)}")
            if ok:
                out.append(f"- Answers: {ok}")
            if errors:
                out.append(f"- Errors: {errors}")
            out.append("")
    out += ["## Data structures", ""]
    out.append("Fields marked \"yes\" are required in a request body and always present in an answer. A "
               "field a role may not read is left out of that role's answers.")
    out.append("")
    for name, node in doc.get("components", {}).get("schemas", {}).items():
        out += [f"### {name}", ""]
        if node.get("description"):
            out += [_cell(node["description"]), ""]
        props = node.get("properties", {})
        if not props:
            out += ["(no fixed fields)", ""]
            continue
        required = set(node.get("required", []))
        out += ["| field | type | required | notes |", "|---|---|---|---|"]
        for field, spec in props.items():
            notes = spec.get("description", "")
            if "default" in spec and spec["default"] is not None:
                notes = f"{notes} (default {spec['default']!r})".strip()
            out.append(f"| `{field}` | {_cell(type_of(spec))} | {'yes' if field in required else ''} | {_cell(notes)} |")
        out.append("")
    return "\n".join(out).rstrip() + "\n"


def splice(text: str, generated: str) -> str:
    """``text`` with its generated part replaced by ``generated``; the markers must be there."""
    head, sep, rest = text.partition(BEGIN)
    _, sep2, tail = rest.partition(END)
    if not sep or not sep2:
        raise ValueError(f"docs/api.md 缺少生成区标记：{BEGIN} … {END}")
    return f"{head}{BEGIN}\n\n{generated}\n{END}{tail}"


def current(text: str, doc: dict) -> bool:
    return splice(text, render(doc)) == text
