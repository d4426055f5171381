"""Today, in the site's time zone (settings.TIME_ZONE, Asia/Shanghai): the one answer every rule,
page and service asks for the current day, so a test fixes the day in one place (``clock.today``)."""

import datetime as dt

from django.utils import timezone


def today() -> dt.date:
    return timezone.localdate()
