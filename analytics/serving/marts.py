"""The marts as PostgreSQL sees them: columns with BI-friendly types, and each mart's window.

Types map from DuckDB's information_schema: a BI tool gets date, timestamptz, bigint,
numeric, double precision, text and boolean. A naive DuckDB TIMESTAMP is UTC in this project,
so it becomes timestamptz (the publish sets the session's time zone to UTC). Anything without
a plain SQL counterpart (lists, structs, maps, JSON, blobs) is published as its text form.

What a run changes in a mart follows its grain: a mart with a `usage_date` column is rebuilt
by dbt for the run's days, one with `usage_month` for the months the days touch, and any
other mart (dim_members) is compared whole. A mart added later is published by the same rule.
The team and budget marts are rebuilt whole on every run (a changed roster or budgets.csv
restates their history), so they are compared whole too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

_EXACT = {
    "DATE": "date",
    "TIMESTAMP WITH TIME ZONE": "timestamp with time zone",
    "TIMESTAMP": "timestamp with time zone",
    "TIMESTAMP_S": "timestamp with time zone",
    "TIMESTAMP_MS": "timestamp with time zone",
    "TIMESTAMP_NS": "timestamp with time zone",
    "TIME": "time without time zone",
    "BOOLEAN": "boolean",
    "TINYINT": "smallint",
    "SMALLINT": "smallint",
    "INTEGER": "integer",
    "BIGINT": "bigint",
    "UTINYINT": "smallint",
    "USMALLINT": "integer",
    "UINTEGER": "bigint",
    "UBIGINT": "numeric(20,0)",
    "HUGEINT": "numeric(39,0)",
    "UHUGEINT": "numeric(39,0)",
    "FLOAT": "real",
    "DOUBLE": "double precision",
    "VARCHAR": "text",
    "UUID": "uuid",
    "INTERVAL": "interval",
}


def postgres_type(duckdb_type: str) -> str:
    """PostgreSQL's type for a DuckDB column type (as information_schema.columns spells it),
    spelled as PostgreSQL's format_type() spells it, so the catalog compares as text."""
    upper = duckdb_type.upper()
    if upper in _EXACT:
        return _EXACT[upper]
    decimal = re.fullmatch(r"DECIMAL\((\d+),\s*(\d+)\)", upper)
    if decimal:
        return f"numeric({decimal.group(1)},{decimal.group(2)})"
    return "text"


def is_text_fallback(duckdb_type: str) -> bool:
    return postgres_type(duckdb_type) == "text" and duckdb_type.upper() != "VARCHAR"


# marts dbt rebuilds whole on every run (materialized as tables), whatever their columns
RESTATED_WHOLE = frozenset({"fct_team_daily", "fct_team_monthly", "fct_budget_status"})


@dataclass(frozen=True)
class Mart:
    name: str
    columns: tuple[tuple[str, str], ...]  # (name, DuckDB type), in DuckDB's order

    @property
    def grain(self) -> str:
        if self.name in RESTATED_WHOLE:
            return "whole"
        names = {column for column, _ in self.columns}
        if "usage_date" in names:
            return "day"
        if "usage_month" in names:
            return "month"
        return "whole"

    @property
    def postgres_columns(self) -> dict[str, str]:
        return {column: postgres_type(kind) for column, kind in self.columns}


def merge_windows(windows: list[tuple[date, date]]) -> list[tuple[date, date]]:
    """Half-open day windows merged where they overlap or touch."""
    merged: list[list[date]] = []
    for start, end in sorted(windows):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(start, end) for start, end in merged]


def window_predicate(mart: Mart, windows: list[tuple[date, date]]) -> str:
    """The SQL condition (valid in DuckDB and PostgreSQL) selecting the windows' rows of a mart.

    Days are [start, end); months are every month a day of the window falls in.
    """
    if not windows:
        return "false"
    parts = []
    for start, end in merge_windows(windows):
        if mart.grain == "day":
            parts.append(f"(usage_date >= date '{start}' and usage_date < date '{end}')")
        else:
            first = start.replace(day=1)
            last = (end - timedelta(days=1)).replace(day=1)
            parts.append(f"(usage_month >= date '{first}' and usage_month <= date '{last}')")
    return "(" + " or ".join(parts) + ")"


def quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'
