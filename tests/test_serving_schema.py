"""The publish library on its own, against a real PostgreSQL: first publish, windows, a mart
compared whole, a new column, a changed type, a reader holding a mart through a schema change.

A small DuckDB file stands in for the warehouse (schema `marts`, three tables of the three
grains), so each case is a few hand-checked rows.
"""

from __future__ import annotations

import threading
from contextlib import contextmanager
from datetime import date
from decimal import Decimal

import duckdb
import psycopg
import pytest

from analytics.serving import ServingError, publish_marts, scrub_url
from analytics.serving.marts import postgres_type, window_predicate
from tests.postgres import postgres  # noqa: F401  (the session fixture)

D1, D2, D3 = date(2026, 10, 30), date(2026, 10, 31), date(2026, 11, 1)


@pytest.fixture
def warehouse(tmp_path):
    path = tmp_path / "w.duckdb"
    con = duckdb.connect(str(path))
    con.execute("create schema marts")
    con.execute(
        "create table marts.daily as select * from (values "
        "(date '2026-10-30', 'a', 1::bigint, 0.5::double, true), "
        "(date '2026-10-31', 'b', 2, null, false), "
        "(date '2026-11-01', '', null, 1e-7, null)) t(usage_date, member, n, spend, flag)"
    )
    con.execute(
        "create table marts.monthly as select * from (values "
        "(date '2026-10-01', 3::bigint), (date '2026-11-01', 4)) t(usage_month, n)"
    )
    con.execute(
        "create table marts.members as select * from (values "
        "('a', 'Ann', 12.345::decimal(18,3)), ('b', null, 0)) t(member, name, budget)"
    )
    con.close()
    return path


def opener(path):
    @contextmanager
    def open_duckdb():
        con = duckdb.connect(str(path))
        try:
            yield con
        finally:
            con.close()

    return open_duckdb


def pg_rows(url, table, order="1"):
    with psycopg.connect(url) as con:
        return con.execute(f"select * from marts.{table} order by {order}").fetchall()


def test_types_and_windows():
    assert postgres_type("BIGINT") == "bigint"
    assert postgres_type("DECIMAL(18,3)") == "numeric(18,3)"
    assert postgres_type("TIMESTAMP WITH TIME ZONE") == "timestamp with time zone"
    assert postgres_type("VARCHAR[]") == "text"
    from analytics.serving.marts import Mart

    monthly = Mart("m", (("usage_month", "DATE"),))
    # a window of 2026-10-31 .. 2026-11-01 touches October and November
    assert window_predicate(monthly, [(D2, date(2026, 11, 2))]) == (
        "((usage_month >= date '2026-10-01' and usage_month <= date '2026-11-01'))"
    )
    assert scrub_url("postgresql://bi:hunter2@db:5432/x") == "postgresql://bi:***@db:5432/x"
    assert scrub_url("host=db password=hunter2 user=bi") == "host=db password=*** user=bi"


def test_first_publish_then_windows_and_whole(postgres, warehouse):  # noqa: F811
    url = postgres.create_database("serving_lib")
    changes = publish_marts(opener(warehouse), (D1, D3), url, "analytics_reader")
    assert {name: c.action for name, c in changes.items()} == {
        "daily": "create", "monthly": "create", "members": "create"
    }
    assert pg_rows(url, "daily") == [
        (D1, "a", 1, 0.5, True), (D2, "b", 2, None, False), (D3, "", None, 1e-7, None)
    ]
    with psycopg.connect(url) as con:
        types = dict(con.execute(
            "select column_name, data_type from information_schema.columns "
            "where table_schema = 'marts' and table_name = 'daily'"
        ).fetchall())
    assert types == {"usage_date": "date", "member": "text", "n": "bigint",
                     "spend": "double precision", "flag": "boolean"}

    # dbt rebuilds 2026-11-01 only: one row changes there, an October row changes too but is
    # outside the window (a real run never does that; it shows only the window is replaced)
    con = duckdb.connect(str(warehouse))
    con.execute("update marts.daily set n = 30 where usage_date = date '2026-11-01'")
    con.execute("update marts.monthly set n = 40 where usage_month = date '2026-11-01'")
    con.execute("update marts.members set name = 'Bob' where member = 'b'")
    con.close()
    changes = publish_marts(opener(warehouse), (D3, date(2026, 11, 2)), url, "analytics_reader")
    assert changes["daily"].action == "window"
    assert changes["daily"].result == {"deleted": 1, "inserted": 1}
    assert changes["monthly"].result == {"deleted": 1, "inserted": 1}
    # compared whole: one row differs, so one row goes and one comes; the other stays
    assert changes["members"].action == "whole"
    assert changes["members"].result == {"deleted": 1, "inserted": 1}
    assert [row[2] for row in pg_rows(url, "daily")] == [1, 2, 30]
    assert pg_rows(url, "members") == [("a", "Ann", Decimal("12.345")), ("b", "Bob", Decimal(0))]
    # nothing pending any more
    con = duckdb.connect(str(warehouse))
    assert con.execute("select count(*) from meta.serving_pending").fetchall() == [(0,)]
    con.close()


