"""The range of days a query may name.

A date parsed from a request may be anything from 0001-01-01 to 9999-12-31; code that steps from it
(``on - ALERT_DAYS``, ``on + horizon``, months back for a trend) overflows near either edge. Every day a
request names is bounded here, where it is parsed, to the same range the imports accept for a date
cell (imports.columns), and refused outside it with an error naming the field.
"""

import datetime as dt

from jingfang.core import errors

EARLIEST = dt.date(1900, 1, 1)
LATEST = dt.date(2100, 12, 31)


def check(day: dt.date, field: str, label: str) -> dt.date:
    """``day`` unchanged, or ``errors.Invalid`` naming ``field`` (``label`` in Chinese) outside the range."""
    if not EARLIEST <= day <= LATEST:
        raise errors.Invalid([errors.FieldError(field, out_of_range(label))])
    return day


def out_of_range(label: str) -> str:
    return f"{label}：应在{EARLIEST:%Y-%m-%d}至{LATEST:%Y-%m-%d}之间"
