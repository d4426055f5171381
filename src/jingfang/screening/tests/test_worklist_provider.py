"""Screening work on the worklist: open leads age into overdue deadlines; campaign work per village."""

import datetime as dt

import pytest

from jingfang.core import worklist_hub
from jingfang.followups import worklist
from jingfang.screening import services_campaigns, services_leads
from jingfang.screening import worklist as screening_worklist
from jingfang.screening.models import Lead

from .conftest import TODAY, V11, V12, V21, current_phases

pytestmark = pytest.mark.django_db


def lead_items(user, on=TODAY):
    return [i for i in worklist.items_for(user, on, kind="deadline", horizon=60) if i.rule_id.startswith("screening:lead")]


def ago(days):
    return (TODAY - dt.timedelta(days=days)).isoformat()


@pytest.fixture(autouse=True)
def only_screening_provider(monkeypatch):
    """Other apps' providers are theirs to test: the worklist here carries only this app's work."""
    assert screening_worklist.provider in worklist_hub.PROVIDERS  # registered in ScreeningConfig.ready()
    monkeypatch.setattr(worklist_hub, "PROVIDERS", [screening_worklist.provider])


def test_unreferred_lead_is_due_then_overdue_after_seven_days(users, make_lead):
    fresh = make_lead(name="张新报", found_on=ago(2))
    old = make_lead(name="李久拖", found_on=ago(10), dangerous=True)
    items = {i.url: i for i in lead_items(users["doctor"])}
    f = items[f"/screening/leads/{fresh.pk}/"]
    o = items[f"/screening/leads/{old.pk}/"]
    assert (f.kind, f.state, f.due_date, f.patient_id) == ("deadline", "due", TODAY + dt.timedelta(days=5), None)
    assert f.label == "疑似线索：张**" and f.patient_name == "" and "7天内" in f.reason
    assert (o.state, o.due_date) == ("overdue", TODAY - dt.timedelta(days=3))
    assert o.key_person and any("公安机关制止" in e for e in o.escalations)
    assert screening_worklist.LEAD_REFERRAL_DAYS == 7 and screening_worklist.LEAD_CONCLUSION_DAYS == 30


def test_referred_lead_is_due_thirty_days_after_referral(users, make_lead):
    lead = make_lead(found_on=ago(50))
    services_leads.refer(users["doctor"], lead, {"referred_to": "县精神卫生中心", "referred_on": ago(35)})
    [item] = lead_items(users["doctor"])
    assert item.rule_id == "screening:lead_conclusion" and item.state == "overdue"
    assert item.due_date == TODAY - dt.timedelta(days=5) and "县精神卫生中心" in item.reason
    services_leads.exclude(users["doctor"], lead, {"exclusion_reason": "不符合"})
    assert lead_items(users["doctor"]) == []


def test_recently_referred_lead_is_upcoming(users, make_lead):
    lead = make_lead(found_on=ago(3))
    services_leads.refer(users["doctor"], lead, {"referred_to": "县精神卫生中心"})
    [item] = lead_items(users["doctor"])
    assert item.state == "upcoming" and item.due_date == TODAY + dt.timedelta(days=30)


def test_past_date_shows_the_lead_as_it_stood(users, make_lead):
    lead = make_lead(found_on=ago(20))
    services_leads.exclude(users["doctor"], lead, {"exclusion_reason": "不符合"})
    Lead.objects.filter(pk=lead.pk).update(concluded_on=TODAY - dt.timedelta(days=5))
    [item] = lead_items(users["doctor"], on=TODAY - dt.timedelta(days=8))
    assert item.state == "overdue"  # 12 days after it was found, before it was excluded
    assert lead_items(users["doctor"], on=TODAY - dt.timedelta(days=25)) == []  # not yet found


def test_lead_items_are_scoped(users, make_lead):
    make_lead(V11, name="甲线索")
    make_lead(V12, name="乙线索")
    make_lead(V21, name="丙线索")
    labels = lambda who: sorted(i.label for i in lead_items(users[who]))  # noqa: E731
    assert labels("doctor") == ["疑似线索：乙**", "疑似线索：甲**"]
    assert labels("vdoc") == ["疑似线索：甲**"]
    assert labels("doctor2") == ["疑似线索：丙**"]
    assert labels("outsider") == []


def test_profile_cadence_overrides_the_default(users, make_lead, monkeypatch):
    from jingfang.policies.schema import Cadence, Interval

    class Profile:
        def cadence(self, key):
            return Cadence(Interval.parse("3d"), "疑似患者送诊", "某县2025，一") if key == "lead_referral" else None

    monkeypatch.setattr(screening_worklist.engine, "profile_for", lambda code: Profile())
    make_lead(found_on=ago(4))
    [item] = lead_items(users["doctor"])
    assert item.state == "overdue" and "某县2025" in item.reason


def test_campaign_work_per_village_until_gaps_are_filled(users, make_campaign):
    c = make_campaign(**current_phases())
    a, _ = services_campaigns.add_listing(users["police"], c, {"group": "hospitalized", "name": "刘某",
                                                                "birth_date": "1970-01-01", "region_code": V11})
    services_campaigns.add_listing(users["police"], c, {"group": "hospitalized", "name": "钱某",
                                                         "birth_date": "1971-01-01", "region_code": V12})
    items = [i for i in worklist.items_for(users["doctor"], TODAY, kind="deadline", horizon=60)
             if i.rule_id == "screening:campaign"]
    assert sorted(i.region_code for i in items) == [V11, V12]
    assert all(i.state == "due" and i.due_date == TODAY + dt.timedelta(days=20) for i in items)
    assert "待诊断评估1人" in items[0].reason and items[0].label == "摸排：2022年摸排"
    services_campaigns.update_person(users["doctor"], c, a, {"assessment_result": "not_met"})
    items = [i for i in worklist.items_for(users["vdoc"], TODAY, kind="deadline", horizon=60)
             if i.rule_id == "screening:campaign"]
    assert items == []  # the village doctor's village is done
    assert [i for i in worklist.items_for(users["doctor2"], TODAY, kind="deadline", horizon=60)
            if i.rule_id == "screening:campaign"] == []


def test_worklist_page_links_to_the_lead(client, users, make_lead):
    lead = make_lead(found_on=ago(9))
    client.force_login(users["doctor"])
    body = client.get("/worklist/?kind=deadline").content.decode()
    assert f"/screening/leads/{lead.pk}/" in body and "疑似线索：李**" in body and "李疑似" not in body
