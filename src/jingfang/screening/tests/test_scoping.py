"""Jurisdiction: a lead or campaign outside the caller's region does not exist for them, on every page and
API route (404 identical to a missing one, audited as denied); lists show only the jurisdiction."""

import pytest
from django.db.models import Q

from jingfang.audit.models import AuditEvent
from jingfang.screening import services_campaigns
from jingfang.screening.models import Lead, Listing, Person

from .conftest import V11, V12, V21, api

pytestmark = pytest.mark.django_db
MISSING = 987654

LISTING = {"group": "hospitalized", "name": "越权列报", "birth_date": "1970-01-01", "region_code": V11}
LEAD_PAGES = [
    ("get", "/screening/leads/{id}/", None),
    ("post", "/screening/leads/{id}/refer/", {"referred_to": "越权医院"}),
    ("post", "/screening/leads/{id}/exclude/", {"exclusion_reason": "越权排除"}),
    ("get", "/screening/leads/{id}/confirm/", None),
    ("post", "/screening/leads/{id}/confirm/", {"name": "越权", "diagnosis": "schizophrenia"}),
]
LEAD_API = [
    ("get", "/api/v1/leads/{id}", None),
    ("post", "/api/v1/leads/{id}/refer", {"referred_to": "越权医院"}),
    ("post", "/api/v1/leads/{id}/exclude", {"exclusion_reason": "越权排除"}),
    ("post", "/api/v1/leads/{id}/confirm", {"diagnosis": "schizophrenia"}),
]
CAMPAIGN_PAGES = [
    ("get", "/screening/campaigns/{id}/", None),
    ("post", "/screening/campaigns/{id}/listings/", LISTING),
    ("post", "/screening/campaigns/{id}/import/", {"group": "welfare_disability"}),
    ("get", "/screening/campaigns/{id}/report.xlsx", None),
    ("get", "/screening/campaigns/{id}/persons/{pid}/", None),
    ("post", "/screening/campaigns/{id}/persons/{pid}/", {"assessment_result": "not_met"}),
]
CAMPAIGN_API = [
    ("get", "/api/v1/campaigns/{id}", None),
    ("get", "/api/v1/campaigns/{id}/persons", None),
    ("post", "/api/v1/campaigns/{id}/listings", LISTING),
    ("post", "/api/v1/campaigns/{id}/import", {"group": "welfare_disability"}),
    ("post", "/api/v1/campaigns/{id}/persons/{pid}", {"assessment_result": "not_met"}),
    ("get", "/api/v1/campaigns/{id}/report", None),
]
# (user, village of a lead outside their jurisdiction, township user whose campaign is outside it)
OUTSIDERS = [("doctor2", V11, "doctor"), ("outsider", V11, "doctor"), ("vdoc", V12, "doctor2"),
             ("police", V21, "doctor2"), ("cadre", V12, "doctor2")]


def call(client, user, method, url, body):
    if url.startswith("/api/"):
        return api(client, user, method, url, body)
    client.force_login(user)
    return getattr(client, method)(url, body or {})


def assert_same_as_missing(client, user, method, url, body, real_url, secret):
    foreign = call(client, user, method, real_url, body)
    missing = call(client, user, method, url, body)
    assert foreign.status_code == missing.status_code and foreign.status_code in (403, 404), real_url
    assert foreign.content == missing.content
    assert secret not in foreign.content.decode()


@pytest.mark.parametrize("who,village,_", OUTSIDERS, ids=[o[0] for o in OUTSIDERS])
@pytest.mark.parametrize("method,url,body", LEAD_PAGES + LEAD_API, ids=lambda x: x if isinstance(x, str) else "")
def test_foreign_lead_is_missing(client, users, make_lead, who, village, _, method, url, body):
    lead = make_lead(village, name="秘密线索", state="referred")
    user = users[who]
    real = url.format(id=lead.pk)
    assert_same_as_missing(client, user, method, url.format(id=MISSING), body, real, "秘密线索")
    denied = AuditEvent.objects.filter(user_id=user.pk, outcome="denied").filter(
        Q(target=f"lead:{lead.pk}") | Q(path=real))
    assert denied.exists()
    assert AuditEvent.objects.filter(user_id=user.pk, target=f"lead:{MISSING}", outcome="not_found").exists() or \
        AuditEvent.objects.filter(user_id=user.pk, outcome="denied", path=url.format(id=MISSING)).exists()
    fresh = Lead.objects.get(pk=lead.pk)
    assert fresh.state == "referred" and fresh.referred_to == "县精神卫生中心" and fresh.patient_id is None


