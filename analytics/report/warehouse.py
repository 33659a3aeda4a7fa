"""Opening the warehouse for reading: read-only, with one clear error for each way it can fail."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path

import duckdb
import yaml

from analytics import settings
from analytics.errors import ReportError, WarehouseBusy, WarehouseUnavailable
from analytics.warehouse.lock import open_warehouse, warehouse_lock

MARTS = (
    "fct_tool_decisions",
    "fct_daily_activity",
    "fct_daily_spend",
    "dim_members",
    "fct_org_daily",
    "fct_org_monthly",
    "fct_member_monthly",
    "fct_team_daily",
    "fct_team_monthly",
    "fct_budget_status",
)

# the marts' documented columns and types: dbt enforces them as the contract the marts are built to
MARTS_YML = settings.DBT_PROJECT_DIR / "models" / "marts" / "_marts__models.yml"


def documented_columns(yml_path: Path = MARTS_YML) -> dict[str, list[tuple[str, str]]]:
    """Each mart's columns as (name, type), in order, as its dbt YAML documents them (one parse
    of the file, about 50 ms)."""
    return {
        model["name"]: [(column["name"], column["data_type"]) for column in model.get("columns") or []]
        for model in (yaml.safe_load(Path(yml_path).read_text()) or {}).get("models", [])
    }


def missing_marts(con: duckdb.DuckDBPyConnection) -> list[str]:
    present = {
        name
        for (name,) in con.execute(
            "select table_name from information_schema.tables where table_schema = 'marts'"
        ).fetchall()
    }
    return [mart for mart in MARTS if mart not in present]


@contextmanager
def reader_lock(path: Path, timeout_s: float) -> Iterator[None]:
    """Wait for no run to be writing the warehouse, and keep runs out while we read."""
    try:
        with warehouse_lock(path, on_wait=lambda message: print(message, file=sys.stderr), timeout_s=timeout_s):
            yield
    except WarehouseBusy:
        raise ReportError(f"a run is writing the warehouse {path}; try again when it finishes") from None


@contextmanager
def open_marts(
    path: Path | str, lock: bool = True, lock_timeout_s: float = 600
) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only connection to the warehouse, after checking that every mart is there.

    With `lock` (the default), waits up to `lock_timeout_s` for a running writer to finish and
    holds the warehouse lock while the connection is open; pass lock=False when the caller holds
    it already (a Dagster asset inside warehouse_write_lock).
    """
    path = Path(path)
    if not path.is_file():
        raise ReportError(
            f"warehouse not found: {path} (run `analytics run` first, or set ANALYTICS_WAREHOUSE)"
        )
    with reader_lock(path, lock_timeout_s) if lock else nullcontext(), _connect(path) as con:
        yield con


def spark_mart_dir(mart: str) -> Path:
    """The folder of a mart's table in the Spark warehouse, there once Spark created the table."""
    return settings.spark_warehouse() / "marts.db" / mart


def spark_mart_glob(mart: str) -> Path:
    """The Parquet files of a mart built by the spark engine (Hive-style day folders below)."""
    return spark_mart_dir(mart) / "**" / "*.parquet"


def connect_read_only(path: Path) -> duckdb.DuckDBPyConnection:
    """A read-only DuckDB connection in which `raw.*` and `marts.*` name the warehouse's tables.

    With the spark engine the marts are Parquet tables in the Spark warehouse: the connection is
    in memory, with the DuckDB file attached read-only for `raw`, and `marts` views over the
    Parquet files (a mart Spark has not written yet is missing, as it would be in DuckDB). A
    mart Spark has created but holds no rows has no Parquet file (Spark writes none for a
    partitioned table without rows): its view is empty, with the mart's documented columns.
    """
    if settings.engine() != "spark":
        return open_warehouse(
            path, read_only=True, wait_s=settings.warehouse_wait_s(),
            on_wait=lambda message: print(f"analytics: {message}", file=sys.stderr, flush=True),
        )
    con = duckdb.connect()
    try:
        con.execute(f"attach '{path}' as warehouse (read_only)")
        con.execute("create schema raw")
        for (table,) in con.execute(
            "select table_name from information_schema.tables "
            "where table_catalog = 'warehouse' and table_schema = 'raw'"
        ).fetchall():
            con.execute(f"create view raw.{table} as select * from warehouse.raw.{table}")
        con.execute("create schema marts")
        empty = []
        for mart in MARTS:
            glob = spark_mart_glob(mart)
            if con.execute(f"select count(*) from glob('{glob}')").fetchall()[0][0]:
                con.execute(
                    f"create view marts.{mart} as "
                    f"select * from read_parquet('{glob}', hive_partitioning = true)"
                )
            elif spark_mart_dir(mart).is_dir():
                empty.append(mart)
        documented = documented_columns() if empty else {}
        for mart in empty:
            nulls = ", ".join(f"null::{kind} as {name}" for name, kind in documented[mart])
            con.execute(f"create view marts.{mart} as select {nulls} where false")
    except BaseException:
        con.close()
        raise
    return con


@contextmanager
def _connect(path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    try:
        con = connect_read_only(path)
    except (WarehouseBusy, WarehouseUnavailable) as exc:
        raise ReportError(str(exc)) from None
    except duckdb.IOException as exc:
        if "lock" in str(exc).lower():
            raise ReportError(
                f"the warehouse {path} is being written by a run; try again when it finishes"
            ) from None
        raise ReportError(f"cannot open the warehouse {path}: {exc}") from None
    except duckdb.Error as exc:
        raise ReportError(f"cannot open the warehouse {path}: {exc}") from None
    try:
        missing = missing_marts(con)
        if missing:
            raise ReportError(
                f"{path} has no marts.{missing[0]}"
                f"{f' (and {len(missing) - 1} more)' if len(missing) > 1 else ''}: "
                "run `analytics run` first"
            )
        yield con
    finally:
        con.close()
