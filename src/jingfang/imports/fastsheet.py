"""A fast reader of the first visible sheet of an xlsx already checked by ``core.uploads.check_xlsx``
(size, zip bomb, DTD and entities). openpyxl builds an object per cell and costs about half a
millisecond per ledger row here; a county ledger of 100,000 rows must read in seconds. The workbook,
shared strings and styles (for date formats) are read with defusedxml's ``iterparse``; the sheet itself
is read in two passes: expat checks it is well-formed (DTDs and entities refused again) without a
Python call per element, then regular expressions pick the rows and cells out of the text (in
well-formed XML a ``<`` outside comments, CDATA sections and processing instructions always opens a
tag). A sheet holding any of those three, a prefix bound to the spreadsheet namespace, or text not in
UTF-8 is read by expat callbacks instead (the earlier reader, about three times slower). Yields
``uploads.Row(number, cells)`` like ``uploads.iter_rows``: blank rows skipped, trailing blank cells
dropped, the same row and column limits.

Cell values: shared and inline strings as str, numbers as int or float, booleans as bool, numbers in
a date format as ``datetime`` (openpyxl's conversion), formulas as their cached value (as openpyxl's
``data_only``), error cells as None.
"""

import posixpath
import re
import zipfile
from collections.abc import Callable, Iterator

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


_SI = re.compile(r"<si>(?:<t>([^<]*)</t>|<t xml:space=\"preserve\">([^<]*)</t>)</si>|<si>(.*?)</si>|<si\s*/>", re.S)
_PHONETIC = re.compile(r"<rPh\b.*?</rPh\s*>|<rPh\b[^>]*/>", re.S)


def _scan_strings(archive: zipfile.ZipFile, name: str) -> list[str]:
    """The shared strings of a part ``_plain_markup`` passed, picked out of its text (as the sheet)."""
    import codecs

    decoder = codecs.getincrementaldecoder("utf-8-sig")()
    strings: list[str] = []
    tail = ""
    with archive.open(name) as member:
        while True:
            chunk = member.read(max(CHUNK, len(tail)))
            text = tail + decoder.decode(chunk, final=not chunk)
            cut = len(text)
            if chunk:
                end = text.rfind("</si>")
                cut = end + 5 if end >= 0 else 0
            for plain, preserved, rich in _SI.findall(text, 0, cut):
                if rich:
                    # rich-text runs <r><t>; phonetic guides (<rPh>) are not part of the text
                    value = "".join(_T.findall(_PHONETIC.sub("", rich) if "<rPh" in rich else rich))
                else:
                    value = plain or preserved
                strings.append(_xml_text(value) if "&" in value or "\r" in value else value)
            tail = text[cut:]
            if not chunk:
                break
    return strings


def _shared_strings(archive: zipfile.ZipFile) -> list[str]:
    if "xl/sharedStrings.xml" not in archive.namelist():
        return []
    if _plain_markup(archive, "xl/sharedStrings.xml"):
        return _scan_strings(archive, "xl/sharedStrings.xml")
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
CHUNK = 1 << 18  # characters of sheet text scanned at a time (at least)


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


def _convert(kind: str, style, text: str, strings: list, dates: set):
    """A cell's value from its type (``t``), style (``s``) and the text of its value."""
    if kind == "inlineStr":
        return text
    if kind == "s":
        return strings[int(text)]
    if kind in ("str", "d"):
        return text
    if kind == "b":
        return text.strip() == "1"
    if kind == "e":
        return None
    value = _number(text)
    if style and int(style) in dates and isinstance(value, int | float):
        try:
            return from_excel(value)
        except (ValueError, OverflowError):
            return value
    return value


_DIMENSION = re.compile(rb"<(?:\w+:)?dimension\s+ref=\"[A-Z]+[0-9]+:[A-Z]+([0-9]+)\"")


def last_row(data: bytes) -> int | None:
    """The last row number the sheet declares (``<dimension ref="A1:T1501"/>``, written by Excel, WPS
    and openpyxl near the top of the sheet XML), for a progress bar before the rows are read; None
    when it is missing or the file cannot be opened (the real reading reports that)."""
    import io

    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        with archive.open(_first_sheet_path(archive)) as sheet:
            found = _DIMENSION.search(sheet.read(4096))
    except Exception:  # noqa: BLE001 - only an estimate
        return None
    return int(found.group(1)) if found else None


