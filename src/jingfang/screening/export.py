"""Excel files of screening: the lead list (masked identifiers) and the campaign's upward report.

The upward report (当阳乡2022, 四（一）: 名单汇总给县司法局及当地公安机关及卫健部门) is grouped by whereabouts
class and marked confidential (当阳乡2022, 五（五）: 不做公开宣传报道…坚决防止发生信息泄露): the marking is on the
first line, in the print header and footer, and the file says who exported it and when.
"""

import io

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Font

from jingfang.core import masking, xlsx

from . import vocab

LEAD_HEADERS = ["发现日期", "姓名", "性别", "出生日期", "身份证号", "联系电话", "村（社区）", "异常表现", "发现途径",
                "有危害行为", "状态", "转诊机构", "转诊日期", "报告人", "报告人单位"]
REPORT_HEADERS = ["序号", "姓名", "性别", "出生日期", "身份证号", "村（社区）", "住址", "摸排类别", "列报部门",
                  "诊断评估", "评估日期", "已入库"]


def who(user) -> str:
    return f"{user.get_full_name() or user.username}（{user.role_label}）"


def lead_rows(leads):
    for lead in leads:
        yield [
            lead.found_on.isoformat(), lead.name, lead.get_sex_display(),
            lead.birth_date.isoformat() if lead.birth_date else "",
            masking.mask_id_number(lead.id_number), masking.mask_phone(lead.phone),
            lead.region.name, "；".join(lead.sign_labels), lead.get_source_display(), lead.dangerous,
            lead.get_state_display(), lead.referred_to, lead.referred_on.isoformat() if lead.referred_on else "",
            lead.reporter_name, lead.reporter_unit,
        ]


def _person_row(n: int, p, campaign, full_ids: bool) -> list:
    listings = list(p.listings.all())
    groups = sorted({x.group for x in listings}, key=list(vocab.GROUPS).index)
    departments = sorted({x.department for x in listings}, key=list(vocab.DEPARTMENTS).index)
    return [
        n, p.name, p.get_sex_display() if p.sex else "", p.birth_date.isoformat() if p.birth_date else "",
        p.id_number if full_ids else masking.mask_id_number(p.id_number), p.region.name, p.address,
        "；".join(vocab.GROUP_SHORT[g] for g in groups), "、".join(vocab.DEPARTMENTS[d] for d in departments),
        vocab.ASSESSMENT_RESULTS.get(p.assessment_result, "已建档" if p.entered else "待诊断评估"),
        p.assessed_on.isoformat() if p.assessed_on else "", p.entered,
    ]


def report_workbook(user, campaign, groups: list[dict], *, full_ids: bool = False) -> tuple[bytes, int]:
    """One sheet: marking, title, who/when, then per whereabouts class a heading row and its persons."""
    wb = Workbook()
    ws = wb.active
    ws.title = "摸排名单"
    bold = Font(bold=True)
    red = Font(bold=True, color="B42318")
    now = timezone.localtime().strftime("%Y-%m-%d %H:%M")
    ws.append([vocab.CONFIDENTIAL])
    ws["A1"].font = red
    ws.append([f"{campaign.name}：严重精神障碍患者摸排名单（按去向分类）"])
    ws["A2"].font = bold
    ws.append([f"摸排范围：{campaign.region.full_name()}　报送：{vocab.REPORT_TO}　"
               f"导出人：{who(user)}　导出时间：{now}"])
    ws.append(["本表含个人信息，不做公开宣传报道，不得擅自传播扩散（当阳乡2022，五（五））"])
    ws.append([])
    ws.append(REPORT_HEADERS)
    for cell in ws[ws.max_row]:
        cell.font = bold
    count = 0
    for group in groups:
        ws.append([f"【{group['label']}】共{len(group['persons'])}人"])
        ws.cell(row=ws.max_row, column=1).font = bold
        for p in group["persons"]:
            count += 1
            ws.append([xlsx.safe_cell(v) for v in _person_row(count, p, campaign, full_ids)])
    ws.append([])
    ws.append([f"合计{count}人。{vocab.CONFIDENTIAL}"])
    ws.oddHeader.center.text = vocab.CONFIDENTIAL
    ws.oddFooter.center.text = f"{vocab.CONFIDENTIAL}　导出人：{who(user)}　{now}　第 &P 页"
    for col, width in zip("ABCDEFGHIJKL", (6, 10, 6, 12, 20, 12, 24, 28, 22, 16, 12, 8), strict=True):
        ws.column_dimensions[col].width = width
    xlsx.neutralize(wb)  # the title row holds the campaign's name as typed
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue(), count
