"""Campaign pages: list, create, detail (timeline, progress, filtered listing table, add, import, report),
and a listed person's assessment page."""

import pytest

from conftest import id_for
from jingfang.audit.models import AuditEvent
from jingfang.screening import services_campaigns
from jingfang.screening.models import Campaign, Listing, Person

from .conftest import SEED_PHASES, V11, V12, current_phases

pytestmark = pytest.mark.django_db


def test_create_page_validates_phases_and_creates(client, users):
    client.force_login(users["office"])
    page = client.get("/screening/campaigns/new/")
    assert page.status_code == 200 and "互不重叠" in page.content.decode() and 'type="date"' in page.content.decode()
    bad = client.post("/screening/campaigns/new/", {"name": "摸排", "risk_since": "2022-01-01",
                                                     **SEED_PHASES, "fill_gaps_start": "2022-09-20"})
    assert bad.status_code == 422 and "各阶段不得重叠" in bad.content.decode() and not Campaign.objects.exists()
    r = client.post("/screening/campaigns/new/", {"name": "摸排", "risk_since": "2022-01-01", **SEED_PHASES})
    c = Campaign.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/screening/campaigns/{c.pk}/"
    client.force_login(users["police"])
    assert client.get("/screening/campaigns/new/").status_code == 403


def test_list_and_detail_pages(client, users, make_campaign):
    c = make_campaign(**current_phases())
    services_campaigns.add_listing(users["police"], c, {"group": "hospitalized", "name": "刘某",
                                                         "birth_date": "1970-01-01", "region_code": V11})
    services_campaigns.add_listing(users["doctor"], c, {"group": "risk3", "name": "刘某",
                                                         "birth_date": "1970-01-01", "region_code": V11})
    services_campaigns.add_listing(users["civil"], c, {"group": "welfare_disability", "name": "钱某",
                                                        "birth_date": "1960-01-01", "region_code": V12})
    client.force_login(users["doctor"])
    listing = client.get("/screening/campaigns/")
    [row] = listing.context["rows"]
    assert row["current"]["label"] == "组织实施" and row["progress"]["listed"] == 2
    assert "当阳乡2022" in listing.content.decode()
    r = client.get(f"/screening/campaigns/{c.pk}/")
    body = r.content.decode()
    assert r.status_code == 200 and "进行中" in body and "从档案导入：危险性3级以上" in body
    assert "从档案导入：曾做精神鉴定" not in body and "列报人员（卫健（卫生院/村医））" in body
    rows = {x["p"].name: x for x in r.context["rows"]}
    assert rows["刘某"]["departments"] == ["卫健（卫生院/村医）", "公安"]
    assert rows["刘某"]["groups"] == ["危险性3级以上", "曾住院治疗/救助"]
    assert [v["listed"] for v in r.context["progress"]["villages"]] == [1, 1]
    assert {x["p"].name for x in client.get(f"/screening/campaigns/{c.pk}/?department=civil_affairs").context["rows"]} == {"钱某"}
    assert {x["p"].name for x in client.get(f"/screening/campaigns/{c.pk}/?region={V11}").context["rows"]} == {"刘某"}
    assert {x["p"].name for x in client.get(f"/screening/campaigns/{c.pk}/?group=risk3").context["rows"]} == {"刘某"}
    assert {x["p"].name for x in client.get(f"/screening/campaigns/{c.pk}/?progress=not_assessed").context["rows"]} == {"刘某", "钱某"}
    partial = client.get(f"/screening/campaigns/{c.pk}/?group=risk3", HTTP_HX_REQUEST="true").content.decode()
    assert "刘某" in partial and "<h1>" not in partial
    assert AuditEvent.objects.filter(action="search", target=f"campaign:{c.pk}", detail__filters=["group"]).exists()


def test_add_listing_page_merges_and_reports_errors(client, users, make_campaign):
    c = make_campaign()
    number = id_for()
    client.force_login(users["police"])
    r = client.post(f"/screening/campaigns/{c.pk}/listings/", {"group": "compulsory_order", "name": "周某",
                                                                "id_number": number, "region_code": V11})
    assert r.status_code == 302
    client.force_login(users["judicial"])
    r = client.post(f"/screening/campaigns/{c.pk}/listings/", {"group": "forensic", "name": "周某",
                                                                "id_number": number, "region_code": V11}, follow=True)
    assert "已合并为同一人" in r.content.decode()
    assert Person.objects.count() == 1 and Listing.objects.count() == 2
    bad = client.post(f"/screening/campaigns/{c.pk}/listings/", {"group": "", "name": "周", "region_code": V11})
    assert bad.status_code == 422 and "姓名应为2至50个汉字或字母" in bad.content.decode()


def test_import_button_and_person_page(client, users, make_campaign, make_patient):
    patient = make_patient(V11, name="持证者", disability_certificate=True, disability_grade=2)
    c = make_campaign()
    client.force_login(users["office"])
    r = client.post(f"/screening/campaigns/{c.pk}/import/", {"group": "welfare_disability"}, follow=True)
    assert "新增1人" in r.content.decode()
    person = Person.objects.get()
    assert person.patient_id == patient.pk
    bad = client.post(f"/screening/campaigns/{c.pk}/import/", {"group": "forensic"})
    assert bad.status_code == 422 and "逐人列报" in bad.content.decode()
    client.force_login(users["police"])  # not a campaign manager
    assert client.post(f"/screening/campaigns/{c.pk}/import/", {"group": "risk3"}).status_code == 403
    client.force_login(users["vdoc"])
    page = client.get(f"/screening/campaigns/{c.pk}/persons/{person.pk}/")
    assert page.status_code == 200 and "曾被精神卫生社会福利" in page.content.decode()
    r = client.post(f"/screening/campaigns/{c.pk}/persons/{person.pk}/", {
        "whereabouts": "hospitalized", "whereabouts_detail": "welfare_institution", "assessment_result": "confirmed"})
    assert r.status_code == 302
    person.refresh_from_db()
    assert (person.whereabouts_detail, person.assessment_result, person.assessed_on is not None) == (
        "welfare_institution", "confirmed", True)
    bad = client.post(f"/screening/campaigns/{c.pk}/persons/{person.pk}/", {"whereabouts": "at_home",
                                                                             "whereabouts_detail": "detained"})
    assert bad.status_code == 422 and "去向细分与去向分类不符" in bad.content.decode()