@pytest.mark.parametrize("who,_,owner", OUTSIDERS, ids=[o[0] for o in OUTSIDERS])
@pytest.mark.parametrize("method,url,body", CAMPAIGN_PAGES + CAMPAIGN_API,
                         ids=lambda x: x if isinstance(x, str) else "")
def test_foreign_campaign_is_missing(client, users, make_campaign, who, _, owner, method, url, body):
    campaign = make_campaign(actor=users[owner], name="秘密摸排")
    village = V11 if owner == "doctor" else V21
    person, _ = services_campaigns.add_listing(users[owner], campaign, {**LISTING, "name": "秘密对象",
                                                                         "region_code": village})
    user = users[who]
    real = url.format(id=campaign.pk, pid=person.pk)
    assert_same_as_missing(client, user, method, url.format(id=MISSING, pid=person.pk), body, real, "秘密")
    assert AuditEvent.objects.filter(user_id=user.pk, outcome="denied").filter(
        Q(target=f"campaign:{campaign.pk}") | Q(path=real)).exists()
    assert Person.objects.count() == 1 and Listing.objects.count() == 1
    assert Person.objects.get().assessment_result == ""


def test_a_person_in_another_village_of_a_visible_campaign_is_missing(client, users, make_campaign):
    campaign = make_campaign()
    person, _ = services_campaigns.add_listing(users["doctor"], campaign, {**LISTING, "region_code": V12})
    for url in (f"/screening/campaigns/{campaign.pk}/persons/{{pid}}/",
                f"/api/v1/campaigns/{campaign.pk}/persons/{{pid}}"):
        method = "get" if url.startswith("/screening") else "post"
        body = None if method == "get" else {"assessment_result": "confirmed"}
        foreign = call(client, users["vdoc"], method, url.format(pid=person.pk), body)
        missing = call(client, users["vdoc"], method, url.format(pid=MISSING), body)
        assert foreign.status_code == missing.status_code == 404 and foreign.content == missing.content
    assert AuditEvent.objects.filter(user_id=users["vdoc"].pk, target=f"campaign_person:{person.pk}",
                                     outcome="denied").exists()
    assert call(client, users["vdoc"], "get", f"/screening/campaigns/{campaign.pk}/", None).status_code == 200


def test_lists_show_only_the_jurisdiction(client, users, make_lead, make_campaign):
    make_lead(V11, name="甲线索")
    make_lead(V21, name="丙线索")
    c1 = make_campaign(name="东镇摸排")
    make_campaign(actor=users["doctor2"], name="西镇摸排")
    services_campaigns.add_listing(users["doctor"], c1, {**LISTING, "name": "甲村人"})
    services_campaigns.add_listing(users["doctor"], c1, {**LISTING, "name": "乙村人", "region_code": V12})

    def lead_names(who):
        return {i["name"] for i in api(client, users[who], "get", "/api/v1/leads").json()["items"]}

    def campaign_names(who):
        return {i["name"] for i in api(client, users[who], "get", "/api/v1/campaigns").json()}

    assert lead_names("doctor") == {"甲线索"} and lead_names("doctor2") == {"丙线索"}
    assert lead_names("county") == {"甲线索", "丙线索"} and lead_names("outsider") == set()
    assert campaign_names("doctor") == {"东镇摸排"} and campaign_names("vdoc") == {"东镇摸排"}
    assert campaign_names("county") == {"东镇摸排", "西镇摸排"} and campaign_names("outsider") == set()
    persons = api(client, users["vdoc"], "get", f"/api/v1/campaigns/{c1.pk}/persons").json()
    assert [p["name"] for p in persons["items"]] == ["甲村人"]
    client.force_login(users["doctor2"])
    assert [r["c"].name for r in client.get("/screening/campaigns/").context["rows"]] == ["西镇摸排"]
    client.force_login(users["vdoc"])
    page = client.get(f"/screening/campaigns/{c1.pk}/")
    assert [r["p"].name for r in page.context["rows"]] == ["甲村人"]
    assert page.context["progress"]["totals"]["listed"] == 1


def test_admin_has_no_screening(client, users):
    assert api(client, users["admin"], "get", "/api/v1/leads").status_code == 403
    assert api(client, users["admin"], "get", "/api/v1/campaigns").status_code == 403
    client.force_login(users["admin"])
    assert client.get("/screening/").status_code == 403
    assert AuditEvent.objects.filter(user_id=users["admin"].pk, outcome="denied").count() == 3
