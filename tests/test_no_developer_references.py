"""Pages cite policy documents by their Chinese title and year, never by a file a township worker
cannot open (seeds/…, DOMAIN.md, API.md)."""

import re
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "jingfang"
FORBIDDEN = re.compile(r"seeds?/\d|seed \d{3}|DOMAIN\.md|API\.md", re.I)


def test_no_template_cites_a_developer_file():
    found = [f"{path.relative_to(SRC)}:{n}" for path in SRC.rglob("templates/**/*.html")
             for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
             if FORBIDDEN.search(line)]
    assert not found, found


def test_no_page_text_in_code_cites_a_developer_file():
    """Rule texts built in Python (views, worklist reasons) follow the same rule as templates."""
    shown = re.compile(r"见 ?seeds?/|见 ?DOMAIN|见 ?API\.md")
    found = [f"{path.relative_to(SRC)}:{n}" for path in SRC.rglob("*.py") if "tests" not in path.parts
             for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
             if shown.search(line)]
    assert not found, found
