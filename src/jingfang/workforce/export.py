"""The workforce register as an xlsx that prints like the paper ledger (精神卫生人员名册): title, region and
day, one boxed line per staff member with the training records, a signature line; a second sheet with the
KPIs against the profile's targets and the townships' shortfalls. Stamped with who exported it and when;
cells that look like formulas are escaped (core.xlsx)."""

import io

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side

from jingfang.core.xlsx import neutralize, safe_cell

from . import vocab

_thin = Side(style="thin", color="999999")
BOX = Border(left=_thin, right=_thin, top=_thin, bottom=_thin)
BOLD = Font(bold=True)
HEADERS = ["序号", "机构", "人员类别", "姓名", "专兼职", "职称", "执业证书编号", "到岗日期", "离岗日期", "培训记录（项目/学时/日期/证书）",
           "备注"]
WIDTHS = [6, 24, 22, 10, 8, 12, 18, 12, 12, 44, 16]


def _date(d) -> str:
    return d.isoformat() if d else ""


def _trainings(staff) -> str:
    return "\n".join(f"{t.course}/{t.hours.normalize():f}学时/{t.date:%Y-%m-%d}/{t.certificate or '—'}{'' if t.passed else '（未合格）'}"
                     for t in staff.trainings.all())


def _head(ws, title: str, line: str, exported_by: str, width: int) -> None:
    ws.append([title])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    ws["A1"].font = Font(bold=True, size=14)
    ws["A1"].alignment = Alignment(horizontal="center")
    ws.append([safe_cell(line)])
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=width)
    now = timezone.localtime().strftime("%Y-%m-%d %H:%M")
    ws.append([safe_cell(f"导出人：{exported_by}　导出时间：{now}　本表含工作人员个人信息，请妥善保管，不得外传")])
    ws.merge_cells(start_row=3, start_column=1, end_row=3, end_column=width)


def _row(ws, values, bold=False) -> None:
    ws.append([safe_cell(v) for v in values])
    for cell in ws[ws.max_row]:
        cell.border = BOX
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        if bold:
            cell.font = BOLD


def _paper(ws, widths) -> None:
    for i, w in enumerate(widths):
        ws.column_dimensions[chr(ord("A") + i)].width = w
    ws.print_title_rows = "1:4"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True


def workbook(region, staff, board, exported_by: str) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "精神卫生人员名册"
    _head(ws, f"{region.name}精神卫生人员名册", f"区划：{region.full_name()}　统计日：{board.on:%Y年%m月%d日}"
          f"　在岗人数：{sum(board.counts.values())}", exported_by, len(HEADERS))
    _row(ws, HEADERS, bold=True)
    for i, s in enumerate(staff, start=1):
        _row(ws, [i, s.institution.name, vocab.STAFF_KINDS.get(s.kind, s.kind), s.name,
                  vocab.EMPLOYMENT.get(s.employment, ""), s.title, s.licence_no, _date(s.started), _date(s.left_on),
                  _trainings(s), s.note])
    if not staff:
        ws.append(["", "无登记人员"])
    ws.append([])
    ws.append(["填报单位（盖章）：", "", "", "负责人：", "", "", "填报人：", "", "填报日期：", ""])
    _paper(ws, WIDTHS)

    kpi = wb.create_sheet("指标与缺口")
    _head(kpi, f"{region.name}精神卫生人才队伍指标", f"统计日：{board.on:%Y年%m月%d日}", exported_by, 6)
    _row(kpi, ["指标", "分子", "分母", "指标值", "目标", "是否达标"], bold=True)
    for f in (board.psychiatrists, board.staffing):
        met = "" if f.met is None else ("达标" if f.met else "未达标")
        _row(kpi, [f.name, f.numerator, f.denominator, f.display, f.target_text, met])
    kpi.append([safe_cell(f"依据：《薛城区精神卫生综合管理试点工作实施方案》{board.staffing.cite}")])
    kpi.append([])
    _row(kpi, ["乡镇（街道）", "缺口", "", "", "", ""], bold=True)
    for _code, name, lacks in board.staffing.shortfalls:
        _row(kpi, [name, "；".join(lacks), "", "", "", ""])
    if not board.staffing.shortfalls:
        kpi.append(["", "各镇街均已配齐"])
    _paper(kpi, [36, 48, 10, 10, 10, 10])
    neutralize(wb)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def dashboard_sheet(board, title: str) -> tuple[str, str, list[str], list[list]]:
    """The workforce KPIs and shortfalls as one sheet of the statistics dashboard's export (no names)."""
    rows = []
    for f in (board.psychiatrists, board.staffing):
        met = "" if f.met is None else ("达标" if f.met else "未达标")
        rows.append([f.name, f.numerator, f.denominator, f.display, f.target_text, met,
                     f"《薛城区精神卫生综合管理试点工作实施方案》{f.cite}"])
    rows += [[f"缺口：{name}", "；".join(lacks), "", "", "", "", ""] for _c, name, lacks in board.staffing.shortfalls]
    return ("人才队伍", f"{title}：精神卫生人才队伍（{board.on:%Y-%m-%d}）",
            ["指标", "分子", "分母", "指标值", "目标", "是否达标", "依据"], rows)
