"""Reading a department's own list (xlsx) as it is really filled in: a title row or two above the
header, header cells merged over two rows, blank rows, full-width digits, ID numbers typed into
number cells, names with spaces. Pure: bytes in, headers and rows out; no database.

Limits and the checks before anything is trusted (size, .xlsx only, zip bombs, XML entities, rows,
columns) are jingfang.core.uploads, configured by the JINGFANG_UPLOAD_* settings (defaults: 5 MB,
20,000 data rows, 50 columns).
"""

import datetime as dt
import re
from dataclasses import dataclass, field

from jingfang.core import uploads

_LIMITS = uploads.limits()
MAX_BYTES = _LIMITS.max_bytes
MAX_ROWS = _LIMITS.max_rows
MAX_COLS = _LIMITS.max_cols
HEADER_SCAN = 30  # rows searched for the header

# Words that name each of our fields in departments' sheets, strongest first.
KEYWORDS = {
    "id_number": ("身份证号", "身份证号码", "公民身份号码", "身份证", "证件号码", "证件号", "身份号码"),
    "name": ("姓名", "患者姓名", "人员姓名", "名字"),
    "address": ("详细地址", "现住址", "居住地址", "家庭住址", "住址", "地址", "居住地"),
    "status": ("在管状态", "管理状态", "目前状态", "现状", "状态", "去向", "在管情况"),
    "risk_level": ("危险性等级", "危险性评估", "危险等级", "风险等级", "危险性", "风险"),
    "village": ("村（社区）", "村(社区)", "所属村", "所在村", "村居", "村名", "社区", "村"),
}
# Header words that are not ours but say "this row is a header".
OTHER_HEADERS = ("序号", "编号", "性别", "出生日期", "出生年月", "年龄", "民族", "诊断", "监护人", "联系电话",
                 "电话", "备注", "户籍", "所属派出所", "类别", "等级", "基本信息", "管控", "列管")
# Headers that contain a keyword but name someone else (a guardian's name, the household address).
EXCLUDE = {"name": ("监护", "联系人", "户主", "填表", "审核"), "id_number": ("监护",),
           "address": ("监护", "户籍"), "village": ("监护", "户籍")}

_DIGITS = re.compile(r"\d{6,}")
_FULLWIDTH = str.maketrans({chr(0xFF10 + i): str(i) for i in range(10)} | {"（": "(", "）": ")", "\u3000": " "})


SheetError = uploads.UploadRejected  # raised with a Chinese message that tells the uploader what to do


@dataclass
class Parsed:
    sheet: str
    header_rows: list[int]
    headers: list[str]
    rows: list[dict] = field(default_factory=list)  # {"row": 1-based sheet row, "cells": [values]}
    warnings: list[str] = field(default_factory=list)


def fold(text: str) -> str:
    """Full-width digits, brackets and spaces folded to half-width."""
    return str(text).translate(_FULLWIDTH)


def _cell(value):
    """A cell as JSON-able data: text stripped, numbers kept as numbers (an ID typed into a number
    cell must stay recognisable), dates as ISO text."""
    if value is None:
        return None
    if isinstance(value, str):
        value = value.strip().strip("\u3000").strip()
        return value or None
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, int | float):
        return value
    return str(value)


def _trim(row) -> list:
    cells = [_cell(v) for v in row]
    while cells and cells[-1] is None:
        cells.pop()
    return cells


def _limits() -> uploads.Limits:
    # read at call time, so a test (or a caller) can narrow MAX_ROWS / MAX_COLS / MAX_BYTES
    return uploads.limits(max_bytes=MAX_BYTES, max_rows=MAX_ROWS, max_cols=MAX_COLS)


def check_upload(data: bytes, filename: str) -> None:
    uploads.check_xlsx(data, filename, lim=_limits())


def read(data: bytes, filename: str) -> Parsed:
    """The first worksheet that has a recognisable header, its headers and its data rows."""
    lim = _limits()
    uploads.check_xlsx(data, filename, lim=lim)
    with uploads.open_workbook(data) as wb:
        for ws in uploads.visible_sheets(wb):
            parsed = _read_sheet(ws, lim)
            if parsed is not None:
                return parsed
    raise SheetError("没有找到表头：请确认名单中有“姓名”“身份证号”等列标题")


def _read_sheet(ws, lim: uploads.Limits) -> Parsed | None:
    rows: list[tuple[int, list]] = []
    for number, raw in uploads.iter_rows(ws, max_rows=lim.max_rows, max_cols=lim.max_cols, leading=HEADER_SCAN):
        cells = _trim(raw)
        if any(c is not None for c in cells):
            rows.append((number, cells))
    block = find_header(rows[:HEADER_SCAN])
    if block is None:
        return None
    first, last = block
    headers = combine([cells for _, cells in rows[first:last + 1]])
    data = [{"row": n, "cells": cells[: len(headers)] + [None] * (len(headers) - len(cells))}
            for n, cells in rows[last + 1:]]
    if len(data) > lim.max_rows:
        raise SheetError(f"数据超过{lim.max_rows}行，请分批上传")
    return Parsed(sheet=ws.title[:100], header_rows=[n for n, _ in rows[first:last + 1]], headers=headers, rows=data)


