"""Where things are: every path and setting the product reads, each from one environment variable.

| variable | default |
|---|---|
| ANALYTICS_LANDING_DIR | the bundled sample organization, seeds/sample-org |
| ANALYTICS_WAREHOUSE | warehouse.duckdb at the project root (not named like one of its schemas: raw, staging, intermediate, marts, meta) |
| DAGSTER_HOME | .dagster_home at the project root |
| ANALYTICS_PARTITIONS_START | the first day a daily partition exists for; default: the first day of the landed data, recorded at the first run |
| ANALYTICS_SENSOR_INTERVAL_S | 300: the landing sensor launches a run for new files at most this often |
| ANALYTICS_FRESHNESS_HOURS | 24: the freshness check warns when the newest telemetry is older |
| ANALYTICS_ALERT_WEBHOOK_URL | unset: where budget alerts and failed runs are posted ({"text": ...}) |
| ANALYTICS_LOOKBACK_DAYS | 3, days before yesterday the daily schedule rebuilds for late data |
| ANALYTICS_TIMEZONE | UTC; the IANA zone whose calendar days every mart's usage_date is |
| ANALYTICS_STORE_CONTENT | off; `1` keeps prompt/response/tool-input attributes in raw |
| ANALYTICS_DUCKDB_MEMORY_LIMIT | 2GB, DuckDB's memory limit in every process (it spills to disk beyond) |
| ANALYTICS_ENGINE | duckdb; `spark` builds the dbt models on Apache Spark (README, "Scaling out") |
| ANALYTICS_SPARK_WAREHOUSE | spark-warehouse at the project root (`spark.sql.warehouse.dir`) |
| ANALYTICS_RAW_PARQUET_DIR | raw_parquet in the Spark warehouse with the spark engine, else unset (no Parquet) |
| ANALYTICS_SPARK_MASTER | local[2] |
| ANALYTICS_INGEST_BATCH_BYTES | 256 MiB: landed files are loaded in transactions of about this size |
| ANTHROPIC_ADMIN_KEY | unset: the Admin API source loads kept pages only (the value is read by Dagster's EnvVar) |
| ANTHROPIC_BASE_URL | https://api.anthropic.com |
| ANALYTICS_MIN_GROUP_SIZE | 5: teams with fewer active members in a period fold into `(small teams)` |
| ANALYTICS_PSEUDONYMIZE | off; `1` shows members as `member <8 hex>` pseudonyms in every output |
| ANALYTICS_PSEUDONYM_KEY | the secret of the pseudonyms (HMAC-SHA256 key), required with ANALYTICS_PSEUDONYMIZE |
| ANALYTICS_ALERT_TIMEOUT_SECONDS | 10: connect and read timeout of the webhook |
| CHROMIUM | the Chromium binary for screenshots (default: Debian's) |
| ANALYTICS_FAILPOINT | tests only: kill the process at a named point |
| ANALYTICS_SERVING_URL | unset; a libpq URL: publish the marts to that PostgreSQL database |
| ANALYTICS_SERVING_READER_ROLE | analytics_reader, the NOLOGIN role that may read the published marts |
| ANALYTICS_SERVING_LOCK_TIMEOUT_S | 5, how long a publish waits for a lock (a schema change) |
| ANALYTICS_DAGSTER_STORAGE_URL | unset (SQLite under DAGSTER_HOME); a PostgreSQL URL for Dagster's storage |
| ANALYTICS_WAREHOUSE_WAIT_S | 600, how long to wait for another process holding the DuckDB file |
| ANALYTICS_COLLECT_TOKEN | unset; the bearer token `analytics collect` requires (needed off loopback) |
| ANALYTICS_COLLECT_MAX_BODY_BYTES | 16 MiB, the largest request body the receiver takes (sent and inflated) |
| ANALYTICS_COLLECT_ROTATE_BYTES | 64 MiB, the size at which the receiver starts a new landing file |
| ANALYTICS_COLLECT_TIMEOUT_SECONDS | 30, the longest a request may take to arrive or a connection idle |
| ANALYTICS_COLLECT_MAX_CONNECTIONS | 512 open connections; beyond them the receiver answers 503 |
| ANALYTICS_MAX_LINE_BYTES | 64 MiB; a longer landed line is quarantined by its length, never parsed |
| ANALYTICS_QUARANTINE_ROWS_PER_FILE | 1000; beyond it a file's quarantined lines are only counted |
| ANALYTICS_LISTING_SECONDS | 60; listing the landing folder stops (with a warning) after this |
| ANALYTICS_PARTIAL_LINE_GRACE_S | 300; a plain file's cut last line waits this long after the file's last write, then is quarantined |

Every function reads the environment when called, never at import, so a process may change a
variable (the CLI's --engine) and every later call sees it.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from analytics.errors import UsageError

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"
DEFAULT_LANDING_DIR = PROJECT_ROOT / "seeds" / "sample-org"


def _flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in ("1", "true", "yes", "on")


def landing_dir() -> Path:
    return Path(os.environ.get("ANALYTICS_LANDING_DIR") or DEFAULT_LANDING_DIR).expanduser().resolve()


# DuckDB names a database after its file (raw.duckdb is the catalog `raw`): a warehouse named
# like one of its own schemas makes every `schema.table` the models and the loaders write
# ambiguous ("Ambiguous reference to catalog or schema"). (DuckDB renames main, temp and
# system itself.)
RESERVED_WAREHOUSE_NAMES = ("raw", "staging", "intermediate", "marts", "meta")


def warehouse_path() -> Path:
    default = PROJECT_ROOT / "warehouse.duckdb"
    path = Path(os.environ.get("ANALYTICS_WAREHOUSE") or default).expanduser().resolve()
    if path.stem.lower() in RESERVED_WAREHOUSE_NAMES:
        raise UsageError(
            f"ANALYTICS_WAREHOUSE: a warehouse file may not be named {path.name!r}: DuckDB would "
            f"name the database {path.stem!r}, like one of its schemas; choose another name "
            "(for example warehouse.duckdb)"
        )
    return path


def dagster_home() -> Path:
    return Path(os.environ.get("DAGSTER_HOME") or PROJECT_ROOT / ".dagster_home").expanduser().resolve()


def partitions_start() -> str | None:
    """ANALYTICS_PARTITIONS_START (YYYY-MM-DD), or None: then the first day of the landed data,
    recorded at the first run (orchestration/partition_start.py)."""
    return os.environ.get("ANALYTICS_PARTITIONS_START") or None


def sensor_interval_s() -> int:
    """How often the landing sensor may launch a run for new files (its debounce)."""
    return int(os.environ.get("ANALYTICS_SENSOR_INTERVAL_S") or 300)


def freshness_hours() -> float:
    """Telemetry older than this (its newest record) makes the freshness check warn."""
    return float(os.environ.get("ANALYTICS_FRESHNESS_HOURS") or 24)


def alert_webhook_url() -> str | None:
    """ANALYTICS_ALERT_WEBHOOK_URL: where budget alerts and run failures are posted."""
    return os.environ.get("ANALYTICS_ALERT_WEBHOOK_URL", "").strip() or None


def lookback_days() -> int:
    return int(os.environ.get("ANALYTICS_LOOKBACK_DAYS") or 3)


def timezone() -> str:
    """ANALYTICS_TIMEZONE, the IANA zone whose calendar days the marts count in (default UTC).

    Checked here, before anything runs: dbt splices the name into SQL (macros/local_date.sql).
    """
    name = (os.environ.get("ANALYTICS_TIMEZONE") or "").strip() or "UTC"
    try:
        if not re.fullmatch(r"[A-Za-z0-9_+/-]+", name):
            raise ValueError(name)
        ZoneInfo(name)
    except (ValueError, ZoneInfoNotFoundError):
        raise ValueError(
            f"ANALYTICS_TIMEZONE={name!r} is not an IANA time zone name "
            "(such as America/Los_Angeles, Europe/Berlin or UTC)"
        ) from None
    return name


def zone() -> ZoneInfo:
    """The ZoneInfo of ANALYTICS_TIMEZONE."""
    return ZoneInfo(timezone())


def store_content() -> bool:
    return _flag("ANALYTICS_STORE_CONTENT")


def dbt_debug_log() -> bool:
    """dbt writes its debug log (dbt.log: every event, as JSON) into each invocation's folder."""
    return _flag("ANALYTICS_DBT_DEBUG_LOG")


