"""The whole publish of a run: DuckDB marts -> PostgreSQL schema `marts`, in one transaction.

The DuckDB file is held only while reading it (the window is recorded, the rows written to
CSV files in a temporary folder), never while waiting on PostgreSQL: a slow or unreachable
serving database does not hold up the warehouse.

Each mart's change is chosen from PostgreSQL's catalog (see postgres.action_for) and, for a
mart published by window, checked first: the rows PostgreSQL holds outside the pending windows
must be as many as DuckDB's; if not (the serving database was restored from a backup, or a
run's window was never recorded), that mart is replaced whole, still row by row.
"""

from __future__ import annotations

import logging
import tempfile
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import date
from pathlib import Path

from analytics.serving import pending as pending_windows
from analytics.serving.marts import Mart, window_predicate
from analytics.serving.postgres import (
    Change,
    ServingError,
    action_for,
    connect,
    count_where,
    one_line,
    publish_transaction,
    read_catalog,
    scrub_url,
)

logger = logging.getLogger("analytics.progress")

OpenDuckDB = Callable[[], AbstractContextManager]


def publish_marts(
    open_duckdb: OpenDuckDB,
    window: tuple[date, date] | None,
    url: str | None,
    reader_role: str,
    lock_timeout_s: float = 5,
    progress: Callable[[str], None] = logger.info,
) -> dict[str, Change] | None:
    """Record `window` as pending and, with a `url`, publish every pending window.

    `open_duckdb()` is a context manager giving a DuckDB connection to the warehouse that may
    write (the caller holds the warehouse lock inside it). Returns the changes made per mart,
    or None when no serving database is set. Raises ServingError (one line) when the publish
    failed; then nothing was published and the windows stay pending.
    """
    with open_duckdb() as con:
        if window is not None:
            pending_windows.record(con, window)
        if url is None:
            return None
        sent = pending_windows.pending(con)
        marts = pending_windows.marts_in(con)
    if not marts:
        raise ServingError("the warehouse has no marts to publish: run dbt first")
    windows = [(start, end) for start, end, _ in sent]
    started = time.perf_counter()
    pg = connect(url)
    import psycopg

    try:
        plan = _plan(pg, marts, windows)
        pg.commit()
        with tempfile.TemporaryDirectory(prefix="analytics-publish-") as folder:
            with open_duckdb() as con:
                changes = _export(con, marts, windows, plan, Path(folder))
            publish_transaction(pg, changes, reader_role, lock_timeout_s)
            pg.commit()
    except ServingError:
        pg.rollback()
        raise
    except psycopg.errors.LockNotAvailable:
        pg.rollback()
        raise ServingError(
            f"the marts' columns changed and {scrub_url(url)} kept a mart locked by a reader "
            f"for more than {lock_timeout_s:g}s (lock_timeout); nothing was published, the next "
            "run tries again"
        ) from None
    except psycopg.Error as exc:
        pg.rollback()
        raise ServingError(
            f"publish to {scrub_url(url)} failed and was rolled back: {one_line(exc, url)}"
        ) from None
    finally:
        pg.close()
    with open_duckdb() as con:
        pending_windows.clear(con, sent)
    rows = sum(change.rows for change in changes)
    progress(
        f"serving: published {len(changes)} marts to {scrub_url(url)} "
        f"({rows} rows copied) in {time.perf_counter() - started:.1f}s"
    )
    return {change.mart.name: change for change in changes}


def _plan(pg, marts: list[Mart], windows: list[tuple[date, date]]) -> dict[str, tuple[str, int | None]]:
    """Each mart's action, and for a window mart PostgreSQL's row count outside the windows."""
    catalog = read_catalog(pg)
    plan = {}
    for mart in marts:
        action = action_for(mart, catalog.get(mart.name))
        outside = None
        if action == "window":
            outside = count_where(pg, mart, f"not {window_predicate(mart, windows)}")
        plan[mart.name] = (action, outside)
    return plan


def _export(con, marts: list[Mart], windows, plan, folder: Path) -> list[Change]:
    changes = []
    for mart in marts:
        action, pg_outside = plan[mart.name]
        predicate = window_predicate(mart, windows) if action == "window" else None
        if action == "window" and pending_windows.count(con, mart, f"not {predicate}") != pg_outside:
            action, predicate = "replace", None
        csv = folder / f"{mart.name}.csv"
        rows = pending_windows.export_csv(con, mart, predicate, csv)
        total = rows if predicate is None else pending_windows.count(con, mart, None)
        changes.append(Change(mart, action, csv, rows, total, predicate))
    return changes
