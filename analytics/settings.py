"""Where things are: every path and setting the product reads, each from one environment variable.

| variable | default |
|---|---|
| ANALYTICS_LANDING_DIR | the bundled sample organization, seeds/sample-org |
| ANALYTICS_WAREHOUSE | warehouse.duckdb at the project root |
| DAGSTER_HOME | .dagster_home at the project root |
| ANALYTICS_PARTITIONS_START | 2024-01-01, the first day a daily partition exists for |
| ANALYTICS_LOOKBACK_DAYS | 3, days before yesterday the daily schedule rebuilds for late data |
| ANALYTICS_STORE_CONTENT | off; `1` keeps prompt/response/tool-input attributes in raw |
| ANALYTICS_DUCKDB_MEMORY_LIMIT | 3GB, DuckDB's memory limit in every process (it spills to disk beyond) |
| ANALYTICS_ENGINE | duckdb; `spark` builds the dbt models on Apache Spark (README, "Scaling out") |
| ANALYTICS_SPARK_WAREHOUSE | spark-warehouse at the project root (`spark.sql.warehouse.dir`) |
| ANALYTICS_RAW_PARQUET_DIR | raw_parquet in the Spark warehouse with the spark engine, else unset (no Parquet) |
| ANALYTICS_SPARK_MASTER | local[2] |
| ANALYTICS_MAX_LINE_BYTES | 64 MiB; a longer landed line is quarantined by its length, never parsed |
| ANALYTICS_QUARANTINE_ROWS_PER_FILE | 1000; beyond it a file's quarantined lines are only counted |
| ANALYTICS_LISTING_SECONDS | 60; listing the landing folder stops (with a warning) after this |
"""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"
DEFAULT_LANDING_DIR = PROJECT_ROOT / "seeds" / "sample-org"


def _flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in ("1", "true", "yes", "on")


def landing_dir() -> Path:
    return Path(os.environ.get("ANALYTICS_LANDING_DIR") or DEFAULT_LANDING_DIR).expanduser().resolve()


def warehouse_path() -> Path:
    default = PROJECT_ROOT / "warehouse.duckdb"
    return Path(os.environ.get("ANALYTICS_WAREHOUSE") or default).expanduser().resolve()


def dagster_home() -> Path:
    return Path(os.environ.get("DAGSTER_HOME") or PROJECT_ROOT / ".dagster_home").expanduser().resolve()


def partitions_start() -> str:
    return os.environ.get("ANALYTICS_PARTITIONS_START") or "2024-01-01"


def lookback_days() -> int:
    return int(os.environ.get("ANALYTICS_LOOKBACK_DAYS") or 3)


def store_content() -> bool:
    return _flag("ANALYTICS_STORE_CONTENT")


def duckdb_memory_limit() -> str:
    return os.environ.get("ANALYTICS_DUCKDB_MEMORY_LIMIT") or "3GB"


def _positive_int(name: str, default: int) -> int:
    raw = os.environ.get(name) or ""
    try:
        value = int(raw) if raw.strip() else default
    except ValueError:
        raise ValueError(f"{name}={raw!r}: expected a whole number") from None
    if value <= 0:
        raise ValueError(f"{name}={raw!r}: expected a number above 0")
    return value


def max_line_bytes() -> int:
    """Longest landed line parsed; a longer one is quarantined by length without being held."""
    return _positive_int("ANALYTICS_MAX_LINE_BYTES", 64 * 1024 * 1024)


def quarantine_rows_per_file() -> int:
    """Quarantine rows stored per landed file (generation); the rest are counted only."""
    return _positive_int("ANALYTICS_QUARANTINE_ROWS_PER_FILE", 1000)


def listing_seconds() -> float:
    """Time allowed to list the landing folder (a huge or hostile tree cannot hold a run)."""
    return float(_positive_int("ANALYTICS_LISTING_SECONDS", 60))


ENGINES = ("duckdb", "spark")


def engine() -> str:
    """The engine the dbt models build on: duckdb (the default) or spark."""
    value = (os.environ.get("ANALYTICS_ENGINE") or "duckdb").strip().lower()
    if value not in ENGINES:
        raise ValueError(f"ANALYTICS_ENGINE={value!r}: expected one of {', '.join(ENGINES)}")
    return value


def spark_warehouse() -> Path:
    default = PROJECT_ROOT / "spark-warehouse"
    return Path(os.environ.get("ANALYTICS_SPARK_WAREHOUSE") or default).expanduser().resolve()


def raw_parquet_dir() -> Path | None:
    """Where ingestion writes the raw layer as Parquet, one folder per table and UTC day.

    Set explicitly, it is written with either engine; unset, only the spark engine writes it,
    into the Spark warehouse.
    """
    explicit = os.environ.get("ANALYTICS_RAW_PARQUET_DIR")
    if explicit:
        return Path(explicit).expanduser().resolve()
    return spark_warehouse() / "raw_parquet" if engine() == "spark" else None


def spark_master() -> str:
    return os.environ.get("ANALYTICS_SPARK_MASTER") or "local[2]"


def dbt_target() -> str:
    """The dbt profile output: ANALYTICS_DBT_TARGET, else the one named after the engine."""
    return os.environ.get("ANALYTICS_DBT_TARGET") or engine()


def export_engine_environment() -> None:
    """Put the paths dbt's profile and macros read into the environment, as absolute paths.

    Only values these settings read back unchanged are written (a default becomes the same
    value, explicit): the target is passed to dbt as --target, and the raw Parquet folder,
    when not set, is derived from the Spark warehouse by dbt as it is here.
    """
    os.environ.setdefault("ANALYTICS_WAREHOUSE", str(warehouse_path()))
    os.environ["ANALYTICS_SPARK_WAREHOUSE"] = str(spark_warehouse())
