"""Uploaded xlsx: every refusal happens before openpyxl parses anything, with a message that says why.

Attack files are built by hand (zip bombs, billion laughs, XXE, forged paths and sizes)."""

import io
import struct
import time
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from jingfang.core import uploads
from jingfang.core.uploads import UploadRejected, read_xlsx

LAUGHS = (b'<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
          b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
          b'<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>\n')
XXE = b'<?xml version="1.0"?>\n<!DOCTYPE foo [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'


def workbook(rows: list[list], *, title_rows: list[list] = ()) -> bytes:
    wb = Workbook()
    ws = wb.active
    for row in [*title_rows, *rows]:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


GOOD = workbook([["姓名", "身份证号", "住址"], ["张三", "11010119900307123X", "东镇"], [], ["李四", None, "西村"]])


def rezip(data: bytes, replace: dict[str, bytes] | None = None, add: dict[str, bytes] | None = None,
          compression=zipfile.ZIP_DEFLATED) -> bytes:
    """The workbook ``data`` with members replaced or added."""
    replace, add = replace or {}, add or {}
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", compression) as dst:
        for info in src.infolist():
            dst.writestr(info.filename, replace.get(info.filename, src.read(info.filename)))
        for name, content in add.items():
            dst.writestr(name, content)
    return out.getvalue()


def with_prolog(data: bytes, member: str, prolog: bytes, use: bytes = b"") -> bytes:
    """``member`` rewritten with a DTD ``prolog`` in front of its root element (and ``use`` after
    its first '>' of the root, e.g. an entity reference)."""
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        body = z.read(member)
    body = body.split(b"?>", 1)[1] if body.startswith(b"<?xml") else body
    if use:
        head, rest = body.split(b">", 1)
        body = head + b">" + use + rest
    return rezip(data, replace={member: prolog + body.lstrip()})


def rejected(content, message: str, **kw):
    with pytest.raises(UploadRejected) as exc:
        read_xlsx(content, **kw)
    assert message in str(exc.value), str(exc.value)
    return str(exc.value)


# A good file ------------------------------------------------------------------------------------
def test_good_file_headers_and_numbered_rows():
    headers, rows = read_xlsx(GOOD, filename="名单.xlsx")
    assert headers == ["姓名", "身份证号", "住址"]
    assert rows == [(2, ["张三", "11010119900307123X", "东镇"]), (4, ["李四", None, "西村"])]
    assert rows[1].number == 4 and rows[1].cells[2] == "西村"


def test_uploaded_file_titles_above_the_header_and_short_rows_padded():
    data = workbook([["姓名", None, "电话"], ["王五"]], title_rows=[["东镇患者台账"], ["填报单位：东镇卫生院"]])
    table = read_xlsx(SimpleUploadedFile("台账.xlsx", data), header_row=3)
    assert table.headers == ["姓名", "第2列", "电话"]
    assert table.rows == [(4, ["王五", None, None])]


def test_forged_dimension_is_ignored():
    """A sheet that declares A1:XFD1048576 is read as what it holds, quickly."""
    with zipfile.ZipFile(io.BytesIO(GOOD)) as z:
        sheet = z.read("xl/worksheets/sheet1.xml")
    forged = rezip(GOOD, replace={"xl/worksheets/sheet1.xml": sheet.replace(b'ref="A1:C4"', b'ref="A1:XFD1048576"')})
    assert b"XFD1048576" in zipfile.ZipFile(io.BytesIO(forged)).read("xl/worksheets/sheet1.xml")
    started = time.monotonic()
    headers, rows = read_xlsx(forged)
    assert time.monotonic() - started < 5
    assert len(headers) == 3 and len(rows) == 2


# Size and kind ----------------------------------------------------------------------------------
def test_oversize_refused_before_reading():
    rejected(GOOD, "文件超过1MB", max_bytes=len(GOOD) - 1)
    big = SimpleUploadedFile("大.xlsx", b"PK\x03\x04" + b"0" * (5 * 1024 * 1024 + 1))
    rejected(big, "文件超过5MB")


class Counting(io.BytesIO):
    name = "名单.xlsx"
    size = 0  # a stream that does not say its size: reading stops at the cap plus one byte

    def read(self, n=-1):
        self.asked = n
        return super().read(n)


