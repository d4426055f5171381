"""Relief through the pages: filing, each role's step, refusals, the printable form, the fund, the
quarterly summary and the worklist."""

from decimal import Decimal

import pytest

from jingfang.audit.models import AuditEvent
from jingfang.core import clock
from jingfang.followups import engine, worklist
from jingfang.support.models import ReliefApplication, ReliefFund

from .conftest import STEP_DATA, workbook_rows

pytestmark = pytest.mark.django_db


def as_user(client, user):
    client.force_login(user)
    return client


def test_file_review_approve_admit_through_the_pages(client, users, patient):
    c = as_user(client, users["vdoc"])
    form = c.get(f"/support/relief/new/?patient={patient.pk}")
    assert form.status_code == 200 and "事实与理由" in form.content.decode()
    guardian = patient.guardians.first()
    r = c.post("/support/relief/new/", {"patient": patient.pk, "guardian": guardian.pk, "insurance_type": "resident",
                                        "facts": "患者病情加重，家庭困难。", "and_submit": "1"})
    app = ReliefApplication.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/support/relief/{app.pk}/"
    assert app.state == "submitted" and app.applicant_name == "王监护" and app.applicant_relation == "parent"
    as_user(client, users["cadre"])
    page = client.get(f"/support/relief/{app.pk}/").content.decode()
    assert "村委会初审" in page and "step-village_review" in page and "step-approve" not in page
    assert client.post(f"/support/relief/{app.pk}/step/village_review/", STEP_DATA["village_review"]).status_code == 302
    as_user(client, users["office"])
    page = client.get(f"/support/relief/{app.pk}/").content.decode()
    assert "本年度住院救助基金余额：<strong>1400000.00</strong>" in page and "住院饮食餐费和医疗费各救助50%" in page
    assert client.post(f"/support/relief/{app.pk}/step/approve/", STEP_DATA["approve"]).status_code == 302
    as_user(client, users["doctor"])
    assert client.post(f"/support/relief/{app.pk}/step/admit/", STEP_DATA["admit"]).status_code == 302
    app.refresh_from_db()
    assert app.state == "admitted" and app.relief_paid == Decimal("2000.00") and app.hospital == "平桥区精神病医院"
    page = client.get(f"/support/relief/{app.pk}/").content.decode()
    for who_when in ("经办人", "审批人", "代为登记"):
        assert who_when in page


@pytest.mark.parametrize("who,action,status,text", [
    ("vdoc", "village_review", 403, "须由村干部/网格员办理"),
    ("office", "village_review", 403, "无权办理"),
    ("cadre", "approve", 403, "须由乡镇综治中心/平安办办理"),
    ("cadre", "admit", 403, "须由乡镇卫生院精防人员办理"),
    ("cadre", "submit", 409, "不能进行“提交申请”"),
])
def test_pages_refuse_wrong_role_and_wrong_state(client, users, patient, walk, who, action, status, text):
    app = walk(patient, "submitted")
    r = as_user(client, users[who]).post(f"/support/relief/{app.pk}/step/{action}/", STEP_DATA[action])
    assert r.status_code == status and text in r.content.decode()
    app.refresh_from_db()
    assert app.state == "submitted"


def test_budget_override_through_the_page(client, users, patient, walk):
    app = walk(patient, "village_reviewed")
    fund = ReliefFund.objects.get_or_create(county_id="990102000000", year=clock.today().year,
                                            defaults={"budget_yuan": Decimal("100")})[0]
    ReliefFund.objects.filter(pk=fund.pk).update(budget_yuan=Decimal("100"))
    c = as_user(client, users["office"])
    r = c.post(f"/support/relief/{app.pk}/step/approve/", STEP_DATA["approve"])
    assert r.status_code == 422 and "超出本年度住院救助基金余额（100.00元）" in r.content.decode()
    r = c.post(f"/support/relief/{app.pk}/step/approve/", {**STEP_DATA["approve"], "budget_override": "on",
                                                            "override_reason": "肇事肇祸风险高，优先救助"})
    assert r.status_code == 302
    app.refresh_from_db()
    assert app.state == "township_approved" and app.budget_override
    assert "超出基金余额审批" in c.get(f"/support/relief/{app.pk}/").content.decode()


