"""Working-day arithmetic on the State Council holiday calendar with 调休 make-up days (国务院办公厅每年的《关于部分节假日安排的通知》).

Sources, in order of precedence for a date:
1. `overrides` (date → True working day / False holiday), entered by an admin for a year the package
   does not know yet, or to correct a date;
2. the `chinese_calendar` package (covers 2004–2026 in version 1.11; raises NotImplementedError
   beyond);
3. otherwise Mon–Fri; marked provisional unless the year has at least one override (an admin has
   entered that year's holidays, so its other dates are ordinary Mon–Fri).

Never raises for dates from date.min to date.max except where the result itself would leave that range.
Pure: no Django.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from functools import cache

try:  # pragma: no cover - the dependency is declared; the fallback keeps the app alive without it
    import chinese_calendar as _cc
except ImportError:  # pragma: no cover
    _cc = None

_DAY = timedelta(days=1)


@cache
def _package_knows(year: int) -> bool:
    if _cc is None or not 1 <= year <= 9999:
        return False
    try:
        _cc.is_workday(date(year, 6, 1))
    except (NotImplementedError, ValueError, KeyError):
        return False
    return True


def package_years() -> tuple[int, int] | None:
    """The first and last year the installed chinese_calendar knows, or None."""
    years = [y for y in range(2000, 2100) if _package_knows(y)]
    return (years[0], years[-1]) if years else None


class WorkCalendar:
    """Working days with optional admin overrides; every answer says whether it is provisional."""

    def __init__(self, overrides: Mapping[date, bool] | None = None):
        self.overrides: dict[date, bool] = dict(overrides or {})
        self._override_years = frozenset(d.year for d in self.overrides)

    def is_known_year(self, year: int) -> bool:
        return year in self._override_years or _package_knows(year)

    def is_workday(self, d: date) -> tuple[bool, bool]:
        """(is a working day, provisional: no holiday data for d's year)."""
        if d in self.overrides:
            return bool(self.overrides[d]), False
        if _package_knows(d.year):
            try:
                return bool(_cc.is_workday(d)), False
            except (NotImplementedError, ValueError, KeyError):  # pragma: no cover - defensive
                pass
        return d.weekday() < 5, d.year not in self._override_years

    def add_workdays(self, start: date, n: int) -> tuple[date, bool]:
        """The date n working days after start (start not counted; n < 0 counts backwards; n = 0 is
        start), and whether any day stepped over was provisional."""
        step = _DAY if n >= 0 else -_DAY
        d, left, provisional = start, abs(n), False
        while left:
            d += step
            work, prov = self.is_workday(d)
            provisional |= prov
            left -= work
        return d, provisional

    def workdays_between(self, a: date, b: date) -> tuple[int, bool]:
        """Working days in (a, b] (negative when b < a), and whether any day was provisional;
        so that add_workdays(a, n) == (b, _) implies workdays_between(a, b)[0] == n."""
        if b < a:
            count, prov = self.workdays_between(b, a)
            return -count, prov
        count, provisional, d = 0, False, a
        while d < b:
            d += _DAY
            work, prov = self.is_workday(d)
            count += work
            provisional |= prov
        return count, provisional

    def is_provisional(self, d: date) -> bool:
        return self.is_workday(d)[1]
