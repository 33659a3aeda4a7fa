"""The Dagster instance under DAGSTER_HOME and the environment every entry point sets up."""

from __future__ import annotations

import os
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


def dagster_instance():
    """The Dagster instance under DAGSTER_HOME, its storages created under a file lock.

    Dagster's SQLite run and schedule storages create their database on first use without
    guarding against a second process doing the same at that moment (both stamp the schema
    version; one fails). Two `analytics run`s started at once on a new DAGSTER_HOME would race
    there, so the instance is made while holding `DAGSTER_HOME/.instance.lock`.
    """
    import fcntl

    import dagster as dg

    home = settings.dagster_home()
    home.mkdir(parents=True, exist_ok=True)
    with (home / ".instance.lock").open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            instance = dg.DagsterInstance.get()
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
    return instance
