"""Reward runs through the ORM adapter and the pages: compute, withhold, pay, the roster; the insurance roster.

Care's GuardianshipAgreement and Incident are stood in for by patching the adapter's two readers
(support.facts_rewards.agreements_by_patient / incidents_by_patient) with plain data.
"""

import datetime as dt
from decimal import Decimal

import pytest

from jingfang.audit.models import AuditEvent
from jingfang.core import clock
from jingfang.followups import engine
from jingfang.followups.models import FollowUp
from jingfang.registry.models import Patient
from jingfang.support import facts_rewards
from jingfang.support.models import RewardLine, RewardRun
from jingfang.support.rewards import Agreement, Incident

from .conftest import workbook_rows, workbook_text

pytestmark = pytest.mark.django_db
D = dt.date


@pytest.fixture
def township(pingqiao, make_patient, monkeypatch):
    """东镇 patients, registered in 2024: 甲 risk 3 (eligible), 乙 risk 3 with an incident on 2025-06-15,
    丙 risk 1 with an agreement, 丁 risk 4 without agreement; 戊 lives in 西镇."""
    made = {}
    for name, village, risk in (("甲奖补", "990102001001", 3), ("乙肇事", "990102001002", 3),
                                ("丙稳定", "990102001001", 1), ("丁无协议", "990102001001", 4),
                                ("戊西镇", "990102002001", 3)):
        p = make_patient(village, name=name)
        Patient.objects.filter(pk=p.pk).update(registered_on=D(2024, 3, 1))
        FollowUp.objects.create(patient=p, date=D(2025, 5, 10), mode="home_visit", seen=True, risk_level=risk,
                                condition="stable")
        made[name] = p
    agreements = {made[n].pk: [Agreement(i, made[n].guardians.first().pk, "王监护", D(2025, 1, 1))]
                  for i, n in enumerate(("甲奖补", "乙肇事", "丙稳定", "戊西镇"), start=1)}
    incidents = {made["乙肇事"].pk: [Incident(D(2025, 6, 15), "trouble")]}
    monkeypatch.setattr(facts_rewards, "agreements_by_patient", lambda ids: {k: v for k, v in agreements.items()
                                                                            if k in set(ids)})
    monkeypatch.setattr(facts_rewards, "incidents_by_patient", lambda ids, until: {
        k: [i for i in v if i.date <= until] for k, v in incidents.items() if k in set(ids)})
    return made


def compute(client, user, **data):
    client.force_login(user)
    body = {"township": "990102001000", "year": "2025", "month": "6", **data}
    return client.post("/support/rewards/compute/", body)


def lines(run):
    return {line.patient_name: line for line in RewardLine.objects.filter(run=run)}


def test_compute_a_month_for_a_township(client, users, township):
    response = compute(client, users["office"])
    run = RewardRun.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/support/rewards/{run.pk}/"
    got = lines(run)
    assert set(got) == {"甲奖补", "乙肇事", "丙稳定", "丁无协议"}  # not 戊 (西镇)
    assert got["甲奖补"].eligible and got["甲奖补"].amount == Decimal("200.00") and got["甲奖补"].grounds == ["risk"]
    assert got["甲奖补"].guardian_name == "王监护" and got["甲奖补"].guardian_relation == "父母"
    assert not got["乙肇事"].eligible and "本期内发生肇事肇祸（2025-06-15 肇事）" in got["乙肇事"].problems
    assert not got["丙稳定"].eligible and got["丙稳定"].problems[0].startswith("不符合奖补条件")
    assert not got["丁无协议"].eligible and "未签订监护协议" in got["丁无协议"].problems
    assert (run.line_count, run.eligible_count, run.total_amount) == (4, 1, Decimal("200.00"))
    page = client.get(f"/support/rewards/{run.pk}/").content.decode()
    assert "甲奖补" in page and "未签订监护协议" in page and "200.00" in page


