"""Small helpers for seeded synthetic data: weighted picks and random dates."""

import datetime as dt
import random


def pick(rng: random.Random, weights: dict):
    """One key of ``weights`` (key -> relative weight)."""
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def chance(rng: random.Random, p: float) -> bool:
    return rng.random() < p


def add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February in a non-leap year
        return day.replace(year=day.year + years, day=28)


def date_between(rng: random.Random, lo: dt.date, hi: dt.date) -> dt.date:
    """A uniformly random date in [lo, hi] (lo when the range is empty)."""
    span = (hi - lo).days
    return lo if span <= 0 else lo + dt.timedelta(days=rng.randint(0, span))


def days_before(rng: random.Random, day: dt.date, lo_days: int, hi_days: int) -> dt.date:
    return day - dt.timedelta(days=rng.randint(lo_days, hi_days))


def age_on(birth: dt.date, day: dt.date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))
