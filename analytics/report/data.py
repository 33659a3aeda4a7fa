"""Everything the Analytics page shows for a period, read from the marts (and nothing else).

| panel | mart |
|---|---|
| cards: lines, accept rate, sessions, spend | marts.fct_org_daily, summed over the period's days |
| card: active users | marts.fct_daily_activity, distinct active members over the period |
| Activity, Spend charts | marts.fct_org_daily, one point per day (a day without a row is a gap) |
| Team insights, calendar month | marts.fct_member_monthly (distinct sessions, the month's accept rate) |
| Team insights, other periods | marts.fct_daily_activity summed per member (sessions summed over days, and labelled so) |
| accept rate by tool, by language | marts.fct_tool_decisions (the code-editing tools) |
| spend by model | marts.fct_daily_spend |
| Teams (the whole organization's page) | marts.fct_daily_activity, marts.fct_daily_spend by dim_members.team over the period; teams with fewer active members than ANALYTICS_MIN_GROUP_SIZE in the period fold into `(small teams)` |
| Budgets | marts.fct_budget_status, the month of the period's last day |

With a team (`analytics report --team NAME`), every panel is limited to that team: the cards
and charts read marts.fct_team_daily (the days the team has its own row, not folded), the
others the member-grain marts joined to dim_members.team.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import duckdb

from analytics import settings
from analytics.report.period import Period, latest_usage_date
from analytics.report.warehouse import ReportError

SMALL_TEAMS = "(small teams)"


def ratio(numerator: float, denominator: float) -> float | None:
    return numerator / denominator if denominator else None


@dataclass(frozen=True)
class Card:
    """A headline number and its change against the previous period of the same length."""

    key: str  # lines, accept-rate, active-users, sessions, spend
    label: str
    kind: str  # count, rate or usd
    value: float | None
    previous: float | None  # None when the previous period has no processed day
    previous_days_in_data: int  # days of the previous period with a row in marts.fct_org_daily
    previous_days: int  # the previous period's length
    note: str = ""

    @property
    def previous_complete(self) -> bool:
        """Every day of the previous period was processed, so the comparison is like for like."""
        return self.previous_days_in_data == self.previous_days

    @property
    def change(self) -> float | None:
        """Rates: the difference (0.031 = 3.1 points). Others: relative change (0.12 = +12%).

        None when the previous period was not wholly processed, or the value is undefined.
        """
        if not self.previous_complete or self.value is None or self.previous is None:
            return None
        if self.kind == "rate":
            return self.value - self.previous
        if self.previous == 0:
            return None
        return (self.value - self.previous) / self.previous


@dataclass(frozen=True)
class Day:
    usage_date: date
    has_row: bool
    daily_active_users: int | None
    sessions: int | None
    spending_users: int | None
    spend_usd: float | None
    lines_added: int | None
    accept_rate: float | None


@dataclass(frozen=True)
class MemberRow:
    member_key: str
    display_name: str
    member_type: str | None
    team: str | None
    spend_usd: float
    lines_added: int
    edit_accepts: int
    edit_rejects: int
    active_days: int
    sessions: int
    accept_rate: float | None


@dataclass(frozen=True)
class DecisionRow:
    name: str  # a tool or a language
    accepts: int
    rejects: int

    @property
    def accept_rate(self) -> float | None:
        return ratio(self.accepts, self.accepts + self.rejects)


@dataclass(frozen=True)
class ModelRow:
    model: str
    spend_usd: float
    share: float | None
    tokens: int
    api_requests: int


@dataclass(frozen=True)
class TeamRow:
    """A team over the period, and over the previous period (None where it had no row then)."""

    team: str
    teams: int  # teams folded into the row (1 for a team of its own)
    active_users: int
    sessions: int
    lines_added: int
    accept_rate: float | None
    spend_usd: float
    previous: TeamRow | None = None

    def change(self, name: str) -> float | None:
        """Relative change of a count or spend, difference of the accept rate; None without one."""
        if self.previous is None:
            return None
        now, before = getattr(self, name), getattr(self.previous, name)
        if now is None or before is None:
            return None
        if name == "accept_rate":
            return now - before
        return None if before == 0 else (now - before) / before


@dataclass(frozen=True)
class BudgetRow:
    scope: str
    name: str
    budget_usd: float
    spend_usd: float
    projected_usd: float
    status: str
    elapsed_days: int
    days_in_month: int


@dataclass
class PageData:
    period: Period
    previous_period: Period
    data_through: date | None  # latest usage_date in marts.fct_org_daily, whatever the period
    days_in_data: int  # days of the period with a row in marts.fct_org_daily
    cards: list[Card]
    days: list[Day]
    team: list[MemberRow]
    by_tool: list[DecisionRow]
    by_language: list[DecisionRow]
    by_model: list[ModelRow]
    team_is_monthly: bool = False  # Team insights is marts.fct_member_monthly for one calendar month
    timezone: str = "UTC"  # the zone whose calendar days the marts hold (meta.settings)
    team_name: str | None = None  # the page is limited to this team (--team)
    teams: list[TeamRow] = field(default_factory=list)  # the Teams panel (whole organization only)
    budgets: list[BudgetRow] = field(default_factory=list)
    min_group_size: int = 5
    generated_at: datetime = field(default_factory=lambda: datetime.now(UTC))

    def card(self, key: str) -> Card:
        return next(card for card in self.cards if card.key == key)

    def headline(self) -> dict[str, float | int | None]:
        """The cards' values by key, e.g. for Dagster metadata."""
        return {card.key: card.value for card in self.cards}


