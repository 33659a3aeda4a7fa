"""Rows from Python into a warehouse table in one statement."""

from __future__ import annotations

from collections.abc import Sequence


def insert_rows(con, into: str, rows: Sequence[Sequence], values: str | None = None) -> None:
    """`insert into <into> select ...` of `rows`, one statement for all of them: each column
    travels as one list parameter and is unnested, the lists side by side.

    `into` is the table, with its column list if it has one; `values` the row's expressions,
    each `?` one of a row's values in order (others, such as `current_timestamp`, are the same
    for every row); by default a `?` per value. Not DuckDB's `executemany`, which runs the
    statement once per row: 0.14 s for 400 rows against 4 ms, which a load of many landed
    files paid in every batch."""
    if not rows:
        return
    columns = [list(column) for column in zip(*rows, strict=True)]
    parts = (values or ", ".join("?" for _ in columns)).split("?")
    if len(parts) - 1 != len(columns):
        raise ValueError(f"{len(parts) - 1} placeholders for {len(columns)} values a row")
    select = parts[0] + "".join(f"unnest(${i}){part}" for i, part in enumerate(parts[1:], start=1))
    con.execute(f"insert into {into} select {select}", columns)
