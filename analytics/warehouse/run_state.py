"""What the last successful `analytics run` ran on, so the same run again with nothing changed
is answered from the warehouse instead of being run a second time.

A run's inputs are summed up in one digest, taken before it starts:

- the range asked for (the flags as given) and today's date in the organization's zone (the
  page's month and the freshness check follow the calendar);
- every file under the landing folder: its path, size and modification time (telemetry, the
  roster, budgets, kept Admin API pages);
- the settings: every ANALYTICS_, DBT_ and DAGSTER_ environment variable that a run reads,
  hashed with the rest (the digest is all that is kept: no value, secret or not, is written);
- the code: the library, the Dagster definitions and the dbt project's files, and uv.lock.

After the run succeeds, the digest is kept in DAGSTER_HOME with the warehouse file's size and
modification time as the run left it. The same `analytics run` is skipped when the digest is the
same and the warehouse is untouched since (no other run, erasure or hand edit wrote to it).

Never skipped: `--reload`, `--force`, a run with ANTHROPIC_ADMIN_KEY set (the Admin API may
have new report days that nothing here shows), and a run while budget alerts wait to be posted
(the run retries the webhook). A Dagster run launched from the UI or the schedule is never
skipped either: this is the command's shortcut, not the job's.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from analytics import settings
from analytics.dates import today_in
from analytics.warehouse.build_log import DBT_SOURCE_FOLDERS

STATE_FILE = "analytics-last-run.json"
SETTINGS_PREFIXES = ("ANALYTICS_", "DBT_", "DAGSTER_")
# Set by the launcher itself (or, for the window, only while dbt runs): not the user's settings,
# and their values are part of the digest through the settings below.
LAUNCHER_VARIABLES = {
    "ANALYTICS_WAREHOUSE", "ANALYTICS_LANDING_DIR", "ANALYTICS_DAGSTER_STORAGE_URL",
    "ANALYTICS_DBT_MIN_DATE", "ANALYTICS_DBT_MAX_DATE", "DAGSTER_HOME", "DBT_SEND_ANONYMOUS_USAGE_STATS",
}
CODE_FOLDERS = ("analytics", "analytics_cli", "orchestration", *(f"dbt_project/{f}" for f in DBT_SOURCE_FOLDERS))
CODE_FILES = ("dbt_project/dbt_project.yml", "dbt_project/profiles.yml", "uv.lock", "pyproject.toml")
SKIPPED_FOLDERS = {"__pycache__", "target", "logs", "dbt_packages"}


@dataclass(frozen=True)
class LastRun:
    run_id: str
    finished_at: str
    start: date
    end: date


def _size_and_mtime(path: Path) -> list[int] | None:
    """[size, mtime_ns] of a file, or None when it cannot be read (absent)."""
    try:
        stat = path.stat()
    except OSError:
        return None
    return [stat.st_size, stat.st_mtime_ns]


def _files(root: Path, skip: set[str] = frozenset()):
    """(path relative to root, [size, mtime_ns] or None) of every file under root, in a fixed order."""
    for folder, folders, names in os.walk(root):
        folders[:] = sorted(f for f in folders if f not in skip)
        for name in sorted(names):
            path = Path(folder) / name
            yield str(path.relative_to(root)), _size_and_mtime(path)


def inputs_digest(landing: Path, start: date | None, end: date | None) -> str:
    """The digest of everything a run over these flags reads (see the module's docstring)."""
    digest = hashlib.sha256()

    def add(*parts) -> None:
        digest.update(json.dumps(parts, default=str).encode())
        digest.update(b"\n")

    add("range", start, end, today_in(settings.zone()))
    add("paths", str(landing), str(settings.warehouse_path()), str(settings.dagster_home()),
        settings.dagster_storage_url() or "")
    for name in sorted(os.environ):
        if name.startswith(SETTINGS_PREFIXES) and name not in LAUNCHER_VARIABLES:
            add("env", name, os.environ[name])
    for entry in _files(landing):
        add("landing", *entry)
    root = settings.PROJECT_ROOT
    for folder in CODE_FOLDERS:
        for entry in _files(root / folder, SKIPPED_FOLDERS):
            add("code", folder, *entry)
    for name in CODE_FILES:
        add("code", name, _size_and_mtime(root / name))
    return digest.hexdigest()


def _warehouse_state(warehouse: Path) -> list:
    """The warehouse file and its write-ahead log, as [size, mtime_ns] or None when absent."""
    return [_size_and_mtime(path) for path in (warehouse, Path(str(warehouse) + ".wal"))]


def record(inputs: str, run_id: str, start: date, end: date) -> None:
    """Keep what this successful run over start .. end ran on, with the warehouse as it left it."""
    path = settings.dagster_home() / STATE_FILE
    state = {
        "inputs": inputs,
        "warehouse": _warehouse_state(settings.warehouse_path()),
        "run_id": run_id,
        "start": start.isoformat(),
        "end": end.isoformat(),
        "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(state))
    temporary.replace(path)


def forget() -> None:
    """A run started: until it succeeds, nothing is known to be up to date."""
    (settings.dagster_home() / STATE_FILE).unlink(missing_ok=True)


def may_skip() -> bool:
    """Whether a run could be skipped at all, before its inputs are read."""
    return not settings.admin_key_set()


def unchanged_since_last_run(inputs: str) -> LastRun | None:
    """The last run, when it succeeded on the same inputs and the warehouse is as it left it,
    and no budget alert waits for the webhook; else None (run)."""
    try:
        state = json.loads((settings.dagster_home() / STATE_FILE).read_text())
    except (OSError, ValueError):
        return None
    if state.get("inputs") != inputs or state.get("warehouse") != _warehouse_state(settings.warehouse_path()):
        return None
    if settings.alert_webhook_url() and _alerts_waiting():
        return None
    try:
        start, end = date.fromisoformat(state["start"]), date.fromisoformat(state["end"])
    except (KeyError, TypeError, ValueError):
        return None
    return LastRun(str(state.get("run_id", "")), str(state.get("finished_at", "")), start, end)


def _alerts_waiting() -> bool:
    from analytics.alerts import pending_alerts
    from analytics.report.warehouse import connect_read_only

    try:
        con = connect_read_only(settings.warehouse_path())
    except Exception:  # noqa: BLE001 - when in doubt, run
        return True
    try:
        return bool(pending_alerts(con))
    except Exception:  # noqa: BLE001
        return True
    finally:
        con.close()