def duckdb_memory_limit() -> str:
    return os.environ.get("ANALYTICS_DUCKDB_MEMORY_LIMIT") or "2GB"


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


def ingest_batch_bytes() -> int:
    return int(os.environ.get("ANALYTICS_INGEST_BATCH_BYTES") or 256 * 1024 * 1024)


ADMIN_KEY_ENV_VAR = "ANTHROPIC_ADMIN_KEY"
DEFAULT_ADMIN_API_BASE_URL = "https://api.anthropic.com"


def admin_key_set() -> bool:
    """Whether an Admin API key is set. Its value is read only by Dagster's EnvVar, at run time."""
    return bool(os.environ.get(ADMIN_KEY_ENV_VAR, "").strip())


def admin_api_base_url() -> str:
    return os.environ.get("ANTHROPIC_BASE_URL", "").strip() or DEFAULT_ADMIN_API_BASE_URL


def chromium_binary() -> str | None:
    return os.environ.get("CHROMIUM") or None


def java_home() -> str | None:
    return os.environ.get("JAVA_HOME") or None


def failpoint_name() -> str | None:
    return os.environ.get("ANALYTICS_FAILPOINT") or None


def min_group_size() -> int:
    """Teams with fewer active members than this in a day or month fold into `(small teams)`."""
    raw = os.environ.get("ANALYTICS_MIN_GROUP_SIZE", "").strip() or "5"
    try:
        value = int(raw)
    except ValueError:
        raise ValueError(f"ANALYTICS_MIN_GROUP_SIZE={raw!r}: expected a whole number") from None
    if value < 1:
        raise ValueError(f"ANALYTICS_MIN_GROUP_SIZE={value}: expected 1 or more")
    return value


