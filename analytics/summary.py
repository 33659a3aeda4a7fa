"""The summary `analytics run` prints at the end: what was loaded, and the last day's numbers,
read from the marts (the one home of every number)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from analytics import settings
from analytics.dates import days_between
from analytics.report.warehouse import connect_read_only
from analytics.warehouse.lock import warehouse_write_lock


@dataclass(frozen=True)
class LoadCounts:
    """What the run's ingestion loaded (from its assets' materialization metadata)."""

    files: int = 0
    metric_points: int = 0
    events: int = 0
    lines_quarantined: int = 0
    records_quarantined: int = 0


def summary_lines(
    warehouse: Path, first: date, last: date, loaded: LoadCounts, seconds: float, up_to_date: bool = False
) -> list[str]:
    """The summary of a run over first .. last; `up_to_date` when it was not run again because
    nothing changed (analytics/warehouse/run_state.py)."""
    with warehouse_write_lock(str(warehouse)):
        con = connect_read_only(warehouse)
        try:
            row = con.execute(
                "select daily_active_users, sessions, lines_added, lines_removed, edit_accepts, "
                "edit_rejects, accept_rate, spend_usd, spending_users "
                "from marts.fct_org_daily where usage_date = ?",
                [last],
            ).fetchall()
            quarantined_total = con.execute("select count(*) from raw.quarantine").fetchall()[0][0]
        finally:
            con.close()
    lines = [
        "",
        (f"Done in {seconds:.1f}s: {days_between(first, last)} day(s) {'up to date' if up_to_date else 'processed'}, {first} .. {last} "
         f"(days are {settings.timezone()} calendar days)"),
        (f"  loaded: {loaded.files} new file(s), {loaded.metric_points} metric points, "
        f"{loaded.events} events"),
        (f"  quarantined: {loaded.lines_quarantined} line(s) and {loaded.records_quarantined} "
        f"record(s) this run, {quarantined_total} in raw.quarantine"),
    ]
    if row:
        dau, sessions, added, removed, accepts, rejects, rate, spend, spenders = row[0]
        rate_text = f"{rate:.1%}" if rate is not None else "n/a"
        lines.append(
            f"  {last}: {dau} active user(s), {sessions} session(s), {added} lines accepted "
            f"(+{added}/-{removed}), accept rate {rate_text} ({accepts}/{accepts + rejects}), "
            f"${spend:,.2f} spent by {spenders} user(s)"
        )
    if settings.engine() == "spark":
        lines.append(
            f"  marts: Parquet tables in the Spark warehouse {settings.spark_warehouse()} (schema marts)"
        )
        lines.append(f"  raw: {warehouse} (DuckDB) and Parquet in {settings.raw_parquet_dir()}")
    else:
        lines.append(f"  warehouse: {warehouse} (schemas raw, staging, intermediate, marts)")
    return lines
