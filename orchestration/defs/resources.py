"""Resources: the DuckDB warehouse, the landing folder and dbt, configured from the environment."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
from dagster_duckdb import DuckDBResource

from analytics import settings
from orchestration.dbt import dbt_executable, dbt_project
from orchestration.patches import LeanDbtCliResource


class LandingResource(dg.ConfigurableResource):
    """The folder Claude Code telemetry lands in (otlp/**/*.jsonl[.gz], members.csv)."""

    path: str
    store_content: bool = False

    @property
    def dir(self) -> Path:
        return Path(self.path)




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
            "dbt": LeanDbtCliResource(
                project_dir=dbt_project, dbt_executable=dbt_executable(), target=settings.dbt_target()
            ),
        }
    )
