"""Number formats shared by the HTML page and the terminal version."""

from __future__ import annotations

from analytics.report.data import Card, PageData

NOTES = (
    ("rejected", "Rejected suggestions are never counted as lines of code accepted."),
    ("deletions", "Later deletions are not tracked: lines accepted stay counted if edited or removed afterwards."),
    ("list-prices", "Spend is estimated at list prices from the client's cost metric; it is not the bill."),
    ("decisions", "Accept rate covers the decisions clients report (clients before 2.1 send none)."),
    ("sessions", "Sessions per day count a session active on two days on both; a month's sessions count it once."),
    ("utc", "Days are UTC calendar days."),
)


def notes(zone: str = "UTC") -> tuple[tuple[str, str], ...]:
    """What the page does not count, for marts whose days are `zone`'s calendar days (the
    `utc` note names the zone; outside UTC, a note says the Admin API rows keep UTC days)."""
    if zone == "UTC":
        return NOTES
    days = (
        ("utc", f"Days are {zone} calendar days."),
        ("admin-api-utc", ("Admin API report rows (members with no telemetry that day) keep their "
                          f"UTC report day; they are not moved to {zone} days.")),
    )
    return tuple(note for note in NOTES if note[0] != "utc") + days


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