def _totals(con: duckdb.DuckDBPyConnection, period: Period, team: str | None = None) -> dict:
    if team is None:
        days, lines, accepts, rejects, sessions, spend = con.execute(
            """
            select count(*), coalesce(sum(lines_added), 0), coalesce(sum(edit_accepts), 0),
                   coalesce(sum(edit_rejects), 0), coalesce(sum(sessions), 0),
                   coalesce(sum(spend_usd), 0)
            from marts.fct_org_daily
            where usage_date between ? and ?
            """,
            [period.start, period.end],
        ).fetchall()[0]
        (active,) = con.execute(
            """
            select count(distinct member_key) from marts.fct_daily_activity
            where is_active and usage_date between ? and ?
            """,
            [period.start, period.end],
        ).fetchall()[0]
    else:
        (days,) = con.execute(
            "select count(*) from marts.fct_org_daily where usage_date between ? and ?",
            [period.start, period.end],
        ).fetchall()[0]
        lines, accepts, rejects, sessions, spend = con.execute(
            """
            select coalesce(sum(lines_added), 0), coalesce(sum(edit_accepts), 0),
                   coalesce(sum(edit_rejects), 0), coalesce(sum(sessions), 0),
                   coalesce(sum(spend_usd), 0)
            from marts.fct_team_daily
            where team = ? and usage_date between ? and ?
            """,
            [team, period.start, period.end],
        ).fetchall()[0]
        # members of the team active on the days the team has a row of its own (not folded)
        (active,) = con.execute(
            """
            select count(distinct a.member_key)
            from marts.fct_daily_activity as a
            join marts.dim_members as m on m.member_key = a.member_key
            join marts.fct_team_daily as t on t.usage_date = a.usage_date and t.team = m.team
            where a.is_active and m.team = ? and a.usage_date between ? and ?
            """,
            [team, period.start, period.end],
        ).fetchall()[0]
    return {
        "days": int(days),
        "lines": int(lines),
        "accept_rate": ratio(float(accepts), float(accepts + rejects)),
        "active_users": int(active),
        "sessions": int(sessions),
        "spend": float(spend),
    }


def _cards(now: dict, before: dict, previous: Period) -> list[Card]:
    had = before["days"] > 0

    def card(key: str, label: str, kind: str, name: str, note: str = "") -> Card:
        return Card(key, label, kind, now[name], before[name] if had else None, before["days"],
                    previous.days, note)

    return [
        card("lines", "Lines of code accepted", "count", "lines",
             "lines added by accepted suggestions"),
        card("accept-rate", "Suggestion accept rate", "rate", "accept_rate",
             "accepts / decisions on Edit, Write, NotebookEdit, MultiEdit"),
        card("active-users", "Active users", "count", "active_users",
             "distinct members active in the period"),
        card("sessions", "Sessions", "count", "sessions",
             "sessions per day, summed over the days"),
        card("spend", "Spend", "usd", "spend", "estimated at list prices"),
    ]


