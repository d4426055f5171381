"""Working days on the official calendar with 调休 make-up days (国务院办公厅每年的《关于部分节假日安排的通知》; 齐云山镇2024 三（六）3
counts its 5/10-day deadlines in working days)."""

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jingfang.followups.workdays import WorkCalendar, package_years

CAL = WorkCalendar()


@pytest.mark.parametrize(
    "d, workday",
    [
        (date(2024, 9, 28), False),  # Saturday
        (date(2024, 9, 29), True),  # Sunday, 调休 working day before National Day
        (date(2024, 9, 30), True),
        (date(2024, 10, 1), False),  # National Day holiday 10-01 … 10-07
        (date(2024, 10, 4), False),  # a Friday inside the holiday
        (date(2024, 10, 7), False),
        (date(2024, 10, 8), True),
        (date(2024, 10, 12), True),  # Saturday, 调休 working day after National Day
        (date(2025, 1, 26), True),  # Sunday, 调休 before Spring Festival 2025
        (date(2025, 1, 28), False),  # 除夕, holiday 2025-01-28 … 02-04
        (date(2025, 2, 4), False),
        (date(2025, 2, 5), True),
        (date(2025, 2, 8), True),  # Saturday, 调休 after Spring Festival
    ],
)
def test_official_calendar(d, workday):
    assert CAL.is_workday(d) == (workday, False)


def test_five_workdays_across_national_day_2024():
    # Start Fri 2024-09-27 (not counted). Sat 09-28 off; Sun 09-29 work = 1; Mon 09-30 = 2;
    # 10-01 … 10-07 holiday; Tue 10-08 = 3; Wed 10-09 = 4; Thu 10-10 = 5.
    assert CAL.add_workdays(date(2024, 9, 27), 5) == (date(2024, 10, 10), False)
    # Ten: Fri 10-11 = 6; Sat 10-12 (调休) = 7; Mon 10-14 = 8; Tue 10-15 = 9; Wed 10-16 = 10.
    assert CAL.add_workdays(date(2024, 9, 27), 10) == (date(2024, 10, 16), False)
    assert CAL.workdays_between(date(2024, 9, 27), date(2024, 10, 10)) == (5, False)


def test_five_workdays_across_spring_festival_2025():
    # Start Fri 2025-01-24. Sat 01-25 off; Sun 01-26 (调休) = 1; Mon 01-27 = 2;
    # 01-28 … 02-04 holiday; Wed 02-05 = 3; Thu 02-06 = 4; Fri 02-07 = 5.
    assert CAL.add_workdays(date(2025, 1, 24), 5) == (date(2025, 2, 7), False)
    # Ten: Sat 02-08 (调休) = 6; Mon 02-10 = 7; Tue 02-11 = 8; Wed 02-12 = 9; Thu 02-13 = 10.
    assert CAL.add_workdays(date(2025, 1, 24), 10) == (date(2025, 2, 13), False)


def test_end_of_2026_into_2027_is_provisional():
    assert package_years() is not None and package_years()[1] >= 2026
    if package_years()[1] > 2026:
        pytest.skip("the installed chinese_calendar already knows 2027")
    # Start Wed 2026-12-30. Thu 12-31 = 1 (known); Fri 2027-01-01 = 2 (no data: Mon–Fri guess);
    # Sat/Sun off; Mon 01-04 = 3. Provisional because 2027 is guessed.
    assert CAL.add_workdays(date(2026, 12, 30), 3) == (date(2027, 1, 4), True)
    assert CAL.is_workday(date(2027, 1, 1)) == (True, True)
    assert CAL.add_workdays(date(2026, 12, 28), 3) == (date(2026, 12, 31), False)


def test_override_year():
    # An admin enters 2027's New Year holiday; 2027 then counts as known (not provisional).
    cal = WorkCalendar({date(2027, 1, 1): False, date(2027, 2, 6): True})
    # Start Wed 2026-12-30: Thu 12-31 = 1; Fri 01-01 holiday; Mon 01-04 = 2; Tue 01-05 = 3.
    assert cal.add_workdays(date(2026, 12, 30), 3) == (date(2027, 1, 5), False)
    assert cal.is_workday(date(2027, 2, 6)) == (True, False)  # a Saturday made a working day
    assert cal.is_workday(date(2027, 3, 3)) == (True, False)
    assert cal.is_workday(date(2028, 3, 3)) == (True, True)  # no override for 2028


def test_override_beats_package():
    cal = WorkCalendar({date(2024, 10, 8): False})
    assert cal.is_workday(date(2024, 10, 8)) == (False, False)
    assert cal.is_workday(date(2024, 10, 1)) == (False, False)  # the rest of 2024 still from the package


def test_zero_negative_and_between():
    assert CAL.add_workdays(date(2024, 10, 3), 0) == (date(2024, 10, 3), False)
    # Backwards from Tue 10-08: the holiday is skipped, Mon 09-30 is 1 back, Sun 09-29 is 2 back.
    assert CAL.add_workdays(date(2024, 10, 8), -2) == (date(2024, 9, 29), False)
    assert CAL.workdays_between(date(2024, 10, 10), date(2024, 9, 27)) == (-5, False)
    assert CAL.workdays_between(date(2024, 10, 1), date(2024, 10, 7)) == (0, False)


@pytest.mark.parametrize("d", [date(1900, 1, 1), date(2003, 12, 31), date(2100, 2, 28), date(2200, 12, 31)])
def test_far_dates_never_crash(d):
    work, provisional = CAL.is_workday(d)
    assert provisional and work == (d.weekday() < 5)
    assert CAL.add_workdays(d, -30)[1] is True


DATES = st.dates(min_value=date(1900, 1, 1), max_value=date(2199, 6, 30))


@settings(max_examples=300, deadline=None, database=None)
@given(start=DATES, n=st.integers(min_value=0, max_value=40),
       overrides=st.dictionaries(DATES, st.booleans(), max_size=5))
def test_add_and_between_agree(start, n, overrides):
    cal = WorkCalendar(overrides)
    end, provisional = cal.add_workdays(start, n)
    assert end >= start and (n == 0 or cal.is_workday(end)[0])
    assert cal.workdays_between(start, end)[0] == n
    assert end - start <= timedelta(days=7 * n + 60)  # no holiday run is that long
    assert isinstance(provisional, bool)
