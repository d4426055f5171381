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


# The text scanner against the forms of sheet XML writers produce ------------------------------------
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
STYLES = (f'<styleSheet xmlns="{MAIN}"><numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy-mm-dd"/>'
          '</numFmts><cellXfs count="2"><xf numFmtId="0"/><xf numFmtId="164"/></cellXfs></styleSheet>')
STRINGS = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<sst xmlns="{MAIN}" count="5">'
           '<si><t>姓名</t></si><si><t xml:space="preserve"> 王 建国 </t></si>'
           '<si><r><rPr><b/></rPr><t>富</t></r><r><t>文本</t></r></si>'
           '<si><t>汉</t><rPh sb="0" eb="1"><t>かん</t></rPh></si><si><t>A&amp;B &#x4E2D;&#20013;</t></si><si/></sst>')
PLAIN_ROWS = (
    '<row r="1" spans="1:4" x14ac:dyDescent="0.25"><c r="A1" t="s"><v>0</v></c><c r="B1" s="0" t="s"><v>2</v></c>'
    '<c r="C1" t="s"><v>3</v></c><c r="D1" t="s"><v>4</v></c></row>'
    '<row r="2"><c r="A2" t="s"><v>1</v></c><c t="inlineStr" r="B2" cm="1"><is><t>乙&lt;丙&gt;</t></is></c>'
    '<c r="C2" s="1"><v>42064</v></c><c r="D2"><f>1+1</f><v>2</v></c><c r="E2" t="b"><v>1</v></c>'
    '<c r="F2" s="1"/><c r="G2" t="e"><v>#N/A</v></c><c r="H2" t="str"><f>"x"</f><v>公式</v></c></row>'
    '<row r="3"/>'
    '<row><c t="inlineStr"><is><r><t>多</t></r><r><t xml:space="preserve">段 </t></r></is></c><c><v>1.5</v></c>'
    '<c s="1"><v>1E3</v></c><c r="F4" t="inlineStr"><is><t>行一\r\n行二</t></is></c></row>'
    '<row r="6" ht="20"><c r="B6" t="inlineStr"><is><t></t></is></c><c r="C6"><v></v></c>'
    '<c r="D6" t="inlineStr"><is><t>  </t></is></c></row>'
    '<row r="7"><c r="A7" t="n"><v>-7</v></c><c r="B7" t="inlineStr"><is><t>末</t></is></c></row>'
)
EXPECTED = [
    (1, ["姓名", "富文本", "汉", "A&B 中中"]),  # phonetic guides are not part of the text
    (2, [" 王 建国 ", "乙<丙>", dt.datetime(2015, 3, 1), 2, True, None, None, "公式"]),
    (4, ["多段 ", 1.5, dt.datetime(1902, 9, 26), None, None, "行一\n行二"]),
    (7, [-7, "末"]),
]


def _xlsx(sheet_xml: str, strings: str = STRINGS) -> bytes:
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/'
                   'package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/></Types>')
        z.writestr("xl/workbook.xml", f'<workbook xmlns="{MAIN}" xmlns:r="http://schemas.openxmlformats.org/'
                   'officeDocument/2006/relationships"><sheets><sheet name="台账" sheetId="1" r:id="rId1"/>'
                   '</sheets></workbook>')
        z.writestr("xl/_rels/workbook.xml.rels", '<Relationships xmlns="http://schemas.openxmlformats.org/package/'
                   '2006/relationships"><Relationship Id="rId1" Target="worksheets/sheet1.xml" Type="x"/>'
                   '</Relationships>')
        z.writestr("xl/styles.xml", STYLES)
        z.writestr("xl/sharedStrings.xml", strings)
        z.writestr("xl/worksheets/sheet1.xml", sheet_xml)
    return buf.getvalue()


def _sheet(rows: str, prefix: str = "", extra: str = "") -> str:
    p = prefix + ":" if prefix else ""
    ns = f'xmlns:{prefix}="{MAIN}"' if prefix else f'xmlns="{MAIN}"'
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n<{p}worksheet {ns} '
            'xmlns:x14ac="http://schemas.microsoft.com/office/spreadsheetml/2009/9/ac">'
            f'<{p}dimension ref="A1:H7"/><{p}cols><{p}col min="1" max="2" width="10"/></{p}cols>{extra}'
            f'<{p}sheetData>{rows}</{p}sheetData><{p}rowBreaks count="0"/></{p}worksheet>')


