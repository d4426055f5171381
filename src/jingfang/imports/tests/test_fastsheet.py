"""The fast sheet reader gives what openpyxl gives (values, dates, blank rows and cells) and keeps the
upload limits."""

import datetime as dt
import io

import pytest
from openpyxl import Workbook, load_workbook

from jingfang.core.uploads import UploadRejected
from jingfang.imports import fastsheet


def _book(write_only=False) -> bytes:
    wb = Workbook(write_only=write_only)
    ws = wb.create_sheet("台账") if write_only else wb.active
    if not write_only:
        hidden = ws
        hidden.title = "隐藏"
        hidden.append(["不该读到"])
        hidden.sheet_state = "hidden"
        ws = wb.create_sheet("台账")
    ws.append(["姓名", "日期", "数字", "小数", "布尔", None, "末列"])
    ws.append(["王建国", dt.date(2015, 3, 1), 13800001234, 1.5, True, None, "x"])
    ws.append([None, None, None])  # blank row
    ws.append(["李四", "2015-03-01", "0551-1234", None, False, None, None])
    ws.append(["=1+1", dt.datetime(2020, 1, 2, 3, 4), -7, 0.0, None, None, "  "])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _openpyxl_rows(data: bytes):
    wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)  # as core.uploads reads
    ws = next(s for s in wb.worksheets if s.sheet_state == "visible")
    out = []
    for n, row in enumerate(ws.iter_rows(values_only=True), start=1):
        cells = list(row)
        while cells and (cells[-1] is None or (isinstance(cells[-1], str) and not cells[-1].strip())):
            cells.pop()
        if cells:
            out.append((n, cells))
    return out


@pytest.mark.parametrize("write_only", [False, True])
def test_same_values_as_openpyxl(write_only):
    data = _book(write_only)
    ours = [(r.number, r.cells) for r in fastsheet.rows(data, max_rows=100, max_cols=50)]
    assert ours == _openpyxl_rows(data)
    assert ours[1][1][1] == dt.datetime(2015, 3, 1) and ours[1][1][2] == 13800001234
    assert "不该读到" not in str(ours)


def test_limits():
    data = _book()
    with pytest.raises(UploadRejected, match="数据超过2行"):
        list(fastsheet.rows(data, max_rows=2, max_cols=50))
    with pytest.raises(UploadRejected, match="第1行超过5列"):
        list(fastsheet.rows(data, max_rows=100, max_cols=5))


def test_garbage_is_refused_in_words():
    with pytest.raises(UploadRejected, match="工作表无法读取"):
        list(fastsheet.rows(b"PK\x03\x04garbage", max_rows=10, max_cols=10))
