"""The follow-up form's required-field and conditional rules, as data, and their interpreter.

One source: ``FollowUpForm.clean`` (page and API) evaluates ``RULES`` with ``check``, and the offline
app's form definition (offline.formdef) ships the same ``RULES`` to the phone, whose JavaScript mirrors
``check``. Field names are the API's (``FollowupIn``); the form maps them to its own names.

The rule language (pure data, JSON-serialisable):

- a condition: ``{"field": f, "equals": v}``, ``{"field": f, "in": [...]}``, ``{"field": f, "filled": bool}``,
  ``{"all": [cond, ...]}``, ``{"not": cond}``; a rule without ``if`` always applies;
- ``{"derive": f, "worst_of": g, "order": [...]}``: when ``f`` is empty, it takes the worst value of
  the dict ``g`` (the order from best to worst); derivations run first, in order;
- ``{"if": cond, "require": [f, ...], "message": m}``: each empty field fails with ``m``;
- ``{"if": cond, "forbid": [f, ...], "message": m}``: each filled field fails with ``m``; with
  ``"as": ""`` one error on the form as a whole, ``m`` followed by the filled fields' labels;
- ``{"if": cond, "not_after": f, "than": ref, "message": m}`` and ``"not_before"``: a date compared
  with ``ref``: ``{"today": true}``, ``{"field": g}`` or ``{"param": p}`` (skipped when either is empty);
- ``{"if": cond, "min_count": f, "param": p, "floor": n, "message": m}``: ``max(floor, len(f))``
  must reach the parameter ``p``.

Messages may name ``{param}`` values (``{registered_on}``) and ``{min}``/``{count}`` (``min_count``).
Empty means None, "", [], {} or False. Dates are ISO strings or ``datetime.date``.
"""

import datetime as dt

from jingfang.core import vocab

GOOD_FAIR_POOR_ORDER = ["good", "fair", "poor"]
REQUIRED_WHEN_SEEN = ["risk_level", "insight", "social_function", "adherence", "adverse_reaction", "physical_illness"]
# Filled only when the patient was seen (API names; hospitalized stands for hospital = current).
ASSESSMENT_FIELDS = [
    "risk_level", "symptoms", "symptoms_other", "psychotic_level", "insight", "sleep", "diet", "social_function",
    "locking", "hospitalized", "hospital", "discharge_date", "lab_tests", "adherence", "adherence_cause",
    "adverse_reaction", "adverse_note", "physical_illness", "physical_note", "treatment_effect", "rehab_measures",
    "social_detail", "dangerous_acts",
]
SEEN = {"field": "seen", "equals": True}
NOT_SEEN = {"not": SEEN}

RULES: list[dict] = [
    {"derive": "social_function", "worst_of": "social_detail", "order": GOOD_FAIR_POOR_ORDER},
    {"require": ["date", "mode"], "message": "此项必填"},
    {"not_after": "date", "than": {"today": True}, "message": "随访日期不能晚于今天"},
    {"not_before": "date", "than": {"param": "registered_on"}, "message": "随访日期不能早于建档日期（{registered_on}）"},
    {"if": SEEN, "require": REQUIRED_WHEN_SEEN, "message": "见到患者时必须填写此项"},
    {"if": SEEN, "forbid": ["not_seen_reason"], "message": "已见到患者，不应填写未见原因"},
    {"if": {"all": [SEEN, {"field": "adherence", "in": ["intermittent", "none"]}]}, "require": ["adherence_cause"],
     "message": "服药不规律或不服药时请选择原因，以便给出对应措施"},
    {"if": {"all": [NOT_SEEN, {"not": {"field": "died", "equals": True}}]}, "require": ["not_seen_reason"],
     "message": "未见到患者时请选择原因"},
    {"if": NOT_SEEN, "forbid": ASSESSMENT_FIELDS, "as": "", "message": "未见到患者，不能填写评估内容"},
    {"if": NOT_SEEN, "forbid": ["condition"], "message": "未见到患者时不能判定随访分类"},
    {"if": {"field": "condition", "filled": True}, "require": ["condition_reason"],
     "message": "调整系统判定的分类时必须写明理由"},
    {"if": {"field": "referral", "equals": True}, "require": ["referral_to"], "message": "转诊时请填写转诊机构及科室"},
    {"not_after": "discharge_date", "than": {"field": "date"}, "message": "出院日期不能晚于随访日期"},
    {"if": {"field": "died", "equals": True}, "require": ["death_date"], "message": "请填写死亡日期"},
    {"if": {"field": "died", "equals": True}, "not_after": "death_date", "than": {"today": True},
     "message": "死亡日期不能晚于今天"},
    {"if": {"field": "died", "equals": True}, "require": ["death_cause"], "message": "请填写死亡原因"},
    {"if": {"field": "joint", "equals": True}, "min_count": "attendees", "param": "joint_min_members", "floor": 1,
     "message": "联合随访至少应有{min}名小组成员参加，请填写全部参加人员（当前{count}人）"},
]