def _days(con: duckdb.DuckDBPyConnection, period: Period, team: str | None = None) -> list[Day]:
    if team is not None:
        # a processed day without a row of the team: zero, or folded into (small teams)
        rows = con.execute(
            """
            select d.usage_date::date, o.usage_date is not null,
                   case when o.usage_date is not null then coalesce(t.daily_active_users, 0) end,
                   case when o.usage_date is not null then coalesce(t.sessions, 0) end,
                   case when o.usage_date is not null then coalesce(t.spending_users, 0) end,
                   case when o.usage_date is not null then coalesce(t.spend_usd, 0) end,
                   case when o.usage_date is not null then coalesce(t.lines_added, 0) end,
                   t.accept_rate
            from generate_series(?::date, ?::date, interval 1 day) as d(usage_date)
            left join marts.fct_org_daily as o on o.usage_date = d.usage_date::date
            left join marts.fct_team_daily as t on t.usage_date = d.usage_date::date and t.team = ?
            order by 1
            """,
            [period.start, period.end, team],
        ).fetchall()
        return [Day(*row) for row in rows]
    rows = con.execute(
        """
        select d.usage_date::date, o.usage_date is not null, o.daily_active_users, o.sessions,
               o.spending_users, o.spend_usd, o.lines_added, o.accept_rate
        from generate_series(?::date, ?::date, interval 1 day) as d(usage_date)
        left join marts.fct_org_daily as o on o.usage_date = d.usage_date::date
        order by 1
        """,
        [period.start, period.end],
    ).fetchall()
    return [Day(*row) for row in rows]


def covers_calendar_month(period: Period, data_through: date | None) -> bool:
    """The period is one calendar month, whole or to date of the data (`resolve_period`'s
    default), so the monthly marts hold exactly its numbers."""
    if period.start.day != 1 or period.end.month != period.start.month:
        return False
    next_month = (period.end.replace(day=28) + timedelta(days=4)).replace(day=1)
    return period.end + timedelta(days=1) == next_month or (
        data_through is not None and period.end >= data_through
    )


def _team_monthly(con: duckdb.DuckDBPyConnection, month: date, team: str | None = None) -> list[MemberRow]:
    """Team insights of one calendar month: the rows of marts.fct_member_monthly as they are."""
    rows = con.execute(
        """
        select f.member_key, f.display_name, f.member_type, m.team, f.spend_usd, f.lines_added,
               f.edit_accepts, f.edit_rejects, f.active_days, f.sessions, f.accept_rate
        from marts.fct_member_monthly as f
        left join marts.dim_members as m on m.member_key = f.member_key
        where f.usage_month = ? and (? is null or m.team = ?)
        order by f.spend_usd desc, f.lines_added desc, f.display_name
        """,
        [month, team, team],
    ).fetchall()
    return [_member_row(*row) for row in rows]


def _team_over_days(con: duckdb.DuckDBPyConnection, period: Period, team: str | None = None) -> list[MemberRow]:
    """Team insights of any other period: marts.fct_daily_activity summed per member (sessions
    are then summed over days, and the page says so)."""
    rows = con.execute(
        """
        select a.member_key,
               coalesce(m.display_name, a.member_key) as display_name,
               coalesce(m.member_type, any_value(a.member_type)) as member_type,
               m.team,
               coalesce(sum(a.spend_usd), 0),
               coalesce(sum(a.lines_added), 0),
               coalesce(sum(a.edit_accepts), 0),
               coalesce(sum(a.edit_rejects), 0),
               count(distinct a.usage_date) filter (where a.is_active),
               coalesce(sum(a.sessions), 0)
        from marts.fct_daily_activity as a
        left join marts.dim_members as m on m.member_key = a.member_key
        where a.usage_date between ? and ? and (? is null or m.team = ?)
        group by a.member_key, m.display_name, m.member_type, m.team
        order by 5 desc, 6 desc, display_name
        """,
        [period.start, period.end, team, team],
    ).fetchall()
    return [_member_row(*row, ratio(row[6], row[6] + row[7])) for row in rows]


def _member_row(key, name, mtype, team, spend, lines, acc, rej, days, sessions, rate) -> MemberRow:
    return MemberRow(key, name, mtype, team, float(spend), int(lines), int(acc), int(rej),
                     int(days), int(sessions), None if rate is None else float(rate))


