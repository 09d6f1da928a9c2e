"""Calendar arithmetic with the conventions the rules catalogues use.

Months and years are calendar steps that clamp to the last day of the target month
(29 February + 1 year = 28 February); ages are completed years; overlaps count days
inclusively; local time comes from the IANA time-zone database (``tzdata``).
"""

from __future__ import annotations

import calendar
import datetime as dt
import functools
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from policylang.ir.values import Duration


def add_months(day: dt.date, months: int) -> dt.date:
    """Add calendar months, clamping to the end of the month.

    >>> add_months(dt.date(2024, 1, 31), 1)
    datetime.date(2024, 2, 29)
    >>> add_months(dt.date(1996, 3, 1), 36)
    datetime.date(1999, 3, 1)
    """
    total = day.year * 12 + (day.month - 1) + months
    year, month = divmod(total, 12)
    month += 1
    last = calendar.monthrange(year, month)[1]
    return day.replace(year=year, month=month, day=min(day.day, last))


def add_years(day: dt.date, years: int) -> dt.date:
    """Add calendar years; 29 February becomes 28 February in a common year.

    >>> add_years(dt.date(2000, 2, 29), 1)
    datetime.date(2001, 2, 28)
    """
    return add_months(day, 12 * years)


def add_duration(day: dt.date, duration: Duration) -> dt.date:
    """Add years and months (clamped), then days; works on dates and datetimes."""
    result = add_months(day, duration.years * 12 + duration.months)
    return result + dt.timedelta(days=duration.days)


def age(birth: dt.date, on: dt.date) -> int:
    """Completed years on ``on``: a person is 18 from the 18th birthday.

    >>> age(dt.date(2006, 2, 10), dt.date(2024, 2, 10)), age(dt.date(2006, 2, 10), dt.date(2024, 2, 9))
    (18, 17)
    >>> age(dt.date(2000, 2, 29), dt.date(2001, 2, 28))
    1
    """
    years = on.year - birth.year
    if add_years(birth, years) > on:
        years -= 1
    return years


def days_between(start: dt.date, end: dt.date) -> int:
    """Days from ``start`` to ``end`` (negative if ``end`` is earlier).

    >>> days_between(dt.date(2024, 2, 28), dt.date(2024, 3, 1))
    2
    """
    return (end - start).days


def overlap_days(a_start: dt.date, a_end: dt.date, b_start: dt.date, b_end: dt.date) -> int:
    """Days two date ranges share, both ends included; 0 if they do not meet.

    >>> overlap_days(dt.date(2020, 1, 1), dt.date(2020, 1, 10), dt.date(2020, 1, 10), dt.date(2020, 2, 1))
    1
    """
    start = max(a_start, b_start)
    end = min(a_end, b_end)
    return max(0, (end - start).days + 1)


@functools.lru_cache(maxsize=64)
def zone(name: str) -> ZoneInfo:
    """The IANA time zone ``name``; raises ``KeyError`` for an unknown zone (or a name no zone could have)."""
    if len(name) > 64:  # the longest IANA names have some 30 characters
        raise KeyError(f"time zone {name[:40] + '...'!r}")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise KeyError(f"time zone {name!r}") from None


def local_time(moment: dt.datetime, zone_name: str) -> dt.datetime:
    """The same instant as wall-clock time in ``zone_name``.

    >>> local_time(dt.datetime(2025, 3, 15, 22, 0, tzinfo=dt.timezone.utc), "Europe/Copenhagen").hour
    23
    """
    return moment.astimezone(zone(zone_name))


WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def weekday(day: dt.date) -> str:
    """The weekday's name in English, as the ``weekday`` enum spells it.

    >>> weekday(dt.date(2025, 3, 15))
    'saturday'
    """
    return WEEKDAYS[day.weekday()]
