"""The same pipeline on Apache Spark (`analytics run --engine spark`): the marts it writes as
Parquet tables in the Spark warehouse equal the DuckDB marts row for row.

Landing data: the six real client captures (2026-11-24) plus a small generated organization
(6 members, 2026-10-29 .. 2026-11-02, with a roster and Admin API pages), so the roster's
identity split, the Admin API models and a month boundary run on Spark too, and the hand-worked
records of a session across Los Angeles' 25-hour day (2026-11-01, from test_timezone). Both
engines build Los Angeles calendar days (ANALYTICS_TIMEZONE), so the comparison covers the
zone's days and the switch from daylight saving time (the 23-hour day's dates on Spark are
checked by test_timezone's macro test). Spark builds the range in two runs that overlap on
2026-11-01, so its partition overwrite (the incremental strategy on Spark) must replace days
and months, not add to them. Slow: each Spark run starts a JVM and runs 72 dbt nodes (about
a minute each on 2 cores, with the tests' Spark settings: conftest.SPARK_TEST_JAVA_OPTIONS).
"""

from __future__ import annotations

import math
import shutil
from datetime import date
from pathlib import Path

import duckdb
import pytest

from analytics.report.warehouse import MARTS
from tests.conftest import CAPTURES, SPARK_TEST_JAVA_OPTIONS, inherited_environ, query, run_cli
from tests.otlp_variants import write_lines
from tests.test_timezone import LA, carol_records

pytestmark = pytest.mark.slow

GENERATED_START = "2026-10-29"
# the generated organization's first UTC morning is still 2026-10-28 in Los Angeles
FIRST_LOCAL_DAY = "2026-10-28"
SPEND_TOLERANCE = 1e-6


def _mart_rows(con: duckdb.DuckDBPyConnection, relation: str, columns: list[str]) -> list[tuple]:
    return con.execute(f"select {', '.join(columns)} from {relation}").fetchall()


def _spark_relation(spark_warehouse: Path, mart: str) -> str:
    return (
        f"read_parquet('{spark_warehouse / 'marts.db' / mart / '**' / '*.parquet'}', "
        "hive_partitioning = true)"
    )


def _assert_rows_equal(
    mart: str, columns: list[str], expected: list[tuple], actual: list[tuple]
) -> None:
    """Equal as multisets of rows: exact for every column but floats, floats within 1e-6."""
    floats = {i for row in expected + actual for i, v in enumerate(row) if isinstance(v, float)}

    def key(row: tuple) -> tuple:
        return tuple((v is None, str(v)) for i, v in enumerate(row) if i not in floats)

    assert len(actual) == len(expected), (
        f"{mart}: {len(actual)} rows on spark, {len(expected)} on duckdb"
    )
    for want, got in zip(sorted(expected, key=key), sorted(actual, key=key), strict=True):
        for i, column in enumerate(columns):
            a, b = want[i], got[i]
            if i in floats and a is not None and b is not None:
                assert math.isclose(a, b, rel_tol=0, abs_tol=SPEND_TOLERANCE), (
                    mart,
                    column,
                    want,
                    got,
                )
            else:
                assert a == b, (mart, column, want, got)


@pytest.fixture(scope="module")
def both_engines(tmp_path_factory):
    root = tmp_path_factory.mktemp("engines")
    landing = root / "landing"
    shutil.copytree(CAPTURES, landing / "otlp" / "captures", ignore=shutil.ignore_patterns("*.md"))
    base = inherited_environ()
    base.update(
        {
            "ANALYTICS_LANDING_DIR": str(landing),
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
            "ANALYTICS_SPARK_JAVA_OPTIONS": SPARK_TEST_JAVA_OPTIONS,
            "ANALYTICS_TIMEZONE": LA,
        }
    )
    # carol's session across the 25-hour day, from test_timezone
    write_lines(landing / "otlp" / "fixed" / "metrics.jsonl", carol_records())
    generated = root / "generated"
    run_cli(
        base,
        "generate",
        str(generated),
        "--members",
        "6",
        "--days",
        "5",
        "--start",
        GENERATED_START,
        "--admin-api",
        "--seed",
        "3",
    )
    shutil.copytree(generated / "otlp", landing / "otlp" / "generated")
    shutil.copytree(generated / "admin_api", landing / "admin_api")
    shutil.copy(generated / "members.csv", landing / "members.csv")
    shutil.copy(generated / "budgets.csv", landing / "budgets.csv")

    duck = {
        **base,
        "ANALYTICS_WAREHOUSE": str(root / "duck" / "warehouse.duckdb"),
        "DAGSTER_HOME": str(root / "duck_home"),
    }
    run_cli(duck, "run")

    spark = {
        **base,
        "ANALYTICS_WAREHOUSE": str(root / "spark_raw.duckdb"),
        "DAGSTER_HOME": str(root / "spark_home"),
        "ANALYTICS_SPARK_WAREHOUSE": str(root / "spark-warehouse"),
    }
    first = run_cli(
        spark, "run", "--engine", "spark", "--start", FIRST_LOCAL_DAY, "--end", "2026-11-01"
    )
    second = run_cli(
        spark, "run", "--engine", "spark", "--start", "2026-11-01", "--end", "2026-11-24"
    )
    return duck, spark, first, second


