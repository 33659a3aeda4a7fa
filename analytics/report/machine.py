"""The page's cards and Team insights for scripts: `analytics report --format json|csv`."""

from __future__ import annotations

import csv
import io
import json

from analytics.report.data import PageData

TEAM_FIELDS = ("member_key", "display_name", "member_type", "team", "spend_usd", "lines_added",
               "edit_accepts", "edit_rejects", "accept_rate", "active_days", "sessions")


def page_dict(page: PageData) -> dict:
    return {
        "period": {"start": page.period.start.isoformat(), "end": page.period.end.isoformat(),
                   "days": page.period.days},
        "previous_period": {"start": page.previous_period.start.isoformat(),
                            "end": page.previous_period.end.isoformat()},
        "data_through": page.data_through.isoformat() if page.data_through else None,
        "timezone": page.timezone,  # the days are this zone's calendar days
        "cards": [
            {"key": c.key, "label": c.label, "value": c.value, "previous": c.previous,
             "change": c.change, "note": c.note}
            for c in page.cards
        ],
        # for a calendar month these are marts.fct_member_monthly's rows (distinct sessions);
        # for other periods sessions add up days
        "team_source": "fct_member_monthly" if page.team_is_monthly else "fct_daily_activity summed over days",
        "team": [{name: getattr(m, name) for name in TEAM_FIELDS} for m in page.team],
        # limited to one team (--team), or the Teams panel of the whole organization
        "team_name": page.team_name,
        "teams": [
            {"team": t.team, "teams": t.teams, "active_users": t.active_users, "sessions": t.sessions,
             "lines_added": t.lines_added, "accept_rate": t.accept_rate, "spend_usd": t.spend_usd,
             "previous_spend_usd": t.previous.spend_usd if t.previous else None}
            for t in page.teams
        ],
        "budgets": [
            {"scope": b.scope, "name": b.name, "budget_usd": b.budget_usd, "spend_usd": b.spend_usd,
             "projected_usd": b.projected_usd, "status": b.status}
            for b in page.budgets
        ],
    }


def render_json(page: PageData) -> str:
    return json.dumps(page_dict(page), indent=2, default=float) + "\n"


def render_csv(page: PageData, neutralize=lambda v: v) -> str:
    """Two CSV tables, the cards and then Team insights, separated by an empty line."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["card", "value", "previous", "change"])
    for c in page.cards:
        writer.writerow([c.key, c.value, c.previous, c.change])
    out.write("\n")
    writer.writerow(TEAM_FIELDS)
    for m in page.team:
        writer.writerow([neutralize(getattr(m, name)) for name in TEAM_FIELDS])
    return out.getvalue()
