"""Campaigns (当阳乡2022): phases, listing once across departments, import from files, progress, report."""

import datetime as dt
import io

import pytest
from openpyxl import load_workbook

from conftest import id_for
from jingfang.audit.models import AuditEvent
from jingfang.core import clock, errors
from jingfang.registry import services as registry_services
from jingfang.registry.models import Patient
from jingfang.screening import selectors, services_campaigns
from jingfang.screening.models import Listing, Person

from .conftest import V11, V12, V21

pytestmark = pytest.mark.django_db


def listing(group="hospitalized", region=V11, **over):
    return {"group": group, "name": "刘列报", "birth_date": "1975-06-01", "region_code": region, **over}


def test_campaign_with_the_seed_phases(users, make_campaign):
    c = make_campaign()
    assert c.region == users["doctor"].region and c.risk_since == dt.date(2022, 1, 1)
    assert [(p.phase, p.start.isoformat(), p.end.isoformat()) for p in c.phases.all()] == [
        ("plan", "2022-09-01", "2022-09-14"), ("implement", "2022-09-15", "2022-09-30"),
        ("fill_gaps", "2022-10-01", "2022-10-31"), ("consolidate", "2022-11-01", "2022-12-30")]
    assert AuditEvent.objects.filter(action="create", target=f"campaign:{c.pk}").exists()


@pytest.mark.parametrize("over,field,message", [
    ({"implement_start": "2022-09-14"}, "implement_start", "应在“制定方案”阶段结束（2022-09-14）之后开始"),
    ({"fill_gaps_start": "2022-09-01"}, "fill_gaps_start", "各阶段不得重叠"),
    ({"consolidate_end": "2022-10-30"}, "consolidate_end", "结束日期不能早于开始日期"),
    ({"plan_start": ""}, "plan_start", ""),
])
def test_phases_must_be_in_order_and_not_overlap(users, make_campaign, over, field, message):
    with pytest.raises(errors.Invalid) as exc:
        make_campaign(**over)
    assert any(e.field == field and message in e.message for e in exc.value.errors), exc.value.errors


def test_only_campaign_managers_create(users, make_campaign):
    for who in ("office", "county", "doctor"):
        assert make_campaign(actor=users[who]).pk
    for who in ("vdoc", "police", "cadre"):
        with pytest.raises(errors.Forbidden):
            make_campaign(actor=users[who])


def test_a_person_listed_by_two_departments_appears_once(users, make_campaign):
    c = make_campaign()
    number = id_for(dt.date(1975, 6, 1))
    p1, created1 = services_campaigns.add_listing(users["police"], c, listing(id_number=number,
                                                                              whereabouts="in_custody"))
    p2, created2 = services_campaigns.add_listing(users["doctor"], c, listing(group="risk3", id_number=number))
    p3, created3 = services_campaigns.add_listing(users["civil"], c, listing(group="welfare_disability",
                                                                             id_number=number, name="刘别名"))
    assert created1 and not created2 and not created3 and p1.pk == p2.pk == p3.pk
    assert Person.objects.count() == 1
    assert {(x.department, x.group) for x in Listing.objects.all()} == {
        ("police", "hospitalized"), ("health", "risk3"), ("civil_affairs", "welfare_disability")}
    assert Person.objects.get().whereabouts == "in_custody"  # the first department's class is kept
    # Listing the same again does not add a row.
    services_campaigns.add_listing(users["police"], c, listing(id_number=number))
    assert Listing.objects.count() == 3
    merged = AuditEvent.objects.filter(target=f"campaign:{c.pk}", action="create", detail__merged=True)
    assert merged.count() == 3 and number not in str(list(merged.values_list("detail", flat=True)))


def test_without_id_number_dedupe_falls_back_to_name_birth_and_village(users, make_campaign):
    c = make_campaign()
    a, _ = services_campaigns.add_listing(users["police"], c, listing())
    b, created = services_campaigns.add_listing(users["dpf"], c, listing(group="welfare_disability"))
    assert a.pk == b.pk and not created
    number = id_for(dt.date(1975, 6, 1))
    d, created = services_campaigns.add_listing(users["doctor"], c, listing(id_number=number))
    assert d.pk == a.pk and not created and Person.objects.get(pk=a.pk).id_number == number  # filled in
    other, created = services_campaigns.add_listing(users["doctor"], c, listing(region=V12))
    assert created and other.pk != a.pk  # same name and birth, another village: another person
    with pytest.raises(errors.Invalid) as exc:
        services_campaigns.add_listing(users["doctor"], c, listing(birth_date=""))
    assert "出生日期" in exc.value.errors[0].message


