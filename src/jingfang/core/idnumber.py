"""Resident identity card numbers (GB 11643-1999): 18 characters, ISO 7064 MOD 11-2 check digit.

Pure functions. Birth date and sex derive from the number: digits 7-14 are YYYYMMDD, digit 17 is
odd for men and even for women.
"""

import datetime as dt
import re
from operator import mul

from jingfang.core import clock

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
_SHAPE = re.compile(r"^\d{17}[\dX]$")
_FULLWIDTH = str.maketrans("０１２３４５６７８９ＸｘＸ", "0123456789XXX")


class InvalidIdNumber(ValueError):
    """Raised with a Chinese message that says what is wrong."""


_IDENTIFIER_RUN = re.compile(r"\d{7,}")


def holds_identifier(text: str) -> bool:
    """A run of 7 digits or more once spaces and full-width digits are folded: a whole ID or phone
    number, which is never searched for through a URL or a picker (it would stay in logs)."""
    return bool(_IDENTIFIER_RUN.search(normalize(text)))


def normalize(raw: str) -> str:
    """Strip spaces, fold full-width digits and a lower-case x."""
    if raw and raw.isascii() and raw.isalnum():  # the usual case: nothing to strip or fold
        return raw.upper()
    return (raw or "").translate(_FULLWIDTH).replace(" ", "").replace("\u3000", "").strip().upper()


def check_digit(first17: str) -> str:
    if len(first17) != 17:
        raise ValueError("check_digit takes the first 17 characters")
    return _CHECK[sum(map(mul, map(int, first17), _WEIGHTS)) % 11]


def parse(raw: str, today: dt.date | None = None) -> tuple[str, dt.date, str]:
    """Validate and return (number, birth_date, sex) with sex 'M' or 'F'."""
    number = normalize(raw)
    if len(number) != 18:
        raise InvalidIdNumber(f"身份证号码应为18位，实际为{len(number)}位")
    if not _SHAPE.match(number):
        raise InvalidIdNumber("身份证号码前17位应为数字，最后一位为数字或X")
    try:
        birth = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise InvalidIdNumber("身份证号码中的出生日期不存在") from None
    today = today or clock.today()
    if birth > today:
        raise InvalidIdNumber("身份证号码中的出生日期晚于今天")
    if birth.year < 1890:
        raise InvalidIdNumber("身份证号码中的出生日期早于1890年")
    if check_digit(number[:17]) != number[17]:
        raise InvalidIdNumber("身份证号码校验位不正确，请核对")
    sex = "M" if int(number[16]) % 2 == 1 else "F"
    return number, birth, sex


def is_valid(raw: str) -> bool:
    try:
        parse(raw)
    except InvalidIdNumber:
        return False
    return True


def make(area: str, birth: dt.date, sequence: int, sex: str) -> str:
    """Build a valid number (for synthetic data): 6-digit area, birth date, 3-digit sequence."""
    seq = sequence % 1000
    if (seq % 2 == 1) != (sex == "M"):
        seq = (seq + 1) % 1000
    first17 = f"{area[:6]}{birth:%Y%m%d}{seq:03d}"
    return first17 + check_digit(first17)