def test_a_stream_is_read_only_up_to_the_cap():
    stream = Counting(b"PK\x03\x04" + b"0" * 10_000)
    rejected(stream, "文件超过1MB", max_bytes=1000)
    assert stream.asked == 1001


@pytest.mark.parametrize("content,name,message", [
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "名单.xls", "旧版 .xls"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "加密.xlsx", "设置了打开密码"),
    ("姓名,身份证号\n张三,1\n".encode(), "名单.xlsx", "CSV 或文本文件"),
    ("姓名,身份证号\n".encode("gbk"), "名单.csv", "CSV 或文本文件"),
    (b"<html><table><tr><td>1</td></tr></table></html>", "名单.xls", "旧版 .xls"),
    (b"<html><table><tr><td>1</td></tr></table></html>", "名单.xlsx", "网页（HTML）"),
    (b"\x00\x01binary", "名单.xlsx", "只接受 Excel .xlsx 文件"),
    (b"PK\x03\x04broken", "名单.xlsx", "已损坏"),
    (GOOD, "名单.zip", "扩展名为 .xlsx"),
])
def test_not_an_xlsx(content, name, message):
    rejected(content, message, filename=name)


def test_a_zip_that_is_not_a_workbook():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("readme.txt", "hello")
    rejected(out.getvalue(), "不是有效的 .xlsx 工作簿")


