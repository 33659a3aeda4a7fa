"""Plain date helpers shared by the CLI, the library and the Dagster definitions.

A day is a calendar day in the organization's zone (ANALYTICS_TIMEZONE): the helpers that
need one take it as an argument, so they stay free of settings.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, tzinfo


def parse_day(text: str) -> date:
    """A YYYY-MM-DD day. The ValueError says whether the form or the date itself is wrong."""
    match = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", text.strip())
    if not match:
        raise ValueError(f"{text!r} is not a date of the form YYYY-MM-DD")
    try:
        return date(*(int(part) for part in match.groups()))
    except ValueError as exc:
        raise ValueError(f"{text} is not a date that exists ({exc})") from None


def days_between(first_day: date, last_day: date) -> int:
    """How many days the inclusive range first_day .. last_day holds."""
    return (last_day - first_day).days + 1


def today_in(zone: tzinfo, now: datetime | None = None) -> date:
    """Today's date in `zone` (now, or the aware datetime given)."""
    return (now or datetime.now(UTC)).astimezone(zone).date()


def yesterday_in(zone: tzinfo, now: datetime) -> date:
    """The day before `now`'s date in `zone` (a calendar day, 23 to 25 hours long)."""
    return today_in(zone, now) - timedelta(days=1)


def local_date_of_nanos(nanos: int, zone: tzinfo) -> date:
    """The calendar date in `zone` of a time in nanoseconds since the epoch, as dbt computes it
    (whole seconds: every zone's offset is whole minutes)."""
    return datetime.fromtimestamp(nanos // 1_000_000_000, tz=UTC).astimezone(zone).date()
