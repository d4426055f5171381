"""Working-day deadlines of report cards (齐云山镇2024: accept 5, enter 10, police 5 working days), across
the 2024 National Day holiday and across the end of 2026 into 2027 (no holiday data: provisional),
and their place on the receiving township's worklist."""

import datetime as dt

import pytest

from jingfang.core import clock
from jingfang.followups import engine, worklist
from jingfang.intake import deadlines, services
from jingfang.intake.models import ReportCard

pytestmark = pytest.mark.django_db
D = dt.date


def by_kind(dues) -> dict:
    return {d.rule_id.rsplit(":", 1)[1]: d for d in dues}


def test_national_day_2024(users, card_for):
    # Received Friday 2024-09-27. Working days after it (the day of receipt not counted):
    #   09-28 Sat  rest
    #   09-29 Sun  WORKING (调休 make-up day for National Day)  -> 1
    #   09-30 Mon  working                                     -> 2
    #   10-01 … 10-07  National Day holiday (incl. Mon 10-07)  -> skipped
    #   10-08 Tue -> 3, 10-09 Wed -> 4, 10-10 Thu -> 5         => accept by 2024-10-10
    #   10-11 Fri -> 6, 10-12 Sat WORKING (调休) -> 7, 10-13 Sun rest,
    #   10-14 Mon -> 8, 10-15 Tue -> 9, 10-16 Wed -> 10        => enter by 2024-10-16 (counted from receipt)
    # Plain Mon–Fri counting would have given 10-04 and 10-11: the calendar matters.
    card = card_for(received_on="2024-09-27", address_unknown=True)
    dues = by_kind(deadlines.card_deadlines(card, on=D(2024, 10, 9)))
    assert dues["intake_accept"].due_date == D(2024, 10, 10)
    assert dues["intake_police_query"].due_date == D(2024, 10, 10)
    assert dues["intake_enter"].due_date == D(2024, 10, 16)
    assert not any(d.provisional for d in dues.values())
    assert dues["intake_accept"].state == "due"
    assert by_kind(deadlines.card_deadlines(card, on=D(2024, 10, 11)))["intake_accept"].state == "overdue"
    # Accepted on Tue 10-08: entry is then counted from acceptance: 10-09 (1) 10-10 (2) 10-11 (3) 10-12 Sat (4)
    # 10-14 (5) 10-15 (6) 10-16 (7) 10-17 (8) 10-18 (9) 10-21 Mon (10).
    services.accept_card(users["doctor"], card, {"date": "2024-10-08"})
    card.refresh_from_db()
    dues = by_kind(deadlines.card_deadlines(card, on=D(2024, 10, 9)))
    assert set(dues) == {"intake_enter", "intake_police_query"}
    assert dues["intake_enter"].due_date == D(2024, 10, 21)
    # A date before acceptance still shows what was due then.
    assert "intake_accept" in by_kind(deadlines.card_deadlines(card, on=D(2024, 10, 1)))


@pytest.fixture
def year_end(users, monkeypatch):
    """A card received Friday 2026-12-25, seen on 2026-12-28 (the dates are set directly: they are
    after the real today of some test runs)."""
    card = ReportCard.objects.create(kind="discharge", hospital="测试医院", received_on=D(2026, 12, 25),
                                     patient_name="岁末卡", township=users["doctor"].region)
    monkeypatch.setattr(clock, "today", lambda: D(2026, 12, 28))
    return card


def test_end_of_2026_into_2027_is_provisional(year_end):
    # 12-28 Mon (1) 12-29 (2) 12-30 (3) 12-31 (4) 2027-01-01 Fri (5): 2027 has no holiday data (the package
    # stops at 2026 and no admin entered it), so 01-01 counts as a Mon–Fri working day, marked provisional.
    dues = by_kind(deadlines.card_deadlines(year_end))
    assert dues["intake_accept"].due_date == D(2027, 1, 1) and dues["intake_accept"].provisional
    # Enter: … 01-01 (5) 01-04 Mon (6) 01-05 (7) 01-06 (8) 01-07 (9) 01-08 (10).
    assert dues["intake_enter"].due_date == D(2027, 1, 8) and dues["intake_enter"].provisional
    assert all("尚未配置" in d.notes[0] for d in dues.values())


def test_provisional_is_shown_on_the_pages_and_the_worklist(client, users, year_end):
    client.force_login(users["doctor"])
    html = client.get(f"/intake/reports/{year_end.pk}/").content.decode()
    assert "2027-01-01" in html and "暂定" in html and "尚未配置" in html
    assert "暂定" in client.get("/intake/reports/").content.decode()
    items = [i for i in worklist.items_for(users["doctor"], D(2026, 12, 28)) if i.url.endswith(f"/{year_end.pk}/")]
    assert items and all(i.provisional for i in items)
    assert "暂定" in client.get("/worklist/?on=2026-12-28&horizon=30").content.decode()


def test_an_admin_entry_for_2027_removes_the_provisional_mark(users, year_end):
    from jingfang.core.models import CalendarDay

    CalendarDay.objects.create(date=D(2027, 1, 1), is_workday=False, name="元旦")
    engine.clear_caches()
    dues = by_kind(deadlines.card_deadlines(year_end))
    # 01-01 is now a holiday: 12-28 (1) … 12-31 (4), 01-04 (5).
    assert dues["intake_accept"].due_date == D(2027, 1, 4) and not dues["intake_accept"].provisional


def test_overdue_card_deadlines_are_on_the_receiving_townships_worklist(client, users, card_for):
    card = card_for(patient_name="欧阳逾期", received_on="2024-09-27")
    on = clock.today()
    mine = [i for i in worklist.items_for(users["office"], on) if i.url == f"/intake/reports/{card.pk}/"]
    assert {i.state for i in mine} == {"overdue"} and len(mine) == 2  # accept and enter
    item = mine[0]
    assert item.kind == "deadline" and item.label == "报告卡：欧***" and item.patient_id is None
    assert "齐云山镇2024" in item.reason and item.escalations
    for who in ("doctor2", "outsider", "vdoc"):
        assert not [i for i in worklist.items_for(users[who], on) if i.url == f"/intake/reports/{card.pk}/"]
    assert [i for i in worklist.items_for(users["county"], on) if i.url == f"/intake/reports/{card.pk}/"]
    client.force_login(users["office"])
    html = client.get("/worklist/").content.decode()
    assert "报告卡：欧***" in html and "欧阳逾期" not in html
    body = client.get("/api/v1/worklist?kind=deadline").json()
    assert any(i["label"] == "报告卡：欧***" and i["url"] == f"/intake/reports/{card.pk}/" for i in body["items"])
    services.accept_card(users["doctor"], card)
    left = [i for i in worklist.items_for(users["office"], on) if i.url == f"/intake/reports/{card.pk}/"]
    assert len(left) == 1 and "建立或补充健康档案" in left[0].reason
