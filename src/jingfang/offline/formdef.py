"""The follow-up form's definition for the offline app, generated from the server's own validation:
the fields, their types and limits from the API body (``followups.api.FollowupIn``), labels and choice
labels from the follow-up form (``FollowUpForm``), the required-field and conditional rules from
``followups.formrules.RULES`` as they are. The phone validates with it (its JavaScript mirrors
``check_fields`` here and ``formrules.check``); nothing of it is written by hand on the phone.
"""

import datetime as dt
import functools
import hashlib
import json

from jingfang.core import vocab
from jingfang.followups import formrules
from jingfang.followups.api import FollowupIn
from jingfang.followups.forms import MED_ROWS, FollowUpForm
from jingfang.followups.models import FollowUp

# One field group per screen on the phone, in the order of the national 随访服务记录表.
GROUPS = [
    ("visit", "随访方式", ["date", "mode", "seen", "not_seen_reason", "not_seen_note", "patient_interviewed",
                          "guardian_interviewed", "joint", "attendees"]),
    ("risk", "危险性与症状", ["risk_level", "dangerous_acts", "symptoms", "symptoms_other", "psychotic_level", "insight"]),
    ("function", "生活与社会功能", ["sleep", "diet", "social_function", "social_detail", "locking"]),
    ("treatment", "住院与服药", ["hospitalized", "hospital", "discharge_date", "lab_tests", "adherence",
                                 "adherence_cause", "adverse_reaction", "adverse_note", "physical_illness",
                                 "physical_note", "medications", "treatment_effect"]),
    ("referral", "转诊与康复", ["referral", "referral_reason", "referral_to", "referral_succeeded",
                               "guardian_refuses_hospital", "psychiatrist_contacted", "police_notified",
                               "rehab_measures", "life_events", "notes", "assessment_done", "health_check_done"]),
    ("outcome", "分类调整与死亡", ["condition", "condition_reason", "died", "death_date", "death_cause"]),
]
# API names that the form calls otherwise (their labels and choices are read there).
FORM_NAMES = {"condition": "condition_override", "condition_reason": "condition_override_reason",
              "attendees": "attendee_names"}
OWN_LABELS = {"hospitalized": "目前正在住院", "attendees": "参加人员"}  # fields the form has not


def _label(form, name: str, schema: dict) -> str:
    if name in OWN_LABELS:
        return OWN_LABELS[name]
    form_name = FORM_NAMES.get(name, name)
    if form_name in form.fields:
        return str(form.fields[form_name].label)
    try:
        return str(FollowUp._meta.get_field(name).verbose_name)
    except Exception:  # noqa: BLE001 - not a model field: the API's description
        return schema.get("description") or name


def _choice_labels(form, name: str) -> dict:
    field = form.fields.get(FORM_NAMES.get(name, name))
    return {str(k): str(v) for k, v in getattr(field, "choices", []) if k not in ("", None)}


def _choices(values: list, labels: dict) -> list[list[str]]:
    return [[v, labels.get(v, v)] for v in values]


def _plain(schema: dict) -> dict:
    """The non-null branch of an ``X | None`` property."""
    for branch in schema.get("anyOf", []):
        if branch.get("type") != "null":
            return {**schema, **branch}
    return schema


def _field(form, name: str, schema: dict, required: bool) -> dict:
    out: dict = {"label": _label(form, name, schema)}
    s = _plain(schema)
    kind = s.get("type")
    if s.get("format") == "date":
        out["type"] = "date"
    elif "enum" in s:
        out.update(type="choice", choices=_choices(s["enum"], _choice_labels(form, name)))
    elif kind == "boolean":
        out["type"] = "bool"
    elif kind == "integer":
        out.update(type="int", min=s.get("minimum"), max=s.get("maximum"))
    elif kind == "string":
        out.update(type="text", max_length=s.get("maxLength"))
    elif name == "medications":
        out.update(type="medications", max_rows=s.get("maxItems", MED_ROWS),
                   name_max_length=form.fields["med_1_name"].max_length,
                   dose_max_length=form.fields["med_1_dose"].max_length)
    elif kind == "array" and "enum" in s.get("items", {}):
        out.update(type="multi", choices=_choices(s["items"]["enum"], _choice_labels(form, name)))
    elif kind == "array":
        out.update(type="list_text", max_rows=s.get("maxItems"))
    elif name == "social_detail":
        keys = s["propertyNames"]["enum"]
        out.update(type="dict_choice", keys=[[k, str(form.fields[f"social_{k}"].label)] for k in keys],
                   choices=_choices(s["additionalProperties"]["enum"], _choice_labels(form, f"social_{keys[0]}")))
    elif name == "dangerous_acts":
        keys = s["propertyNames"]["enum"]
        first = form.fields[f"acts_{keys[0]}"]
        out.update(type="dict_int", keys=[[k, vocab.DANGEROUS_ACTS[k]] for k in keys], min=first.min_value,
                   max=first.max_value)
    else:
        raise ValueError(f"no offline type for {name}: {schema}")
    out["required"] = required
    if "default" in schema:
        out["default"] = schema["default"]
    return {k: v for k, v in out.items() if v is not None or k == "default"}


