"""The phone checks a paper form's code exactly as the server does: the same strings through
``offline.paper_code`` (Python) and ``static/mobile/paper.js`` (run by Node) give the same normal form,
the same problem in the same words, and the same reading of a scanned QR code."""

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from jingfang.offline import paper_code

NODE = shutil.which("node") or shutil.which("nodejs")
SCRIPT = Path(__file__).with_name("check_paper.mjs")


def _cases() -> list[str]:
    codes = [paper_code.make() for _ in range(40)]
    out = ["", "ABCDE", "abcde-fghjk", "患者ABCDEFGH", "ABCDE-FGHJ0", "JF:", "https://example.invalid/x"]
    for code in codes:
        typo = code[:2] + ("3" if code[2] != "3" else "4") + code[3:]
        swap = code[1] + code[0] + code[2:]
        out += [code, code.lower(), paper_code.shown(code), f" {code[:4]} {code[4:]} ", paper_code.qr_text(code),
                "jf:" + code.lower(), typo, swap, "JF:" + typo, "".join(chr(ord(c) + 0xFEE0) for c in code)]
    return out


@pytest.mark.skipif(NODE is None, reason="node not installed")
def test_the_phone_and_the_server_read_codes_alike():
    cases = _cases()
    python = [[paper_code.normalize(t), paper_code.problem(t), paper_code.from_scan(t)] for t in cases]
    run = subprocess.run([NODE, str(SCRIPT)], input=json.dumps(cases, ensure_ascii=False), capture_output=True,
                         text=True, timeout=60, check=True)
    assert json.loads(run.stdout) == python
