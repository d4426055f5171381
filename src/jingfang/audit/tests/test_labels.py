"""Every action the code records has a Chinese label, so the audit page shows and filters it."""

import re
from pathlib import Path

from jingfang.audit.models import AuditEvent

SRC = Path(__file__).resolve().parents[2]
# record(actor, "action", …), record_request(request, "action", …) and action="…" keyword arguments
CALLS = re.compile(r"\brecord(?:_request)?\(\s*\w+,\s*\"([a-z_]+)\"|\baction=\"([a-z_]+)\"")


def recorded_actions() -> set[str]:
    found = set()
    for path in SRC.rglob("*.py"):
        if "tests" in path.parts or "migrations" in path.parts:
            continue
        for m in CALLS.finditer(path.read_text(encoding="utf-8")):
            found.add(m.group(1) or m.group(2))
    return found


def test_scanner_sees_known_actions():
    actions = recorded_actions()
    assert {"view", "export", "reveal", "emergency_view", "reward_compute"} <= actions


def test_every_recorded_action_has_a_label():
    argparse_words = {"store_true", "store_false", "append"}
    missing = sorted(recorded_actions() - set(AuditEvent.ACTION_LABELS) - argparse_words)
    assert missing == [], f"audit actions without a label in AuditEvent.ACTION_LABELS: {missing}"
