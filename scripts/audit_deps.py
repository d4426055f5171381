"""Audit the installed dependencies for known vulnerabilities with pip-audit, and say honestly what was
and was not checked.

pip-audit asks a vulnerability service about each installed distribution. When the service cannot be
reached, or cannot answer for a distribution (e.g. a package index mirror without PyPI's per-version
JSON), pip-audit skips it and still prints "No known vulnerabilities found": that is not a clean
result, and this script does not report it as one.

Exit status: 1 when any known vulnerability is found; 1 when some dependency could not be audited and
JINGFANG_REQUIRE_AUDIT=1 (set it in CI that can reach the service); otherwise 0, with a loud warning
naming how many dependencies went unaudited.
"""

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

BIN = Path(sys.executable).parent
SERVICE = os.environ.get("JINGFANG_AUDIT_SERVICE", "pypi")  # pypi or osv


def banner(lines: list[str]) -> None:
    lines = [line[:100] for line in lines]
    width = max(len(line) for line in lines) + 6
    print("!" * width)
    for line in lines:
        print(f"!!  {line}".ljust(width - 2) + "!!")
    print("!" * width)


def main() -> int:
    required = os.environ.get("JINGFANG_REQUIRE_AUDIT") == "1"
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "audit.json"
        run = subprocess.run(
            [str(BIN / "pip-audit"), "--progress-spinner", "off", "--skip-editable", "-s", SERVICE,
             "-f", "json", "-o", str(report)],
            capture_output=True, text=True, timeout=900,
        )
        data = json.loads(report.read_text()) if report.exists() and report.stat().st_size else None
    if data is None:
        last = (run.stderr.strip().splitlines() or ["(no output)"])[-1][:160]
        banner([f"pip-audit could not reach the vulnerability service ({SERVICE}):", last,
                "NO dependency was audited."])
        return 1 if required else 0
    deps = data.get("dependencies", [])
    vulnerable = [d for d in deps if d.get("vulns")]
    skipped = [d for d in deps if d.get("skip_reason")]
    audited = len(deps) - len(skipped)
    for d in vulnerable:
        for v in d["vulns"]:
            fixes = ", ".join(v.get("fix_versions") or []) or "no fixed version yet"
            print(f"VULNERABLE {d['name']} {d.get('version', '')}: {v.get('id')} (fixed in {fixes})")
    if vulnerable:
        print(f"pip-audit: {len(vulnerable)} vulnerable dependencies; upgrade the pinned ranges in pyproject.toml")
        return 1
    if skipped:
        banner([f"pip-audit ({SERVICE}) could not audit {len(skipped)} of {len(deps)} installed dependencies,",
                f"e.g. {skipped[0]['skip_reason'][:110]}",
                f"Only {audited} were checked: this is NOT a clean result.",
                "Set JINGFANG_REQUIRE_AUDIT=1 where the service is reachable to make this an error."])
        return 1 if required else 0
    print(f"pip-audit ({SERVICE}): {audited} dependencies audited, no known vulnerabilities")
    return 0


if __name__ == "__main__":
    sys.exit(main())
