"""Reading ledger cells: what township staff type, and what Excel makes of it."""

import datetime as dt

import pytest

from jingfang.imports import columns as cols

D = dt.date(2015, 3, 1)


@pytest.mark.parametrize(("raw", "expected"), [
    (D, D), (dt.datetime(2015, 3, 1, 0, 0), D), ("2015-03-01", D), ("2015/3/1", D), ("2015.3.1", D),
    ("2015年3月1日", D), ("20150301", D), (20150301, D), ("２０１５－０３－０１".replace("－", "-"), D),
    (42064, D),  # an Excel date serial whose cell lost its date format
    ("", None), (None, None),
])
def test_dates(raw, expected):
    assert cols.read_date(raw) == expected


@pytest.mark.parametrize(("raw", "message"), [
    ("2015-13-01", "日期不存在"), ("3/1/2015", "日期格式不正确"), ("去年", "日期格式不正确"),
])
def test_bad_dates(raw, message):
    with pytest.raises(cols.CellError, match=message):
        cols.read_date(raw)


def test_id_numbers_stored_as_numbers_have_lost_digits():
    with pytest.raises(cols.CellError, match="存成了数字"):
        cols.read_id(9.90102197804123e17)
    assert cols.read_id(" 99010219780412031x ") == "99010219780412031X"
    assert cols.read_id("９９０１０２１９７８０４１２０３１５") == "990102197804120315"


@pytest.mark.parametrize(("header", "word", "code"), [
    ("目前诊断", "精神分裂症", "schizophrenia"), ("目前诊断", "偏执性精神病", "paranoid_psychosis"),
    ("目前诊断", "双相情感障碍", "bipolar"), ("目前诊断", "bipolar", "bipolar"),
    ("在管状态", "在家", "at_home"), ("在管状态", "住院治疗", "hospitalized"),
    ("监护人与患者关系", "母亲", "parent"), ("监护人与患者关系", "村委会", "committee"),
    ("经济状况", "低保", "poor"), ("知情同意", "同意", "agreed"), ("户别", "农村", "rural"),
])
def test_choices_take_labels_and_common_short_forms(header, word, code):
    column = next(c for c in cols.COLUMNS if c.header == header)
    assert cols.read_choice(word, column) == code


def test_an_unknown_choice_lists_the_labels_only():
    column = cols.BY_KEY["diagnosis"]
    with pytest.raises(cols.CellError) as exc:
        cols.read_choice("抑郁症", column)
    assert "“抑郁症”不是可选值" in str(exc.value) and "精神分裂症" in str(exc.value)
    assert "双相障碍" not in str(exc.value) and "bipolar" not in str(exc.value)


@pytest.mark.parametrize(("raw", "value"), [("是", True), ("否", False), ("", False), (True, True), ("1", True)])
def test_yes_no(raw, value):
    assert cols.read_bool(raw) is value


def test_headers_match_with_spaces_stars_and_half_width_brackets():
    found, unknown = cols.match_headers(["姓名*", " 身份证号码 ", "现住址所在村(社区)区划代码", "备注", "姓名"])
    assert [c.key for c in found.values()] == ["name", "id_number", "region_code"]
    assert unknown == ["备注", "姓名"]  # a second 姓名 is not taken twice