def test_print_page_is_one_a4_form_with_signature_and_stamp_boxes(client, users, patient, walk):
    app = walk(patient, "township_approved")
    html = as_user(client, users["office"]).get(f"/support/relief/{app.pk}/print/").content.decode()
    assert "@page { size: A4; margin: 12mm; }" in html
    assert "困难精神障碍患者住院救助申请审批表" in html and "测试县" in html
    for box in ("村委会<br>初审意见", "村民委员会<br>（印章）", "乡镇<br>（办事处）<br>审核意见", "人民政府<br>（办事处）<br>（印章）",
                "定点医院<br>（印章）", "申请人（监护人）：", "经办人：", "审批人："):
        assert box in html
    assert 'class="topbar"' not in html and "<nav" not in html
    assert html.count('class="box on"') == 2  # the village's suggestion and the township's option
    assert patient.id_number in html  # the office may reveal: the printed form carries the full number
    assert AuditEvent.objects.filter(action="reveal", target=f"application:{app.pk}", detail__print=True).exists()


def test_cadre_prints_masked_identifiers(client, users, patient, walk):
    app = walk(patient, "submitted")
    html = as_user(client, users["cadre"]).get(f"/support/relief/{app.pk}/print/").content.decode()
    assert patient.id_number not in html and patient.id_number[-4:] in html


def test_draft_edit_then_submit_and_no_edit_after(client, users, patient, walk):
    app = walk(patient, "draft")
    c = as_user(client, users["vdoc"])
    r = c.post(f"/support/relief/{app.pk}/edit/", {"applicant_name": "王监护", "insurance_type": "none",
                                                   "facts": "改写后的事实。", "and_submit": "1"})
    assert r.status_code == 302
    app.refresh_from_db()
    assert app.state == "submitted" and app.insurance_type == "none" and app.facts == "改写后的事实。"
    r = c.post(f"/support/relief/{app.pk}/edit/", {"applicant_name": "王", "insurance_type": "none", "facts": "x"})
    assert r.status_code == 409


def test_fund_page_ledger_and_budget_by_the_county(client, users, patient, walk):
    walk(patient, "admitted")
    year = clock.today().year
    c = as_user(client, users["county"])
    page = c.get("/support/relief/fund/").content.decode()
    assert "年度预算 <strong>1400000.00</strong>" in page and "余额 <strong>1398000.00</strong>" in page
    assert "赵救助" in page and "审批占用" in page and "救助支出" in page
    assert "救助对象住院个人自付比例 <strong>20.00%</strong>" in page  # 2000 of 10000
    r = c.post(f"/support/relief/fund/?county=990102000000&year={year}", {"budget_yuan": "1500000", "note": "追加"})
    assert r.status_code == 302
    assert ReliefFund.objects.get(year=year).budget_yuan == Decimal("1500000.00")
    office = as_user(client, users["office"])
    assert "余额 <strong>1498000.00</strong>" in office.get("/support/relief/fund/").content.decode()
    assert office.post("/support/relief/fund/", {"budget_yuan": "9"}).status_code == 403
    doctor2 = as_user(client, users["doctor2"]).get("/support/relief/fund/").content.decode()
    assert "赵救助" not in doctor2 and "辖区外" in doctor2  # same county's fund, other township's applicant


def test_quarterly_summary_xlsx(client, users, patient, walk, make_patient):
    walk(patient, "admitted")
    walk(make_patient("990102001002", name="拒绝乙"), "rejected")
    walk(make_patient("990102002001", name="西镇丙"), "township_approved")
    today = clock.today()
    q = (today.month - 1) // 3 + 1
    rows = workbook_rows(as_user(client, users["county"]).get(f"/support/relief/quarterly.xlsx?year={today.year}&quarter={q}"))
    assert rows[0][0].startswith(f"{today.year}年第{q}季度困难精神障碍患者住院救助汇总表")
    headers = rows[2]
    assert headers[:4] == ("乡镇（街道）", "申请（件）", "审批同意（件）", "审批金额（元）")
    assert "住院饮食餐费和医疗费各救助50%（件）" in headers
    by_town = {r[0]: dict(zip(headers, r, strict=True)) for r in rows[3:]}
    east, west, total = by_town["东镇"], by_town["西镇"], by_town["合计"]
    assert (east["申请（件）"], east["审批同意（件）"], east["不予救助（件）"], east["定点医院办理（件）"]) == (2, 1, 1, 1)
    assert east["基金支付（元）"] == 2000 and east["审批金额（元）"] == 3000
    assert west["审批同意（件）"] == 1 and west["住院饮食餐费和医疗费各救助50%（元）"] == 3000
    assert total["申请（件）"] == 3 and total["审批金额（元）"] == 6000
    office_rows = workbook_rows(as_user(client, users["office"]).get(
        f"/support/relief/quarterly.xlsx?year={today.year}&quarter={q}"))
    assert {r[0] for r in office_rows[3:]} == {"东镇", "合计"}


