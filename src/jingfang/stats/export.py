"""xlsx exports of the statistics: the KPI table, and the dashboard (KPIs, trend, ranking) as sheets.

Follows core.xlsx: a title line, who/when, the header; cells that a spreadsheet would read as a formula
are quoted (core.xlsx.safe_cell).
"""

import io

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Font

from jingfang.core.xlsx import safe_cell, sheet_title

from .compute import Board
from .kpis import KPI, WITHHELD_TEXT

KPI_HEADERS = ["指标", "定义", "分子名称", "分子", "分母名称", "分母", "指标值", "单位", "目标", "是否达标", "目标依据",
               "分子定义", "分母定义", "定义依据"]


def met_text(k: KPI) -> str:
    return "" if k.met is None else ("达标" if k.met else "未达标")


def _number(value: float | None):
    if value is None:  # withheld (stats.permissions.visible_kpis)
        return WITHHELD_TEXT
    return int(value) if float(value).is_integer() else round(value, 2)


def _value(k: KPI, blank=""):
    if k.withheld:
        return WITHHELD_TEXT
    return blank if k.value is None else round(k.value, 2)


def kpi_row(k: KPI) -> list:
    return [k.name, k.definition, k.numerator_label, _number(k.numerator), k.denominator_label, _number(k.denominator),
            _value(k, None), k.unit, k.target_text, met_text(k), k.target_cite, k.numerator_text, k.denominator_text, k.basis]


def workbook(sheets: list[tuple[str, str, list[str], list[list]]], exported_by: str) -> bytes:
    """Sheets of (sheet name, title, headers, rows)."""
    wb = Workbook(write_only=True)
    bold = Font(bold=True)
    now = timezone.localtime().strftime("%Y-%m-%d %H:%M")
    from openpyxl.cell import WriteOnlyCell

    for name, title, headers, rows in sheets:
        ws = wb.create_sheet(title=sheet_title(name))

        def styled(text, ws=ws):
            cell = WriteOnlyCell(ws, value=safe_cell(text))
            cell.font = bold
            return cell

        ws.append([styled(title)])
        ws.append([safe_cell(f"导出人：{exported_by}　导出时间：{now}")])
        ws.append([styled(h) for h in headers])
        for row in rows:
            ws.append([safe_cell(v) for v in row])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def kpi_sheets(title: str, kpis: list[KPI]) -> list:
    return [("指标", title, KPI_HEADERS, [kpi_row(k) for k in kpis])]


def board_sheets(board: Board, title: str) -> list:
    keys = [k for k in board.kpis]
    trend_rows = [[p.start.isoformat(), p.end.isoformat(), *[_value(k) for k in ks]]
                  for p, ks in board.trend]
    rank_rows = [[r.code, r.name, *[_value(k) for k in ks],
                  *[_number(k.numerator) for k in ks]]
                 for r, ks in board.ranking]
    names = [f"{k.name}（{k.unit}）" for k in keys]
    return [
        *kpi_sheets(title, board.kpis),
        ("趋势", f"{title}：近{len(board.trend)}个月趋势", ["开始日期", "结束日期", *names], trend_rows),
        ("下级排名", f"{title}：下级区划", ["区划代码", "名称", *names, *[f"{k.numerator_label}" for k in keys]],
         rank_rows),
    ]