def test_new_column_changed_type_and_a_reader_in_the_way(postgres, warehouse):  # noqa: F811
    url = postgres.create_database("serving_schema")
    publish_marts(opener(warehouse), (D1, D3), url, "analytics_reader")
    con = duckdb.connect(str(warehouse))
    con.execute("alter table marts.daily add column tokens bigint default 7")
    con.close()

    # a BI session in a transaction on marts.daily: the ALTER cannot have its lock, the
    # publish gives up after lock_timeout and rolls everything back
    reader = psycopg.connect(url)
    reader.execute("select count(*) from marts.daily").fetchall()
    with pytest.raises(ServingError, match="locked by a reader for more than 1s"):
        publish_marts(opener(warehouse), None, url, "analytics_reader", lock_timeout_s=1)
    reader.rollback()
    reader.close()
    assert len(pg_rows(url, "daily")[0]) == 5  # unchanged

    changes = publish_marts(opener(warehouse), None, url, "analytics_reader")
    assert changes["daily"].action == "add_columns"
    assert [row[5] for row in pg_rows(url, "daily")] == [7, 7, 7]
    # every other mart unchanged and not rewritten
    assert changes["monthly"].result == {"deleted": 0, "inserted": 0}

    con = duckdb.connect(str(warehouse))
    con.execute("alter table marts.monthly alter n type double")
    con.close()
    changes = publish_marts(opener(warehouse), None, url, "analytics_reader")
    assert changes["monthly"].action == "recreate"
    assert pg_rows(url, "monthly") == [(date(2026, 10, 1), 3.0), (date(2026, 11, 1), 4.0)]
    with psycopg.connect(url) as pg:
        assert pg.execute(
            "select has_table_privilege('analytics_reader', 'marts.monthly', 'SELECT')"
        ).fetchone()[0]


def test_reader_never_waits_for_a_window_publish(postgres, warehouse):  # noqa: F811
    url = postgres.create_database("serving_readers")
    publish_marts(opener(warehouse), (D1, D3), url, "analytics_reader")
    reader = psycopg.connect(url)
    reader.execute("begin isolation level repeatable read")
    before = [reader.execute(f"select * from marts.{t} order by 1, 2").fetchall()
              for t in ("daily", "monthly", "members")]
    con = duckdb.connect(str(warehouse))
    con.execute("update marts.daily set n = n + 100")
    con.execute("update marts.members set name = 'X'")
    con.close()
    done = threading.Event()
    result = {}

    def publish():
        result["changes"] = publish_marts(opener(warehouse), (D1, date(2026, 11, 2)), url,
                                          "analytics_reader", lock_timeout_s=30)
        done.set()

    thread = threading.Thread(target=publish)
    thread.start()
    assert done.wait(20), "the publish waited for the reader"
    thread.join()
    after = [reader.execute(f"select * from marts.{t} order by 1, 2").fetchall()
             for t in ("daily", "monthly", "members")]
    assert after == before  # the reader's snapshot: the previous complete state
    reader.rollback()
    assert [row[2] for row in reader.execute("select * from marts.daily order by 1").fetchall()] == [
        101, 102, None
    ]
    reader.close()
