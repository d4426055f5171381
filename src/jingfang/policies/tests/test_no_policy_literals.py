"""Policy numbers live in the profiles, not in code.

Every interval, threshold, count, deadline, amount and target that a policy document sets is a key of
the TOML profiles (jingfang.policies), inherited down the region tree; the code that applies it takes
the profile and has no fallback literal. This test reads the pure rule modules and fails on a number
that is not in the reviewed list below: a new policy number goes in a profile (schema, the shipped
profiles, docs/sources.md); a number that is not a policy's (a calendar fact, a unit, a field length,
the layout of a paper form) is added here with the reason.
"""

import ast
import re
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2]

# Numbers any module may use: units and calendar facts, not policy.
UNITS = {0, 1, 2, -1, 7, 12, 100, 365, 1000, 100_000}

# module -> {number: why it is not a policy number}
REVIEWED: dict[str, dict[float, str]] = {
    "followups/schedule.py": {256: "cache size", 64: "cache size",
                              3: "tuple offsets of a contact row", 5: "tuple offsets of a contact row",
                              6: "tuple offsets of a contact row"},
    "followups/classify.py": {3: "OBVIOUS_SYMPTOM_COUNT: the form's symptom list read as 明显 (the norms do not count)",
                              5: "the national risk scale 0—5级 (the form's field)"},
    "followups/formrules.py": {},
    "followups/workdays.py": {9999: "the largest year a date holds", 6: "a probe date (June)",
                              2000: "years the calendar package may know", 2100: "years the calendar package may know",
                              5: "Saturday's weekday number"},
    "followups/wording.py": {3: "named spans of months (每季度)", 6: "named spans of months (每半年)"},
    "stats/kpis.py": {4: "rounding digits", 6: "rounding digits"},
    "support/rewards.py": {31: "the last day of December"},
    "support/relief.py": {},
    "workforce/rules.py": {},
    "registry/flags.py": {},
    "offline/rules.py": {5: "shortest reason text", 200: "longest reason text"},
    "accountability/rules.py": {},
    "rehab/rules.py": {},
    "exchange/table.py": {3: "RISK_UP_LEVEL: the paper table's column 升至3级及以上", 4: "digits of a year",
                          9: "length of a township code's prefix", 32: "days that always reach the next month"},
    "emergency/rules.py": {10: "shortest reason text", 500: "longest text", 24: "hours in a day",
                           5: "shortest note text"},
    "exports/rules.py": {500: "export approval threshold (a system setting, not a policy's)",
                         24: "hours in a day", 0.1: "growth allowed between approval and download",
                         10: "rows of growth allowed", 5: "shortest reason text", 300: "longest text",
                         9: "length of a township code's prefix"},
}


def _numbers(path: Path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and type(node.value) in (int, float):
            yield node.lineno, node.value


@pytest.mark.parametrize("module", sorted(REVIEWED))
def test_rule_modules_hold_no_unreviewed_number(module):
    path = SRC / module
    allowed = UNITS | set(REVIEWED[module])
    found = [f"{module}:{line}: {value!r}" for line, value in _numbers(path) if value not in allowed]
    assert not found, ("policy numbers belong in a profile (src/jingfang/policies/*.toml); "
                       "if one of these is not a policy's, add it to REVIEWED with the reason: " + ", ".join(found))


# The national 3 (risk threshold, failed attempts) once stood in code as a default or a fallback
# (``rule.min_risk if rule else 3``, ``min_risk: int = 3``); the profile now always holds it.
FALLBACK = re.compile(r"\belse 3\s*$|\belse 3\)|(risk|threshold|failed)\w*\s*(:\s*int\s*)?=\s*3\b")


def test_no_fallback_for_a_policy_threshold_anywhere():
    hits = []
    for path in SRC.rglob("*.py"):
        rel = path.relative_to(SRC).as_posix()
        if "/tests/" in rel or "/migrations/" in rel or rel.startswith("demo/"):
            continue
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if FALLBACK.search(line.split("#")[0]):
                hits.append(f"{rel}:{n}: {line.strip()}")
    assert not hits, "take the number from the profile: " + "; ".join(hits)


def test_the_national_profile_states_the_numbers_that_were_defaults():
    from jingfang.policies import profiles

    p = profiles.load_profile(profiles.DEFAULT_PROFILE)
    assert (p.key_person.risk_threshold, p.classification.unstable_min_risk, p.followup.lost_after_failed,
            p.emergency_access.hours) == (3, 3, 3, 3)


def test_no_schema_default_for_a_risk_level():
    """A profile states its risk thresholds; the schema gives none silently (they were ``default=3``)."""
    import dataclasses

    from jingfang.policies import schema

    defaulted = [f"{cls.__name__}.{f.name}" for cls in vars(schema).values()
                 if dataclasses.is_dataclass(cls) and isinstance(cls, type)
                 for f in dataclasses.fields(cls)
                 if f.metadata is schema.RISK and f.default not in (dataclasses.MISSING, None)]
    assert not defaulted