def test_pending_steps_reach_the_right_worklist(client, users, patient, walk):
    app = walk(patient, "submitted")
    today = clock.today()

    def kinds(who):
        return [i for i in worklist.items_for(users[who], today) if i.kind == "relief"]

    assert len(kinds("cadre")) == 1 and kinds("cadre")[0].url == f"/support/relief/{app.pk}/"
    assert kinds("office") == [] and kinds("doctor") == [] and kinds("doctor2") == []
    from jingfang.support import services_relief

    services_relief.step(users["cadre"], app, "village_review", STEP_DATA["village_review"])
    assert kinds("cadre") == [] and len(kinds("office")) == 1
    page = as_user(client, users["office"]).get("/support/relief/").content.decode()
    assert "待我办理：村委会已初审，待乡镇审批" in page and "赵救助" in page


def test_list_scoped_and_relief_hidden_from_police(client, users, patient, walk, make_patient):
    walk(patient, "submitted")
    walk(make_patient("990102002001", name="西镇丙"), "submitted")
    assert "西镇丙" not in as_user(client, users["office"]).get("/support/relief/").content.decode()
    assert "赵救助" not in as_user(client, users["doctor2"]).get("/support/relief/").content.decode()
    assert as_user(client, users["police"]).get("/support/relief/").status_code == 403


@pytest.mark.parametrize("who,links", [
    ("office", ["住院救助申请", "监护人以奖代补", "监护人责任保险", "应享未享待遇", "住院救助基金"]),
    ("cadre", ["住院救助申请", "应享未享待遇"]),
    ("civil", ["住院救助申请", "应享未享待遇"]),
    ("police", []),
])
def test_home_lists_what_the_role_may_open(client, users, who, links):
    response = as_user(client, users[who]).get("/support/")
    if not links:
        assert response.status_code == 403
        return
    page = response.content.decode()
    assert [name for name in ("住院救助申请", "监护人以奖代补", "监护人责任保险", "应享未享待遇", "住院救助基金")
            if f"<strong>{name}</strong>" in page] == links


def test_print_ends_each_opinion_with_one_full_stop(client, users, patient, walk):
    app = walk(patient, "township_approved")
    type(app).objects.filter(pk=app.pk).update(village_opinion="同意推荐。", township_opinion="同意救助")
    html = as_user(client, users["office"]).get(f"/support/relief/{app.pk}/print/").content.decode()
    assert "同意推荐。" in html and "同意推荐。。" not in html
    assert "同意救助。" in html


def test_the_county_summary_has_the_columns_of_the_scheme_that_sets_its_fund(client, users, tree, walk, make_patient):
    """A county whose own profile sets no fund (薛城区2016) and a township that runs 平桥区2025: the county
    supervisor's quarterly summary has a column per option of the fund, as the fund itself runs."""
    tree["county"].policy = "xuecheng-2016"
    tree["county"].save()
    tree["t1"].policy = "pingqiao-2025"
    tree["t1"].save()
    engine.clear_caches()
    walk(make_patient("990102001001", name="钱救助"), "township_approved")
    today = clock.today()
    rows = workbook_rows(as_user(client, users["county"]).get(
        f"/support/relief/quarterly.xlsx?year={today.year}&quarter={(today.month - 1) // 3 + 1}"))
    row = dict(zip(rows[2], rows[3], strict=True))
    assert row["住院饮食餐费和医疗费各救助50%（件）"] == 1 and row["住院饮食餐费和医疗费各救助50%（元）"] == 3000