# Zip directory ----------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def zeros_200mb() -> bytes:
    """A real zip bomb: 200 MB of zeros in the sheet, about 200 KB on disk."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(GOOD)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            if info.filename != "xl/worksheets/sheet1.xml":
                dst.writestr(info.filename, src.read(info.filename))
        with dst.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as member:
            chunk = b"\0" * (1024 * 1024)
            for _ in range(200):
                member.write(chunk)
    return out.getvalue()


def test_zip_bomb_refused_from_the_directory(zeros_200mb, monkeypatch):
    assert len(zeros_200mb) < 1024 * 1024
    info = zipfile.ZipFile(io.BytesIO(zeros_200mb)).getinfo("xl/worksheets/sheet1.xml")
    assert info.file_size == 200 * 1024 * 1024 and info.file_size / info.compress_size > 500
    opened = []
    monkeypatch.setattr(zipfile.ZipFile, "open", lambda *a, **k: opened.append(a) or pytest.fail("opened"))
    rejected(zeros_200mb, "解压后超过100MB")
    assert opened == []


def test_compression_ratio_refused_below_the_total_cap(zeros_200mb):
    lim = uploads.limits()
    with pytest.raises(UploadRejected, match="压缩比异常"):
        uploads.check_xlsx(zeros_200mb, "x.xlsx", lim=uploads.Limits(**{**lim.__dict__, "max_unzipped": 10**9}))


def test_member_lying_about_its_size_cannot_inflate(zeros_200mb):
    """A member that declares 1 KB but holds 200 MB: zipfile stops at the declared size and the
    CRC check fails; the file is refused as damaged, never decompressed further."""
    data = bytearray(zeros_200mb)
    name = b"xl/worksheets/sheet1.xml"
    central = data.rfind(b"PK\x01\x02", 0, len(data))
    while data[central + 46:central + 46 + len(name)] != name:
        central = data.rfind(b"PK\x01\x02", 0, central)
    # zip64: the real sizes sit in the extra field; rewrite the member as a plain small one there too
    extra_len = struct.unpack("<H", data[central + 30:central + 32])[0]
    extra_at = central + 46 + len(name)
    extra = bytearray(data[extra_at:extra_at + extra_len])
    if extra[:2] == b"\x01\x00":
        extra[4:12] = struct.pack("<Q", 1024)
    data[extra_at:extra_at + extra_len] = extra
    if struct.unpack("<I", data[central + 24:central + 28])[0] != 0xFFFFFFFF:
        data[central + 24:central + 28] = struct.pack("<I", 1024)
    info = zipfile.ZipFile(io.BytesIO(bytes(data))).getinfo("xl/worksheets/sheet1.xml")
    assert info.file_size == 1024
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as z, pytest.raises(zipfile.BadZipFile, match="CRC"):
        z.read(info)
    rejected(bytes(data), "已损坏")


def test_too_many_members():
    rejected(rezip(GOOD, add={f"xl/media/p{i}.png": b"x" for i in range(500)}), "部件超过500个")


@pytest.mark.parametrize("member", ["../evil.xml", "/etc/evil.xml", "xl/../../evil.xml", "C:/evil.xml"])
def test_absolute_or_parent_paths(member):
    rejected(rezip(GOOD, add={member: b"<a/>"}), "内部路径异常")


def test_duplicate_member_names():
    with pytest.warns(UserWarning):
        data = rezip(GOOD, add={"xl/workbook.xml": b"<workbook/>"})
    rejected(data, "重名部件")


# XML entities -----------------------------------------------------------------------------------
@pytest.mark.parametrize("member,prolog,use", [
    ("xl/worksheets/sheet1.xml", LAUGHS, b"<!-- &lol3; -->"),
    ("xl/worksheets/sheet1.xml", XXE, b""),
    ("[Content_Types].xml", LAUGHS, b""),
    ("[Content_Types].xml", XXE, b""),
    ("xl/sharedStrings.xml", LAUGHS, b""),
    ("_rels/.rels", XXE, b""),
])
def test_dtd_and_entities_refused_before_openpyxl(member, prolog, use, monkeypatch):
    data = GOOD if member != "xl/sharedStrings.xml" else workbook([["姓名"], ["张三"]])
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        if member not in z.namelist():  # openpyxl writes inline strings; add a shared-strings part
            data = rezip(data, add={member: b"<sst xmlns='http://schemas.openxmlformats.org/"
                                            b"spreadsheetml/2006/main'/>"})
    bad = with_prolog(data, member, prolog, use)
    import openpyxl

    monkeypatch.setattr(openpyxl, "load_workbook", lambda *a, **k: pytest.fail("openpyxl reached"))
    rejected(bad, "实体声明")


def test_openpyxl_itself_parses_through_defusedxml():
    """The second line: even without our prolog scan, openpyxl refuses the entity (defusedxml)."""
    from defusedxml import DefusedXmlException
    from openpyxl import load_workbook
    from openpyxl.xml import DEFUSEDXML

    assert DEFUSEDXML
    bad = with_prolog(GOOD, "[Content_Types].xml", LAUGHS)
    with pytest.raises(ValueError) as exc:  # openpyxl wraps it: "could not read manifest"
        load_workbook(io.BytesIO(bad), read_only=True)
    assert isinstance(exc.value.__cause__, DefusedXmlException)
    bad = with_prolog(GOOD, "xl/worksheets/sheet1.xml", XXE, b"")
    with pytest.raises(ValueError) as exc:  # "could not read worksheets"
        load_workbook(io.BytesIO(bad), read_only=True)
    assert isinstance(exc.value.__cause__, DefusedXmlException)


# Rows and columns -------------------------------------------------------------------------------
def test_too_many_rows_stops_reading():
    data = workbook([["姓名"]] + [[f"某{i}"] for i in range(4)])
    assert len(read_xlsx(data, max_rows=4).rows) == 4
    rejected(data, "数据超过3行", max_rows=3)


def test_too_many_rows_default_cap():
    data = workbook([["姓名"]] + [[i] for i in range(20_001)])
    rejected(data, "数据超过20000行")


def test_too_many_columns_names_the_row():
    data = workbook([["姓名"], ["张三"] + [None] * 49 + ["多出的一列"]])
    rejected(data, "第2行超过50列")
    assert len(read_xlsx(data, max_cols=51).rows[0].cells) == 51
    trailing_blanks = workbook([["姓名"], ["张三"] + [None] * 60 + ["  "]])
    assert read_xlsx(trailing_blanks).rows == [(2, ["张三"])]


def test_settings_are_the_defaults(settings):
    settings.JINGFANG_UPLOAD_MAX_ROWS = 1
    settings.JINGFANG_UPLOAD_MAX_BYTES = 2 * 1024 * 1024
    assert uploads.limits().max_rows == 1 and uploads.limits(max_rows=7).max_rows == 7
    rejected(GOOD, "数据超过1行")
    assert uploads.too_big(uploads.limits().max_bytes).args[0].startswith("文件超过2MB")


def test_empty_sheet():
    rejected(workbook([]), "没有找到表头行")
