"""analytics.warehouse.bulk.insert_rows: many rows in one statement, as executemany gave them."""

from datetime import date

import duckdb
import pytest

from analytics.warehouse.bulk import insert_rows


def test_rows_arrive_as_executemany_gave_them():
    con = duckdb.connect()
    columns = "name varchar, n integer, big bigint, day date, flag boolean, note varchar"
    con.execute(f"create table a ({columns}, seen timestamp)")
    con.execute(f"create table b ({columns}, seen timestamp)")
    rows = [
        ["otlp/2026-11-01/a.jsonl", 1, 1_764_547_200_123_456_789, date(2026, 11, 1), True, None],
        [None, None, None, None, None, None],
        ["it's", -3, 0, date(2020, 2, 29), False, ""],
    ]
    con.executemany("insert into a values (?, ?, ?, ?, ?, ?, timestamp '2026-12-02 10:00')", rows)
    insert_rows(con, "b", rows, "?, ?, ?, ?, ?, ?, timestamp '2026-12-02 10:00'")
    assert con.execute("select * from b order by all").fetchall() == con.execute(
        "select * from a order by all"
    ).fetchall()
    assert con.execute("select count(*) from b").fetchone() == (3,)


def test_a_column_list_no_rows_and_a_miscount():
    con = duckdb.connect()
    con.execute("create table t (a varchar, b integer, c varchar)")
    insert_rows(con, "t (c, a)", [["third", "first"]])
    insert_rows(con, "t", [])
    assert con.execute("select * from t").fetchall() == [("first", None, "third")]
    with pytest.raises(ValueError, match="3 placeholders for 2 values a row"):
        insert_rows(con, "t", [["x", 1]], "?, ?, ?")
    with pytest.raises(ValueError):
        insert_rows(con, "t", [["x", 1, "y"], ["short"]])
