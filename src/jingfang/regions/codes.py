"""The 12-digit statistical division code (统计用区划代码): 2+2+2+3+3 digits.

Pure functions: a code's level, its significant prefix, and the range of codes beneath it, so that
"is X under region R" is one comparison on an indexed column.
"""

import re

PROVINCE, CITY, COUNTY, TOWNSHIP, VILLAGE = 1, 2, 3, 4, 5

LEVEL_NAMES = {
    PROVINCE: "省",
    CITY: "市",
    COUNTY: "县（区）",
    TOWNSHIP: "乡镇（街道）",
    VILLAGE: "村（社区）",
}
LEVEL_KEYS = {PROVINCE: "province", CITY: "city", COUNTY: "county", TOWNSHIP: "township", VILLAGE: "village"}

# Length of the significant prefix at each level.
PREFIX_LENGTH = {PROVINCE: 2, CITY: 4, COUNTY: 6, TOWNSHIP: 9, VILLAGE: 12}

_CODE_RE = re.compile(r"^\d{12}$")


class InvalidCode(ValueError):
    pass


def validate(code: str) -> str:
    """Return the code if it is a well-formed 12-digit division code, else raise InvalidCode."""
    if not isinstance(code, str) or not _CODE_RE.match(code):
        raise InvalidCode("区划代码应为12位数字")
    level = level_of(code)
    # A lower segment may not be set while a higher one is zero (e.g. 110000123000).
    prefix = code[: PREFIX_LENGTH[level]]
    for lvl in range(PROVINCE, level):
        start = PREFIX_LENGTH[lvl - 1] if lvl > PROVINCE else 0
        if set(prefix[start : PREFIX_LENGTH[lvl]]) == {"0"}:
            raise InvalidCode("区划代码的上级段不能为零")
    return code


def is_valid_code(code: str) -> bool:
    try:
        validate(code)
    except InvalidCode:
        return False
    return True


def level_of(code: str) -> int:
    """The administrative level a code denotes, from where its trailing zeros begin."""
    if code[2:] == "0" * 10:
        return PROVINCE
    if code[4:] == "0" * 8:
        return CITY
    if code[6:] == "0" * 6:
        return COUNTY
    if code[9:] == "000":
        return TOWNSHIP
    return VILLAGE


def prefix_of(code: str) -> str:
    """The significant digits of a code: '340000000000' -> '34'."""
    return code[: PREFIX_LENGTH[level_of(code)]]


def township_of(code: str) -> str:
    """The township (乡镇/街道) code of a village or township code: its first nine digits."""
    return code[:9] + "000"


def ancestor_codes(code: str) -> list[str]:
    """The codes of the regions above ``code`` that its digits imply, nearest first."""
    out = []
    for level in range(level_of(code) - 1, PROVINCE - 1, -1):
        prefix = code[: PREFIX_LENGTH[level]]
        out.append(prefix + "0" * (12 - len(prefix)))
    return out


def code_range(code: str) -> tuple[str, str]:
    """Inclusive range of 12-digit codes at or beneath ``code``."""
    prefix = prefix_of(code)
    pad = 12 - len(prefix)
    return prefix + "0" * pad, prefix + "9" * pad


def is_within(code: str, ancestor: str) -> bool:
    """True when ``code`` is ``ancestor`` itself or lies beneath it."""
    lo, hi = code_range(ancestor)
    return lo <= code <= hi


def expected_parent_level(level: int) -> int | None:
    return None if level == PROVINCE else level - 1