def test_listing_validation(users, make_campaign):
    c = make_campaign()
    with pytest.raises(errors.Invalid) as exc:
        services_campaigns.add_listing(users["doctor"], c, listing(whereabouts="at_home",
                                                                   whereabouts_detail="detained"))
    assert "去向细分与去向分类不符" in str(exc.value.errors)
    with pytest.raises(errors.Invalid):
        services_campaigns.add_listing(users["doctor"], c, listing(region=V21))  # outside
    with pytest.raises(errors.Forbidden):
        services_campaigns.add_listing(users["admin"], c, listing())


@pytest.fixture
def filed(users, make_patient):
    """Patients in township 1 matching groups 1, 2, 3, 5, and one in township 2."""
    from jingfang.followups import services as followups

    def visit(patient, days_ago, risk):
        followups.record_followup(users["doctor"], patient, {
            "date": (clock.today() - dt.timedelta(days=days_ago)).isoformat(), "mode": "home_visit",
            "seen": "on", "risk_level": risk, "insight": "full", "social_function": "good",
            "adherence": "regular", "adverse_reaction": "none", "physical_illness": "none"})

    risky, old_risky = make_patient(V11, name="高风险"), make_patient(V11, name="早年高风险")
    Patient.objects.filter(pk__in=[risky.pk, old_risky.pk]).update(
        registered_on=clock.today() - dt.timedelta(days=400))
    risky.refresh_from_db()
    old_risky.refresh_from_db()
    visit(risky, 30, 3)  # risk 3 after the campaign's date, since calmed down: still listed
    visit(risky, 10, 0)
    visit(old_risky, 300, 4)  # risk 4 only before the campaign's date: not listed
    visit(old_risky, 20, 0)
    hosp = make_patient(V12, name="住过院")
    registry_services.change_status(users["doctor"], Patient.objects.get(pk=hosp.pk), {
        "status": "hospitalized", "detail": "compulsory_treatment", "since": clock.today().isoformat(),
        "version": Patient.objects.get(pk=hosp.pk).version})
    card = make_patient(V11, name="持残疾证", disability_certificate=True, disability_grade=2)
    plain = make_patient(V11, name="普通患者")
    other = make_patient(V21, name="他镇患者", disability_certificate=True, disability_grade=1)
    return {"risky": risky, "old_risky": old_risky, "hosp": hosp, "card": card, "plain": plain, "other": other}


def test_import_from_files_per_group_and_merges(users, make_campaign, filed, make_lead):
    c = make_campaign(risk_since=(clock.today() - dt.timedelta(days=100)).isoformat())
    doctor = users["doctor"]
    names = lambda: set(selectors.persons_for(doctor, c).values_list("name", flat=True))  # noqa: E731
    assert services_campaigns.import_from_files(doctor, c, "risk3") == {"added": 1, "merged": 0}
    assert names() == {"高风险"}
    assert services_campaigns.import_from_files(doctor, c, "hospitalized") == {"added": 1, "merged": 0}
    assert services_campaigns.import_from_files(doctor, c, "compulsory_order") == {"added": 0, "merged": 1}
    assert services_campaigns.import_from_files(doctor, c, "welfare_disability") == {"added": 1, "merged": 0}
    assert names() == {"高风险", "住过院", "持残疾证"}  # not 普通患者, not the other township's
    hosp = Person.objects.get(name="住过院")
    assert hosp.patient_id == filed["hosp"].pk and hosp.whereabouts == "hospitalized"
    assert hosp.whereabouts_detail == "compulsory_treatment"
    assert {x.group for x in hosp.listings.all()} == {"hospitalized", "compulsory_order"}
    make_lead(V12, name="疑似甲")
    assert services_campaigns.import_from_files(doctor, c, "suspected") == {"added": 1, "merged": 0}
    with pytest.raises(errors.Invalid):
        services_campaigns.import_from_files(doctor, c, "forensic")
    assert AuditEvent.objects.filter(action="import", target=f"campaign:{c.pk}", detail__group="risk3").exists()


def test_progress_counts_per_village(users, make_campaign, filed):
    c = make_campaign()
    doctor = users["doctor"]
    services_campaigns.import_from_files(doctor, c, "welfare_disability")  # 持残疾证 (V11, entered)
    a, _ = services_campaigns.add_listing(users["police"], c, listing())  # V11, not entered
    b, _ = services_campaigns.add_listing(users["police"], c, listing(name="钱某", region=V12))
    services_campaigns.update_person(doctor, c, a, {"assessment_result": "confirmed"})
    services_campaigns.update_person(doctor, c, b, {"assessment_result": "not_met", "whereabouts": "at_home"})
    p = selectors.progress(doctor, c)
    assert p["villages"] == [
        # the person imported from the files was diagnosed before registration: assessed and confirmed,
        # never 待诊断评估 beside 已入库
        {"code": V11, "name": "甲村", "listed": 2, "assessed": 2, "confirmed": 2, "entered": 1},
        {"code": V12, "name": "乙村", "listed": 1, "assessed": 1, "confirmed": 0, "entered": 0},
    ]
    assert p["totals"] == {"listed": 3, "assessed": 3, "confirmed": 2, "entered": 1}
    filed_person = selectors.persons_for(doctor, c).get(patient__isnull=False)
    waiting = selectors.search_persons(doctor, c, progress="not_assessed")
    assert filed_person not in waiting and not waiting.exists()  # a and b are assessed too
    assert selectors.progress(users["vdoc"], c)["totals"]["listed"] == 2  # the village doctor's village only


