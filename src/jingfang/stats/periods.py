"""Calendar periods for the KPI engine: months (and rolling windows of months) and quarters. Pure."""

from datetime import date, timedelta

from .kpis import Period


def month_end(d: date) -> date:
    nxt = date(d.year + d.month // 12, d.month % 12 + 1, 1)
    return nxt - timedelta(days=1)


def add_months(d: date, months: int) -> date:
    """The first of the month ``months`` after (or before) d's month."""
    y, m = divmod(d.year * 12 + d.month - 1 + months, 12)
    return date(y, m + 1, 1)


def monthly_periods(end: date, months: int = 12, window: int = 1) -> list[Period]:
    """The last ``months`` calendar months up to the one containing ``end`` (that one cut at ``end``); each
    point covers ``window`` months ending with its month (1: the month itself; 3 or 12: rolling)."""
    out = []
    for back in range(months - 1, -1, -1):
        first = add_months(end, -back)
        start = add_months(first, -(window - 1))
        out.append(Period(start, min(month_end(first), end)))
    return out


def quarter_period(year: int, quarter: int) -> Period:
    start = date(year, 3 * (quarter - 1) + 1, 1)
    return Period(start, month_end(date(year, 3 * quarter, 1)))
