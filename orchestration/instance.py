"""The Dagster instance under DAGSTER_HOME and the environment every entry point sets up."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from analytics import settings

_HEADER_BEFORE = "# Written by `analytics` on first use; edit freely, it is not overwritten.\n"
# What `analytics` wrote before, and the start of DAGSTER_YAML (event logs sharded per run,
# asset events copied into history/runs/index.db): kept for a DAGSTER_HOME that already holds
# such a history, so that its runs and its assets' history stay in the UI (Dagster has no way
# to move one into the other).
SHARDED_DAGSTER_YAML = """\
# Written by `analytics` (SQLite under DAGSTER_HOME); replaced by deploy/dagster.yaml while
# unchanged when ANALYTICS_DAGSTER_STORAGE_URL is set. Edit freely: an edited file is kept.
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

# The SQLite instance: runs and schedules in Dagster's default files, event logs in one file,
# DAGSTER_HOME/event_log.db (Dagster's ConsolidatedSqliteEventLogStorage, set in dagster.yaml).
# Dagster's default keeps a database per run and copies every asset event into an index
# database as well; here each event is written once and a run creates no database of its own.
# A one-day run of the captures on a new DAGSTER_HOME, seven alternated pairs: Dagster's 291
# events took 1.46 s instead of 1.87 s, the run 7.6 s instead of 8.2 s (bench/RESULTS.md,
# twenty-fourth step). One file serves one writer at a time, which is how the runs come
# (DuckDB allows one writer: they queue behind each other).
DAGSTER_YAML = SHARDED_DAGSTER_YAML + """\
# Event logs in one file, DAGSTER_HOME/event_log.db, each event written once (Dagster's default
# is a file per run, with every asset event copied into an index file too).
event_log_storage:
  module: dagster._core.storage.event_log
  class: ConsolidatedSqliteEventLogStorage
  config:
    base_dir:
      env: DAGSTER_HOME
"""


# With ANALYTICS_DAGSTER_STORAGE_URL: the deployment's instance file, storage in PostgreSQL.
POSTGRES_DAGSTER_YAML = settings.PROJECT_ROOT / "deploy" / "dagster.yaml"


def instance_yaml(home: Path) -> str:
    """The dagster.yaml for the current settings: SQLite under DAGSTER_HOME by default, or
    PostgreSQL (dagster-postgres) for runs, event logs and schedules when
    ANALYTICS_DAGSTER_STORAGE_URL is set (the URL itself stays in the environment). On SQLite,
    the event logs in one file (DAGSTER_YAML), unless the home already holds event logs
    sharded per run and none in one file (SHARDED_DAGSTER_YAML: its history stays readable)."""
    if settings.dagster_storage_url():
        return POSTGRES_DAGSTER_YAML.read_text()
    if not (home / "event_log.db").exists() and (home / "history" / "runs" / "index.db").exists():
        return SHARDED_DAGSTER_YAML
    return DAGSTER_YAML


def _write_instance_yaml(config: Path) -> None:
    """Write dagster.yaml when missing, or when it is one we wrote for other settings (SQLite
    then PostgreSQL, or back); a file edited by hand is left as it is, with a warning when it
    ignores ANALYTICS_DAGSTER_STORAGE_URL."""
    wanted = instance_yaml(config.parent)
    current = config.read_text() if config.exists() else None
    if current == wanted:
        return
    legacy = _HEADER_BEFORE + SHARDED_DAGSTER_YAML.split("\n", 2)[2]
    ours = (DAGSTER_YAML, SHARDED_DAGSTER_YAML, legacy, POSTGRES_DAGSTER_YAML.read_text())
    if current is None or current in ours:
        config.write_text(wanted)
    elif settings.dagster_storage_url() and "postgres" not in current:
        print(
            f"analytics: warning: {config} was edited and has no postgres storage; "
            "ANALYTICS_DAGSTER_STORAGE_URL is not used (copy deploy/dagster.yaml there)",
            file=sys.stderr,
        )


def prepare_environment() -> Path:
    """Set the variables Dagster and dbt read, and create DAGSTER_HOME with its dagster.yaml."""
    home = settings.dagster_home()
    home.mkdir(parents=True, exist_ok=True)
    _write_instance_yaml(home / "dagster.yaml")
    os.environ["DAGSTER_HOME"] = str(home)
    if settings.dagster_storage_url():  # as dagster.yaml reads it, with its driver
        os.environ["ANALYTICS_DAGSTER_STORAGE_URL"] = settings.dagster_storage_url()
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


def tune_sqlite_run_storage() -> None:
    """Write this process's Dagster run history (SQLite, WAL mode) cheaply.

    Only SQLAlchemy's public event API and SQLite pragmas are used; no Dagster module is
    touched (a PostgreSQL run storage, ANALYTICS_DAGSTER_STORAGE_URL, needs none of this).

    Dagster's SQLite storage opens and closes a connection per event. With SQLite's default
    (synchronous=FULL) every commit costs an fsync; and when the last connection to a WAL
    database closes, SQLite checkpoints the WAL into the database (more fsyncs) and deletes
    it, so the next event creates it again. Together that was most of an unchanged day's run.

    So: synchronous=NORMAL, which in WAL mode is still consistent after a crash or power loss
    (SQLite's documentation; at worst the last events before a power loss are lost), and one
    idle connection per database file kept open for the life of the process, so closing
    Dagster's connections does not checkpoint; SQLite still checkpoints every 1,000 pages,
    and once when the process ends. The warehouse (DuckDB) is not affected.
    """
    import sqlite3
    import threading

    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    if getattr(tune_sqlite_run_storage, "installed", False):
        return
    keepers: dict[str, sqlite3.Connection] = {}
    attached: set[str] = set()
    lock = threading.Lock()

    def _keep_open(path: str) -> None:
        if path in attached or not path or path == ":memory:" or path.startswith("file:"):
            return
        with lock:
            keeper = keepers.get(path)
            if keeper is None:
                # a short busy timeout: if the file is locked, the next connection tries again
                keeper = keepers[path] = sqlite3.connect(
                    path, timeout=0.05, isolation_level=None, check_same_thread=False
                )
            # A connection holds the WAL open (and so prevents the checkpoint on close) once it
            # has read the database in WAL mode; a new database turns WAL on in its first use.
            # (journal_mode reports what the connection last read, so read first)
            keeper.execute("select count(*) from sqlite_master").fetchall()
            if keeper.execute("pragma journal_mode").fetchone()[0] == "wal":
                attached.add(path)

    @event.listens_for(Engine, "connect")
    def _synchronous_normal(dbapi_connection, _record) -> None:
        if isinstance(dbapi_connection, sqlite3.Connection):
            dbapi_connection.execute("PRAGMA synchronous=NORMAL")
            try:
                path = dbapi_connection.execute("pragma database_list").fetchone()[2]
                _keep_open(path)
            except sqlite3.Error:
                pass

    tune_sqlite_run_storage.installed = True  # type: ignore[attr-defined]
