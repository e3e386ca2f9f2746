"""Instants of RFC 3339 UTC timestamps as integers, so the rules compare and subtract times exactly."""

from __future__ import annotations

import calendar
from datetime import datetime
from functools import lru_cache
from typing import Final

from events.model.types import parse_utc

NS_PER_SECOND: Final = 1_000_000_000


@lru_cache(maxsize=4096)
def _day_start_s(day: str) -> int:
    """Seconds since the Unix epoch at 00:00:00 UTC of a `YYYY-MM-DD` day."""
    return calendar.timegm(parse_utc(day + "T00:00:00Z").utctimetuple())


def instant_ns(timestamp: str) -> int:
    """Nanoseconds since the Unix epoch of a validated RFC 3339 UTC timestamp (`2026-11-27T05:00:00.5Z`)."""
    seconds = _day_start_s(timestamp[:10]) + int(timestamp[11:13]) * 3600 + int(timestamp[14:16]) * 60
    fraction = timestamp[20:-1]
    nanos = int(fraction.ljust(9, "0")) if fraction else 0
    return (seconds + int(timestamp[17:19])) * NS_PER_SECOND + nanos


def datetime_ns(moment: datetime) -> int:
    """Nanoseconds since the Unix epoch of a timezone-aware datetime."""
    if moment.tzinfo is None:
        raise ValueError("the clock must give timezone-aware datetimes (UTC)")
    return calendar.timegm(moment.utctimetuple()) * NS_PER_SECOND + moment.microsecond * 1000


def month_of(timestamp: str) -> str:
    """The calendar month `YYYY-MM` of a UTC timestamp."""
    return timestamp[:7]


@lru_cache(maxsize=1024)
def days_in_month(month: str) -> int:
    """The number of days in a `YYYY-MM` month."""
    return calendar.monthrange(int(month[:4]), int(month[5:7]))[1]
