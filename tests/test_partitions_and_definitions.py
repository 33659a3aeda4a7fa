"""Partition-window logic, and the Dagster definitions as the UI loads them."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path

import dagster as dg
import pytest

from analytics.dates import days_between, parse_day
from orchestration.defs.partitions import dbt_window_environment, partition_range_tags
from orchestration.defs.schedules import scheduled_window


def test_dbt_reads_the_half_open_window_from_its_environment():
    assert dbt_window_environment((date(2026, 11, 1), date(2026, 11, 3))) == {
        "ANALYTICS_DBT_MIN_DATE": "2026-11-01",
        "ANALYTICS_DBT_MAX_DATE": "2026-11-03",
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
    assert parse_day("2026-02-28", "--start") == date(2026, 2, 28)
    with pytest.raises(ValueError, match="February 2026 has 28 days"):
        parse_day("2026-02-30", "--start")
    with pytest.raises(ValueError, match="not a date of the form YYYY-MM-DD"):
        parse_day("30.02.2026", "--start")


@pytest.fixture(scope="module")
def defs():
    from orchestration.definitions import defs as loaded

    return loaded


def test_the_definitions_are_those_load_from_defs_folder_gives(defs):
    """orchestration/definitions.py builds the defs folder's component tree without the
    catalog of installable component types that load_from_defs_folder adds at the root (its
    docstring says why): the same assets, checks, jobs, schedules and sensors, and the tree."""
    from orchestration.definitions import PROJECT

    whole = dg.load_from_defs_folder(path_within_project=PROJECT)

    def summary(loaded: dg.Definitions):
        repository = loaded.get_repository_def()
        graph = repository.asset_graph
        return (
            sorted(key.to_user_string() for key in graph.get_all_asset_keys()),
            sorted(str(key) for key in graph.asset_check_keys),
            sorted(job.name for job in repository.get_all_jobs()),
            sorted(schedule.name for schedule in repository.schedule_defs),
            sorted(sensor.name for sensor in repository.sensor_defs),
        )

    assets, checks, jobs, schedules, sensors = summary(defs)
    assert (assets, checks, jobs, schedules, sensors) == summary(whole)
    assert (len(assets), len(checks), len(schedules), len(sensors)) == (52, 42, 1, 2)
    assert "daily_pipeline" in jobs
    assert defs.component_tree is not None
    assert "plugin_component_types_json" in whole.metadata
    assert "plugin_component_types_json" not in defs.metadata


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


def test_only_the_daily_incremental_marts_are_partitioned_by_day(defs):
    """The UI's per-day status is the daily marts' (which days are built); everything else,
    the monthly marts too (a row per month), follows the run, so a backfill of N days records
    N materializations of four assets, not of fifty."""
    graph = defs.resolve_asset_graph()
    partitioned = {
        key.to_user_string() for key in graph.get_all_asset_keys() if graph.get(key).partitions_def
    }
    assert partitioned == {
        "marts/fct_daily_activity", "marts/fct_daily_spend", "marts/fct_org_daily",
        "marts/fct_tool_decisions",
    }
    # the monthly marts are incremental too, by month: they follow the run's days
    for monthly in ("marts/fct_org_monthly", "marts/fct_member_monthly"):
        assert graph.get(dg.AssetKey(monthly.split("/"))).partitions_def is None


def test_dbt_tests_are_asset_checks(defs):
    checks = {key.to_user_string() for key in defs.resolve_asset_graph().asset_check_keys}
    assert "marts/fct_org_daily:assert_org_daily_equals_sum_of_members" in checks
    assert "marts/fct_tool_decisions:assert_rejected_suggestions_add_no_lines" in checks
    assert "marts/fct_org_daily:column_values_fct_org_daily" in checks
    assert "marts/fct_daily_spend:column_values_fct_daily_spend" in checks
    # a model's column rules are one check, its relationships among them
    assert not any(":relationships_" in check for check in checks)
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
        "print(len(graph.asset_check_keys) > 40, parquet.partitions_def is None)\n"
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


# --------------------------------------------------------------------------- what a Dagster user expects


def test_every_asset_check_says_what_it_asserts(defs):
    specs = [spec for asset in defs.assets if isinstance(asset, dg.AssetsDefinition)
             for spec in asset.check_specs]
    assert len(specs) > 40  # 38 dbt tests (a model's column rules, grain and relationships in one) and the ingestion checks
    # every dbt test of the project's parse is one of them
    import json

    from orchestration.dbt import dbt_project

    nodes = json.loads(Path(dbt_project.manifest_path).read_text())["nodes"].values()
    assert {n["name"] for n in nodes if n["resource_type"] == "test"} <= {s.name for s in specs}
    assert [s.key.to_user_string() for s in specs if not (s.description or "").strip()] == []
    by_key = {s.key.to_user_string(): s.description for s in specs}
    # a model's column rules and grain, in one check that names each
    assert "unique=['usage_date']" in by_key["marts/fct_org_daily:column_values_fct_org_daily"]
    rules = by_key["marts/fct_daily_activity:column_values_fct_daily_activity"]
    assert "unique=[['usage_date', 'member_key']]" in rules
    assert "not_null=['usage_date', 'member_key']" in rules
    assert "'accept_rate': {'max_value': 1, 'min_value': 0}" in rules and "'source': ['otlp', 'admin_api']" in rules
    # a singular test is described by the comment that opens its SQL
    assert "sum of the member rows" in by_key["marts/fct_org_daily:assert_org_daily_equals_sum_of_members"]


def test_assets_carry_owners_kinds_tables_columns_and_code(defs):
    specs = {key: spec for asset in defs.assets if isinstance(asset, dg.AssetsDefinition)
             for key, spec in asset.specs_by_key.items()}
    for key in (["otlp", "metric_points"], ["roster", "members"], ["admin_api", "usage"],
                ["marts", "fct_org_daily"], ["staging", "stg_otlp__metric_points"]):
        spec = specs[dg.AssetKey(key)]
        assert spec.owners, key
        assert "duckdb" in spec.kinds, key
        assert spec.metadata.get("dagster/table_name"), key
        columns = spec.metadata["dagster/column_schema"].columns
        assert columns, key
        assert "dagster/code_references" in spec.metadata, key
    raw_columns = [c.name for c in specs[dg.AssetKey(["otlp", "metric_points"])]
                   .metadata["dagster/column_schema"].columns]
    assert raw_columns[:3] == ["usage_date", "point_time", "time_unix_nano"]
    assert specs[dg.AssetKey(["otlp", "metric_points"])].metadata["dagster/table_name"] == \
        "raw.otlp_metric_points"
    assert "dbt" in specs[dg.AssetKey(["marts", "fct_org_daily"])].kinds


def test_schedule_and_sensors_are_on_by_default(defs):
    assert defs.resolve_schedule_def("daily_pipeline_schedule").default_status == \
        dg.DefaultScheduleStatus.RUNNING
    for name in ("landing_sensor", "run_failure_webhook"):
        assert defs.resolve_sensor_def(name).default_status == dg.DefaultSensorStatus.RUNNING


def test_the_landing_sensor_asks_for_the_days_new_files_touch(defs, tmp_path, monkeypatch):
    landing = tmp_path / "landing"
    (landing / "otlp").mkdir(parents=True)
    day_ns = int(datetime(2026, 11, 20, 12, tzinfo=UTC).timestamp() * 1e9)
    line = '{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"timeUnixNano":"%d"}]}]}]}\n'
    (landing / "otlp" / "a.jsonl").write_text(line % day_ns + line % (day_ns + 86_400 * 10**9))
    monkeypatch.setenv("ANALYTICS_LANDING_DIR", str(landing))
    monkeypatch.setenv("ANALYTICS_PARTITIONS_START", "2026-01-01")
    sensor = defs.resolve_sensor_def("landing_sensor")
    with dg.instance_for_test() as instance:
        context = dg.build_sensor_context(instance=instance, cursor=None)
        request = sensor(context)
        assert isinstance(request, dg.RunRequest)
        assert request.tags == {
            "dagster/asset_partition_range_start": "2026-11-20",
            "dagster/asset_partition_range_end": "2026-11-21",
        }
        # nothing new since: no run
        again = sensor(dg.build_sensor_context(instance=instance, cursor=context.cursor))
        assert isinstance(again, dg.SkipReason)


def test_partitions_start_at_the_first_day_of_the_data(tmp_path, monkeypatch):
    from orchestration import partition_start

    monkeypatch.delenv("ANALYTICS_PARTITIONS_START", raising=False)
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path))
    assert partition_start.recorded_start() is None
    partition_start.record_start(date(2026, 9, 25))
    partition_start.record_start(date(2026, 10, 1))  # later: the start stays
    assert partition_start.partitions_start() == date(2026, 9, 25)
    partition_start.record_start(date(2026, 9, 1))  # a backfill asked for earlier moves it back
    assert partition_start.partitions_start() == date(2026, 9, 1)
    monkeypatch.setenv("ANALYTICS_PARTITIONS_START", "2025-01-01")
    assert partition_start.partitions_start() == date(2025, 1, 1)


def test_the_cli_has_a_version_and_help_for_every_option():
    from analytics_cli.main import build_parser

    parser = build_parser()
    subparsers = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    for name, command in subparsers.choices.items():
        assert command.description, name
        for action in command._actions:
            if not isinstance(action, argparse._HelpAction):
                assert action.help, f"{name} {action.option_strings or action.dest}"
    completed = subprocess.run([str(Path(sys.executable).parent / "analytics"), "--version"],
                               capture_output=True, text=True, check=True)
    assert completed.stdout.startswith("analytics ")