def test_withhold_restore_and_paid_freezes_the_run(client, users, township):
    compute(client, users["office"])
    run = RewardRun.objects.get()
    pid = township["甲奖补"].pk
    r = client.post(f"/support/rewards/{run.pk}/withhold/", {"patient": pid, "reason": "监护人长期外出，未尽看护责任"})
    assert r.status_code == 302
    line = lines(run)["甲奖补"]
    assert not line.eligible and "监护人未履行监护职责：监护人长期外出，未尽看护责任" in line.problems
    compute(client, users["office"])  # recomputing keeps the withholding
    assert not lines(run)["甲奖补"].eligible
    client.post(f"/support/rewards/{run.pk}/restore/", {"patient": pid})
    assert lines(run)["甲奖补"].eligible
    assert client.post(f"/support/rewards/{run.pk}/paid/").status_code == 302
    run.refresh_from_db()
    assert run.paid and run.paid_by == users["office"]
    again = client.post(f"/support/rewards/{run.pk}/recompute/")
    assert again.status_code == 409 and "不能修改或重算" in again.content.decode()
    assert compute(client, users["office"]).status_code == 409
    assert client.post(f"/support/rewards/{run.pk}/withhold/", {"patient": pid, "reason": "x"}).status_code == 409
    assert lines(run)["甲奖补"].eligible
    assert AuditEvent.objects.filter(detail__op="reward_paid", outcome="ok").exists()


def test_payment_roster_xlsx_has_totals_and_signature_lines(client, users, township):
    compute(client, users["office"])
    run = RewardRun.objects.get()
    response = client.get(f"/support/rewards/{run.pk}/roster.xlsx")
    assert response.status_code == 200
    rows = workbook_rows(response)
    assert rows[0][0] == "东镇2025年6月监护人以奖代补发放花名册"
    assert rows[1][0].startswith("导出人：")
    assert rows[2][:3] == ("序号", "村（社区）", "患者姓名")
    assert rows[3][1:4] == ("甲村", "甲奖补", "王监护") and rows[3][6] == 200
    total = next(r for r in rows if r[0] == "合计")
    assert total[2] == "1人" and total[6] == 200
    text = workbook_text(response)
    assert "经办人（签字）" in text and "审核人（签字）" in text and "（盖章）" in text
    assert "乙肇事" not in text and "丁无协议" not in text
    assert AuditEvent.objects.filter(action="export", user_id=users["office"].pk, detail__count=1).exists()


def test_only_the_township_office_computes(client, users, township):
    for who in ("county", "doctor", "civil"):
        response = compute(client, users[who])
        assert response.status_code == 403
    assert not RewardRun.objects.exists()
    assert AuditEvent.objects.filter(user_id=users["doctor"].pk, outcome="denied").exists()


def test_county_supervisor_reads_runs_and_rosters(client, users, township):
    compute(client, users["office"])
    run = RewardRun.objects.get()
    client.force_login(users["county"])
    assert "东镇" in client.get("/support/rewards/").content.decode()
    assert client.get(f"/support/rewards/{run.pk}/").status_code == 200
    assert client.get(f"/support/rewards/{run.pk}/roster.xlsx").status_code == 200
    assert client.post(f"/support/rewards/{run.pk}/paid/").status_code == 403


def test_a_month_not_yet_begun_is_refused(client, users, township):
    response = compute(client, users["office"], year="2099", month="1")
    assert response.status_code == 422 and "尚未开始" in response.content.decode()


def test_national_profile_has_no_reward_to_compute(client, users, tree, make_patient):
    make_patient("990102001001", risk_level=5)
    response = compute(client, users["office"])
    assert response.status_code == 422 and "未规定监护人以奖代补" in response.content.decode()
    assert not RewardRun.objects.exists()


def test_xuecheng_pays_per_year(client, users, xuecheng, make_patient, monkeypatch):
    p = make_patient("990102001001", name="年度奖励")
    Patient.objects.filter(pk=p.pk).update(registered_on=D(2024, 1, 1), past_dangerous_acts={"trouble": 1})
    monkeypatch.setattr(facts_rewards, "agreements_by_patient",
                        lambda ids: {p.pk: [Agreement(1, None, "薛监护", D(2025, 7, 1))]})
    monkeypatch.setattr(facts_rewards, "incidents_by_patient", lambda ids, until: {})
    compute(client, users["office"], month="3")
    run = RewardRun.objects.get()
    assert (run.month, run.per, run.period_label) == (0, "year", "2025年度")
    line = lines(run)["年度奖励"]
    assert line.eligible and line.grounds == ["past_incident"] and line.covered_months == 6
    assert line.amount == Decimal("300.00")


def test_without_care_models_everyone_lacks_an_agreement(client, users, pingqiao, make_patient, monkeypatch):
    monkeypatch.setattr(facts_rewards, "_care_models", lambda: (None, None))
    p = make_patient("990102001001", name="无模块", risk_level=3)
    Patient.objects.filter(pk=p.pk).update(registered_on=D(2024, 1, 1))
    compute(client, users["office"])
    assert lines(RewardRun.objects.get())["无模块"].problems == ["未签订监护协议"]
    assert "尚未启用" in client.get("/support/rewards/").content.decode()


