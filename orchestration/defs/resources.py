"""Resources: the DuckDB warehouse, the landing folder and dbt, configured from the environment."""

from __future__ import annotations

import shutil
import sys
from contextlib import contextmanager
from functools import cached_property
from pathlib import Path

import dagster as dg
from dagster_dbt import DbtCliResource
from dagster_duckdb import DuckDBResource

from analytics import settings
from analytics.warehouse_lock import open_warehouse, warehouse_lock
from orchestration.defs.progress import progress
from orchestration.defs.transformation.project import dbt_project


class LandingResource(dg.ConfigurableResource):
    """The folder Claude Code telemetry lands in (otlp/**/*.jsonl[.gz], members.csv)."""

    path: str
    store_content: bool = False

    @property
    def dir(self) -> Path:
        return Path(self.path)


def warehouse_write_lock(warehouse: str, log=None, timeout_s: float = 6 * 3600):
    """The warehouse lock (analytics.warehouse_lock), announcing a wait in the progress output
    and the Dagster run log."""

    def announce(message: str) -> None:
        progress(message)
        if log is not None:
            log.info(message)

    return warehouse_lock(warehouse, on_wait=announce, timeout_s=timeout_s)


class WarehouseResource(DuckDBResource):
    """dagster-duckdb's resource, opening the file with analytics.warehouse_lock.open_warehouse:
    another process holding it (a BI tool's connection) is announced at once and waited for up
    to ANALYTICS_WAREHOUSE_WAIT_S, and a path that cannot be opened fails at once, in one line
    (the base class retries any IO error ten times with backoff, 5 minutes in silence)."""

    wait_s: float = 600

    @contextmanager
    def get_connection(self):
        con = open_warehouse(
            self.database, read_only=False, wait_s=self.wait_s, on_wait=progress,
            config={"custom_user_agent": "dagster", **self.connection_config},
        )
        try:
            yield con
        finally:
            con.close()


def dbt_executable() -> str:
    """dbt from PATH, else the one installed beside this Python (a venv not activated)."""
    beside_python = Path(sys.executable).parent / "dbt"
    return shutil.which("dbt") or (str(beside_python) if beside_python.exists() else "dbt")


class AnalyticsDbtCliResource(DbtCliResource):
    """dagster-dbt's dbt resource without two costs per run that this project does not use.

    Before every dbt command dagster-dbt runs `dbt --version` in a subprocess (about 1.5 s) and
    loads dbt's macros in process to hold an adapter, which serves only to fetch column or row
    metadata (`fetch_column_metadata`, `fetch_row_counts`; not used here). When the dbt
    executable is the one installed beside this Python, its version is that of the dbt-core
    imported here; otherwise the version is asked as before. No adapter is made.
    """

    @cached_property
    def _cli_version(self):
        from dbt.version import __version__ as dbt_core_version
        from packaging import version

        beside_python = Path(sys.executable).parent / "dbt"
        executable = shutil.which(self.dbt_executable) or self.dbt_executable
        if Path(executable).resolve() == beside_python.resolve() and beside_python.exists():
            return version.parse(dbt_core_version)
        return super()._cli_version

    def _initialize_dbt_core_adapter(self, args):
        return None


@dg.definitions
def resources() -> dg.Definitions:
    return dg.Definitions(
        resources={
            "duckdb": WarehouseResource(
                database=str(settings.warehouse_path()),
                connection_config={"memory_limit": settings.duckdb_memory_limit()},
                wait_s=settings.warehouse_wait_s(),
            ),
            "landing": LandingResource(
                path=str(settings.landing_dir()), store_content=settings.store_content()
            ),
            "dbt": AnalyticsDbtCliResource(
                project_dir=dbt_project, dbt_executable=dbt_executable(), target=settings.dbt_target()
            ),
        }
    )
