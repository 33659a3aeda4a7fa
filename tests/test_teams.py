"""Teams: a member's team from the roster, else team.id, else (no team); team marts whose sums
equal the organization's every day; small teams folded; a team's page.

A hand-made organization (tests/handmade.py), every number worked out by hand:

2026-06-10: platform (roster): p1..p5 by email and the API key `build-bot key`, 10 lines and
    $1.00 each except the bot (5 lines, $0.50): 6 active, 55 lines, $5.50.
    payments (team.id only, not in the roster): q1, q2, 20 lines and $2.50 each: 2 active.
    (no team): n1, 7 lines, $0.25. p1 also sends team.id=legacy: the roster wins.
2026-06-11: p1, p2, p3 (10 lines, $1.00 each) and q2 (20 lines, $2.50), whose client now
    says team.id=payments after mobile the day before: q2's team is payments (the latest).
"""

from __future__ import annotations

from datetime import date

import pytest

from tests.conftest import query, run_cli
from tests.handmade import MemberDay, write_day, write_roster

D1, D2 = date(2026, 6, 10), date(2026, 6, 11)
PLATFORM = [f"p{i}@example.com" for i in range(1, 6)]
ITEMS = (
    [MemberDay(D1, who, 10, 1.0, "legacy" if who == "p1@example.com" else None) for who in PLATFORM]
    + [MemberDay(D1, "build-bot key", 5, 0.5),
       MemberDay(D1, "q1@example.com", 20, 2.5, "payments"),
       MemberDay(D1, "q2@example.com", 20, 2.5, "mobile"),
       MemberDay(D1, "n1@example.com", 7, 0.25)]
    + [MemberDay(D2, who, 10, 1.0) for who in PLATFORM[:3]]
    + [MemberDay(D2, "q2@example.com", 20, 2.5, "payments")]
)
TEAM_COLUMNS = "team, teams, {active}, sessions, lines_added, spend_usd, spending_users"


def make_landing(env) -> None:
    from pathlib import Path

    landing = Path(env["ANALYTICS_LANDING_DIR"])
    write_roster(landing, [(who, "", "platform", "developer") for who in PLATFORM]
                 + [("", "build-bot key", "platform", "developer")])
    for day in (D1, D2):
        write_day(landing, day, ITEMS)


def team_rows(env, table: str = "fct_team_daily", period: str = "usage_date") -> dict:
    active = "daily_active_users" if period == "usage_date" else "monthly_active_users"
    columns = TEAM_COLUMNS.format(active=active)
    return {
        (str(row[0]), row[1]): tuple(round(v, 6) if isinstance(v, float) else v for v in row[2:])
        for row in query(env, f"select {period}, {columns} from marts.{table}")
    }


@pytest.fixture
def teams_env(env):
    make_landing(env)
    return env


def test_teams_sums_folding_and_the_team_page(teams_env, tmp_path):
    env = teams_env
    run = run_cli(env, "run")  # fails if assert_team_sums_equal_org or assert_small_teams_folded fail
    assert "dbt: test failed" not in run.stderr

    members = dict(query(env, "select coalesce(email, api_key_name), team from marts.dim_members"))
    sources = dict(query(env, "select coalesce(email, api_key_name), team_source from marts.dim_members"))
    assert members["p1@example.com"] == "platform" and sources["p1@example.com"] == "roster"
    assert members["build-bot key"] == "platform"
    assert members["q1@example.com"] == "payments" and sources["q1@example.com"] == "team.id"
    assert members["q2@example.com"] == "payments"  # the latest team.id wins (mobile the day before)
    assert members["n1@example.com"] == "(no team)" and sources["n1@example.com"] == "none"

    # (team, teams folded, DAU, sessions, lines, spend, spending users), by hand
    assert team_rows(env) == {
        ("2026-06-10", "platform"): (1, 6, 6, 55, 5.5, 6),
        ("2026-06-10", "(small teams)"): (2, 3, 3, 47, 5.25, 3),
        ("2026-06-11", "(small teams)"): (2, 4, 4, 50, 5.5, 4),
    }
    assert team_rows(env, "fct_team_monthly", "usage_month") == {
        ("2026-06-01", "platform"): (1, 6, 9, 85, 8.5, 6),  # 6 members, 9 sessions over the month
        ("2026-06-01", "(small teams)"): (2, 3, 4, 67, 7.75, 3),
    }
    # the sums over teams equal the organization's, every day
    org = dict(query(env, "select usage_date::varchar, (daily_active_users, sessions, lines_added, "
                          "round(spend_usd, 6), spending_users) from marts.fct_org_daily"))
    assert org == {"2026-06-10": (9, 9, 102, 10.75, 9), "2026-06-11": (4, 4, 50, 5.5, 4)}

    # one team's page: the cards count platform's own days only (2026-06-11 is folded)
    text = run_cli(env, "report", "--month", "2026-06", "--team", "platform").stdout
    assert "team platform" in text
    labels = ("Lines of code accepted", "Active users", "Spend")
    cards = {label: line.split() for line in text.splitlines()[3:8] for label in labels
             if line.strip().startswith(label)}
    assert "55" in cards["Lines of code accepted"] and "$5.50" in cards["Spend"]
    assert "6" in cards["Active users"]
    html = tmp_path / "platform.html"
    run_cli(env, "report", "--month", "2026-06", "--team", "platform", "--html", str(html))
    page = html.read_text()
    assert 'data-team="platform"' in page and 'id="panel-teams"' not in page
    assert "n1@example.com" not in page and "q1@example.com" not in page  # other teams' members

    # the organization's page has the Teams panel, small teams folded over the month
    whole = tmp_path / "org.html"
    run_cli(env, "report", "--month", "2026-06", "--html", str(whole))
    page = whole.read_text()
    assert 'id="teams-table"' in page
    assert 'data-team="platform" data-teams="1" data-active-users="6"' in page
    assert 'data-team="(small teams)" data-teams="2" data-active-users="3"' in page
    assert 'data-team="payments"' not in page

    # a team without a day of its own, and an unknown team: one-line errors
    refused = run_cli(env, "report", "--month", "2026-06", "--team", "payments", check=False)
    assert refused.returncode == 2 and "(small teams)" in refused.stderr
    unknown = run_cli(env, "report", "--team", "nope", check=False)
    assert unknown.returncode == 2 and "no team named 'nope'" in unknown.stderr
    assert len(unknown.stderr.strip().splitlines()) == 1

    # a smaller group size shows payments on its own; the rerun rebuilds the team marts
    env2 = dict(env, ANALYTICS_MIN_GROUP_SIZE="2")
    run_cli(env2, "run")
    assert team_rows(env2) == {
        ("2026-06-10", "platform"): (1, 6, 6, 55, 5.5, 6),
        ("2026-06-10", "payments"): (1, 2, 2, 40, 5.0, 2),
        ("2026-06-10", "(small teams)"): (1, 1, 1, 7, 0.25, 1),
        ("2026-06-11", "platform"): (1, 3, 3, 30, 3.0, 3),
        ("2026-06-11", "(small teams)"): (1, 1, 1, 20, 2.5, 1),
    }


def test_bad_group_size_is_a_one_line_error(env):
    make_landing(env)
    failed = run_cli(dict(env, ANALYTICS_MIN_GROUP_SIZE="five"), "run", check=False)
    assert failed.returncode == 2
    assert failed.stderr.strip().splitlines()[-1].endswith("expected a whole number")
