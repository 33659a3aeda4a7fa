"""Number formats shared by the HTML page and the terminal version, and text safe to print."""

from __future__ import annotations

import re
import unicodedata

from analytics.report.data import Card, PageData

# Terminal escape sequences (CSI `ESC [ ... final`, OSC `ESC ] ... BEL|ESC \`, and other
# two-character ESC sequences), removed whole so no `[2J` is left behind.
_ESCAPE_SEQUENCE = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-_]|\x9b[0-?]*[ -/]*[@-~]"
)
# Bidirectional overrides and isolates reorder what the eye sees ("Trojan Source").
_BIDI = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f")

NOTES = (
    ("rejected", "Rejected suggestions are never counted as lines of code accepted."),
    ("deletions", "Later deletions are not tracked: lines accepted stay counted if edited or removed afterwards."),
    ("list-prices", "Spend is estimated at list prices from the client's cost metric; it is not the bill."),
    ("decisions", "Accept rate covers the decisions clients report (clients before 2.1 send none)."),
    ("sessions", "Sessions per day count a session active on two days on both; a month's sessions count it once."),
    ("utc", "Days are UTC calendar days."),
)


def printable(value) -> str:
    """Data as text a terminal shows as it is: escape sequences and control characters (C0,
    DEL, C1, line and paragraph separators, bidi controls) removed. Names in the marts come
    from API key names, the roster and client attributes, which anyone can set."""
    text = _ESCAPE_SEQUENCE.sub("", "" if value is None else str(value))
    return "".join(
        c for c in text
        if c not in _BIDI and unicodedata.category(c) not in ("Cc", "Zl", "Zp")
    )


def count(value: float | None) -> str:
    return "—" if value is None else f"{int(value):,}"


def percent(value: float | None, digits: int = 1) -> str:
    return "—" if value is None else f"{value * 100:.{digits}f}%"


def usd(value: float | None) -> str:
    if value is None:
        return "—"
    return f"${value:,.2f}" if abs(value) >= 0.005 or value == 0 else f"${value:,.4f}"


def card_value(card: Card) -> str:
    if card.kind == "rate":
        return percent(card.value)
    if card.kind == "usd":
        return usd(card.value)
    return count(card.value)


def card_change(card: Card) -> str:
    """'+12.0%', '−3.1 pts', 'up from 0', 'no data for the previous period'."""
    if card.previous_days_in_data == 0:
        return "no data for the previous period"
    if not card.previous_complete:
        return f"previous period only {card.previous_days_in_data} of {card.previous_days} days processed"
    change = card.change
    if change is None:
        if card.kind != "rate" and card.previous == 0:
            return "up from 0" if card.value else "no change"
        return "no comparison"
    if change == 0:
        return "no change"
    sign = "+" if change > 0 else "−"
    if card.kind == "rate":
        return f"{sign}{abs(change) * 100:.1f} pts"
    return f"{sign}{abs(change) * 100:.1f}%"


def change_direction(card: Card) -> str:
    change = card.change
    if change is None:
        return "none"
    return "up" if change > 0 else "down" if change < 0 else "flat"


def team_titles(page: PageData) -> dict[str, str]:
    """Column titles of Team insights. For a calendar month they read as the Console's do and
    show marts.fct_member_monthly; over other periods the sessions column adds up days, and
    says so."""
    if page.team_is_monthly:
        return {"spend": "Spend this month", "lines": "Lines this month", "sessions": "Sessions"}
    return {"spend": "Spend", "lines": "Lines accepted", "sessions": "Sessions (summed over days)"}
