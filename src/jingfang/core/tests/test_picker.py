"""core.picker: what a picker's query may be (pure, table tests)."""

import pytest

from jingfang.core import picker


@pytest.mark.parametrize(("raw", "text", "problem"), [
    ("", "", picker.TOO_SHORT),
    ("   ", "", picker.TOO_SHORT),
    ("王", "王", ""),  # one Chinese character is enough
    ("w", "", picker.TOO_SHORT),  # one other character is not
    ("wa", "wa", ""),
    ("  王  小 ", "王 小", ""),
    ("1234", "1234", ""),  # the last four characters of an ID number
    ("123X", "123X", ""),
    ("990***********1234", "990***********1234", ""),  # a masked ID number
    ("990102198005170011", "", picker.NUMBER_REFUSED),  # a whole ID number
    ("９９０１０２１９８００５１７００１１", "", picker.NUMBER_REFUSED),  # full-width digits
    ("990102 1980 0517 0011", "", picker.NUMBER_REFUSED),  # spaced
    ("13800001234", "", picker.NUMBER_REFUSED),  # a phone number
    ("王1380000123", "", picker.NUMBER_REFUSED),
    ("x" * 50, "x" * picker.MAX_QUERY, ""),
])
def test_query(raw, text, problem):
    assert picker.query(raw) == picker.Query(text, problem)


def test_an_empty_query_may_list_everyone_when_the_picker_says_so():
    assert picker.query("", required=False) == picker.Query("", "")
    assert picker.query("13800001234", required=False).problem == picker.NUMBER_REFUSED


@pytest.mark.parametrize(("raw", "name"), [
    ("patient", "patient"), ("t-0-owner_id", "t-0-owner_id"), ("destination_code", "destination_code"),
    ("", ""), (None, ""), ("0abc", ""), ('x"><script>', ""), ("a" * 41, ""),
])
def test_field_name(raw, name):
    assert picker.field_name(raw) == name


def test_hint():
    q, none = picker.query("王"), picker.query("")
    assert picker.hint([], False, q) == picker.NONE_FOUND
    assert picker.hint([], False, none) == picker.TOO_SHORT
    assert picker.hint([1, 2], False, q) == "找到2项，请选择"
    assert picker.hint([1] * 20, True, q) == "仅列出前20项，请输入更多字符缩小范围"
    assert picker.hint([], False, picker.query("", required=False), empty="请选择责任人") == "请选择责任人"
    assert picker.limited(list(range(25))) == (list(range(20)), True)
    assert picker.limited(list(range(20))) == (list(range(20)), False)
