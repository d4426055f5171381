"""Reading uploaded spreadsheets safely: every xlsx upload goes through here before anything trusts it.

Order of checks (each refusal is an ``UploadRejected`` whose message tells the uploader what to do):

1. size: at most ``JINGFANG_UPLOAD_MAX_BYTES`` bytes are read at all;
2. kind: an old .xls or an encrypted workbook (both OLE2 files), a CSV, text or web page renamed to
   .xlsx, or anything that is not a zip is refused by its first bytes, with advice;
3. zip directory (``zipfile``, nothing decompressed yet): at most ``JINGFANG_UPLOAD_MAX_MEMBERS``
   members, at most ``JINGFANG_UPLOAD_MAX_UNZIPPED`` bytes once unzipped, no member bigger than
   ``JINGFANG_UPLOAD_MAX_RATIO`` times its compressed size (zip bombs; real sheets compress about
   16:1, zeros about 1000:1), no absolute or ``..`` paths, no duplicate names, no encrypted members,
   only stored/deflated members. Sizes declared in the directory bind: Python's zipfile never
   returns more bytes than a member declares (a lying member fails its CRC check instead);
4. XML: every XML member's prolog is parsed with defusedxml (``forbid_dtd=True``), so a DOCTYPE, an
   entity declaration (billion laughs) or an external entity (XXE) is refused before openpyxl reads
   it. A DTD can only stand before the root element, so the prolog is all that needs reading.
   openpyxl itself also parses through defusedxml (installed as a dependency), a second line;
5. parsing: openpyxl read-only, values only, the sheet's declared dimensions ignored (a forged
   "A1:XFD1048576" would otherwise pad every row); reading stops as soon as a row has more than
   ``max_cols`` filled columns or the data has more than ``max_rows`` rows, and says so.

Entry point for a simple list: ``read_xlsx(file_or_bytes, filename=..., max_rows=..., max_cols=...)``
returns ``(headers, rows)``. Readers with their own header detection (``exchange.sheet``) use
``check_xlsx`` + ``open_workbook`` + ``iter_rows``.
"""

import io
import posixpath
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import NamedTuple

from django.conf import settings

MB = 1024 * 1024
DEFAULTS = {
    "max_bytes": ("JINGFANG_UPLOAD_MAX_BYTES", 5 * MB),
    "max_unzipped": ("JINGFANG_UPLOAD_MAX_UNZIPPED", 100 * MB),
    "max_ratio": ("JINGFANG_UPLOAD_MAX_RATIO", 100),
    "max_members": ("JINGFANG_UPLOAD_MAX_MEMBERS", 500),
    "max_rows": ("JINGFANG_UPLOAD_MAX_ROWS", 20_000),
    "max_cols": ("JINGFANG_UPLOAD_MAX_COLS", 50),
}
RATIO_FLOOR = 1 * MB  # members smaller than this once unzipped are not judged by their ratio
PROLOG_LIMIT = 64 * 1024  # bytes of an XML member read looking for its root element
XML_SUFFIXES = (".xml", ".rels", ".vml")
OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP = b"PK\x03\x04"


class UploadRejected(ValueError):
    """An upload refused, with a Chinese message that tells the uploader what to do."""


