"""A fast reader of the first visible sheet of an xlsx already checked by ``core.uploads.check_xlsx``
(size, zip bomb, DTD and entities). openpyxl builds an object per cell and costs about half a
millisecond per ledger row here; a county ledger of 100,000 rows must read in seconds. The workbook,
shared strings and styles (for date formats) are read with defusedxml's ``iterparse``; the sheet itself
is streamed through expat callbacks (no element objects; DTDs and entities refused again). Yields
``uploads.Row(number, cells)`` like ``uploads.iter_rows``: blank rows skipped, trailing blank cells
dropped, the same row and column limits.

Cell values: shared and inline strings as str, numbers as int or float, booleans as bool, numbers in
a date format as ``datetime`` (openpyxl's conversion), formulas as their cached value (as openpyxl's
``data_only``), error cells as None.
"""

import posixpath
import re
import zipfile
from collections.abc import Iterator

from defusedxml.ElementTree import iterparse
from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format
from openpyxl.utils.datetime import from_excel

from jingfang.core.uploads import Row, UploadRejected

NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
REL_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
# Built-in number formats that are dates: the international ones and the CJK locales' (27-36, 50-58).
DATE_IDS = frozenset({*range(14, 23), 45, 46, 47, *range(27, 37), *range(50, 59)})
_REF = re.compile(r"^([A-Z]{1,3})(\d+)$")
_NAMES = {NS[1:-1] + "}" + name: name for name in ("c", "v", "t", "row", "is", "f")}  # expat's "uri}name"


def _parse(archive: zipfile.ZipFile, name: str, events=("end",)):
    return iterparse(archive.open(name), events=events, forbid_dtd=True)


def _first_sheet_path(archive: zipfile.ZipFile) -> str:
    targets = {}
    for _, el in _parse(archive, "xl/_rels/workbook.xml.rels"):
        if el.tag == PKG_REL + "Relationship":
            targets[el.get("Id")] = el.get("Target", "")
    for _, el in _parse(archive, "xl/workbook.xml"):
        if el.tag == NS + "sheet" and el.get("state", "visible") == "visible":
            target = targets.get(el.get(REL_NS + "id"), "")
            path = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))
            if path in archive.namelist():
                return path
            break
    raise UploadRejected("工作簿中没有可见的工作表")


def _shared_strings(archive: zipfile.ZipFile) -> list[str]:
    if "xl/sharedStrings.xml" not in archive.namelist():
        return []
    strings = []
    for _, el in _parse(archive, "xl/sharedStrings.xml"):
        if el.tag == NS + "si":
            # plain <t>, or rich-text runs <r><t>; phonetic guides (<rPh>) are not part of the text
            parts = [t.text or "" for t in el.iter(NS + "t")]
            if el.find(NS + "rPh") is not None:
                parts = [t.text or "" for t in (el.findall(NS + "t") + el.findall(f"{NS}r/{NS}t"))]
            strings.append("".join(parts))
            el.clear()
    return strings


def _date_styles(archive: zipfile.ZipFile) -> set[int]:
    """Indexes of the cell formats (cellXfs) that show numbers as dates."""
    if "xl/styles.xml" not in archive.namelist():
        return set()
    custom, xfs, in_xfs = {}, [], False
    for event, el in _parse(archive, "xl/styles.xml", events=("start", "end")):
        if el.tag == NS + "cellXfs":
            in_xfs = event == "start"
        elif event == "end" and el.tag == NS + "numFmt":
            custom[int(el.get("numFmtId", "0"))] = el.get("formatCode", "")
        elif event == "end" and el.tag == NS + "xf" and in_xfs:
            xfs.append(int(el.get("numFmtId", "0")))
    dates = set()
    for index, fmt_id in enumerate(xfs):
        code = custom.get(fmt_id, BUILTIN_FORMATS.get(fmt_id, ""))
        if fmt_id in DATE_IDS or (code and is_date_format(code)):
            dates.add(index)
    return dates


_COLUMNS: dict[str, int] = {}


def _column(ref: str) -> int:
    """0-based column of a cell reference ("B12" -> 1); -1 if it is not one."""
    letters = ref.rstrip("0123456789")
    index = _COLUMNS.get(letters)
    if index is None:
        if not _REF.match(ref or ""):
            return -1
        index = 0
        for ch in letters:
            index = index * 26 + ord(ch) - 64
        index -= 1
        if len(_COLUMNS) < 20000:
            _COLUMNS[letters] = index
    return index


