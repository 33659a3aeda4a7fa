"""The period a page covers: month to date of the data by default, a month, or a day range."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import duckdb

from analytics import dates
from analytics.report.warehouse import ReportError


@dataclass(frozen=True)
class Period:
    """An inclusive range of UTC days."""

    start: date
    end: date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> Period:
        """The period of the same length just before this one."""
        return Period(self.start - timedelta(days=self.days), self.start - timedelta(days=1))

    def dates(self) -> list[date]:
        return [self.start + timedelta(days=i) for i in range(self.days)]

    def label(self) -> str:
        if self.start == self.end:
            return self.start.isoformat()
        return f"{self.start.isoformat()} .. {self.end.isoformat()}"


def parse_day(text: str, flag: str) -> date:
    try:
        return dates.parse_day(text, flag)
    except ValueError as exc:
        raise ReportError(str(exc)) from None


def parse_month(text: str) -> Period:
    try:
        return Period(*dates.parse_month(text, "--month"))
    except ValueError as exc:
        raise ReportError(str(exc)) from None


def latest_usage_date(con: duckdb.DuckDBPyConnection) -> date | None:
    return con.execute("select max(usage_date) from marts.fct_org_daily").fetchall()[0][0]


def resolve_period(
    con: duckdb.DuckDBPyConnection,
    month: str | None = None,
    start: str | date | None = None,
    end: str | date | None = None,
) -> Period:
    """The period to show.

    - nothing: the month of the latest usage_date in marts.fct_org_daily, from its first day to
      that latest day (month to date of the data);
    - `month` (YYYY-MM): that calendar month; the month holding the latest day stops at it;
    - `start` and `end` (inclusive): exactly those days; `start` alone runs to the latest day.
    """
    if month and (start or end):
        raise ReportError("give either --month or --start/--end, not both")
    if isinstance(start, str):
        start = parse_day(start, "--start")
    if isinstance(end, str):
        end = parse_day(end, "--end")
    latest = latest_usage_date(con)
    if month:
        period = parse_month(month)
        if latest is not None and period.start <= latest < period.end:
            period = Period(period.start, latest)
        return period
    if end is not None and start is None:
        raise ReportError("--end needs --start (or use --month)")
    if start is not None:
        if end is None:
            if latest is None:
                raise ReportError("the warehouse holds no days yet: give --end too, or run `analytics run`")
            end = latest
        if start > end:
            raise ReportError(f"--start {start} is after --end {end}")
        return Period(start, end)
    if latest is None:
        raise ReportError("marts.fct_org_daily holds no days yet: run `analytics run` first")
    return Period(latest.replace(day=1), latest)
