"""Reading the marts of the spark engine: Parquet tables in the Spark warehouse, seen from DuckDB.

No Spark here: the Parquet files are written by DuckDB, laid out as Spark lays out its tables
(`marts.db/<mart>/`), so this runs everywhere; tests/test_spark_engine.py and the Spark run of
tests/test_timezone.py read what Spark itself wrote.
"""

from __future__ import annotations

import duckdb
import pytest

from analytics.errors import ReportError
from analytics.report.warehouse import (
    MARTS,
    connect_read_only,
    documented_columns,
    missing_marts,
    open_marts,
)

DUCKDB_TYPES = {"string": "VARCHAR", "bigint": "BIGINT", "double": "DOUBLE", "date": "DATE",
                "boolean": "BOOLEAN"}


@pytest.fixture
def spark_layout(tmp_path, monkeypatch):
    """A DuckDB file with a raw table, and a Spark warehouse in which every mart has one row
    except fct_tool_decisions (a table Spark created and wrote no file to: no rows) and
    fct_budget_status (never created)."""
    warehouse = tmp_path / "warehouse.duckdb"
    con = duckdb.connect(str(warehouse))
    con.execute("create schema raw; create table raw.otlp_metric_points (point_id varchar)")
    spark = tmp_path / "spark-warehouse"
    documented = documented_columns()
    for mart in MARTS:
        folder = spark / "marts.db" / mart
        if mart == "fct_budget_status":
            continue
        folder.mkdir(parents=True)
        if mart == "fct_tool_decisions":
            continue
        row = ", ".join(f"null::{kind} as {name}" for name, kind in documented[mart])
        con.execute(f"copy (select {row}) to '{folder / 'part-00000.snappy.parquet'}' (format parquet)")
    con.close()
    monkeypatch.setenv("ANALYTICS_ENGINE", "spark")
    monkeypatch.setenv("ANALYTICS_SPARK_WAREHOUSE", str(spark))
    return warehouse


def test_a_mart_spark_wrote_no_file_to_is_empty_with_its_documented_columns(spark_layout):
    con = connect_read_only(spark_layout)
    try:
        # created with no rows: there, empty; never created: missing, as in DuckDB
        assert missing_marts(con) == ["fct_budget_status"]
        assert con.execute("select count(*) from marts.fct_tool_decisions").fetchone() == (0,)
        described = con.execute("describe marts.fct_tool_decisions").fetchall()
        assert [(name, kind) for name, kind, *_ in described] == [
            (name, DUCKDB_TYPES[kind]) for name, kind in documented_columns()["fct_tool_decisions"]
        ]
        assert described[0][0] == "usage_date"
        assert con.execute("select count(*) from marts.fct_daily_spend").fetchone() == (1,)
        assert con.execute("select count(*) from raw.otlp_metric_points").fetchone() == (0,)
    finally:
        con.close()


def test_opening_the_marts_names_only_the_mart_spark_never_created(spark_layout):
    expected = r"has no marts\.fct_budget_status: run `analytics run` first"
    with pytest.raises(ReportError, match=expected), open_marts(spark_layout, lock=False):
        pass


def test_every_mart_documents_a_type_for_every_column():
    documented = documented_columns()
    for mart in MARTS:
        columns = documented[mart]
        assert columns, mart
        assert {kind for _, kind in columns} <= set(DUCKDB_TYPES), mart
