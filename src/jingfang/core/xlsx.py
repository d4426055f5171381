"""Excel exports: every list exports to xlsx, stamped with who exported it and when.

Cells that a spreadsheet would read as a formula (= + - @, tab, CR) are prefixed with a quote: every
cell of a write-only workbook goes through ``safe_cell`` (titles and headers too), and a normal
workbook is passed through ``neutralize`` just before it is saved.
"""

import io
import re

from django.http import HttpResponse
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Font

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def safe_cell(value):
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    if isinstance(value, bool):
        return "是" if value else "否"
    return "" if value is None else value


def sheet_title(text: str) -> str:
    """A sheet name Excel accepts (no : \\ / ? * [ ], at most 31 characters), from any title."""
    return re.sub(r"[\\/?*:\[\]]", "_", text or "").strip("'")[:31] or "Sheet1"


def neutralize(wb) -> None:
    """Quote every text cell of a (normal, not write-only) workbook that would read as a formula: the
    last step before saving, whatever the builder put in titles, headings or rows."""
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and cell.value.startswith(FORMULA_PREFIXES):
                    cell.value = safe_cell(cell.value)


def build_workbook(title: str, headers: list[str], rows, exported_by: str) -> bytes:
    """A one-sheet workbook: title line, who/when line, header, rows. Streams rows (write-only)."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title=sheet_title(title))
    bold = Font(bold=True)
    from openpyxl.cell import WriteOnlyCell

    def styled(text):
        cell = WriteOnlyCell(ws, value=safe_cell(text))
        cell.font = bold
        return cell

    ws.append([styled(title)])
    now = timezone.localtime().strftime("%Y-%m-%d %H:%M")
    ws.append([safe_cell(f"导出人：{exported_by}　导出时间：{now}　本表含个人信息，请妥善保管，不得外传")])
    ws.append([styled(h) for h in headers])
    count = 0
    for row in rows:
        ws.append([safe_cell(v) for v in row])
        count += 1
    buf = io.BytesIO()
    wb.save(buf)
    build_workbook.last_count = count
    return buf.getvalue()


def xlsx_response(filename: str, content: bytes) -> HttpResponse:
    from urllib.parse import quote

    response = HttpResponse(content, content_type=XLSX_TYPE)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    response["Cache-Control"] = "no-store"
    return response
