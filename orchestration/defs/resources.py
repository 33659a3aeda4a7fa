"""Resources: the DuckDB warehouse, the landing folder and dbt, configured from the environment."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import dagster as dg
from dagster_dbt import DbtCliResource
from dagster_duckdb import DuckDBResource

from analytics import settings
from analytics.warehouse_lock import warehouse_lock
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


def dbt_executable() -> str:
    """dbt from PATH, else the one installed beside this Python (a venv not activated)."""
    beside_python = Path(sys.executable).parent / "dbt"
    return shutil.which("dbt") or (str(beside_python) if beside_python.exists() else "dbt")


@dg.definitions
def resources() -> dg.Definitions:
    return dg.Definitions(
        resources={
            "duckdb": DuckDBResource(
                database=str(settings.warehouse_path()),
                connection_config={"memory_limit": settings.duckdb_memory_limit()},
            ),
            "landing": LandingResource(
                path=str(settings.landing_dir()), store_content=settings.store_content()
            ),
            "dbt": DbtCliResource(
                project_dir=dbt_project, dbt_executable=dbt_executable(), target=settings.dbt_target()
            ),
        }
    )