def test_confirming_assessment_links_an_existing_file(users, make_campaign, filed):
    c = make_campaign()
    card = filed["card"]
    person, _ = services_campaigns.add_listing(users["police"], c, listing(id_number=card.id_number, name="持残疾证"))
    assert person.patient_id == card.pk  # police see the file in their township: linked at once
    with pytest.raises(errors.Forbidden):
        services_campaigns.update_person(users["police"], c, person, {"assessment_result": "confirmed"})
    with pytest.raises(errors.Invalid):
        services_campaigns.update_person(users["doctor"], c, person, {"assessed_on": "2022-10-01"})


def test_lead_conclusion_flows_to_the_listed_person(users, make_campaign, make_lead):
    from jingfang.screening import services_leads

    c = make_campaign()
    lead = make_lead(V11, name="疑似乙", state="referred")
    services_campaigns.import_from_files(users["doctor"], c, "suspected")
    services_leads.exclude(users["doctor"], lead, {"exclusion_reason": "诊断不符合"})
    assert Person.objects.get(lead=lead).assessment_result == "not_met"


def test_report_groups_by_whereabouts(users, make_campaign, filed):
    c = make_campaign()
    services_campaigns.import_from_files(users["doctor"], c, "hospitalized")
    services_campaigns.import_from_files(users["doctor"], c, "welfare_disability")
    services_campaigns.add_listing(users["police"], c, listing(name="羁押甲", whereabouts="in_custody",
                                                               whereabouts_detail="detained"))
    services_campaigns.add_listing(users["police"], c, listing(name="未分类乙"))
    groups = services_campaigns.report_groups(users["doctor"], c)
    assert [(g["label"], [p.name for p in g["persons"]]) for g in groups] == [
        ("在家居住", ["持残疾证"]),
        ("住院治疗（强制医疗所）", ["住过院"]),
        ("羁押/服刑（羁押）", ["羁押甲"]),
        ("未分类（去向待核实）", ["未分类乙"]),
    ]


def test_report_xlsx_is_grouped_marked_confidential_and_audited_without_names(client, users, make_campaign,
                                                                               filed):
    c = make_campaign()
    services_campaigns.import_from_files(users["doctor"], c, "hospitalized")
    services_campaigns.import_from_files(users["doctor"], c, "welfare_disability")
    client.force_login(users["doctor"])
    r = client.get(f"/screening/campaigns/{c.pk}/report.xlsx")
    ws = load_workbook(io.BytesIO(r.content)).active
    rows = [[c for c in row if c is not None] for row in ws.iter_rows(values_only=True)]
    assert rows[0] == ["内部资料 注意保密"] and "按去向分类" in rows[1][0]
    assert "县司法局、公安机关、卫健部门" in rows[2][0] and "导出人：测试" in rows[2][0]
    flat = [c for row in rows for c in row]
    heading = flat.index("【住院治疗（强制医疗所）】共1人")
    assert flat.index("【在家居住】共1人") < heading < flat.index("住过院")
    assert filed["hosp"].id_number not in flat and "内部资料 注意保密" in ws.oddHeader.center.text
    row = AuditEvent.objects.get(action="export", target=f"campaign:{c.pk}:report.xlsx")
    assert row.detail["count"] == 2 and "住过院" not in str(row.detail) and "持残疾证" not in str(row.detail)
    full = client.get(f"/screening/campaigns/{c.pk}/report.xlsx?full_ids=1")
    cells = {x for r_ in load_workbook(io.BytesIO(full.content)).active.iter_rows(values_only=True) for x in r_}
    assert filed["hosp"].id_number in cells
    assert AuditEvent.objects.filter(action="export", detail__full_ids=True).exists()


def test_report_xlsx_keeps_a_formula_shaped_campaign_name_as_text(client, users, make_campaign):
    """Security review L3: the campaign's name as typed lands in A2 of the report; it must not run."""
    c = make_campaign(name="=HYPERLINK(\"http://x\",\"点此\")摸排")
    client.force_login(users["doctor"])
    r = client.get(f"/screening/campaigns/{c.pk}/report.xlsx")
    ws = load_workbook(io.BytesIO(r.content)).active
    assert ws["A2"].data_type == "s" and ws["A2"].value.startswith("'=HYPERLINK(")
