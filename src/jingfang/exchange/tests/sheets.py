"""Departments' lists as they really come: built with openpyxl in the tests."""

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def fullwidth(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if c.isdigit() or c == "X" else c for c in text)


def excel_number(id_number: str) -> float:
    """What Excel keeps of an ID number typed into a number cell: 15 significant digits, as a float
    (it shows 3.40102199001011E+17)."""
    return float(id_number[:15] + "000")


def messy(rows: list[list], *, title: str = "东镇严重精神障碍患者信息登记表（派出所）") -> bytes:
    """A title row and a unit line above a header merged over two rows, blank rows between the data,
    a signature line below."""
    wb = Workbook()
    ws = wb.active
    ws.title = "名单"
    ws.append([title])
    ws.merge_cells("A1:H1")
    ws.append(["填报单位：东镇派出所　　填报日期：2025年6月"])
    ws.merge_cells("A2:H2")
    ws.append([])
    ws.append(["序号", "基本信息", None, None, "现住址", None, "管理状态", "危险性等级"])
    ws.append([None, "姓名", "性别", "身份证号", "村（社区）", "详细地址", None, None])
    for rng in ("A4:A5", "B4:D4", "E4:F4", "G4:G5", "H4:H5"):
        ws.merge_cells(rng)
    for i, row in enumerate(rows, start=1):
        if row is None:
            ws.append([])
            continue
        ws.append([i, *row])
    ws.append([])
    ws.append(["填表人：某某　　审核：某某"])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def upload_file(content: bytes, name: str = "东镇派出所名单.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=XLSX)


def plain(headers: list, rows: list[list]) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(headers)
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
