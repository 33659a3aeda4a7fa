"""Plain date helpers shared by the CLI, the library and the Dagster definitions."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta


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


def yesterday_utc(now: datetime) -> date:
    return (now - timedelta(days=1)).date()