# Header detection --------------------------------------------------------------------------------
def _text(value) -> str:
    return re.sub(r"\s+", "", fold(value)) if isinstance(value, str) else ""


def _strong(text: str) -> bool:
    """A cell that is plainly a column title (starts with one of the known words)."""
    words = [w for ws in KEYWORDS.values() for w in ws] + list(OTHER_HEADERS)
    return any(text == fold(w) or text.startswith(fold(w)) for w in words)


def _mentions(text: str) -> bool:
    words = [w for ws in KEYWORDS.values() for w in ws if len(w) > 1] + list(OTHER_HEADERS)
    return any(fold(w) in text for w in words)


def _data_like(value) -> bool:
    return not isinstance(value, str) or bool(_DIGITS.search(fold(value))) or bool(re.fullmatch(r"\d{4}-\d\d-\d\d.*", value))


def _header_like(cells: list, *, minimum: int) -> bool:
    present = [c for c in cells if c is not None]
    return len(present) >= minimum and not any(_data_like(c) for c in present)


def find_header(rows: list[tuple[int, list]]) -> tuple[int, int] | None:
    """(first, last) index in ``rows`` of the header block: the row naming most of the known columns,
    with the row above it when that row holds group titles merged over it (two-row headers), or the
    row below when that one holds sub-titles."""
    best, best_score = None, 1
    for i, (_, cells) in enumerate(rows):
        score = sum(1 for c in cells if isinstance(c, str) and _mentions(_text(c)))
        if score > best_score and _header_like(cells, minimum=2):
            best, best_score = i, score
    if best is None:
        return None
    first = last = best
    main = rows[best][1]
    if best > 0:
        above = rows[best - 1][1]
        spans = any(a is not None and (i >= len(main) or main[i] is None) for i, a in enumerate(above))
        if _header_like(above, minimum=2) and (spans or any(_strong(_text(a)) for a in above if a)):
            first = best - 1
    if best + 1 < len(rows):
        below = rows[best + 1][1]
        fills = any(b is not None and (i >= len(main) or main[i] is None) for i, b in enumerate(below))
        if _header_like(below, minimum=1) and fills and any(_strong(_text(b)) for b in below if b):
            last = best + 1
    return first, last


def combine(block: list[list]) -> list[str]:
    """Column titles of a header block, upper parts joined to lower ones with '/'. A merged group title
    (a value followed by empty cells, with sub-titles under all of them) is spread over its span."""
    width = max((len(r) for r in block), default=0)
    grid = [list(r) + [None] * (width - len(r)) for r in block]
    for level in range(len(grid) - 1):
        row, below = grid[level], grid[level + 1]
        source = None
        for c in range(width):
            if row[c] is not None:
                source = c if below[c] is not None else None
            elif source is not None and below[c] is not None:
                row[c] = row[source]
            else:
                source = None
    headers, seen = [], {}
    for c in range(width):
        parts = []
        for r in grid:
            text = re.sub(r"\s+", "", str(r[c])) if r[c] is not None else ""
            if text and (not parts or parts[-1] != text):
                parts.append(text)
        title = "/".join(parts) or f"第{c + 1}列"
        seen[title] = seen.get(title, 0) + 1
        headers.append(title if seen[title] == 1 else f"{title}（{seen[title]}）")
    return headers


def guess_mapping(headers: list[str]) -> dict[str, str]:
    """Our field -> their header, by the words in the (sub-)title; each header used once."""
    out: dict[str, str] = {}
    taken: set[str] = set()

    def score(fieldname: str, header: str) -> int:
        leaf = _text(header.rsplit("/", 1)[-1])
        whole = _text(header)
        if any(bad in whole for bad in EXCLUDE.get(fieldname, ())):
            return 0
        best = 0
        for rank, word in enumerate(KEYWORDS[fieldname]):
            w = fold(word)
            weight = 100 - rank
            if leaf == w:
                best = max(best, 3000 + weight)
            elif leaf.startswith(w):
                best = max(best, 2000 + weight)
            elif w in leaf:
                best = max(best, 1000 + weight)
            elif w in whole and len(w) > 1:
                best = max(best, 500 + weight)
        return best

    candidates = sorted(((score(f, h), f, h) for f in KEYWORDS for h in headers), reverse=True)
    for value, fieldname, header in candidates:
        if value and fieldname not in out and header not in taken:
            out[fieldname] = header
            taken.add(header)
    return out
