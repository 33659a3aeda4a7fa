"""budgets.csv for a generated organization, set from its own numbers so every status shows.

For the month of the last generated day: the organization's budget is comfortably above its
projection (ok); the team that spent most has a budget below what it spent (over); the next
one a budget between its spend and its projection (at_risk, when the month is not over); the
third and the member who spent most get budgets above their projections (ok). A member's team
is the roster's, else the team.id their clients send, else (no team), as the warehouse says.
"""

from __future__ import annotations

import calendar
import csv
import datetime as dt
import math
from pathlib import Path

from .bookkeeping import M_SPEND

BUDGETS_FILE = "budgets.csv"


def _teams(people) -> dict[tuple[str, str], str]:
    teams = {}
    for member in people:
        team = member.team if member.in_roster else dict(member.res_attrs).get("team.id", "(no team)")
        for machine in member.machines:
            teams[machine.identity] = team
    return teams


def write_budgets(path: Path, people, monthly: dict, last_day: dt.date, org_name: str) -> int:
    """Write budgets.csv (header scope,name,monthly_budget_usd); returns bytes written."""
    month = last_day.replace(day=1).isoformat()
    scale = calendar.monthrange(last_day.year, last_day.month)[1] / last_day.day
    teams = _teams(people)
    by_team: dict[str, float] = {}
    by_member: dict[str, float] = {}
    for (usage_month, member_type, identifier), slot in monthly.items():
        if usage_month != month:
            continue
        team = teams.get((member_type, identifier), "(no team)")
        by_team[team] = by_team.get(team, 0.0) + slot[M_SPEND]
        if member_type in ("oauth_user", "api_key"):
            by_member[identifier] = by_member.get(identifier, 0.0) + slot[M_SPEND]
    total = sum(by_team.values())
    rows = [["org", org_name, math.ceil(total * scale * 1.2 / 50) * 50 or 50]]
    ranked = sorted(((spend, team) for team, spend in by_team.items() if team != "(no team)"),
                    reverse=True)
    if ranked:
        rows.append(["team", ranked[0][1], math.floor(ranked[0][0] * 0.9)])
    if len(ranked) > 1:
        spend, team = ranked[1]
        between = math.floor((spend + spend * scale) / 2)
        rows.append(["team", team, between if spend < between < spend * scale else math.ceil(spend * 2)])
    if len(ranked) > 2:
        rows.append(["team", ranked[2][1], math.ceil(ranked[2][0] * scale * 1.5)])
    if by_member:
        spend, who = max((spend, who) for who, spend in by_member.items())
        rows.append(["member", who, math.ceil(spend * scale * 1.5)])
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["scope", "name", "monthly_budget_usd"])
        writer.writerows(rows)
    return path.stat().st_size
