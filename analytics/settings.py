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