PSEUDONYM_KEY_ENV_VAR = "ANALYTICS_PSEUDONYM_KEY"


def pseudonymize() -> bool:
    return _flag("ANALYTICS_PSEUDONYMIZE")


def pseudonym_key() -> bytes | None:
    """The pseudonyms' secret. Read when pseudonyms are computed, never stored or logged."""
    value = os.environ.get(PSEUDONYM_KEY_ENV_VAR, "")
    return value.encode() if value.strip() else None


def alert_timeout_seconds() -> float:
    return float(os.environ.get("ANALYTICS_ALERT_TIMEOUT_SECONDS") or 10)


def serving_url() -> str | None:
    """The PostgreSQL database the marts are published to (a libpq URL), or None."""
    return os.environ.get("ANALYTICS_SERVING_URL") or None


def serving_reader_role() -> str:
    return os.environ.get("ANALYTICS_SERVING_READER_ROLE") or "analytics_reader"


def serving_lock_timeout_s() -> float:
    return float(os.environ.get("ANALYTICS_SERVING_LOCK_TIMEOUT_S") or 5)


def dagster_storage_url() -> str | None:
    """PostgreSQL for Dagster's runs, event logs and schedules; None keeps SQLite.

    A plain `postgresql://` URL is given the psycopg2 driver: SQLAlchemy 2.1 otherwise picks
    psycopg 3, with which dagster-postgres's `NOTIFY run_events, :id` fails (server-side
    parameters are not allowed there).
    """
    url = os.environ.get("ANALYTICS_DAGSTER_STORAGE_URL") or None
    if url:
        for plain in ("postgresql://", "postgres://"):
            if url.startswith(plain):
                return "postgresql+psycopg2://" + url[len(plain):]
    return url


def warehouse_wait_s() -> float:
    """How long a command waits for another process holding the DuckDB file."""
    return float(os.environ.get("ANALYTICS_WAREHOUSE_WAIT_S") or 600)


def landing_dir_is_set() -> bool:
    """Whether ANALYTICS_LANDING_DIR names a folder (the default is the bundled sample)."""
    return bool(os.environ.get("ANALYTICS_LANDING_DIR"))


def collect_token() -> str | None:
    """The bearer token the receiver requires; None when unset or blank."""
    return (os.environ.get("ANALYTICS_COLLECT_TOKEN") or "").strip() or None


def _positive(name: str, default: float, kind=int):
    raw = os.environ.get(name)
    if not raw:
        return default
    try:
        value = kind(raw)
    except ValueError:
        raise ValueError(f"{name}={raw!r}: expected a positive number") from None
    if value <= 0:
        raise ValueError(f"{name}={raw!r}: expected a positive number")
    return value


def collect_max_body_bytes() -> int:
    return _positive("ANALYTICS_COLLECT_MAX_BODY_BYTES", 16 * 1024 * 1024)


def collect_rotate_bytes() -> int:
    return _positive("ANALYTICS_COLLECT_ROTATE_BYTES", 64 * 1024 * 1024)


def collect_timeout_seconds() -> float:
    return _positive("ANALYTICS_COLLECT_TIMEOUT_SECONDS", 30.0, float)


def collect_max_connections() -> int:
    return _positive("ANALYTICS_COLLECT_MAX_CONNECTIONS", 512)


def partial_line_grace_s() -> float:
    """How long after a plain landed file was last written its unterminated last line is taken
    for a write in progress (not read) rather than a cut line (quarantined)."""
    return float(os.environ.get("ANALYTICS_PARTIAL_LINE_GRACE_S") or 300)