def rows(data: bytes, *, max_rows: int, max_cols: int, leading: int = 0,
         on_count: Callable[[int], None] | None = None) -> Iterator[Row]:
    """The sheet's rows. ``on_count``: told, before the first row, how many row elements the first pass
    over the sheet saw (titles and header included: an estimate of the work, for a progress bar)."""
    import io

    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        path = _first_sheet_path(archive)
        strings = _shared_strings(archive)
        dates = _date_styles(archive)
        counted: list[int] = []
        read = _scan_rows if _plain_markup(archive, path, counted) else _parse_rows
        if on_count is not None:
            on_count(sum(counted))
        yield from _rows(read(archive, path, strings, dates, max_cols), max_rows, leading)
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
        return _convert(self.kind, self.style, "".join(self.value_parts), self.strings, self.dates)


def _refuse(*args):
    raise UploadRejected("文件中含有 XML 文档类型或实体声明（可能是恶意文件），已拒绝")


def _parse_rows(archive, path, strings, dates, max_cols) -> Iterator[tuple[int, dict]]:
    """(row number, {column: value}) of every row, through expat callbacks."""
    from xml.parsers import expat

    handler = _SheetParser(strings, dates, max_cols)
    parser = expat.ParserCreate(namespace_separator="}")
    parser.StartElementHandler, parser.EndElementHandler = handler.start, handler.end
    parser.CharacterDataHandler = handler.data
    parser.buffer_text = True
    # already refused by core.uploads.check_xlsx; refused again here in case of a change there
    parser.StartDoctypeDeclHandler = parser.EntityDeclHandler = _refuse
    parser.ExternalEntityRefHandler = _refuse
    with archive.open(path) as member:
        while True:
            chunk = member.read(1 << 16)
            parser.Parse(chunk, not chunk)
            yield from handler.rows
            handler.rows = []
            if not chunk:
                break


MAIN_NAMESPACES = (NS[1:-1], "http://purl.oclc.org/ooxml/spreadsheetml/main")


def _plain_markup(archive, path, counted: list | None = None) -> bool:
    """The first pass: the sheet XML is well-formed (else expat raises) and holds no DTD (refused).
    True when the text scanner may read it: UTF-8, and no comment, CDATA section, processing
    instruction or prefix bound to the spreadsheet namespace (``<x:row>``). expat calls Python only
    for those (rare) things, not per element. ``counted`` gets the number of ``<row`` tags per chunk."""
    from xml.parsers import expat

    unusual: list[str] = []
    parser = expat.ParserCreate(namespace_separator="}")

    def declared(version, encoding, standalone):
        if encoding and encoding.lower().replace("_", "-") not in ("utf-8", "utf8"):
            unusual.append("encoding")

    def namespace(prefix, uri):
        if prefix and uri in MAIN_NAMESPACES:
            unusual.append("prefix")

    parser.XmlDeclHandler = declared
    parser.StartNamespaceDeclHandler = namespace
    parser.CommentHandler = lambda text: unusual.append("comment")
    parser.StartCdataSectionHandler = lambda: unusual.append("cdata")
    parser.ProcessingInstructionHandler = lambda target, text: unusual.append("pi")
    parser.StartDoctypeDeclHandler = parser.EntityDeclHandler = _refuse
    parser.ExternalEntityRefHandler = _refuse
    with archive.open(path) as member:
        first, tail = True, b""
        while True:
            chunk = member.read(1 << 20)
            if first and chunk[:2] in (b"\xff\xfe", b"\xfe\xff"):  # UTF-16
                unusual.append("encoding")
            first = False
            parser.Parse(chunk, not chunk)
            if counted is not None:  # a tag cut by the chunk's edge is counted in the next one
                joined = tail + chunk
                counted.append(joined.count(b"<row ") + joined.count(b"<row>"))
                tail = chunk[-4:]
            if not chunk:
                break
    return not unusual


