"""core.idnumber: the check digit (ISO 7064 MOD 11-2) and the parser's verdicts."""

import datetime as dt

import pytest

from jingfang.core import idnumber


def _check_digit_by_definition(first17: str) -> str:
    total = sum(int(d) * (2 ** (17 - i) % 11) for i, d in enumerate(first17))
    return "10X98765432"[total % 11]


@pytest.mark.parametrize("first17", ["11010519491231002", "99010219800517003", "00000000000000000",
                                     "99999999999999999", "44052418800101001"])
def test_check_digit(first17):
    assert idnumber.check_digit(first17) == _check_digit_by_definition(first17)


def test_check_digit_needs_17_characters():
    with pytest.raises(ValueError):
        idnumber.check_digit("1234")


def test_parse():
    number = idnumber.make("990102", dt.date(1980, 5, 17), 31, "M")
    assert idnumber.parse(number.lower()) == (number, dt.date(1980, 5, 17), "M")
    bad = number[:17] + ("0" if number[17] != "0" else "1")
    with pytest.raises(idnumber.InvalidIdNumber, match="校验位"):
        idnumber.parse(bad)


@pytest.mark.parametrize("raw, expected", [
    ("99010219800517003x", "99010219800517003X"), (" 9901 0219 ", "99010219"), ("\u3000１２ｘ", "12X"),
    ("", ""), (None, ""), ("13800001234", "13800001234"), ("0551-1234", "0551-1234"),
])
def test_normalize(raw, expected):
    assert idnumber.normalize(raw) == expected


@pytest.mark.parametrize("text, holds", [
    ("王", False), ("1234", False), ("123456", False), ("1234567", True), ("138 0013 8000", True),
    ("１３８００１３８０００", True), ("990102199001011234", True), ("王1234", False), ("990***********1234", False)])
def test_holds_identifier_finds_a_whole_id_or_phone_number(text, holds):
    assert idnumber.holds_identifier(text) is holds