@dataclass(frozen=True)
class Limits:
    max_bytes: int
    max_unzipped: int
    max_ratio: int
    max_members: int
    max_rows: int
    max_cols: int

    @property
    def mb(self) -> int:
        return max(1, self.max_bytes // MB)


def limits(**overrides) -> Limits:
    """The configured limits (settings, else the defaults above), with ``overrides`` that are not None."""
    values = {key: int(getattr(settings, name, default)) for key, (name, default) in DEFAULTS.items()}
    return replace(Limits(**values), **{k: int(v) for k, v in overrides.items() if v is not None})


class Row(NamedTuple):
    number: int  # 1-based row number in the sheet, for messages ("第12行…")
    cells: list


class Table(NamedTuple):
    headers: list[str]
    rows: list[Row]


# 1-2: size and kind ------------------------------------------------------------------------------
def read_bytes(file_or_bytes, *, max_bytes: int | None = None) -> tuple[bytes, str]:
    """The upload's bytes (never more than the cap plus one is read) and its file name."""
    cap = limits(max_bytes=max_bytes).max_bytes
    if isinstance(file_or_bytes, bytes | bytearray | memoryview):
        data, name = bytes(file_or_bytes), ""
    else:
        name = getattr(file_or_bytes, "name", "") or ""
        if (getattr(file_or_bytes, "size", 0) or 0) > cap:
            raise too_big(cap)
        data = file_or_bytes.read(cap + 1)
    if len(data) > cap:
        raise too_big(cap)
    return data, posixpath.basename(str(name).replace("\\", "/"))


def too_big(cap: int) -> UploadRejected:
    return UploadRejected(f"文件超过{max(1, cap // MB)}MB，请删去无关的工作表或分批上传")


def _kind(data: bytes, name: str) -> None:
    head = data[:512].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if data[:8] == OLE2:
        raise UploadRejected("这是旧版 .xls 文件或设置了打开密码的工作簿，请在 Excel 或 WPS 中“另存为”"
                             "不加密的 .xlsx 后上传")
    if name.endswith(".xls") and not data.startswith(ZIP):
        raise UploadRejected("这是旧版 .xls 文件，请在 Excel 或 WPS 中“另存为” .xlsx 后上传")
    if data.startswith(ZIP):
        if name and not name.endswith(".xlsx"):
            raise UploadRejected("只接受 Excel .xlsx 文件，请确认文件扩展名为 .xlsx")
        return
    if head.startswith((b"<html", b"<!doctype html", b"<table", b"<?xml", b"<")):
        what = "网页（HTML）或 XML 文本"
    elif name.endswith((".csv", ".txt")) or b"," in head or b"\t" in head:
        what = "CSV 或文本文件"
    else:
        what = "无法识别的文件"
    raise UploadRejected(f"只接受 Excel .xlsx 文件：所传的是{what}，请在 Excel 或 WPS 中打开后“另存为” .xlsx 再上传")


# 3: the zip directory ----------------------------------------------------------------------------
def _directory(archive: zipfile.ZipFile, lim: Limits) -> list[zipfile.ZipInfo]:
    infos = archive.infolist()
    if len(infos) > lim.max_members:
        raise UploadRejected(f"文件包含的部件超过{lim.max_members}个，不像正常的 Excel 工作簿，无法处理")
    seen: set[str] = set()
    total = 0
    for info in infos:
        name = info.filename
        parts = name.replace("\\", "/").split("/")
        if name.startswith(("/", "\\")) or ".." in parts or (len(name) > 1 and name[1] == ":"):
            raise UploadRejected("文件内部路径异常（绝对路径或“..”），已拒绝")
        if name in seen:
            raise UploadRejected("文件内部有重名部件，已拒绝")
        seen.add(name)
        if info.flag_bits & 0x1:
            raise UploadRejected("工作簿已加密，请取消密码后另存为 .xlsx 上传")
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise UploadRejected("文件使用了不支持的压缩方式，请在 Excel 或 WPS 中重新“另存为” .xlsx")
        total += info.file_size
        if total > lim.max_unzipped:
            raise UploadRejected(f"文件解压后超过{lim.max_unzipped // MB}MB，过大，无法处理")
        if info.file_size > RATIO_FLOOR and info.file_size > lim.max_ratio * max(info.compress_size, 1):
            raise UploadRejected("文件压缩比异常（疑似“压缩炸弹”），已拒绝")
    if "[Content_Types].xml" not in seen or "xl/workbook.xml" not in seen:
        raise UploadRejected("文件不是有效的 .xlsx 工作簿")
    return infos


# 4: XML prologs ----------------------------------------------------------------------------------
class _RootReached(Exception):
    pass


class _StopAtRoot:
    def start(self, tag, attrib):
        raise _RootReached

    def end(self, tag):
        pass

    def data(self, text):
        pass

    def close(self):
        return None


def _check_prolog(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> None:
    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import ParseError, XMLParser

    parser = XMLParser(target=_StopAtRoot(), forbid_dtd=True, forbid_entities=True, forbid_external=True)
    read = 0
    try:
        with archive.open(info) as member:
            while chunk := member.read(8192):
                read += len(chunk)
                parser.feed(chunk)
                if read >= PROLOG_LIMIT:
                    raise UploadRejected(f"文件内部部件 {info.filename} 格式异常，已拒绝")
    except _RootReached:
        return
    except DefusedXmlException:
        raise UploadRejected("文件中含有 XML 文档类型或实体声明（可能是恶意文件），已拒绝") from None
    except (ParseError, zipfile.BadZipFile, OSError, ValueError) as exc:
        if isinstance(exc, UploadRejected):
            raise
        raise UploadRejected("文件已损坏或不是有效的 .xlsx 工作簿") from None
    # a member that ended before any element: empty or not XML at all
    if read:
        raise UploadRejected(f"文件内部部件 {info.filename} 格式异常，已拒绝")


def check_xlsx(data: bytes, filename: str = "", *, lim: Limits | None = None) -> None:
    """Steps 1-4 on bytes already read: raises ``UploadRejected`` or returns, openpyxl not yet involved."""
    lim = lim or limits()
    name = (filename or "").lower()
    if len(data) > lim.max_bytes:
        raise too_big(lim.max_bytes)
    _kind(data, name)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            for info in _directory(archive, lim):
                if info.filename.lower().endswith(XML_SUFFIXES):
                    _check_prolog(archive, info)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, NotImplementedError):
        raise UploadRejected("文件已损坏或不是有效的 .xlsx 工作簿") from None


# 5: parsing --------------------------------------------------------------------------------------
@contextmanager
def open_workbook(data: bytes):
    """The checked bytes opened read-only, values only; closed on leaving."""
    from openpyxl import load_workbook

    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except UploadRejected:
        raise
    except Exception:  # noqa: BLE001 - any failure to open is the uploader's file, said in words
        raise UploadRejected("文件无法读取，请确认是 Excel .xlsx 文件且未加密") from None
    try:
        yield wb
    finally:
        wb.close()


def visible_sheets(wb) -> list:
    return [ws for ws in wb.worksheets if getattr(ws, "sheet_state", "visible") == "visible"]


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def iter_rows(ws, *, max_rows: int, max_cols: int, leading: int = 0) -> Iterator[Row]:
    """The sheet's non-blank rows, trailing blank cells dropped. Stops with ``UploadRejected`` at the
    first row with more than ``max_cols`` filled columns, or when more than ``max_rows`` rows (plus
    ``leading`` rows of titles and headers above the data) are not blank."""
    if hasattr(ws, "reset_dimensions"):
        ws.reset_dimensions()  # the declared dimension is the uploader's word; read what is there
    seen = 0
    try:
        for number, raw in enumerate(ws.iter_rows(values_only=True), start=1):
            cells = list(raw)
            while cells and _blank(cells[-1]):
                cells.pop()
            if not cells:
                continue
            if len(cells) > max_cols:
                raise UploadRejected(f"第{number}行超过{max_cols}列，请删去无关的列后上传")
            seen += 1
            if seen > max_rows + leading:
                raise UploadRejected(f"数据超过{max_rows}行，请分批上传")
            yield Row(number, cells)
    except UploadRejected:
        raise
    except Exception:  # noqa: BLE001 - a sheet openpyxl cannot parse is the uploader's file
        raise UploadRejected(f"工作表“{ws.title}”无法读取，请在 Excel 或 WPS 中重新“另存为” .xlsx") from None


def read_xlsx(file_or_bytes, *, filename: str = "", max_bytes: int | None = None, max_rows: int | None = None,
              max_cols: int | None = None, header_row: int | None = None, sheet: str | None = None) -> Table:
    """A simple list: the first visible sheet (or the one named ``sheet``), its header row (the first
    non-blank row, or row ``header_row``; rows above it are titles and skipped) and the data rows
    below, each ``Row(number, cells)`` padded to the header's width (a longer row keeps its extra
    cells: the caller decides whether they matter).

    ``file_or_bytes`` is bytes or an uploaded file (``.name`` and ``.size`` are used when present).
    ``max_rows`` counts data rows only. Raises ``UploadRejected``."""
    lim = limits(max_bytes=max_bytes, max_rows=max_rows, max_cols=max_cols)
    data, name = read_bytes(file_or_bytes, max_bytes=lim.max_bytes)
    check_xlsx(data, filename or name, lim=lim)
    with open_workbook(data) as wb:
        sheets = visible_sheets(wb)
        if sheet is not None:
            sheets = [ws for ws in sheets if ws.title == sheet]
            if not sheets:
                raise UploadRejected(f"没有找到名为“{sheet}”的工作表")
        if not sheets:
            raise UploadRejected("工作簿中没有可见的工作表")
        ws = sheets[0]
        headers: list[str] | None = None
        width = 0
        rows: list[Row] = []
        leading = header_row or 1
        for row in iter_rows(ws, max_rows=lim.max_rows, max_cols=lim.max_cols, leading=leading):
            if headers is None:
                if header_row is not None and row.number < header_row:
                    continue
                headers = _headers(row.cells)
                width = len(headers)
                continue
            rows.append(Row(row.number, row.cells + [None] * (width - len(row.cells))))
    if headers is None:
        raise UploadRejected("工作表是空的，没有找到表头行")
    return Table(headers, rows)


def _headers(cells: list) -> list[str]:
    out, seen = [], {}
    for i, value in enumerate(cells, start=1):
        title = "".join(str(value).split()) if not _blank(value) else f"第{i}列"
        seen[title] = seen.get(title, 0) + 1
        out.append(title if seen[title] == 1 else f"{title}（{seen[title]}）")
    return out
