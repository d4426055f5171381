"""The worklist's table rows, built in Python: a county page holds 100 rows of a dozen cells, which
the template language renders several times slower than this (the markup is the same)."""

from django import template
from django.utils.html import escape
from django.utils.safestring import mark_safe

from jingfang.core.urlmaker import url_for_id

register = template.Library()

_MODES = {"phone": "（电话）", "joint": "（联合）"}


@register.simple_tag
def worklist_rows(items, on, can_roll_call: bool, can_record_followup: bool) -> str:
    detail, create, roll_call = (url_for_id("registry:patient_detail"), url_for_id("followups:create"),
                                 url_for_id("followups:roll_call"))
    on_text = on.isoformat()
    out = []
    for i in items:
        cells = [f'<td data-label="应办日期">{i.due_date.isoformat()}'
                 + (' <span class="tag" title="该年度节假日尚未配置">暂定</span>' if i.provisional else "") + "</td>",
                 f'<td data-label="事项">{escape(i.kind_label)}{_MODES.get(i.mode, "")}</td>']
        if i.url:
            who = f'<a href="{escape(i.url)}">{escape(i.label or i.patient_name)}</a>'
        elif i.patient_id:
            who = f'<a href="{detail(i.patient_id)}">{escape(i.patient_name)}</a>'
        else:
            who = ""
        if i.key_person:
            who += ' <span class="tag key">重点</span>'
        cells.append(f'<td data-label="患者">{who}</td>')
        cells.append(f'<td data-label="村">{escape(i.region_name)}</td>')
        reason = escape(i.reason)
        reason += "".join(f'<br><span class="tag key">{escape(e)}</span>' for e in i.escalations)
        reason += "".join(f'<br><span class="muted">{escape(n)}</span>' for n in i.notes)
        cells.append(f'<td data-label="依据">{reason}</td>')
        action = ""
        if i.kind == "roll_call" and can_roll_call:
            action = (f'<form hx-post="{roll_call(i.patient_id)}" hx-swap="outerHTML" class="rollcall"><input type="hidden" '
                      f'name="on" value="{on_text}"><button class="btn small" name="result" value="present">在控</button>'
                      f'<button class="btn small secondary" name="result" value="absent">不在控</button>'
                      f'<button class="btn small secondary" name="result" value="unreachable">联系不上</button></form>')
        elif i.kind == "followup" and can_record_followup:
            action = f'<a class="btn small" href="{create(i.patient_id)}">录入随访</a>'
        cells.append(f"<td>{action}</td>")
        out.append("<tr>" + "".join(cells) + "</tr>")
    return mark_safe("\n".join(out))


@register.simple_tag
def village_rows(villages, on) -> str:
    """The table of counts per village above the list (a county has a few hundred villages)."""
    on_text = on.isoformat()
    return mark_safe("".join(
        f'<tr><td><a href="?on={on_text}&region={escape(v["code"])}">{escape(v["name"])}</a></td>'
        f'<td>{f"""<strong style="color:var(--bad)">{int(v["overdue"])}</strong>""" if v["overdue"] else "0"}</td>'
        f'<td>{int(v["due"])}</td><td>{int(v["upcoming"])}</td></tr>'
        for v in villages))
