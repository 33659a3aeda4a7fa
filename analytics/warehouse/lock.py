"""The warehouse lock: DuckDB allows one writing process, and no reader beside a writer.

Every process that opens the warehouse (ingestion, dbt, reports, the CLI's summary) holds
`<warehouse>.lock` while it does, so a second run or a report waits instead of failing on
DuckDB's own lock halfway. It is an OS file lock: released when its process ends, however it
ends. Kept free of Dagster imports so quick commands stay quick.

Processes outside the project (a BI tool's DuckDB driver, a shell) do not take that lock, only
DuckDB's own: `open_warehouse` opens the file through DuckDB's lock conflict, saying at once
which process holds it and retrying until ANALYTICS_WAREHOUSE_WAIT_S, and fails at once, in one
line, on a path that cannot be opened at all.
"""

from __future__ import annotations

import fcntl
import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from analytics.errors import WarehouseBusy, WarehouseUnavailable
from analytics.progress import progress

# DuckDB: 'Could not set lock on file "...": Conflicting lock is held in /usr/bin/python3 (PID 42)'
_CONFLICT = re.compile(r"Conflicting lock is held in (?P<program>.+?) \(PID (?P<pid>\d+)\)")


def _is_lock_conflict(message: str) -> bool:
    return "Could not set lock" in message or "Conflicting lock" in message


def lock_holder(message: str) -> str:
    """'PID 42, /usr/bin/python3' from DuckDB's lock-conflict message, where it names one."""
    found = _CONFLICT.search(message)
    if not found:
        return "PID unknown"
    return f"PID {found.group('pid')}, {found.group('program')}"


def _first_line(message: str) -> str:
    line = next((part.strip() for part in message.splitlines() if part.strip()), message)
    return re.sub(r"^IO Error:\s*", "", line)


def open_warehouse(
    path: str | Path,
    read_only: bool = False,
    wait_s: float = 600,
    on_wait: Callable[[str], None] | None = None,
    config: dict | None = None,
):
    """A DuckDB connection to the warehouse, waiting up to `wait_s` for another process to let
    go of it (`on_wait` hears once, at the first conflict, who holds it).

    Raises WarehouseBusy after the wait, WarehouseUnavailable at once when the file cannot be
    opened for another reason; both one line naming the file.
    """
    import duckdb

    deadline = time.monotonic() + wait_s
    announced = False
    while True:
        try:
            return duckdb.connect(str(path), read_only=read_only, config=config or {})
        except duckdb.IOException as exc:
            message = str(exc)
            if not _is_lock_conflict(message):
                raise WarehouseUnavailable(
                    f"cannot open the warehouse {path}: {_first_line(message)}"
                ) from None
            holder = lock_holder(message)
            if time.monotonic() >= deadline:
                raise WarehouseBusy(
                    f"another process ({holder}) kept the warehouse {path} for more than "
                    f"{wait_s:g}s (ANALYTICS_WAREHOUSE_WAIT_S); close it and run again"
                ) from None
            if not announced and on_wait is not None:
                on_wait(
                    f"waiting for another process holding the warehouse {path} ({holder}) "
                    f"to let go; giving up after {wait_s:g}s (ANALYTICS_WAREHOUSE_WAIT_S)"
                )
            announced = True
            time.sleep(min(0.5, max(0.0, deadline - time.monotonic())))
        except duckdb.Error as exc:  # not a DuckDB file, a read-only open of a missing file
            raise WarehouseUnavailable(
                f"cannot open the warehouse {path}: {_first_line(str(exc))}"
            ) from None


def check_warehouse(
    path: str | Path, wait_s: float, on_wait: Callable[[str], None] | None = None,
    config: dict | None = None,
) -> None:
    """Before a run: the warehouse's folder exists (or is made) and the file opens for writing,
    after waiting for another process holding it. Raises as open_warehouse does."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise WarehouseUnavailable(
            f"cannot create the warehouse's folder {path.parent}: {exc.strerror or exc}"
        ) from None
    open_warehouse(path, read_only=False, wait_s=wait_s, on_wait=on_wait, config=config).close()


@contextmanager
def warehouse_lock(
    warehouse: str | Path,
    on_wait: Callable[[str], None] | None = None,
    timeout_s: float = 6 * 3600,
) -> Iterator[None]:
    lock_path = Path(f"{warehouse}.lock")
    try:
        lock_path.parent.mkdir(parents=True, exist_ok=True)
        handle = lock_path.open("a")
    except OSError:  # a warehouse we may read but not lock (a read-only folder): DuckDB decides
        yield
        return
    with handle:
        deadline = time.monotonic() + timeout_s
        waited = False
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise WarehouseBusy(f"another run kept {warehouse} busy; try again when it finishes") from None
                if not waited and on_wait is not None:
                    on_wait(f"another run is using {warehouse}; waiting for it to finish")
                waited = True
                time.sleep(0.5)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def warehouse_write_lock(warehouse: str | Path, log=None, timeout_s: float = 6 * 3600):
    """The warehouse lock, announcing a wait in the progress output and in `log` (a run's log)."""

    def announce(message: str) -> None:
        progress(message)
        if log is not None:
            log.info(message)

    return warehouse_lock(warehouse, on_wait=announce, timeout_s=timeout_s)
