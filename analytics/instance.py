"""The Dagster instance under DAGSTER_HOME and the environment every entry point sets up."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from analytics import settings

_HEADER_BEFORE = "# Written by `analytics` on first use; edit freely, it is not overwritten.\n"
DAGSTER_YAML = """\
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


# With ANALYTICS_DAGSTER_STORAGE_URL: the deployment's instance file, storage in PostgreSQL.
POSTGRES_DAGSTER_YAML = settings.PROJECT_ROOT / "deploy" / "dagster.yaml"


def instance_yaml() -> str:
    """The dagster.yaml for the current settings: SQLite under DAGSTER_HOME by default, or
    PostgreSQL (dagster-postgres) for runs, event logs and schedules when
    ANALYTICS_DAGSTER_STORAGE_URL is set (the URL itself stays in the environment)."""
    if settings.dagster_storage_url():
        return POSTGRES_DAGSTER_YAML.read_text()
    return DAGSTER_YAML


def _write_instance_yaml(config: Path) -> None:
    """Write dagster.yaml when missing, or when it is one we wrote for other settings (SQLite
    then PostgreSQL, or back); a file edited by hand is left as it is, with a warning when it
    ignores ANALYTICS_DAGSTER_STORAGE_URL."""
    wanted = instance_yaml()
    current = config.read_text() if config.exists() else None
    if current == wanted:
        return
    legacy = _HEADER_BEFORE + DAGSTER_YAML.split("\n", 2)[2]
    if current is None or current in (DAGSTER_YAML, legacy, POSTGRES_DAGSTER_YAML.read_text()):
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
        check=False,
    )
    if completed.returncode != 0:
        detail = (completed.stdout + completed.stderr).strip().splitlines()
        raise RuntimeError("dbt parse failed: " + (detail[-1] if detail else "no output"))


def relax_run_history_fsync() -> None:
    """Write this process's Dagster run history (SQLite, WAL mode) cheaply.

    Dagster's SQLite storage opens and closes a connection per event. With SQLite's default
    (synchronous=FULL) every commit costs an fsync; and when the last connection to a WAL
    database closes, SQLite checkpoints the WAL into the database (more fsyncs) and deletes
    it, so the next event creates it again. Together that was most of an unchanged day's run.

    So: synchronous=NORMAL, which in WAL mode is still consistent after a crash or power loss
    (SQLite's documentation; at worst the last events before a power loss are lost), and one
    idle connection per database file kept open for the life of the process, so closing
    Dagster's connections does not checkpoint; SQLite still checkpoints every 1,000 pages,
    and once when the process ends. Dagster also builds a new SQLAlchemy engine per event, and
    so compiles every statement again; the engines are reused (see _reuse_sqlite_engines).
    The warehouse (DuckDB) is not affected.
    """
    import sqlite3
    import threading

    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    if getattr(relax_run_history_fsync, "installed", False):
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

    _reuse_sqlite_engines()

    @event.listens_for(Engine, "connect")
    def _synchronous_normal(dbapi_connection, _record) -> None:
        if isinstance(dbapi_connection, sqlite3.Connection):
            dbapi_connection.execute("PRAGMA synchronous=NORMAL")
            try:
                path = dbapi_connection.execute("pragma database_list").fetchone()[2]
                _keep_open(path)
            except sqlite3.Error:
                pass

    relax_run_history_fsync.installed = True  # type: ignore[attr-defined]


# Dagster's SQLite storages (run, event log, schedule) as of the locked version: each calls
# `create_engine(url, poolclass=NullPool, ...)` for every connection it opens.
_SQLITE_STORAGE_MODULES = (
    "dagster._core.storage.event_log.sqlite.sqlite_event_log",
    "dagster._core.storage.event_log.sqlite.consolidated_sqlite_event_log",
    "dagster._core.storage.runs.sqlite.sqlite_run_storage",
    "dagster._core.storage.schedules.sqlite.sqlite_schedule_storage",
)


def _reuse_sqlite_engines() -> None:
    """Let Dagster's SQLite storages reuse one engine per database and settings in this process.

    The engines keep NullPool (a connection is still opened and closed per use, as before); what
    is reused is the engine's dialect set-up and its cache of compiled statements, which cost
    several milliseconds a new engine, i.e. per event. Modules missing or changed in another
    Dagster version are left as they are.
    """
    import importlib

    from sqlalchemy.pool import NullPool

    engines: dict = {}

    for name in _SQLITE_STORAGE_MODULES:
        try:
            module = importlib.import_module(name)
        except ImportError:
            continue
        original = getattr(module, "create_engine", None)
        if original is None or getattr(original, "_analytics_reuse", False):
            continue

        def create_engine(url, *args, _original=original, **kwargs):
            if args or kwargs.get("poolclass") is not NullPool:
                return _original(url, *args, **kwargs)
            key = (str(url), repr(sorted(kwargs.items(), key=lambda item: item[0])))
            engine = engines.get(key)
            if engine is None:
                engine = engines[key] = _original(url, **kwargs)
            return engine

        create_engine._analytics_reuse = True  # type: ignore[attr-defined]
        module.create_engine = create_engine


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
