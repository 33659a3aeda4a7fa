"""The Dagster instance under DAGSTER_HOME and the environment every entry point sets up."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from analytics import settings

DAGSTER_YAML = """\
# Written by `analytics` on first use; edit freely, it is not overwritten.
telemetry:
  enabled: false
nux:
  enabled: false
run_queue:
  # DuckDB allows one writer: runs launched from the UI or the schedule queue behind each other.
  tag_concurrency_limits:
    - key: analytics/writes
      limit: 1
run_monitoring:
  enabled: true
"""


def prepare_environment() -> Path:
    """Set the variables Dagster and dbt read, and create DAGSTER_HOME with its dagster.yaml."""
    home = settings.dagster_home()
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    if not config.exists():
        config.write_text(DAGSTER_YAML)
    os.environ["DAGSTER_HOME"] = str(home)
    os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
    os.environ["ANALYTICS_WAREHOUSE"] = str(settings.warehouse_path())
    os.environ["ANALYTICS_LANDING_DIR"] = str(settings.landing_dir())
    bin_dir = str(Path(sys.executable).parent)
    if bin_dir not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = bin_dir + os.pathsep + os.environ.get("PATH", "")
    return home


def _dbt_sources_newer_than(manifest: Path) -> bool:
    if not manifest.exists():
        return True
    built = manifest.stat().st_mtime
    project = settings.DBT_PROJECT_DIR
    candidates = [project / "dbt_project.yml", project / "profiles.yml"]
    for folder in ("models", "macros", "tests", "seeds"):
        candidates.extend((project / folder).rglob("*"))
    return any(path.is_file() and path.stat().st_mtime > built for path in candidates)


def ensure_dbt_manifest() -> None:
    """Run `dbt parse` when the manifest is missing or older than the dbt project's files."""
    manifest = settings.DBT_PROJECT_DIR / "target" / "manifest.json"
    if not _dbt_sources_newer_than(manifest):
        return
    dbt = Path(sys.executable).parent / "dbt"
    completed = subprocess.run(
        [str(dbt) if dbt.exists() else "dbt", "parse", "--quiet", "--profiles-dir", "."],
        cwd=settings.DBT_PROJECT_DIR,
        capture_output=True,
        text=True,
    )
    if completed.returncode != 0:
        detail = (completed.stdout + completed.stderr).strip().splitlines()
        raise RuntimeError("dbt parse failed: " + (detail[-1] if detail else "no output"))


def relax_run_history_fsync() -> None:
    """Write this process's Dagster run history (SQLite, WAL mode) with synchronous=NORMAL.

    Dagster's SQLite storage opens a connection per event, and with SQLite's default (FULL)
    every event costs an fsync: about 8 s of a 25 s run on this project's machines. In WAL mode
    NORMAL is still consistent after a crash or power loss (SQLite's documentation); at worst
    the last events before a power loss are lost. The warehouse (DuckDB) is not affected.
    """
    import sqlite3

    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    if getattr(relax_run_history_fsync, "installed", False):
        return

    @event.listens_for(Engine, "connect")
    def _synchronous_normal(dbapi_connection, _record) -> None:
        if isinstance(dbapi_connection, sqlite3.Connection):
            dbapi_connection.execute("PRAGMA synchronous=NORMAL")

    relax_run_history_fsync.installed = True  # type: ignore[attr-defined]
