"""Benefits: who records which, the patient page, and the lists of eligible-but-not-covered patients."""

import datetime as dt

import pytest

from jingfang.audit.models import AuditEvent
from jingfang.followups.models import FollowUp
from jingfang.registry.models import Patient
from jingfang.support import benefits
from jingfang.support.benefits import GapFacts
from jingfang.support.models import Benefit

from .conftest import workbook_rows

D = dt.date


def gf(econ="not_poor", card=False, grade=None, risk=0, med=False, kinds=()):
    return GapFacts(econ, card, grade, risk, med, frozenset(kinds))


ALL_BASIC = ("medical_insurance", "chronic_card")
GAP_TABLE = [
    ("insured-nothing-missing", gf(kinds=ALL_BASIC), []),
    ("uninsured", gf(kinds=("chronic_card",)), ["no_insurance"]),
    ("poor-without-aid-or-dibao", gf("poor", kinds=ALL_BASIC), ["poor_no_premium_aid", "poor_no_dibao"]),
    ("poor-with-wubao-counts-as-covered", gf("poor", kinds=(*ALL_BASIC, "premium_aid", "wubao_tekun")), []),
    ("poor-disabled-without-living", gf("poor", True, 3, kinds=(*ALL_BASIC, "premium_aid", "dibao")),
     ["disabled_poor_no_living"]),
    ("grade-2-without-nursing", gf(card=True, grade=2, kinds=ALL_BASIC), ["severe_disabled_no_nursing"]),
    ("grade-3-needs-no-nursing", gf(card=True, grade=3, kinds=ALL_BASIC), []),
    ("medicated-without-free-med", gf(med=True, kinds=ALL_BASIC), ["medicated_no_free_med"]),
    ("risk3-without-guardian-subsidy", gf(risk=3, kinds=ALL_BASIC), ["risk_no_guardian_subsidy"]),
    ("risk3-with-guardian-subsidy", gf(risk=3, kinds=(*ALL_BASIC, "guardian_subsidy")), []),
]


@pytest.mark.parametrize("case,facts,expected", GAP_TABLE, ids=[c[0] for c in GAP_TABLE])
def test_gap_rules(case, facts, expected):
    assert benefits.gaps(facts, min_risk=3) == expected




@pytest.mark.django_db
@pytest.mark.parametrize("who,kind,allowed", [
    ("civil", "dibao", True), ("civil", "wubao_tekun", True), ("dpf", "disability_card", True),
    ("doctor", "free_medication", True), ("office", "guardian_subsidy", True), ("dpf", "dibao", False),
    ("doctor", "dibao", False), ("vdoc", "free_medication", False), ("police", "dibao", False),
    ("cadre", "temporary_relief", False),
])
def test_each_benefit_is_recorded_by_its_department(client, users, make_patient, who, kind, allowed):
    p = make_patient("990102001001")
    client.force_login(users[who])
    data = {"kind": kind, "since": "2025-01-01", "grade": "2" if kind == "disability_card" else ""}
    response = client.post(f"/support/patients/{p.pk}/benefits/", data)
    assert Benefit.objects.filter(patient=p, kind=kind).exists() is allowed
    assert response.status_code == (302 if allowed else 403)
    if not allowed:
        assert AuditEvent.objects.filter(user_id=users[who].pk, outcome="denied", patient_id=p.pk).exists()


@pytest.mark.django_db
def test_benefit_page_shows_since_when_and_the_gaps(client, users, pingqiao, make_patient):
    p = make_patient("990102001001", name="待遇甲", economic_status="poor")
    client.force_login(users["civil"])
    r = client.post(f"/support/patients/{p.pk}/benefits/",
                    {"kind": "dibao", "since": "2024-05-01", "extreme_poverty": "on", "amount_yuan": "420"})
    assert r.status_code == 302
    b = Benefit.objects.get(patient=p)
    assert b.extreme_poverty and b.recorded_by == users["civil"]
    page = client.get(f"/support/patients/{p.pk}/benefits/").content.decode()
    assert "最低生活保障（低保）" in page and "2024-05-01" in page and "特别困难" in page and "享受中" in page
    assert "未参加基本医疗保险" in page and "未纳入低保" not in page
    bad = client.post(f"/support/patients/{p.pk}/benefits/", {"kind": "dibao", "since": "2025-02-01",
                                                              "until": "2025-01-01"})
    assert bad.status_code == 422 and "终止日期不能早于起始日期" in bad.content.decode()
    edit = client.post(f"/support/patients/{p.pk}/benefits/{b.pk}/", {"kind": "dibao", "since": "2024-05-01",
                                                                       "until": "2025-12-31"})
    assert edit.status_code == 302
    b.refresh_from_db()
    assert b.until == D(2025, 12, 31) and not b.extreme_poverty
    client.force_login(users["dpf"])  # another department may not change the 低保 entry
    assert client.post(f"/support/patients/{p.pk}/benefits/{b.pk}/", {"delete": "1"}).status_code == 403
    client.force_login(users["civil"])
    assert client.post(f"/support/patients/{p.pk}/benefits/{b.pk}/", {"delete": "1"}).status_code == 302
    assert not Benefit.objects.filter(pk=b.pk).exists()


