"""The warehouse lock: DuckDB allows one writing process, and no reader beside a writer.

Every process that opens the warehouse (ingestion, dbt, reports, the CLI's summary) holds
`<warehouse>.lock` while it does, so a second run or a report waits instead of failing on
DuckDB's own lock halfway. It is an OS file lock: released when its process ends, however it
ends. Kept free of Dagster imports so quick commands stay quick.
"""

from __future__ import annotations

import fcntl
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from analytics.errors import WarehouseBusy
from analytics.progress import progress


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
