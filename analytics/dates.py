"""Dates given on the command line, read strictly, with a one-line reason when they are wrong.

`YYYY-MM-DD` and `YYYY-MM` only, and only in the range the product can mean: from 2020-01-01
(before Claude Code; telemetry dated earlier is a wrong clock) to a year after today. A date of
the right form that does not exist says so (`2026-11-31`: November 2026 has 30 days), so the
user is not told to use a form they already used. Every error is a ValueError whose message
names the flag.
"""

from __future__ import annotations

import calendar
import re
from datetime import UTC, date, datetime, timedelta

EARLIEST = date(2020, 1, 1)
DAY_FORM = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
MONTH_FORM = re.compile(r"(\d{4})-(\d{2})")


def today_utc() -> date:
    return datetime.now(UTC).date()


def latest_allowed() -> date:
    """The last day a date argument may name: a year after today (UTC)."""
    return today_utc() + timedelta(days=366)


def _month_problem(year: int, month: int) -> str | None:
    if not 1 <= month <= 12:
        return f"there is no month {month:02d} (01 to 12)"
    return None


def check_in_range(day: date, flag: str, text: str | None = None) -> date:
    """`day` unless it is before EARLIEST or more than a year ahead."""
    shown = text if text is not None else day.isoformat()
    if day < EARLIEST or day > latest_allowed():
        raise ValueError(
            f"{flag} {shown!r} is out of range: give a day from {EARLIEST} to {latest_allowed()}"
        )
    return day


def parse_day(text: str, flag: str) -> date:
    """A UTC day `YYYY-MM-DD` that exists and is in range."""
    match = DAY_FORM.fullmatch(text.strip()) if isinstance(text, str) else None
    if not match:
        raise ValueError(f"{flag} {text!r} is not a date of the form YYYY-MM-DD")
    year, month, day = (int(part) for part in match.groups())
    problem = _month_problem(year, month)
    if problem is None and year >= 1:
        days_in_month = calendar.monthrange(year, month)[1]
        if not 1 <= day <= days_in_month:
            name = date(year, month, 1).strftime("%B")
            problem = f"{name} {year} has {days_in_month} days"
    if problem is not None or year < 1:
        raise ValueError(f"{flag} {text!r} is not a date: {problem or 'there is no year 0'}")
    return check_in_range(date(year, month, day), flag, text)


def parse_month(text: str, flag: str = "--month") -> tuple[date, date]:
    """The first and last day of a calendar month `YYYY-MM` that is in range."""
    match = MONTH_FORM.fullmatch(text.strip()) if isinstance(text, str) else None
    if not match:
        raise ValueError(f"{flag} {text!r} is not a month of the form YYYY-MM")
    year, month = (int(part) for part in match.groups())
    problem = _month_problem(year, month) or ("there is no year 0" if year < 1 else None)
    if problem is not None:
        raise ValueError(f"{flag} {text!r} is not a month: {problem}")
    first = date(year, month, 1)
    last = first.replace(day=calendar.monthrange(year, month)[1])
    if first < EARLIEST or first > latest_allowed():
        raise ValueError(
            f"{flag} {text!r} is out of range: give a month from {EARLIEST:%Y-%m} to "
            f"{latest_allowed():%Y-%m}"
        )
    return first, last


def days_between(first_day: date, last_day: date) -> int:
    """How many days the inclusive range first_day .. last_day holds."""
    return (last_day - first_day).days + 1


def yesterday_utc(now: datetime) -> date:
    return (now - timedelta(days=1)).date()
