"""The xlsx exports: the register of measures, printing like a paper 通报/督办 register (台账), and a joint
consultation's record (会商调度记录) with its indicators and shortcomings. Stamped with who exported them and
when; cells that look like formulas are escaped (core.xlsx)."""

import io

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter

from jingfang.core.xlsx import neutralize, safe_cell

from . import rules, vocab

_thin = Side(style="thin", color="999999")
BOX = Border(left=_thin, right=_thin, top=_thin, bottom=_thin)
BOLD = Font(bold=True)
REGISTER_HEADERS = ["序号", "措施类型", "对象", "事由", "事实依据（关联事件、督导检查）", "整改要求", "下达日期", "下达单位",
                    "整改期限", "状态", "销号日期", "整改情况"]
REGISTER_WIDTHS = [6, 10, 18, 30, 30, 30, 12, 16, 12, 10, 12, 30]


def _head(ws, title: str, line: str, exported_by: str, width: int) -> None:
    ws.append([safe_cell(title)])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    ws["A1"].font = Font(bold=True, size=14)
    ws["A1"].alignment = Alignment(horizontal="center")
    ws.append([safe_cell(line)])
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=width)
    now = timezone.localtime().strftime("%Y-%m-%d %H:%M")
    ws.append([safe_cell(f"导出人：{exported_by}　导出时间：{now}　内部资料，注意保密")])
    ws.merge_cells(start_row=3, start_column=1, end_row=3, end_column=width)


def _row(ws, values, bold: bool = False) -> None:
    ws.append([safe_cell(v) for v in values])
    for cell in ws[ws.max_row]:
        cell.border = BOX
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        if bold:
            cell.font = BOLD


def _paper(ws, widths, landscape: bool = True) -> None:
    for i, w in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = w
    ws.print_title_rows = "1:4"
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True


def _save(wb) -> bytes:
    neutralize(wb)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def facts_text(measure) -> str:
    lines = [f"{i['date']:%Y-%m-%d} {i['village']} {i['kind']}（{'已倒查' if i['reviewed_at'] else '未倒查'}）"
             for i in measure.incident_rows]
    lines += [r.title for r in measure.inspections.all()]
    if measure.facts:
        lines.append(measure.facts)
    return "\n".join(lines)


def register(title: str, line: str, measures, on, exported_by: str, issuer_label) -> bytes:
    """``measures`` with ``incident_rows`` set (selectors.incident_rows); ``issuer_label(measure)``."""
    wb = Workbook()
    ws = wb.active
    ws.title = "督办问责台账"
    _head(ws, title, line, exported_by, len(REGISTER_HEADERS))
    _row(ws, REGISTER_HEADERS, bold=True)
    for n, m in enumerate(measures, start=1):
        state = vocab.STATES[rules.state_on(m.deadline, m.closed_on, on)]
        _row(ws, [n, vocab.KINDS[m.kind], m.target_name, m.reason, facts_text(m), m.rectification,
                  f"{m.issued_on:%Y-%m-%d}", issuer_label(m), f"{m.deadline:%Y-%m-%d}", state,
                  f"{m.closed_on:%Y-%m-%d}" if m.closed_on else "", m.closing_text])
    if not measures:
        ws.append(["", "无记录"])
    ws.append([])
    ws.append([safe_cell(f"依据：{vocab.CITE}")])
    ws.append(["填报单位（盖章）：", "", "", "负责人：", "", "", "填报人：", "", "填报日期：", ""])
    _paper(ws, REGISTER_WIDTHS)
    return _save(wb)


def consultation(meeting, attendees, tasks, snap: dict, exported_by: str) -> bytes:
    """The consultation's record: the meeting (place, attendees, minutes, decisions, tasks) on the first
    sheet, the indicators and the shortcomings as frozen (``snap``, already visible-filtered) on the second."""
    wb = Workbook()
    ws = wb.active
    ws.title = "会商调度记录"
    region = (snap.get("region") or {}).get("name") or meeting.region.name
    _head(ws, f"{region}严重精神障碍患者服务管理联合会商调度记录", f"会议日期：{meeting.date:%Y年%m月%d日}　地点：{meeting.place or '—'}",
          exported_by, 4)
    _row(ws, ["参加人员", "、".join(f"{a.name}（{a.unit}）" if a.unit else a.name for a in attendees) or "—", "", ""])
    _row(ws, ["会议纪要", meeting.minutes or "—", "", ""])
    _row(ws, ["议定事项", meeting.decisions or "—", "", ""])
    for r in range(5, ws.max_row + 1):
        ws.merge_cells(start_row=r, start_column=2, end_row=r, end_column=4)
    ws.append([])
    _row(ws, ["整改任务", "责任人", "完成期限", "状态"], bold=True)
    for t in tasks:
        owner = t.owner.get_full_name() or t.owner.username
        _row(ws, [t.text, f"{owner}（{t.owner.role_label}）", f"{t.due_date:%Y-%m-%d}", "已办结" if t.done else "办理中"])
    if not tasks:
        ws.append(["无"])
    ws.append([])
    ws.append([safe_cell(f"依据：{vocab.CONSULTATION_CITE}")])
    _paper(ws, [30, 40, 14, 12], landscape=False)

    ks = wb.create_sheet("指标与短板")
    period = snap.get("period") or {}
    _head(ks, f"{region}会商材料：工作指标与问题短板",
          f"统计期：{period.get('start', '')} 至 {period.get('end', '')}（每{period.get('every', '')}，{period.get('cite', '')}）",
          exported_by, 6)
    _row(ks, ["指标", "分子", "分母", "指标值", "目标", "是否达标"], bold=True)
    for k in snap.get("kpis") or []:
        met = "" if k.get("met") is None else ("达标" if k["met"] else "未达标")
        _row(ks, [k["name"], "" if k.get("numerator") is None else k["numerator"],
                  "" if k.get("denominator") is None else k["denominator"], k.get("display", ""),
                  k.get("target_text", ""), met])
    ks.append([])
    _row(ks, ["问题短板", "内容", "", "", "", ""], bold=True)
    for k in snap.get("below_target") or []:
        _row(ks, ["指标未达目标", f"{k['name']}：{k['display']}（目标{k['target_text']}）", "", "", "", ""])
    for r in snap.get("rectifications") or []:
        _row(ks, ["督导整改逾期", f"{r['text']}（{r['owner']}，期限{r['due_date']}，{r['report']}）", "", "", "", ""])
    for m in snap.get("measures") or []:
        late = "，已逾期" if m["state"] == "overdue" else ""
        _row(ks, ["督办问责未销号", f"{m['kind_label']}：{m['target_name']}（期限{m['deadline']}{late}）", "", "", "", ""])
    inc = snap.get("incidents") or {}
    _row(ks, ["肇事肇祸", f"统计期内{inc.get('count', 0)}起，未完成倒查{inc.get('unreviewed', 0)}起", "", "", "", ""])
    _row(ks, ["会议任务逾期", f"此前会议议定任务逾期未办结{snap.get('tasks_overdue', 0)}项", "", "", "", ""])
    _paper(ks, [20, 60, 10, 10, 10, 10])
    return _save(wb)
