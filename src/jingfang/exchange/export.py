"""The exchange table as an xlsx for printing and signing: title, township and month, counts against
the previous month, per-patient lines with masked ID numbers, and one signature row per member
department. Stamped with who exported it and when; cells that look like formulas are escaped."""

import io

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

from jingfang.core.xlsx import neutralize, safe_cell

TITLE = "乡镇严重精神障碍患者管理信息交换表"
_thin = Side(style="thin", color="999999")
BOX = Border(left=_thin, right=_thin, top=_thin, bottom=_thin)
BOLD = Font(bold=True)
HIGHLIGHT = PatternFill("solid", fgColor="FFF2CC")
WIDTHS = {"A": 6, "B": 20, "C": 12, "D": 22, "E": 14, "F": 12, "G": 40}


def workbook(detail: dict, exported_by: str) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = f"{detail['month']}交换表"[:31]
    for col, width in WIDTHS.items():
        ws.column_dimensions[col].width = width
    year, month = detail["month"].split("-")
    ws.append([TITLE])
    ws.merge_cells("A1:G1")
    ws["A1"].font = Font(bold=True, size=14)
    ws["A1"].alignment = Alignment(horizontal="center")
    version = f"　第{detail['version']}版（含补录）" if detail["version"] > 1 else ""
    ws.append([safe_cell(f"乡镇（街道）：{detail['township_name']}　月份：{year}年{int(month)}月"
                         f"（{detail['start']}至{detail['end']}）{version}")])
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=7)
    now = timezone.localtime().strftime("%Y-%m-%d %H:%M")
    ws.append([safe_cell(f"导出人：{exported_by}　导出时间：{now}　本表含个人信息，仅限信息交换成员单位使用，不得外传")])
    ws.merge_cells(start_row=3, start_column=1, end_row=3, end_column=7)
    ws.append([])

    _section(ws, "一、情况汇总（与上月比较）")
    _header(ws, ["", "项目", "本月", "上月", "增减"])
    for i, row in enumerate(detail["summary"], start=1):
        delta = "" if row["delta"] is None else row["delta"]
        previous = "" if row["previous"] is None else row["previous"]
        _row(ws, [i, row["label"], row["count"], previous, delta], highlight=row["changed"])
        ws.cell(ws.max_row, 5).number_format = SIGNED  # a number, printed +2 / -3 / 0
    ws.append([safe_cell(f"上月数据来源：{detail['previous_source']}；底色标出与上月不同的项目。")])
    ws.append([])

    _section(ws, "二、患者个案信息")
    _header(ws, ["序号", "类别", "姓名", "身份证号（脱敏）", "村（社区）", "日期", "情况说明"])
    for i, line in enumerate(detail["lines"], start=1):
        detail_text = ("【补录】" if line["supplement"] else "") + (line["detail"] or "")
        _row(ws, [i, line["category_label"], line["name"], line["id_number_masked"], line["village_name"],
                  line["date"], detail_text], highlight=line["supplement"])
    if not detail["lines"]:
        ws.append(["", "本月无变动"])
    for line in detail["removed"]:
        ws.append(["", safe_cell(f"【撤销】{line['category_label']}"), safe_cell(line["name"]),
                   line["id_number_masked"], safe_cell(line["village_name"]), line["date"],
                   safe_cell("上一版所列，经更正后不再列入")])
    ws.append([])

    _section(ws, "三、成员单位签收")
    _header(ws, ["", "单位", "签收日期", "签收人", "签字", "", "备注"])
    received = {r["department"]: r for r in detail["receipts"]}
    for i, dept in enumerate(detail["departments"], start=1):
        r = received.get(dept["key"])
        _row(ws, [i, dept["label"], r["received_on"].isoformat() if r else "", r["received_by"] if r else "", "", "",
                  r["note"] if r else ""], tall=True)
    ws.print_title_rows = "1:3"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    neutralize(wb)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _section(ws, text: str) -> None:
    ws.append([text])
    ws.cell(row=ws.max_row, column=1).font = BOLD


def _header(ws, values: list) -> None:
    ws.append(values)
    for cell in ws[ws.max_row]:
        cell.font = BOLD
        cell.border = BOX


SIGNED = "+0;-0;0"


def _row(ws, values: list, *, highlight: bool = False, tall: bool = False) -> None:
    ws.append([safe_cell(v) for v in values])
    for cell in ws[ws.max_row]:
        cell.border = BOX
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        if highlight:
            cell.fill = HIGHLIGHT
    if tall:
        ws.row_dimensions[ws.max_row].height = 30