def test_spark_marts_equal_duckdb_marts_row_for_row(both_engines):
    duck, spark, _, _ = both_engines
    spark_warehouse = Path(spark["ANALYTICS_SPARK_WAREHOUSE"])
    con = duckdb.connect()
    con.execute(f"attach '{duck['ANALYTICS_WAREHOUSE']}' as duck (read_only)")
    try:
        for mart in MARTS:
            columns = [
                name
                for (name,) in con.execute(
                    "select column_name from information_schema.columns where table_catalog = 'duck' "
                    "and table_schema = 'marts' and table_name = ? order by ordinal_position",
                    [mart],
                ).fetchall()
            ]
            expected = _mart_rows(con, f"duck.marts.{mart}", columns)
            actual = _mart_rows(con, _spark_relation(spark_warehouse, mart), columns)
            assert expected, f"{mart} is empty: the comparison would prove nothing"
            _assert_rows_equal(mart, columns, expected, actual)
    finally:
        con.close()


def test_spark_marts_give_the_hand_checked_capture_numbers(both_engines):
    """2026-11-24 is the captures' day: the numbers worked out by hand from the six runs."""
    _, spark, _, second = both_engines
    con = duckdb.connect()
    try:
        row = con.execute(
            "select daily_active_users, sessions, lines_added, lines_removed, edit_accepts, "
            "edit_rejects, spend_usd from "
            + _spark_relation(Path(spark["ANALYTICS_SPARK_WAREHOUSE"]), "fct_org_daily")
            + " where usage_date = date '2026-11-24'"
        ).fetchall()
    finally:
        con.close()
    assert row[:1] and row[0][:6] == (6, 6, 28, 4, 7, 2)
    assert math.isclose(row[0][6], 0.61955625, abs_tol=SPEND_TOLERANCE)
    assert "(days are America/Los_Angeles calendar days)" in second.stdout
    # carol's session across the 25-hour day, worked out in test_timezone: 4 + 6 lines on
    # 11-01 (00:30 PDT and 23:30 PST), 1 on 11-02 (00:30 PST); a session on each day
    warehouse = Path(spark["ANALYTICS_SPARK_WAREHOUSE"])
    carol = duckdb.sql(
        f"select cast(a.usage_date as date), a.sessions, a.lines_added "
        f"from {_spark_relation(warehouse, 'fct_daily_activity')} a "
        f"join {_spark_relation(warehouse, 'dim_members')} m using (member_key) "
        "where m.display_name = 'carol@example.com' order by 1"
    ).fetchall()
    assert carol == [(date(2026, 11, 1), 1, 10), (date(2026, 11, 2), 1, 1)]
    assert "marts: Parquet tables in the Spark warehouse" in second.stdout
    assert "2026-11-24: 6 active user(s), 6 session(s), 28 lines accepted" in second.stdout


def test_spark_raw_layer_is_parquet_per_day_and_reruns_write_nothing(both_engines):
    _, spark, first, _ = both_engines
    raw = Path(spark["ANALYTICS_SPARK_WAREHOUSE"]) / "raw_parquet"
    days = sorted(p.name for p in (raw / "otlp_metric_points").iterdir())
    assert days[0] == "usage_date=2026-10-29" and days[-1] == "usage_date=2026-11-24"
    assert (raw / "roster" / "data_0.parquet").is_file()
    # Hive's folder for downloaded resources is in the warehouse, not a new one in /tmp a run
    assert (Path(spark["ANALYTICS_SPARK_WAREHOUSE"]) / "hive_resources").is_dir()
    assert (raw / "admin_api_usage" / "usage_date=2026-10-29").is_dir()
    # every raw row is in the Parquet layer, once
    for table in ("otlp_metric_points", "otlp_log_records", "admin_api_usage"):
        (in_duckdb,) = query(spark, f"select count(*) from raw.{table}")[0]
        (in_parquet,) = duckdb.sql(
            f"select count(*) from read_parquet('{raw / table / '*' / '*.parquet'}')"
        ).fetchall()[0]
        assert in_parquet == in_duckdb > 0, table
    assert "raw parquet: " in first.stderr

    # --force: through Dagster again (without it, nothing changed answers without a run)
    rerun = run_cli(
        spark, "run", "--engine", "spark", "--start", "2026-11-01", "--end", "2026-11-24", "--force"
    )
    assert "raw parquet: 0 partition(s) written (0 rows), 0 removed" in rerun.stderr
    assert "is up to date, nothing new since it was built" in rerun.stderr
