"""The rehabilitation register as an xlsx that prints like the paper forms: the facilities of each 镇街
(社区康复机构登记表), the multi-function team with its members, and the KPIs per township or village against
the profile's targets. No patient appears in it (the enrolment ledger is views_enrol's). Stamped with who
exported it and when; cells that look like formulas are escaped (core.xlsx)."""

import io

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side

from jingfang.core.xlsx import neutralize, safe_cell

from . import vocab

SOURCE = "《薛城区精神卫生综合管理试点工作实施方案》"
FACILITY_HEADERS = ["序号", "乡镇（街道）", "机构名称", "机构形式", "举办部门", "举办单位", "地址", "服务名额", "开办日期",
                    "运营状态", "关闭日期", "备注"]
FACILITY_WIDTHS = [6, 14, 24, 14, 12, 18, 28, 10, 12, 10, 12, 16]


_thin = Side(style="thin", color="999999")
BOX = Border(left=_thin, right=_thin, top=_thin, bottom=_thin)


def _head(ws, title: str, line: str, exported_by: str, width: int) -> None:
    now = timezone.localtime().strftime("%Y-%m-%d %H:%M")
    for row, text in enumerate((title, line, f"导出人：{exported_by}　导出时间：{now}"), start=1):
        ws.append([safe_cell(text)])
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=width)
    ws["A1"].font = Font(bold=True, size=14)
    ws["A1"].alignment = Alignment(horizontal="center")


def _row(ws, values, bold=False) -> None:
    ws.append([safe_cell(v) for v in values])
    for cell in ws[ws.max_row]:
        cell.border = BOX
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        if bold:
            cell.font = Font(bold=True)


def _paper(ws, widths) -> None:
    for i, w in enumerate(widths):
        ws.column_dimensions[chr(ord("A") + i)].width = w
    ws.print_title_rows = "1:4"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True


def _date(d) -> str:
    return d.isoformat() if d else ""


def _met(f) -> str:
    return "" if f.met is None else ("达标" if f.met else "未达标")


def kpi_rows(board) -> list[list]:
    rows = []
    for f in (board.coverage, board.participation):
        rows.append([f.name, f.numerator, f.denominator, f.display, f.target_text or "未设定", _met(f),
                     f"{SOURCE}{f.cite}"])
    return rows


def register_workbook(region, facilities, teams, board, exported_by: str) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "社区康复机构"
    _head(ws, f"{region.name}精神障碍社区康复机构登记表", f"区划：{region.full_name()}　统计日：{board.end:%Y年%m月%d日}"
          f"　登记机构：{len(facilities)}", exported_by, len(FACILITY_HEADERS))
    _row(ws, FACILITY_HEADERS, bold=True)
    for i, f in enumerate(facilities, start=1):
        _row(ws, [i, f.region.name, f.name, f.kind_label, vocab.OPERATORS.get(f.operator, ""), f.operator_name,
                  f.address, f.places, _date(f.opened_on), vocab.FACILITY_STATUSES.get(f.status, ""),
                  _date(f.closed_on), f.note])
    if not facilities:
        ws.append(["", "无登记机构"])
    ws.append([])
    ws.append(["填报单位（盖章）：", "", "", "负责人：", "", "", "填报人：", "", "填报日期：", ""])
    _paper(ws, FACILITY_WIDTHS)

    tw = wb.create_sheet("多功能服务团队")
    _head(tw, f"{region.name}精神卫生多功能服务团队", f"依据：{SOURCE}薛城区2016，二（一）2", exported_by, 7)
    _row(tw, ["团队", "依托机构", "姓名", "团队角色", "工作单位", "加入日期", "退出日期"], bold=True)
    for t in teams:
        members = list(t.members.all())
        for m in members:
            _row(tw, [t.name, t.host, m.name, vocab.TEAM_ROLES.get(m.role, ""), m.unit, _date(m.joined_on),
                      _date(m.left_on)])
        if not members:
            _row(tw, [t.name, t.host, "（暂无成员）", "", "", "", ""])
    _paper(tw, [22, 22, 10, 16, 22, 12, 12])

    kpi = wb.create_sheet("指标")
    _head(kpi, f"{region.name}社区康复指标", f"统计期：{board.start:%Y-%m-%d}至{board.end:%Y-%m-%d}", exported_by, 7)
    _row(kpi, ["指标", "分子", "分母", "指标值", "目标", "是否达标", "依据"], bold=True)
    for r in kpi_rows(board):
        _row(kpi, r)
    kpi.append([])
    _row(kpi, [board.row_level, "运营中机构", "参与康复的居家患者", "居家患者", "参与率", "", ""], bold=True)
    for r in board.rows:
        _row(kpi, [r.name, "" if r.facilities is None else r.facilities, r.participants, r.at_home, r.display, "", ""])
    _paper(kpi, [30, 12, 18, 10, 10, 10, 40])
    neutralize(wb)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def dashboard_sheet(board, title: str) -> tuple[str, str, list[str], list[list]]:
    """The rehabilitation KPIs (and townships without a facility) as one sheet of the statistics export."""
    rows = kpi_rows(board)
    rows += [[f"无运营中康复机构：{name}", "", "", "", "", "", ""] for _c, name in board.coverage.shortfalls]
    return ("社区康复", f"{title}：社区康复（{board.start:%Y-%m-%d}至{board.end:%Y-%m-%d}）",
            ["指标", "分子", "分母", "指标值", "目标", "是否达标", "依据"], rows)
