import datetime as dt

import pytest

from jingfang.core import days, errors, ids


@pytest.mark.parametrize(("value", "expected"), [
    ("1", 1), (" 42 ", 42), (7, 7), ("9" * 15, 10**15 - 1),
    ("0", None), ("-1", None), ("", None), (None, None), (True, None), ("²", None), ("①", None),
    ("١٢", None), ("1.0", None), ("9" * 16, None), (2**70, None), ("12a", None),
])
def test_parse_reads_only_ascii_ids_of_at_most_fifteen_digits(value, expected):
    assert ids.parse(value) == expected


@pytest.mark.parametrize(("text", "expected"), [("123", True), ("²", False), ("", False), ("1²", False)])
def test_is_digits_is_ascii_only(text, expected):
    assert ids.is_digits(text) is expected


@pytest.mark.parametrize("day", [dt.date(1900, 1, 1), dt.date(2026, 12, 7), dt.date(2100, 12, 31)])
def test_days_within_the_range_pass(day):
    assert days.check(day, "on", "日期") == day


@pytest.mark.parametrize("day", [dt.date(1, 1, 1), dt.date(1899, 12, 31), dt.date(2101, 1, 1), dt.date(9999, 12, 31)])
def test_days_outside_the_range_are_refused_naming_the_field(day):
    with pytest.raises(errors.Invalid) as caught:
        days.check(day, "on", "日期")
    assert caught.value.errors[0].field == "on"
    assert caught.value.errors[0].message == "日期：应在1900-01-01至2100-12-31之间"
