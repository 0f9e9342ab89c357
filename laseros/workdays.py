"""Working days and hours: weekends and South African public holidays are not working days."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

import holidays
from django.conf import settings


@lru_cache(maxsize=64)
def _holidays(year: int, country: str) -> frozenset[dt.date]:
    return frozenset(holidays.country_holidays(country, years=year).keys())


def is_holiday(day: dt.date) -> bool:
    return day in _holidays(day.year, settings.SHOP_HOLIDAY_COUNTRY)


def is_working_day(day: dt.date) -> bool:
    """A weekday on which the shop has working hours and that is not a public holiday."""
    return day.weekday() in settings.SHOP_WORKING_HOURS and not is_holiday(day)


def add_working_days(start: dt.date, days: int) -> dt.date:
    """The date `days` working days after `start` (before it, for a negative number)."""
    step = 1 if days >= 0 else -1
    remaining = abs(days)
    day = start
    while remaining:
        day += dt.timedelta(days=step)
        if is_working_day(day):
            remaining -= 1
    return day


def working_days_between(start: dt.date, end: dt.date) -> int:
    """Working days after `start` up to and including `end` (negative when end is earlier)."""
    if end < start:
        return -working_days_between(end, start)
    count, day = 0, start
    while day < end:
        day += dt.timedelta(days=1)
        if is_working_day(day):
            count += 1
    return count


def working_minutes(day: dt.date) -> int:
    """The shop's working minutes on `day` (0 on weekends and holidays)."""
    if not is_working_day(day):
        return 0
    start, end = settings.SHOP_WORKING_HOURS[day.weekday()]
    h1, m1 = map(int, start.split(":"))
    h2, m2 = map(int, end.split(":"))
    return (h2 * 60 + m2) - (h1 * 60 + m1)
