"""Resources: the DuckDB warehouse, the landing folder and dbt, configured from the environment."""

from __future__ import annotations

import fcntl
import shutil
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
from dagster_dbt import DbtCliResource
from dagster_duckdb import DuckDBResource

from analytics import settings
from orchestration.defs.progress import progress
from orchestration.defs.transformation.project import dbt_project


class LandingResource(dg.ConfigurableResource):
    """The folder Claude Code telemetry lands in (otlp/**/*.jsonl[.gz], members.csv)."""

    path: str
    store_content: bool = False

    @property
    def dir(self) -> Path:
        return Path(self.path)


@contextmanager
def warehouse_write_lock(warehouse: str, log=None, timeout_s: float = 6 * 3600) -> Iterator[None]:
    """Hold the warehouse's lock: DuckDB allows one writing process at a time, and no reader
    beside a writer.

    A second run waits here (and says so) instead of failing halfway on DuckDB's own lock. The
    lock is an OS file lock, released when its process ends, however it ends.
    """
    lock_path = Path(f"{warehouse}.lock")
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with lock_path.open("a") as handle:
        waited = False
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if not waited:
                    message = f"another run is using {warehouse}; waiting for it to finish"
                    progress(message)
                    if log is not None:
                        log.info(message)
                waited = True
                if time.monotonic() > deadline:
                    raise TimeoutError(f"gave up waiting for the writer lock on {warehouse}")
                time.sleep(0.5)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


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
            "dbt": DbtCliResource(project_dir=dbt_project, dbt_executable=dbt_executable()),
        }
    )
