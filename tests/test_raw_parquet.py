"""The raw layer as Parquet (orchestration/defs/ingestion/raw_parquet.py): one folder per table
and UTC day, only changed days written, each swapped in whole; and the dbt sources that the
spark engine declares over it list the same columns as the DuckDB raw tables."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pytest
import yaml

from analytics.admin_api.loader import create_admin_api_tables
from analytics.ingest import raw_parquet
from analytics.ingest.raw_schema import TABLES as RAW_TABLES
from analytics.ingest.raw_schema import column_definitions

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# every source system's YAML (staging/<system>/_<system>__sources.yml)
SOURCE_FILES = tuple(sorted((PROJECT_ROOT / "dbt_project" / "models" / "staging").glob("*/_*__sources.yml")))
SPARK_TYPES = {
    "VARCHAR": "string",
    "BIGINT": "bigint",
    "INTEGER": "int",
    "DOUBLE": "double",
    "DATE": "date",
    "TIMESTAMP": "timestamp",
    "BOOLEAN": "boolean",
}


def test_source_columns_are_the_raw_tables_columns_in_spark_types():
    ddl = RAW_TABLES
    declared = {}
    for path in SOURCE_FILES:
        for source in yaml.safe_load(path.read_text())["sources"]:
            for table in source["tables"]:
                if table.get("columns"):
                    declared[table.get("identifier", table["name"])] = [
                        (c["name"], c["data_type"]) for c in table["columns"]
                    ]
    assert set(declared) == set(raw_parquet.PARTITIONED_TABLES + raw_parquet.WHOLE_TABLES)
    for table, columns in declared.items():
        expected = [(name, SPARK_TYPES[kind]) for name, kind in column_definitions(ddl[table])]
        assert columns == expected, table


def _point(day: str, line: int) -> str:
    return (
        f"insert into raw.otlp_metric_points (usage_date, point_time, time_unix_nano, metric_name, "
        f"metric_type, value, resource_attributes_json, attributes_json, source_file, source_line, "
        f"record_index, loaded_at) values (date '{day}', timestamp '{day} 10:00:00', 1, "
        f"'claude_code.cost.usage', 'sum', 0.5, '{{}}', '{{}}', 'a.jsonl', {line}, 1, now())"
    )


@pytest.fixture
def con():
    connection = duckdb.connect()
    create_admin_api_tables(connection)
    yield connection
    connection.close()


def _rows(path: Path) -> int:
    return duckdb.sql(f"select count(*) from read_parquet('{path}/*.parquet')").fetchall()[0][0]


def test_publish_writes_changed_days_only_and_removes_days_without_rows(con, tmp_path: Path):
    root = tmp_path / "raw_parquet"
    for day, line in (("2026-11-23", 1), ("2026-11-24", 2), ("2026-11-24", 3)):
        con.execute(_point(day, line))

    first = raw_parquet.publish(con, root)
    points = root / "otlp_metric_points"
    assert first.partitions_written["otlp_metric_points"] == [date(2026, 11, 23), date(2026, 11, 24)]
    assert _rows(points / "usage_date=2026-11-23") == 1
    assert _rows(points / "usage_date=2026-11-24") == 2
    # the day is in the folder name only; timestamps are UTC instants
    schema = duckdb.sql(
        f"describe select * from read_parquet('{points}/usage_date=2026-11-24/*.parquet', hive_partitioning = false)"
    ).fetchall()
    names = {row[0]: row[1] for row in schema}
    assert "usage_date" not in names and names["point_time"] == "TIMESTAMP WITH TIME ZONE"
    # empty tables get their folder, the roster its (empty) file
    assert (root / "admin_api_usage").is_dir() and _rows(root / "roster") == 0

    assert raw_parquet.publish(con, root).written == 0  # nothing changed, nothing written

    con.execute("delete from raw.otlp_metric_points where usage_date = date '2026-11-23'")
    con.execute(_point("2026-11-24", 4))
    third = raw_parquet.publish(con, root)
    assert third.partitions_written["otlp_metric_points"] == [date(2026, 11, 24)]
    assert third.partitions_removed["otlp_metric_points"] == [date(2026, 11, 23)]
    assert sorted(p.name for p in points.iterdir()) == ["usage_date=2026-11-24"]
    assert _rows(points / "usage_date=2026-11-24") == 3
    assert [p.name for p in (root / raw_parquet.STAGING_DIR).iterdir()] == []

    # a day folder another warehouse left here goes; a folder that is not a day stays
    (points / "usage_date=2026-01-01").mkdir()
    (points / "notes").mkdir()
    assert raw_parquet.publish(con, root).partitions_removed["otlp_metric_points"] == [date(2026, 1, 1)]
    assert sorted(p.name for p in points.iterdir()) == ["notes", "usage_date=2026-11-24"]

    # a day folder deleted by hand is written again
    for file in (points / "usage_date=2026-11-24").iterdir():
        file.unlink()
    (points / "usage_date=2026-11-24").rmdir()
    assert raw_parquet.publish(con, root).partitions_written["otlp_metric_points"] == [date(2026, 11, 24)]
    assert _rows(points / "usage_date=2026-11-24") == 3


def test_exchange_replaces_a_folder_whole(tmp_path: Path):
    current = tmp_path / "usage_date=2026-11-24"
    current.mkdir()
    (current / "data_0.parquet").write_text("old")
    (current / "data_1.parquet").write_text("old, a file the new day does not have")
    new = tmp_path / "staging"
    new.mkdir()
    (new / "data_0.parquet").write_text("new")

    raw_parquet._exchange(new, current)

    assert [p.name for p in current.iterdir()] == ["data_0.parquet"]
    assert (current / "data_0.parquet").read_text() == "new"
    assert not new.exists()