# Labels of the fields the rules name, for the message listing forbidden fields (the form's labels).
LABELS = {
    "risk_level": "危险性评估", "symptoms": "目前症状", "symptoms_other": "其他症状", "psychotic_level": "精神症状程度",
    "insight": "自知力", "sleep": "睡眠情况", "diet": "饮食情况", "social_function": "社会功能（总体）",
    "locking": "两次随访期间关锁", "hospitalized": "目前正在住院", "hospital": "两次随访期间住院",
    "discharge_date": "末次出院时间", "lab_tests": "实验室检查", "adherence": "服药依从性",
    "adherence_cause": "服药不规律原因", "adverse_reaction": "药物不良反应", "adverse_note": "不良反应说明",
    "physical_illness": "躯体疾病", "physical_note": "躯体情况说明", "treatment_effect": "治疗效果",
    "rehab_measures": "康复措施", "social_detail": "社会功能", "dangerous_acts": "危险行为",
}
assert set(vocab.GOOD_FAIR_POOR) == set(GOOD_FAIR_POOR_ORDER)


def empty(value) -> bool:
    return value is None or value is False or value in ("", [], {})


def _date(value):
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def holds(cond: dict | None, values: dict) -> bool:
    if cond is None:
        return True
    if "all" in cond:
        return all(holds(c, values) for c in cond["all"])
    if "not" in cond:
        return not holds(cond["not"], values)
    value = values.get(cond["field"])
    if "equals" in cond:
        return value == cond["equals"] and type(value) is type(cond["equals"])
    if "in" in cond:
        return value in cond["in"]
    if "filled" in cond:
        return (not empty(value)) == cond["filled"]
    raise ValueError(f"unknown condition {cond!r}")


def _ref(ref: dict, values: dict, params: dict, today: dt.date):
    if ref.get("today"):
        return today
    if "field" in ref:
        return _date(values.get(ref["field"]))
    return _date(params.get(ref["param"]))


def derive(rules: list[dict], values: dict) -> dict:
    """The values with the rules' derivations applied (a new dict)."""
    values = dict(values)
    for rule in rules:
        if "derive" in rule and empty(values.get(rule["derive"])):
            order = rule["order"]
            found = [v for v in (values.get(rule["worst_of"]) or {}).values() if v in order]
            if found:
                values[rule["derive"]] = max(found, key=order.index)
    return values


def check(rules: list[dict], values: dict, params: dict, today: dt.date) -> list[tuple[str, str]]:
    """(field, message) for every rule ``values`` break; field "" for the form as a whole.
    ``values`` must already carry the derivations (``derive``)."""
    texts = {k: str(v) for k, v in params.items()}
    problems: list[tuple[str, str]] = []
    for rule in rules:
        if "derive" in rule or not holds(rule.get("if"), values):
            continue
        message = rule["message"]
        if "require" in rule:
            problems += [(f, message.format(**texts)) for f in rule["require"] if empty(values.get(f))]
        elif "forbid" in rule:
            filled = [f for f in rule["forbid"] if not empty(values.get(f))]
            if filled and rule.get("as") == "":
                problems.append(("", f"{message}：{'、'.join(LABELS.get(f, f) for f in filled)}"))
            else:
                problems += [(f, message) for f in filled]
        elif "not_after" in rule or "not_before" in rule:
            name = rule.get("not_after") or rule["not_before"]
            mine, other = _date(values.get(name)), _ref(rule["than"], values, params, today)
            if mine and other and (mine > other if "not_after" in rule else mine < other):
                problems.append((name, message.format(**texts)))
        elif "min_count" in rule:
            minimum = params.get(rule["param"])
            count = max(rule.get("floor", 0), len(values.get(rule["min_count"]) or []))
            if minimum is not None and count < minimum:
                problems.append((rule["min_count"], message.format(**texts, min=minimum, count=count)))
        else:
            raise ValueError(f"unknown rule {rule!r}")
    return problems
