"""The patient list's table rows, built in Python (a page of rows renders several times faster than
through the template language; the markup is the same as the template's was), and the words for a
file's field (``field_label``: the revision list on the patient's page)."""

from django import template
from django.utils.html import escape
from django.utils.safestring import mark_safe

from jingfang.core import masking
from jingfang.core.urlmaker import url_for_id

from .. import services

register = template.Library()


@register.filter
def field_label(name):
    return services.field_label(name)

_KEY_TAG = '<span class="tag key">重点</span>'


@register.simple_tag
def patient_rows(patients, sees_clinical: bool, sees_risk: bool = False) -> str:
    detail = url_for_id("registry:patient_detail")
    out = []
    for p in patients:
        risk = (f'<span class="tag risk{int(p.risk_level)}">{int(p.risk_level)}级</span>'
                if p.risk_level is not None else "—")
        cells = [
            f'<td data-label="姓名"><a href="{detail(p.pk)}">{escape(p.name)}</a></td>',
            f'<td data-label="性别">{escape(p.get_sex_display())}</td>',
            f'<td data-label="出生日期">{p.birth_date.isoformat() if p.birth_date else ""}</td>',
            f'<td data-label="身份证号">{escape(masking.mask_id_number(p.id_number))}</td>',
            f'<td data-label="电话">{escape(masking.mask_phone(p.phone) or "—")}</td>',
            f'<td data-label="现住址">{escape(p.region.name)}</td>',
            f'<td data-label="在管状态">{escape(p.get_status_display())}</td>',
        ]
        if sees_risk:  # accounts.roles.RISK_ROLES
            cells.append(f'<td data-label="危险性">{risk}</td>')
        if sees_clinical:
            condition = (f'<span class="tag {escape(p.condition)}">{escape(p.get_condition_display())}</span>'
                         if p.condition else "—")
            cells.append(f'<td data-label="病情">{condition}</td>')
        cells.append(f'<td data-label="重点">{_KEY_TAG if p.key_person else ""}</td>')
        if sees_clinical:  # the next due date follows the condition class
            cells.append(f'<td data-label="下次随访">{p.next_due_date.isoformat() if p.next_due_date else "—"}</td>')
        out.append("<tr>" + "".join(cells) + "</tr>")
    if not out:
        out.append('<tr><td colspan="11" class="muted">没有符合条件的患者</td></tr>')
    return mark_safe("\n".join(out))