def _number(text: str):
    try:
        value = float(text)
    except ValueError:
        return text
    return int(value) if value.is_integer() and "E" not in text.upper() and "." not in text else value


def rows(data: bytes, *, max_rows: int, max_cols: int, leading: int = 0) -> Iterator[Row]:
    import io

    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        path = _first_sheet_path(archive)
        strings = _shared_strings(archive)
        dates = _date_styles(archive)
        yield from _sheet_rows(archive, path, strings, dates, max_rows, max_cols, leading)
    except UploadRejected:
        raise
    except Exception:  # noqa: BLE001 - a sheet that cannot be parsed is the uploader's file
        raise UploadRejected("工作表无法读取，请在 Excel 或 WPS 中重新“另存为” .xlsx") from None


class _SheetParser:
    """expat callbacks over the sheet XML: no element objects, just the cells of the current row."""

    def __init__(self, strings, dates, max_cols):
        self.strings, self.dates, self.max_cols = strings, dates, max_cols
        self.rows: list = []  # (number, {column: value}) completed since the last feed
        self.number = 0
        self.cells: dict = {}
        self.position = -1
        self.kind = self.style = None
        self.text: list | None = None  # collecting <v> or inline <t> text
        self.value_parts: list = []
        self.in_cell = False

    def start(self, tag, attrs):
        name = _NAMES.get(tag) or tag.rpartition("}")[2]
        if name == "c":
            ref = attrs.get("r")
            self.position = _column(ref) if ref else self.position + 1
            self.kind, self.style = attrs.get("t", "n"), attrs.get("s")
            self.value_parts, self.in_cell = [], True
        elif self.in_cell and (name == "v" or (name == "t" and self.kind == "inlineStr")):
            self.text = self.value_parts
        elif name == "row":
            self.number = int(attrs.get("r") or self.number + 1)
            self.cells, self.position = {}, -1

    def data(self, text):
        if self.text is not None:
            self.text.append(text)

    def end(self, tag):
        name = _NAMES.get(tag) or tag.rpartition("}")[2]
        if name in ("v", "t"):
            self.text = None
        elif name == "c":
            self.in_cell = False
            value = self._cell_value()
            if self.position >= self.max_cols:
                if value not in (None, ""):
                    raise UploadRejected(f"第{self.number}行超过{self.max_cols}列，请删去无关的列后上传")
            elif value is not None:
                self.cells[self.position] = value
        elif name == "row":
            self.rows.append((self.number, self.cells))

    def _cell_value(self):
        if not self.value_parts:
            return None
        text = "".join(self.value_parts)
        kind = self.kind
        if kind == "inlineStr":
            return text
        if kind == "s":
            return self.strings[int(text)]
        if kind in ("str", "d"):
            return text
        if kind == "b":
            return text.strip() == "1"
        if kind == "e":
            return None
        value = _number(text)
        if self.style is not None and int(self.style) in self.dates and isinstance(value, int | float):
            try:
                return from_excel(value)
            except (ValueError, OverflowError):
                return value
        return value


def _refuse(*args):
    raise UploadRejected("文件中含有 XML 文档类型或实体声明（可能是恶意文件），已拒绝")


def _sheet_rows(archive, path, strings, dates, max_rows, max_cols, leading) -> Iterator[Row]:
    from xml.parsers import expat

    handler = _SheetParser(strings, dates, max_cols)
    parser = expat.ParserCreate(namespace_separator="}")
    parser.StartElementHandler, parser.EndElementHandler = handler.start, handler.end
    parser.CharacterDataHandler = handler.data
    parser.buffer_text = True
    # already refused by core.uploads.check_xlsx; refused again here in case of a change there
    parser.StartDoctypeDeclHandler = parser.EntityDeclHandler = _refuse
    parser.ExternalEntityRefHandler = _refuse
    seen = 0
    with archive.open(path) as member:
        while True:
            chunk = member.read(1 << 16)
            parser.Parse(chunk, not chunk)
            for number, cells in handler.rows:
                values = [cells.get(i) for i in range(max(cells) + 1)] if cells else []
                while values and (values[-1] is None or (isinstance(values[-1], str) and not values[-1].strip())):
                    values.pop()
                if not values:
                    continue
                seen += 1
                if seen > max_rows + leading:
                    raise UploadRejected(f"数据超过{max_rows}行，请分批上传")
                yield Row(number, values)
            handler.rows = []
            if not chunk:
                break