# One pattern finds both cells and row starts, in document order. A cell: r (its column letters), s and
# t in the order every writer puts them, any other attributes, then the text of a <v> or of an inline
# <is><t> when it is all the cell holds (the usual forms), else the rest of its content. A row: its
# r when it comes first, any other attributes, and whether it closes at once (<row r="3"/>).
_TOKEN = re.compile(
    r'<(?:c(?=[\s/>])(?: r="([A-Z]{1,3})\d+")?(?: s="(\d+)")?(?: t="(\w+)")?([^>]*?)'
    r"(?:/>|>(?:<v>([^<]*)</v>|<is><t>([^<]*)</t></is>)?(.*?)</c\s*>)"
    r"|(row)(?=[\s/>])(?: r=\"(\d+)\")?([^>]*?)(/?)>)",
    re.S,
)
_ATTR = re.compile(r"""([\w:.-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_V = re.compile(r"<v(?:\s[^>]*)?>([^<]*)</v\s*>")
_T = re.compile(r"<t(?:\s[^>]*)?>([^<]*)</t\s*>")
_ENTITY = re.compile(r"&(#x[0-9a-fA-F]+|#[0-9]+|amp|lt|gt|quot|apos);")
_ENTITIES = {"amp": "&", "lt": "<", "gt": ">", "quot": '"', "apos": "'"}


def _entity(match) -> str:
    name = match[1]
    if name[0] == "#":
        return chr(int(name[2:], 16) if name[1] == "x" else int(name[1:]))
    return _ENTITIES[name]


def _xml_text(text: str) -> str:
    """Character data as an XML parser gives it: line ends normalised, then references replaced (the
    first pass has refused any other entity)."""
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _ENTITY.sub(_entity, text) if "&" in text else text


def _attributes(text: str) -> dict:
    return {name: _xml_text(double or single) for name, double, single in _ATTR.findall(text)}


def _cut(text: str) -> int:
    """Where the text may be cut with every cell and row start before the cut complete: at the last
    row start, or after the last cell end, whichever is later."""
    row = text.rfind("<row")
    cell = text.rfind("</c")  # or </cols>: a cut between two tags all the same
    if cell >= 0:
        close = text.find(">", cell)
        cell = close + 1 if close >= 0 else -1
    return max(row, cell, 0)


def _scan_rows(archive, path, strings, dates, max_cols) -> Iterator[tuple[int, dict]]:
    """(row number, {column: value}) of every row, from the text of a sheet ``_plain_markup`` passed."""
    import codecs

    decoder = codecs.getincrementaldecoder("utf-8-sig")()
    columns = _COLUMNS  # column letters -> index, filled by _column
    number, cells, position, started = 0, {}, -1, False
    tail = ""
    with archive.open(path) as member:
        while True:
            chunk = member.read(max(CHUNK, len(tail)))  # a long row is not scanned again and again
            text = tail + decoder.decode(chunk, final=not chunk)
            cut = _cut(text) if chunk else len(text)
            tokens = _TOKEN.findall(text, 0, cut)
            tail = text[cut:]
            for letters, style, kind, more, first_v, first_t, content, row, ref, row_more, empty in tokens:
                if row:
                    if started:
                        yield number, cells
                    if not ref and row_more:
                        ref = _attributes(row_more).get("r")
                    number, cells, position, started = int(ref or number + 1), {}, -1, True
                    if empty:
                        yield number, cells
                        started = False
                    continue
                if not started:
                    continue  # not in a row: not a cell of the sheet
                ref = None
                if more:  # attributes in another order, or others besides
                    attrs = _attributes(more)
                    ref, style, kind = attrs.get("r"), attrs.get("s", style), attrs.get("t", kind)
                if letters:
                    position = columns.get(letters)
                    if position is None:
                        position = _column(letters + "1")
                else:
                    position = _column(ref) if ref else position + 1
                kind = kind or "n"
                if kind == "inlineStr":
                    text_value = first_t or first_v + "".join(_T.findall(content))
                elif first_v or not content:
                    text_value = first_v
                else:
                    found = _V.search(content)
                    text_value = found[1] if found else ""
                if not text_value:
                    value = None
                else:
                    if "&" in text_value or "\r" in text_value:
                        text_value = _xml_text(text_value)
                    value = _convert(kind, style, text_value, strings, dates)
                if position >= max_cols:
                    if value not in (None, ""):
                        raise UploadRejected(f"第{number}行超过{max_cols}列，请删去无关的列后上传")
                elif value is not None:
                    cells[position] = value
            if not chunk:
                break
    if started:
        yield number, cells


def _rows(pairs, max_rows: int, leading: int) -> Iterator[Row]:
    """Rows as ``uploads.iter_rows`` gives them: blank ones skipped, trailing blank cells dropped."""
    seen = 0
    for number, cells in pairs:
        values = [cells.get(i) for i in range(max(cells) + 1)] if cells else []
        while values and (values[-1] is None or (isinstance(values[-1], str) and not values[-1].strip())):
            values.pop()
        if not values:
            continue
        seen += 1
        if seen > max_rows + leading:
            raise UploadRejected(f"数据超过{max_rows}行，请分批上传")
        yield Row(number, values)
