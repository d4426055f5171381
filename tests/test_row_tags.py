"""The table rows built in Python (worklist, patient list, region pickers): same markup as the
template language would give, and every value escaped."""

import datetime as dt
from types import SimpleNamespace

from django.template import Context, Template

from jingfang.core.worklist_hub import Item
from jingfang.regions import codes

EVIL = '<script>alert("x")</script>&'
ESCAPED = "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;"


def render(source: str, **context) -> str:
    return Template(source).render(Context(context))


def test_region_options_mark_the_selected_indent_villages_and_escape():
    regions = [SimpleNamespace(code="990102001000", name="青山镇", level=codes.TOWNSHIP),
               SimpleNamespace(code="990102001001", name=EVIL, level=codes.VILLAGE)]
    html = render("{% load jf %}{% region_options regions sel %}", regions=regions, sel="990102001001")
    assert html == ('<option value="990102001000" >青山镇</option>'
                    f'<option value="990102001001" selected>　{ESCAPED}</option>')


def _item(**over):
    data = dict(patient_id=7, patient_name=EVIL, region_code="990102001001", region_name=EVIL, key_person=True,
                grade="red", kind="followup", due_date=dt.date(2026, 11, 20), window_start=dt.date(2026, 11, 10),
                state="overdue", reason=EVIL, mode="phone", escalations=[EVIL], notes=[EVIL], provisional=True)
    data.update(over)
    return Item(**data)


def test_worklist_rows_escape_every_value_and_link_the_work():
    html = render("{% load worklist_tags %}{% worklist_rows items on roll record %}", items=[_item()],
                  on=dt.date(2026, 11, 28), roll=True, record=True)
    assert "<script>" not in html and html.count(ESCAPED) == 5  # name, village, reason, escalation, note
    assert '<a href="/patients/7/">' in html and "录入随访" in html and "（电话）" in html and "暂定" in html
    assert '<span class="tag key">重点</span>' in html
    roll_call = render("{% load worklist_tags %}{% worklist_rows items on roll record %}",
                       items=[_item(kind="roll_call")], on=dt.date(2026, 11, 28), roll=True, record=False)
    assert 'hx-post="/worklist/rollcall/7/"' in roll_call and "在控" in roll_call
    assert 'value="2026-11-28"' in roll_call
    not_allowed = render("{% load worklist_tags %}{% worklist_rows items on roll record %}",
                         items=[_item()], on=dt.date(2026, 11, 28), roll=False, record=False)
    assert "录入随访" not in not_allowed


def test_village_rows_escape_names_and_count():
    html = render("{% load worklist_tags %}{% village_rows villages on %}",
                  villages=[{"code": "990102001001", "name": EVIL, "overdue": 3, "due": 1, "upcoming": 0}],
                  on=dt.date(2026, 11, 28))
    assert html == ('<tr><td><a href="?on=2026-11-28&region=990102001001">' + ESCAPED + "</a></td>"
                    '<td><strong style="color:var(--bad)">3</strong></td><td>1</td><td>0</td></tr>')


def test_patient_rows_escape_mask_and_hide_clinical_columns():
    patient = SimpleNamespace(
        pk=9, name=EVIL, birth_date=dt.date(1980, 1, 2), id_number="110101198001020016", phone="13812345678",
        region=SimpleNamespace(name=EVIL), risk_level=2, condition="unstable", key_person=False, next_due_date=None,
        get_sex_display=lambda: "男", get_status_display=lambda: "在家", get_condition_display=lambda: "不稳定")
    html = render("{% load patient_tags %}{% patient_rows rows clinical risk %}", rows=[patient], clinical=True,
                  risk=True)
    assert "<script>" not in html and html.count(ESCAPED) == 2
    assert "110***********0016" in html and "138****5678" in html and "1980-01-02" in html
    assert '<span class="tag risk2">2级</span>' in html and "不稳定" in html and ">—</td>" in html
    hidden = render("{% load patient_tags %}{% patient_rows rows clinical %}", rows=[patient], clinical=False)
    assert "不稳定" not in hidden and 'data-label="病情"' not in hidden
    assert "2级" not in hidden and 'data-label="危险性"' not in hidden  # the risk level only for RISK_ROLES
    assert "没有符合条件的患者" in render("{% load patient_tags %}{% patient_rows rows clinical %}", rows=[],
                                        clinical=False)