TEAM_FILTER = (
    "(? is null or member_key in (select member_key from marts.dim_members where team = ?))"
)


def _decisions_by(
    con: duckdb.DuckDBPyConnection, period: Period, column: str, team: str | None = None
) -> list[DecisionRow]:
    assert column in ("tool_name", "language")
    rows = con.execute(
        f"""
        select {column},
               coalesce(sum(decision_count) filter (where decision = 'accept'), 0) as accepts,
               coalesce(sum(decision_count) filter (where decision = 'reject'), 0) as rejects
        from marts.fct_tool_decisions
        where is_edit_tool and usage_date between ? and ? and {TEAM_FILTER}
        group by {column}
        having accepts + rejects > 0
        order by accepts + rejects desc, {column}
        """,
        [period.start, period.end, team, team],
    ).fetchall()
    return [DecisionRow(name, int(acc), int(rej)) for name, acc, rej in rows]


def _by_model(con: duckdb.DuckDBPyConnection, period: Period, team: str | None = None) -> list[ModelRow]:
    rows = con.execute(
        """
        select model, coalesce(sum(spend_usd), 0) as spend,
               coalesce(sum(coalesce(input_tokens, 0) + coalesce(output_tokens, 0)
                            + coalesce(cache_read_tokens, 0) + coalesce(cache_creation_tokens, 0)), 0),
               coalesce(sum(api_requests), 0)
        from marts.fct_daily_spend
        where usage_date between ? and ? and {TEAM_FILTER}
        group by model
        order by spend desc, model
        """.replace("{TEAM_FILTER}", TEAM_FILTER),
        [period.start, period.end, team, team],
    ).fetchall()
    total = sum(float(row[1]) for row in rows)
    return [
        ModelRow(model, float(spend), ratio(float(spend), total), int(tokens), int(requests))
        for model, spend, tokens, requests in rows
    ]


def built_timezone(con: duckdb.DuckDBPyConnection) -> str:
    """The zone the marts were built with (meta.settings, written by each build); UTC for a
    warehouse built before the zone was recorded."""
    for table in ("meta.settings", "warehouse.meta.settings"):  # the spark engine attaches the file
        try:
            found = con.execute(f"select value from {table} where name = 'timezone'").fetchall()
        except duckdb.Error:
            continue
        return found[0][0] if found else "UTC"
    return "UTC"


