"""The DuckDB side of a publish: the windows not yet published, and their rows as CSV.

Each run records its day window in `meta.serving_pending` (whether a serving database is set
or not); a publish sends every pending window and clears the ones it sent only after
PostgreSQL committed. A run whose publish failed (PostgreSQL down) so leaves its window for
the next run, which publishes both. Clearing after the commit means a crash between the two
publishes a window twice, which changes nothing (its rows are replaced, not added).
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from analytics.serving.marts import Mart, is_text_fallback, quote

PENDING_DDL = """
create schema if not exists meta;
create table if not exists meta.serving_pending (
    window_start date not null,
    window_end date not null,
    recorded_at timestamp not null
);
"""

Pending = tuple[date, date, datetime]


def record(con, window: tuple[date, date]) -> None:
    con.execute(PENDING_DDL)
    con.execute(
        "insert into meta.serving_pending values (?, ?, current_timestamp::timestamp)",
        [window[0], window[1]],
    )


def pending(con) -> list[Pending]:
    con.execute(PENDING_DDL)
    return [
        tuple(row)
        for row in con.execute(
            "select window_start, window_end, recorded_at from meta.serving_pending order by 1, 2"
        ).fetchall()
    ]


def clear(con, sent: list[Pending]) -> None:
    """Forget the windows a committed publish sent (a window recorded since stays pending)."""
    for start, end, recorded_at in sent:
        con.execute(
            "delete from meta.serving_pending "
            "where window_start = ? and window_end = ? and recorded_at = ?",
            [start, end, recorded_at],
        )


def marts_in(con) -> list[Mart]:
    """Every table or view in DuckDB's schema `marts` (dbt's temporary relations left out)."""
    rows = con.execute(
        "select table_name, column_name, data_type from information_schema.columns "
        "where table_schema = 'marts' and table_catalog = current_database() "
        "and table_name not like '%\\_\\_dbt\\_%' escape '\\' "
        "order by table_name, ordinal_position"
    ).fetchall()
    columns: dict[str, list[tuple[str, str]]] = {}
    for table, column, kind in rows:
        columns.setdefault(table, []).append((column, kind))
    return [Mart(name, tuple(cols)) for name, cols in columns.items()]


def select_sql(mart: Mart, predicate: str | None) -> str:
    columns = ", ".join(
        f"cast({quote(c)} as varchar) as {quote(c)}" if is_text_fallback(kind) else quote(c)
        for c, kind in mart.columns
    )
    where = f" where {predicate}" if predicate else ""
    return f"select {columns} from marts.{quote(mart.name)}{where}"


def count(con, mart: Mart, predicate: str | None) -> int:
    where = f" where {predicate}" if predicate else ""
    return con.execute(f"select count(*) from marts.{quote(mart.name)}{where}").fetchall()[0][0]


def export_csv(con, mart: Mart, predicate: str | None, path: Path) -> int:
    """Write the mart's rows (all, or those matching `predicate`) to a headerless CSV file,
    in the form PostgreSQL's COPY ... (FORMAT csv) reads: NULL unquoted empty, '' quoted."""
    escaped = str(path).replace("'", "''")
    result = con.execute(
        f"copy ({select_sql(mart, predicate)}) to '{escaped}' (format csv, header false)"
    ).fetchall()
    return int(result[0][0]) if result else 0