@pytest.mark.django_db
def test_disability_card_needs_a_grade(client, users, make_patient):
    p = make_patient("990102001001")
    client.force_login(users["dpf"])
    r = client.post(f"/support/patients/{p.pk}/benefits/", {"kind": "disability_card", "since": "2025-01-01"})
    assert r.status_code == 422 and "残疾人证须填写残疾等级" in r.content.decode()


@pytest.fixture
def gap_patients(pingqiao, make_patient):
    poor = make_patient("990102001001", name="贫困甲", economic_status="poor")
    covered = make_patient("990102001002", name="齐全乙")
    for kind in ("medical_insurance", "chronic_card"):
        Benefit.objects.create(patient=covered, kind=kind, since=D(2024, 1, 1))
    medicated = make_patient("990102001002", name="服药丙")
    for kind in ("medical_insurance", "chronic_card"):
        Benefit.objects.create(patient=medicated, kind=kind, since=D(2024, 1, 1))
    FollowUp.objects.create(patient=medicated, date=D(2025, 5, 1), mode="home_visit", seen=True,
                            adherence="regular", risk_level=0)
    other = make_patient("990102002001", name="西镇丁", economic_status="poor")
    ended = make_patient("990102001001", name="已停戊")
    Benefit.objects.create(patient=ended, kind="medical_insurance", since=D(2020, 1, 1), until=D(2021, 1, 1))
    Benefit.objects.create(patient=ended, kind="chronic_card", since=D(2020, 1, 1))
    Patient.objects.filter(pk=ended.pk).update(risk_level=3)
    return {"poor": poor, "covered": covered, "medicated": medicated, "other": other, "ended": ended}


@pytest.mark.django_db
def test_gap_list_per_village_with_xlsx(client, users, gap_patients):
    client.force_login(users["doctor"])
    page = client.get("/support/benefits/gaps/").content.decode()
    for name in ("贫困甲", "服药丙", "已停戊"):
        assert name in page
    assert "齐全乙" not in page and "西镇丁" not in page
    assert "正在服药，未享受免费服药" in page  # health role sees the medication gap
    assert "危险性评估3级以上，监护人未享受监护补贴" in page
    village = client.get("/support/benefits/gaps/?region=990102001002").content.decode()
    assert "服药丙" in village and "贫困甲" not in village
    only = client.get("/support/benefits/gaps/?gap=poor_no_dibao").content.decode()
    assert "贫困甲" in only and "已停戊" not in only
    rows = workbook_rows(client.get("/support/benefits/gaps.xlsx"))
    assert rows[0][0] == "应享未享救助帮扶待遇名单"
    names = {r[1] for r in rows[3:]}
    assert names == {"贫困甲", "服药丙", "已停戊"}
    assert any("家庭经济困难，未纳入低保" in r[5] for r in rows[3:] if r[1] == "贫困甲")


@pytest.mark.django_db
def test_partner_roles_never_see_the_medication_gap(client, users, gap_patients):
    client.force_login(users["civil"])
    page = client.get("/support/benefits/gaps/").content.decode()
    assert "服药丙" not in page and "正在服药" not in page
    assert "贫困甲" in page


@pytest.mark.django_db
def test_police_has_no_gap_list(client, users, gap_patients):
    client.force_login(users["police"])
    assert client.get("/support/benefits/gaps/").status_code == 403


@pytest.mark.django_db
def test_a_benefit_without_recorder_renders(client, users, make_patient):
    p = make_patient("990102001001")
    Benefit.objects.create(patient=p, kind="chronic_card", since=D(2023, 3, 1))  # e.g. imported by a command
    client.force_login(users["office"])
    page = client.get(f"/support/patients/{p.pk}/benefits/")
    assert page.status_code == 200 and "门诊重症慢性病证" in page.content.decode() and "—" in page.content.decode()
