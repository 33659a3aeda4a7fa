"""Row counts for materialization metadata (`dagster/row_count`), all tables in one statement.

A table with a `usage_date` column is counted over the run's day window, one with a
`usage_month` over the months the window touches: the rows the run rebuilt (for a mart
partitioned by day, its partitions' rows, as Dagster expects of a partitioned asset; the
monthly marts are not partitioned, and count the months the run rebuilt); any other table whole. A relation with a utc_date beside its local
usage_date is bounded by its UTC day too, a day wider on each side.

Views are not counted: a view holds no rows, and counting one runs its query (the staging views
of raw records de-duplicate every record in the window), which costs more than the models.
"""

from __future__ import annotations

from datetime import date, timedelta


def row_counts(con, tables: list[tuple[str, str]], window: tuple[date, date] | None) -> dict[tuple[str, str], int]:
    if not tables:
        return {}
    wanted = {(schema, name) for schema, name in tables}
    columns: dict[tuple[str, str], set[str]] = {}
    for schema, name, column in con.execute(
        "select table_schema, table_name, column_name from information_schema.columns "
        "where column_name in ('usage_date', 'usage_month', 'utc_date')"
    ).fetchall():
        columns.setdefault((schema, name), set()).add(column)
    present = {
        (schema, name)
        for schema, name in con.execute(
            "select table_schema, table_name from information_schema.tables where table_type = 'BASE TABLE'"
        ).fetchall()
    }
    parts, params = [], []
    for schema, name in sorted(wanted & present):
        has = columns.get((schema, name), set())
        where = ""
        if window is not None and "usage_date" in has:
            where, args = " where usage_date >= ? and usage_date < ?", [window[0], window[1]]
            if "utc_date" in has:
                where += " and utc_date >= ? and utc_date < ?"
                args += [window[0] - timedelta(days=1), window[1] + timedelta(days=1)]
        elif window is not None and "usage_month" in has:
            where = " where usage_month >= date_trunc('month', ?::date) and usage_month < ?"
            args = [window[0], window[1]]
        else:
            args = []
        parts.append(f"select ? as s, ? as t, count(*) as n from {schema}.{name}{where}")
        params += [schema, name, *args]
    if not parts:
        return {}
    return {(s, t): n for s, t, n in con.execute(" union all ".join(parts), params).fetchall()}
