"""Pages, code, comments and documents cite policy documents by their Chinese title (or place and
year, e.g. 齐云山镇2024; docs/sources.md lists them in full), never by a file a reader cannot open:
the raw source files' names and numbers, an internal specification or an API file outside the
repository (the API reference is docs/api.md)."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "jingfang"
# "seeds/000…", "seed 000", "seeds 000/002", "DOMAIN.md", "DOMAIN §1", "API.md" (upper case: the
# repository's own reference is docs/api.md).
# The lookbehind is ASCII: a Chinese character before API.md ("见API.md") is a citation too.
FORBIDDEN = re.compile(r"(?i:seeds?/\d|seeds? \d{3}|DOMAIN\.md|DOMAIN §)|(?<![A-Za-z0-9_/])API\.md|见 ?DOMAIN\b")

# Everything a developer or an operator reads: code, comments, docstrings, profiles, tests, docs.
SCANNED = ["src", "tests", "docs", "bench", "scripts", "deploy", "README.md", "SECURITY.md", "Makefile",
           "pyproject.toml"]
SUFFIXES = {".py", ".toml", ".md", ".html", ".txt", ".js", ".css", ".sh", ".cfg", ".ini", ".conf", ".yml",
            ".yaml", ".json", ""}
SKIPPED = {
    Path(__file__).resolve(),
}


def _files():
    for name in SCANNED:
        top = ROOT / name
        paths = [top] if top.is_file() else sorted(top.rglob("*")) if top.is_dir() else []
        for path in paths:
            if (path.is_file() and path.suffix in SUFFIXES and path.resolve() not in SKIPPED
                    and "__pycache__" not in path.parts and "node_modules" not in path.parts
                    # pip's generated package metadata (a copy of an older README until reinstalled)
                    and not any(part.endswith(".egg-info") for part in path.parts)):
                yield path


def _hits(paths):
    found = []
    for path in paths:
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        found += [f"{path.relative_to(ROOT)}:{n}: {line.strip()[:120]}"
                  for n, line in enumerate(text.splitlines(), start=1) if FORBIDDEN.search(line)]
    return found


def test_the_pattern_catches_what_it_must_and_spares_the_api_reference():
    for bad in ["seed 000", "Seeds 002/003", "见seeds/001", "DOMAIN.md §3", "DOMAIN §8", "see API.md", "见API.md",
                "参见API.md说明", "详见DOMAIN"]:
        assert FORBIDDEN.search(bad), bad
    for fine in ["docs/api.md", "齐云山镇2024 三（二）", "`docs/deployment.md` §7", "random seed 97", "seed=1",
                 "MYAPI.md"]:
        assert not FORBIDDEN.search(fine), fine


def test_no_code_comment_test_or_document_cites_a_developer_file():
    found = _hits(_files())
    assert not found, "\n".join(found)
