"""The workbooks the import hands out: the blank template with one synthetic example row, and the
check report listing every problem by row and column."""

import io

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from jingfang.core import xlsx

from . import columns as cols

TEMPLATE_NAME = "患者台账导入模板.xlsx"
REQUIRED_FILL = PatternFill("solid", fgColor="FDE2E1")


def template() -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "患者台账"
    bold = Font(bold=True)
    for i, column in enumerate(cols.COLUMNS, start=1):
        cell = ws.cell(row=1, column=i, value=column.header + ("*" if column.required else ""))
        cell.font = bold
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        if column.required:
            cell.fill = REQUIRED_FILL
        example = ws.cell(row=2, column=i, value=column.example if column.example != "" else None)
        letter = get_column_letter(i)
        ws.column_dimensions[letter].width = max(10, min(30, len(column.header) * 2 + 2))
        if column.kind in ("id", "phone", "code"):
            for row in range(2, 2002):
                ws.cell(row=row, column=i).number_format = "@"  # text: Excel keeps every digit
        if column.kind == "date":
            example.number_format = "yyyy-mm-dd"
        if column.kind in ("choice", "bool"):
            words = ["是", "否"] if column.kind == "bool" else cols.labels(column)
            formula = '"' + ",".join(words) + '"'
            if len(formula) <= 255:
                dv = DataValidation(type="list", formula1=formula, allow_blank=True, showErrorMessage=False)
                dv.add(f"{letter}2:{letter}20001")
                ws.add_data_validation(dv)
    ws.freeze_panes = "C2"
    notes = wb.create_sheet("填写说明")
    notes.append(["列名", "是否必填", "说明"])
    for cell in notes[1]:
        cell.font = bold
    for column in cols.COLUMNS:
        notes.append([column.header, "必填" if column.required else "", column.note])
    notes.append([])
    notes.append(["说明", "", "第2行是虚构的示例，请删除后填写。一行一名患者；身份证号已在系统中登记的行会跳过并在报告中列出。"])
    notes.append(["", "", "导入时任何一行有错误，整个文件都不导入，并给出逐行逐列的校验报告，修改后重新上传即可。"])
    notes.append(["", "", "现住址所在村（社区）须在您的辖区内；可填区划代码，也可只填村（社区）名称。"])
    notes.column_dimensions["A"].width = 30
    notes.column_dimensions["C"].width = 90
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def report(problems: list, skipped: list, exported_by: str) -> bytes:
    """problems: (row, column, message); skipped: (row, message). No cell values are repeated here:
    the row and column are enough to find them in the uploader's own file."""
    rows = [(row, column, message) for row, column, message in problems]
    rows += [(row, "身份证号", message) for row, message in skipped]
    rows.sort(key=lambda r: r[0])
    return xlsx.build_workbook("台账校验报告", ["行号", "列", "问题"], rows, exported_by)