# ---- liability insurance ---------------------------------------------------------------------------

def test_insurance_roster_page_and_xlsx(client, users, pingqiao, make_patient):
    for name, village in (("保一", "990102001001"), ("保二", "990102001002"), ("保西", "990102002001")):
        make_patient(village, name=name)
    year = clock.today().year
    client.force_login(users["office"])
    page = client.get(f"/support/insurance/?township=990102001000&year={year}").content.decode()
    assert "保一" in page and "保二" in page and "保西" not in page
    assert "合计 <strong>200.00</strong> 元" in page and "合计 <strong>140.00</strong> 元" in page
    response = client.get(f"/support/insurance/roster.xlsx?township=990102001000&year={year}")
    rows = workbook_rows(response)
    assert rows[0][0] == f"东镇{year}年度监护人责任保险参保名册"
    assert [r[2] for r in rows[3:5]] == ["保一", "保二"] and rows[3][6] == 100 and rows[3][7] == 70
    assert rows[-1][:3] == ("合计", None, "2人") and rows[-1][6] == 200 and rows[-1][7] == 140
    assert AuditEvent.objects.filter(action="export", detail__count=2).exists()


def test_insurance_counts_nobody_before_registration(client, users, pingqiao, make_patient):
    make_patient("990102001001", name="新登记")
    client.force_login(users["office"])
    page = client.get("/support/insurance/?township=990102001000&year=2020").content.decode()
    assert "新登记" not in page and "在册 <strong>0</strong> 人" in page


def test_insurance_without_a_profile_rule(client, users, tree, make_patient):
    client.force_login(users["office"])
    assert "未规定监护人责任保险" in client.get("/support/insurance/").content.decode()


def test_the_adapter_reads_cares_agreements_and_incidents(client, users, pingqiao, make_patient):
    """No patching: care.GuardianshipAgreement and care.Incident as care stores them."""
    care = pytest.importorskip("jingfang.care.models")
    a, b, c = (make_patient("990102001001", name=n, risk_level=3) for n in ("协议甲", "撤销乙", "事件丙"))
    Patient.objects.filter(pk__in=[a.pk, b.pk, c.pk]).update(registered_on=D(2024, 1, 1))
    for p in (a, b, c):
        g = p.guardians.first()
        care.GuardianshipAgreement.objects.create(patient=p, guardian=g, guardian_name=g.name, type="reward",
                                                  start=D(2025, 1, 1), signed=True, signed_on=D(2025, 1, 1))
    care.GuardianshipAgreement.objects.filter(patient=b).update(state="revoked", revoked_at=D(2025, 6, 10),
                                                                 revoke_reason="未督促患者服药")
    care.Incident.objects.create(patient=c, date=D(2025, 6, 20), place="村委会门前", kind="disaster")
    assert facts_rewards.care_available()
    compute(client, users["office"])
    got = lines(RewardRun.objects.get())
    assert got["协议甲"].eligible and got["协议甲"].guardian_name == "王监护" and got["协议甲"].agreement_id
    assert got["撤销乙"].problems == ["监护协议于2025-06-10撤销：未督促患者服药"]
    assert got["事件丙"].problems == ["本期内发生肇事肇祸（2025-06-20 肇祸）"]


def test_county_sees_its_own_profile_and_picks_a_township(client, users, township, tree):
    """The county runs 平桥区2025 while 东镇 runs 齐云山镇2024 of its own: the county's page shows the
    county's rule until a township is picked, and cannot be pointed at a region outside it."""
    from jingfang.regions.models import Region

    Region.objects.filter(code="990102001000").update(policy="qiyunshan-2024")
    engine.clear_caches()
    client.force_login(users["county"])
    page = client.get("/support/rewards/").content.decode()
    assert "<dd>平桥区2025</dd>" in page and "<dd>齐云山镇2024</dd>" not in page and "（本级）" in page
    page = client.get("/support/rewards/?township=990102001000").content.decode()
    assert "本地区标准：东镇" in page and "齐云山镇2024：本地区政策配置未规定监护人以奖代补" in page
    page = client.get("/support/rewards/?township=110101001000").content.decode()
    assert "<dd>平桥区2025</dd>" in page  # outside the county: back to its own