def _read(data: bytes):
    return [(r.number, r.cells) for r in fastsheet.rows(data, max_rows=100, max_cols=50)]


@pytest.mark.parametrize("chunk", [3, 64, 1 << 18])
@pytest.mark.parametrize("variant", ["plain", "pretty", "comment", "prefix"])
def test_scanner_and_parser_read_the_same(monkeypatch, chunk, variant):
    rows = PLAIN_ROWS
    if variant == "pretty":  # indented, as some writers do
        rows = rows.replace("<row", "\n  <row").replace("<c ", "\n    <c ").replace("</row>", "\n  </row>")
    sheet = _sheet(rows)
    if variant == "comment":
        sheet = _sheet(rows.replace('<row r="7">', '<!-- <row r="9"><c><v>9</v></c></row> --><row r="7">'))
    if variant == "prefix":
        sheet = _sheet(rows.replace("<row", "<x:row").replace("</row>", "</x:row>").replace("<c ", "<x:c ")
                       .replace("<c>", "<x:c>").replace("</c>", "</x:c>").replace("<v>", "<x:v>")
                       .replace("</v>", "</x:v>").replace("<is>", "<x:is>").replace("</is>", "</x:is>")
                       .replace("<t>", "<x:t>").replace("</t>", "</x:t>").replace("<f>", "<x:f>")
                       .replace("</f>", "</x:f>").replace("<r>", "<x:r>").replace("</r>", "</x:r>")
                       .replace('<t xml:space="preserve">', '<x:t xml:space="preserve">'), prefix="x")
    data = _xlsx(sheet)
    monkeypatch.setattr(fastsheet, "CHUNK", chunk)
    scanned = _read(data)
    assert scanned == EXPECTED
    monkeypatch.setattr(fastsheet, "_plain_markup", lambda archive, path, counted=None: False)
    assert _read(data) == EXPECTED  # the expat reader


def test_which_reader():
    import zipfile

    def plain(sheet_xml):
        return fastsheet._plain_markup(zipfile.ZipFile(io.BytesIO(_xlsx(sheet_xml))), "xl/worksheets/sheet1.xml")

    assert plain(_sheet(PLAIN_ROWS))
    assert not plain(_sheet(PLAIN_ROWS, extra="<!-- x -->"))
    assert not plain(_sheet(PLAIN_ROWS.replace("<v>1.5</v>", "<v><![CDATA[1.5]]></v>")))
    assert not plain(_sheet(PLAIN_ROWS, extra="<?pi x?>"))
    assert not plain(_sheet(PLAIN_ROWS, prefix="x").replace("<row", "<x:row").replace("</row>", "</x:row>")
                     .replace("<c ", "<x:c ").replace("<c>", "<x:c>").replace("</c>", "</x:c>")
                     .replace("<v>", "<x:v>").replace("</v>", "</x:v>").replace("<is>", "<x:is>")
                     .replace("</is>", "</x:is>").replace("<t>", "<x:t>").replace("</t>", "</x:t>")
                     .replace("<f>", "<x:f>").replace("</f>", "</x:f>").replace("<r>", "<x:r>")
                     .replace("</r>", "</x:r>").replace('<t xml:space="preserve">', '<x:t xml:space="preserve">'))


@pytest.mark.parametrize("broken", [
    PLAIN_ROWS.replace("</row>", "", 1),  # not well-formed
    PLAIN_ROWS.replace("乙&lt;", "乙&nbsp;"),  # an entity XML does not define
    PLAIN_ROWS.replace("<v>0</v>", "<v>99</v>", 1),  # no such shared string
])
def test_broken_sheets_are_refused(broken):
    with pytest.raises(UploadRejected, match="工作表无法读取"):
        _read(_xlsx(_sheet(broken)))


def test_doctype_is_refused():
    sheet = _sheet(PLAIN_ROWS).replace("\r\n", '\r\n<!DOCTYPE worksheet [<!ENTITY x "y">]>', 1)
    with pytest.raises(UploadRejected, match="实体声明"):
        _read(_xlsx(sheet))


def test_too_many_columns_in_the_scanner():
    with pytest.raises(UploadRejected, match="第1行超过3列"):
        list(fastsheet.rows(_xlsx(_sheet(PLAIN_ROWS)), max_rows=100, max_cols=3))
