"""The short code of a paper follow-up form (纸质随访表编号): what the QR code carries and what is printed
under it for typing. Pure: stdlib only; ``static/mobile/paper.js`` is its JavaScript copy (the phone checks a
typed code offline), and ``mobile/tests/test_paper_parity.py`` runs the same cases through both.

- 10 characters of a 31-symbol alphabet without look-alikes (no 0/O, 1/I, Z/2): 9 random ones
  (``secrets``; 31**9 ≈ 2.6×10**13, about 44.6 bits, never derived from the patient) and one check
  character chosen so that the weighted sum of all ten, weights 1..10, is 0 modulo 31. 31 is prime and
  the weights are distinct and non-zero modulo 31, so every single wrong character and every swap of
  two characters is caught before anything is looked up.
- Printed as ``ABCDE-FGHJK``; typed in any case, with or without spaces and the hyphen; full-width
  characters are folded. The QR code carries ``JF:`` and the printed form (``qr_text``).
"""

import secrets
import unicodedata

ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXY"
BASE = len(ALPHABET)  # 31, prime
RANDOM_LENGTH = 9
LENGTH = RANDOM_LENGTH + 1
QR_PREFIX = "JF:"
_VALUE = {c: i for i, c in enumerate(ALPHABET)}

BAD_LENGTH = f"编号应为{LENGTH}位（数字2–9和字母，不含I、O、Z），请核对"
BAD_CHARACTER = "编号只含数字2–9和字母（不含I、O、Z），请核对"
BAD_CHECK = "编号有误：请逐位核对（最后一位是校验位）"
NOT_OURS = "这不是本系统随访表上的二维码"


def check_char(body: str) -> str:
    """The character that makes ``body`` + it a valid code (``body``: the 9 random characters)."""
    total = sum((i + 1) * _VALUE[c] for i, c in enumerate(body))
    # (total + LENGTH * c) % BASE == 0  ->  c = -total * LENGTH**-1 (mod BASE)
    return ALPHABET[(-total * pow(LENGTH, -1, BASE)) % BASE]


def make() -> str:
    body = "".join(secrets.choice(ALPHABET) for _ in range(RANDOM_LENGTH))
    return body + check_char(body)


def normalize(text: str) -> str:
    """Upper case, no spaces or hyphens, full-width folded; the ``JF:`` of a scanned QR code dropped."""
    text = unicodedata.normalize("NFKC", str(text or "")).strip().upper()
    if text.startswith(QR_PREFIX):
        text = text[len(QR_PREFIX):]
    return "".join(c for c in text if c not in " -_\t")


def problem(text: str) -> str | None:
    """None for a well-formed code (after ``normalize``), else what is wrong with it, in words."""
    code = normalize(text)
    if len(code) != LENGTH:
        return BAD_LENGTH
    if any(c not in _VALUE for c in code):
        return BAD_CHARACTER
    if sum((i + 1) * _VALUE[c] for i, c in enumerate(code)) % BASE:
        return BAD_CHECK
    return None


def shown(code: str) -> str:
    """As printed: ``ABCDE-FGHJK``."""
    code = normalize(code)
    return f"{code[:5]}-{code[5:]}"


def qr_text(code: str) -> str:
    return QR_PREFIX + shown(code)


def from_scan(text: str) -> str | None:
    """The code a scanned QR code carries, or None when it is not one of ours."""
    raw = unicodedata.normalize("NFKC", str(text or "")).strip().upper()
    if not raw.startswith(QR_PREFIX):
        return None
    code = normalize(raw)
    return code if problem(code) is None else None