def _has_table(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    return bool(con.execute(
        "select count(*) from information_schema.tables where table_schema = 'marts' and table_name = ?",
        [name],
    ).fetchall()[0][0])


def _team_rows(con: duckdb.DuckDBPyConnection, period: Period, min_group_size: int) -> dict[str, TeamRow]:
    """Each team over the period from the member-grain marts; teams with fewer active members
    than min_group_size in the period fold into one `(small teams)` row."""
    rows = con.execute(
        """
        with members as (
            select member_key, team from marts.dim_members
        ),
        activity as (
            select coalesce(m.team, '(no team)') as team,
                count(distinct a.member_key) filter (where a.is_active) as active_users,
                sum(a.sessions) as sessions, sum(a.lines_added) as lines_added,
                sum(a.edit_accepts) as accepts, sum(a.edit_rejects) as rejects
            from marts.fct_daily_activity as a left join members as m using (member_key)
            where a.usage_date between ? and ?
            group by 1
        ),
        spend as (
            select coalesce(m.team, '(no team)') as team, sum(s.spend_usd) as spend_usd
            from marts.fct_daily_spend as s left join members as m using (member_key)
            where s.usage_date between ? and ?
            group by 1
        )
        select coalesce(a.team, s.team), coalesce(a.active_users, 0), coalesce(a.sessions, 0),
            coalesce(a.lines_added, 0), coalesce(a.accepts, 0), coalesce(a.rejects, 0),
            coalesce(s.spend_usd, 0)
        from activity as a full outer join spend as s on a.team = s.team
        """,
        [period.start, period.end, period.start, period.end],
    ).fetchall()
    folded: dict[str, list] = {}
    for team, active, sessions, lines, accepts, rejects, spend in rows:
        shown = team if active >= min_group_size else SMALL_TEAMS
        acc = folded.setdefault(shown, [0, 0, 0, 0, 0, 0, 0.0])
        for i, value in enumerate((1, active, sessions, lines, accepts, rejects, spend)):
            acc[i] += value
    return {
        team: TeamRow(team, int(n), int(active), int(sessions), int(lines),
                      ratio(float(accepts), float(accepts + rejects)), float(spend))
        for team, (n, active, sessions, lines, accepts, rejects, spend) in folded.items()
    }


def _teams(con: duckdb.DuckDBPyConnection, period: Period, previous: Period, min_group_size: int) -> list[TeamRow]:
    now = _team_rows(con, period, min_group_size)
    before = _team_rows(con, previous, min_group_size)
    rows = [
        TeamRow(r.team, r.teams, r.active_users, r.sessions, r.lines_added, r.accept_rate,
                r.spend_usd, before.get(r.team))
        for r in now.values()
    ]
    return sorted(rows, key=lambda r: (r.team == SMALL_TEAMS, -r.spend_usd, r.team))


def _budgets(con: duckdb.DuckDBPyConnection, period: Period, team: str | None) -> list[BudgetRow]:
    if not _has_table(con, "fct_budget_status"):
        return []
    rows = con.execute(
        """
        select scope, name, budget_usd, spend_usd, projected_usd, status, elapsed_days, days_in_month
        from marts.fct_budget_status
        where usage_month = date_trunc('month', ?::date)::date
            and (?::varchar is null or (scope = 'team' and name = ?)
                 or (scope = 'member' and member_key in
                     (select member_key from marts.dim_members where team = ?)))
        order by case status when 'over' then 0 when 'at_risk' then 1 else 2 end,
            case scope when 'org' then 0 when 'team' then 1 else 2 end, name
        """,
        [period.end, team, team, team],
    ).fetchall()
    return [BudgetRow(scope, name, float(b), float(s), float(p), status, int(e), int(d))
            for scope, name, b, s, p, status, e, d in rows]


def known_teams(con: duckdb.DuckDBPyConnection) -> list[str]:
    return [row[0] for row in con.execute(
        "select distinct team from marts.dim_members where team is not null order by 1"
    ).fetchall()]


def check_team(con: duckdb.DuckDBPyConnection, team: str, period: Period, min_group_size: int) -> None:
    """A team page needs a team that exists and has rows of its own in the period."""
    teams = known_teams(con)
    if team not in teams and team != SMALL_TEAMS:
        listed = ", ".join(teams[:20]) or "none"
        raise ReportError(f"no team named {team!r} in marts.dim_members (teams: {listed})")
    (rows,) = con.execute(
        "select count(*) from marts.fct_team_daily where team = ? and usage_date between ? and ?",
        [team, period.start, period.end],
    ).fetchall()[0]
    if not rows:
        raise ReportError(
            f"team {team!r} has no day in {period.label()} with {min_group_size} or more active "
            f"members (ANALYTICS_MIN_GROUP_SIZE): its numbers are in {SMALL_TEAMS!r}"
        )


def load_page_data(con: duckdb.DuckDBPyConnection, period: Period, team: str | None = None) -> PageData:
    """Read every number of the page for `period` (limited to `team` if given) from the marts."""
    previous = period.previous()
    min_group_size = settings.min_group_size()
    if team is not None:
        check_team(con, team, period, min_group_size)
    now, before = _totals(con, period, team), _totals(con, previous, team)
    data_through = latest_usage_date(con)
    monthly = covers_calendar_month(period, data_through)
    has_teams = _has_table(con, "fct_team_daily")
    return PageData(
        period=period,
        previous_period=previous,
        data_through=data_through,
        days_in_data=now["days"],
        cards=_cards(now, before, previous),
        days=_days(con, period, team),
        team=_team_monthly(con, period.start, team) if monthly else _team_over_days(con, period, team),
        team_is_monthly=monthly,
        by_tool=_decisions_by(con, period, "tool_name", team),
        by_language=_decisions_by(con, period, "language", team),
        by_model=_by_model(con, period, team),
        team_name=team,
        teams=_teams(con, period, previous, min_group_size) if team is None and has_teams else [],
        budgets=_budgets(con, period, team),
        min_group_size=min_group_size,
        timezone=built_timezone(con),
    )