@functools.cache
def definition() -> dict:
    """The form definition (see docs/offline.md); ``version`` is a hash of the rest."""
    schema = FollowupIn.model_json_schema()
    required = set(schema.get("required", []))
    form = FollowUpForm(patient=None)
    fields = {name: _field(form, name, prop, name in required) for name, prop in schema["properties"].items()}
    grouped = [f for _, _, names in GROUPS for f in names]
    if sorted(grouped) != sorted(fields):
        raise ValueError(f"GROUPS and FollowupIn differ: {set(grouped) ^ set(fields)}")
    body = {"groups": [{"id": gid, "label": label, "fields": names} for gid, label, names in GROUPS],
            "fields": fields, "rules": formrules.RULES,
            "params": {"registered_on": "患者建档日期（随患者下发）", "joint_min_members": "联合随访最少人数（随患者下发）"}}
    text = json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return {"version": hashlib.sha256(text.encode()).hexdigest()[:16], **body}


# ---- the phone's validation, in Python (the JavaScript on the phone does the same) -----------------

def _date(value):
    try:
        return dt.date.fromisoformat(value) if isinstance(value, str) and len(value) == 10 else None
    except ValueError:
        return None


def _field_problem(spec: dict, value) -> str | None:
    kind = spec["type"]
    if value is None:
        return None
    if kind == "date":
        return None if _date(value) else "应为日期（YYYY-MM-DD）"
    if kind == "choice":
        return None if value in [c[0] for c in spec["choices"]] else "取值无效"
    if kind == "bool":
        return None if isinstance(value, bool) else "应为是或否"
    if kind == "int":
        if not isinstance(value, int) or isinstance(value, bool):
            return "应为整数"
        return None if spec.get("min", value) <= value <= spec.get("max", value) else "超出范围"
    if kind == "text":
        return None if isinstance(value, str) and len(value) <= spec["max_length"] else "文字过长或无效"
    if kind == "multi":
        ok = isinstance(value, list) and all(v in [c[0] for c in spec["choices"]] for v in value)
        return None if ok else "取值无效"
    if kind == "list_text":
        ok = isinstance(value, list) and all(isinstance(v, str) for v in value) and len(value) <= spec["max_rows"]
        return None if ok else "取值无效"
    if kind == "medications":
        ok = isinstance(value, list) and len(value) <= spec["max_rows"] and all(
            isinstance(m, dict) and set(m) <= {"name", "dose"} and isinstance(m.get("name"), str)
            and len(m["name"]) <= spec["name_max_length"] and isinstance(m.get("dose", ""), str)
            and len(m.get("dose", "")) <= spec["dose_max_length"] for m in value)
        return None if ok else "用药填写无效"
    if kind in ("dict_choice", "dict_int"):
        keys = [k[0] for k in spec["keys"]]
        if not isinstance(value, dict) or any(k not in keys for k in value):
            return "取值无效"
        if kind == "dict_choice":
            return None if all(v in [c[0] for c in spec["choices"]] for v in value.values()) else "取值无效"
        ok = all(isinstance(v, int) and not isinstance(v, bool) and spec["min"] <= v <= spec["max"]
                 for v in value.values())
        return None if ok else "应为0至99的整数"
    return "未知类型"


def check_fields(form_def: dict, body: dict, params: dict, today: dt.date) -> list[tuple[str, str]]:
    """(field, message) for a body as the phone checks it: unknown fields, each field's type and
    limits, then the rules. An empty list: the server will accept it."""
    fields = form_def["fields"]
    problems = [(k, "未知字段") for k in body if k not in fields]
    values = {}
    for name, spec in fields.items():
        value = body.get(name, spec.get("default"))
        if spec["required"] and name not in body:
            problems.append((name, "此项必填"))
            continue
        problem = _field_problem(spec, value)
        if problem:
            problems.append((name, problem))
        else:
            values[name] = value
    if problems:
        return problems
    return formrules.check(form_def["rules"], formrules.derive(form_def["rules"], values), params, today)
