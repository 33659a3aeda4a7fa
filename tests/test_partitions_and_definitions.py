"""Partition-window logic, and the Dagster definitions as the UI loads them."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path

import dagster as dg
import pytest

from orchestration.defs.partitions import (
    days_between,
    dbt_vars_for,
    parse_day,
    partition_range_tags,
)
from orchestration.defs.schedules import scheduled_window


def test_dbt_vars_are_the_half_open_window():
    assert dbt_vars_for((date(2026, 11, 1), date(2026, 11, 3))) == {
        "min_date": "2026-11-01",
        "max_date": "2026-11-03",
    }


def test_a_range_is_one_run_tagged_with_its_first_and_last_day():
    assert partition_range_tags(date(2026, 10, 30), date(2026, 11, 2)) == {
        "dagster/asset_partition_range_start": "2026-10-30",
        "dagster/asset_partition_range_end": "2026-11-02",
    }
    assert days_between(date(2026, 10, 30), date(2026, 11, 2)) == 4


def test_schedule_rebuilds_yesterday_and_the_lookback_days():
    first, last = scheduled_window(datetime(2026, 11, 25, 0, 15, tzinfo=UTC), 3)
    assert (first, last) == (date(2026, 11, 21), date(2026, 11, 24))


def test_parse_day_rejects_non_dates():
    assert parse_day("2026-02-28") == date(2026, 2, 28)
    with pytest.raises(ValueError):
        parse_day("2026-02-30")


@pytest.fixture(scope="module")
def defs():
    from orchestration.definitions import defs as loaded

    return loaded


def test_lineage_connects_raw_to_marts(defs):
    graph = defs.resolve_asset_graph()
    keys = {key.to_user_string() for key in graph.get_all_asset_keys()}
    for mart in ("fct_tool_decisions", "fct_daily_activity", "fct_daily_spend", "dim_members",
                 "fct_org_daily", "fct_org_monthly", "fct_member_monthly"):
        assert f"marts/{mart}" in keys
    # raw asset keys equal the dbt source keys, so staging depends on the ingestion assets
    staging = graph.get(dg.AssetKey(["staging", "stg_otlp__metric_points"]))
    assert dg.AssetKey(["otlp", "metric_points"]) in staging.parent_keys
    int_points = graph.get(dg.AssetKey(["intermediate", "int_metric_increments"]))
    assert dg.AssetKey(["staging", "stg_otlp__metric_points"]) in int_points.parent_keys


def test_every_partitioned_asset_backfills_in_one_run(defs):
    graph = defs.resolve_asset_graph()
    for key in graph.get_all_asset_keys():
        node = graph.get(key)
        if node.partitions_def is not None:
            assert node.backfill_policy == dg.BackfillPolicy.single_run(), key


def test_dbt_tests_are_asset_checks(defs):
    checks = {key.to_user_string() for key in defs.resolve_asset_graph().asset_check_keys}
    assert "marts/fct_org_daily:assert_org_daily_equals_sum_of_members" in checks
    assert "marts/fct_tool_decisions:assert_rejected_suggestions_add_no_lines" in checks
    assert "marts/fct_org_daily:unique_fct_org_daily_usage_date" in checks
    assert "otlp/landed_files:every_line_accounted_for" in checks


def test_job_and_schedule(defs):
    job = defs.resolve_job_def("daily_pipeline")
    assert job.partitions_def is not None
    schedule = defs.resolve_schedule_def("daily_pipeline_schedule")
    assert schedule.cron_schedule == "15 0 * * *"
    assert schedule.execution_timezone == "UTC"


def test_spark_engine_lineage_goes_through_the_parquet_raw_layer(tmp_path):
    """With ANALYTICS_ENGINE=spark the same definitions load, plus raw_parquet/* between the
    ingestion assets and the dbt sources (settings are read when definitions load, so this
    loads them in a fresh interpreter)."""
    script = (
        "import dagster as dg\n"
        "from orchestration.definitions import defs\n"
        "graph = defs.resolve_asset_graph()\n"
        "staging = graph.get(dg.AssetKey(['staging', 'stg_otlp__metric_points']))\n"
        "parquet = graph.get(dg.AssetKey(['raw_parquet', 'otlp_metric_points']))\n"
        "roster = graph.get(dg.AssetKey(['staging', 'stg_roster__members']))\n"
        "print(sorted(k.to_user_string() for k in staging.parent_keys))\n"
        "print(sorted(k.to_user_string() for k in parquet.parent_keys))\n"
        "print(sorted(k.to_user_string() for k in roster.parent_keys))\n"
        "print(len(graph.asset_check_keys) > 100, parquet.backfill_policy == dg.BackfillPolicy.single_run())\n"
    )
    env = dict(
        os.environ,
        ANALYTICS_ENGINE="spark",
        ANALYTICS_SPARK_WAREHOUSE=str(tmp_path / "spark-warehouse"),
        DAGSTER_HOME=str(tmp_path / "dagster_home"),
    )
    env.pop("ANALYTICS_DBT_TARGET", None)
    completed = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True,
        cwd=Path(__file__).resolve().parent.parent,
    )
    assert completed.stdout.splitlines() == [
        "['raw_parquet/otlp_metric_points']",
        "['otlp/metric_points']",
        "['raw_parquet/roster']",
        "True True",
    ]
