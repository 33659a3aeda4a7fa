"""Resources: the DuckDB warehouse, the landing folder and dbt, configured from the environment."""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

import dagster as dg
from dagster_duckdb import DuckDBResource

from analytics import settings
from analytics.progress import progress
from analytics.warehouse.lock import open_warehouse
from orchestration.dbt import dbt_executable, dbt_log_flags, dbt_project
from orchestration.patches import LeanDbtCliResource


class LandingResource(dg.ConfigurableResource):
    """The folder Claude Code telemetry lands in (otlp/**/*.jsonl[.gz], members.csv)."""

    path: str
    store_content: bool = False

    @property
    def dir(self) -> Path:
        return Path(self.path)


class WarehouseResource(DuckDBResource):
    """dagster-duckdb's resource, opening the file with analytics.warehouse.lock.open_warehouse:
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
            "dbt": LeanDbtCliResource(
                project_dir=dbt_project,
                dbt_executable=dbt_executable(),
                target=settings.dbt_target(),
                global_config_flags=dbt_log_flags(),
            ),
        }
    )
