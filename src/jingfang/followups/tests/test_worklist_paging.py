"""The worklist page is cut into pages in SQL: every page together is exactly the whole list in its
order, the per-state and per-village counts cover the whole list, and other kinds of work (from the
providers) are merged into the order."""

import datetime as dt

import pytest

from jingfang.core import clock, worklist_hub
from jingfang.followups import services, worklist
from jingfang.registry.models import Patient

pytestmark = pytest.mark.django_db
TODAY = clock.today()


def visit(user, patient, days_ago):
    return services.record_followup(user, patient, {
        "date": (TODAY - dt.timedelta(days=days_ago)).isoformat(), "mode": "home_visit", "seen": "on",
        "risk_level": 0, "insight": "full", "social_function": "good", "adherence": "regular",
        "adverse_reaction": "none", "physical_illness": "none",
    })


@pytest.fixture
def many(users, make_patient):
    """Seven patients in two villages, seen 80..130 days ago (stable: due 3 months later)."""
    out = []
    for n, days in enumerate((130, 120, 110, 100, 90, 85, 80)):
        p = make_patient("990102001001" if n % 2 else "990102001002", name="患者" + "甲乙丙丁戊己庚"[n])
        Patient.objects.filter(pk=p.pk).update(registered_on=TODAY - dt.timedelta(days=400))
        p.refresh_from_db()
        visit(users["doctor"], p, days)
        out.append(p)
    return out


def key(i):
    return (i.state, i.due_date, i.region_code, i.patient_name or i.label, i.kind)


def test_pages_together_are_the_whole_list_in_order(users, many):
    whole = worklist.items_for(users["doctor"], TODAY, horizon=30)
    assert len(whole) >= 8
    first = worklist.page_for(users["doctor"], TODAY, horizon=30, number=1, size=3)
    pages = [worklist.page_for(users["doctor"], TODAY, horizon=30, number=n, size=3).items
             for n in range(1, first.pages + 1)]
    assert first.pages == -(-len(whole) // 3) and first.total == len(whole)
    assert [key(i) for page in pages for i in page] == [key(i) for i in whole]
    assert all(len(p) == 3 for p in pages[:-1])
    assert first.counts == {s: sum(1 for i in whole if i.state == s) for s in worklist_hub.STATE_LABELS}
    assert first.counts["overdue"] >= 4  # seen 100 days ago or earlier: three months have passed
    assert {v["name"] for v in first.villages} == {"甲村", "乙村"}
    assert sum(v["overdue"] + v["due"] + v["upcoming"] for v in first.villages) == len(whole)


def test_a_page_beyond_the_last_shows_the_last(users, many):
    last = worklist.page_for(users["doctor"], TODAY, horizon=30, number=99, size=3)
    assert last.number == last.pages and last.items and not last.has_next and last.has_previous


def test_filters_apply_to_items_and_counts(users, many):
    page = worklist.page_for(users["doctor"], TODAY, horizon=30, kind="followup", size=3)
    assert page.total == len(worklist.items_for(users["doctor"], TODAY, horizon=30, kind="followup"))
    assert {i.kind for i in page.items} == {"followup"}
    assert worklist.page_for(users["doctor"], TODAY, key_person=True).total == 0


def test_provider_items_are_merged_into_the_order(users, many, monkeypatch):
    # the oldest visit owed comes first (visits lead each state; within a kind the longest waiting)
    extra = worklist_hub.Item(None, "", "990102001001", "甲村", False, "", "followup", TODAY - dt.timedelta(days=400),
                          TODAY - dt.timedelta(days=400), "overdue", "测试事项", label="最早的事项")
    monkeypatch.setattr(worklist_hub, "PROVIDERS", [lambda user, lo, hi, on: [extra]])
    page = worklist.page_for(users["doctor"], TODAY, horizon=30, size=3)
    assert page.items[0].label == "最早的事项"
    assert page.counts["overdue"] == sum(1 for i in worklist.items_for(users["doctor"], TODAY, horizon=30)
                                         if i.state == "overdue")


def test_the_page_shows_one_page_and_links_the_next(client, users, many, monkeypatch):
    monkeypatch.setattr(worklist, "PAGE_SIZE", 3)
    client.force_login(users["doctor"])
    r = client.get("/worklist/?horizon=30&kind=followup")
    shown = [i for _, _, items in r.context["groups"] for i in items]
    assert len(shown) == 3 and r.context["page"].pages == 3
    assert "page=2" in r.content.decode() and "第1/3页" in r.content.decode()
    r2 = client.get("/worklist/?horizon=30&kind=followup&page=2")
    assert [i.patient_name for _, _, items in r2.context["groups"] for i in items][0] not in {
        i.patient_name for i in shown}
    assert r2.context["sections"][0][2] == r.context["sections"][0][2]  # totals over the whole list
