"""`analytics run`: one Dagster run of the daily job over a UTC day range, with a summary."""

from __future__ import annotations

import contextlib
import logging
import sys
import time
import warnings
from datetime import UTC, date, datetime
from pathlib import Path

from analytics import settings
from analytics.instance import (
    dagster_instance,
    ensure_dbt_manifest,
    prepare_environment,
    relax_run_history_fsync,
)

JOB_NAME = "daily_pipeline"


def _configure_progress() -> None:
    logger = logging.getLogger("analytics.progress")
    if not any(getattr(h, "_analytics", False) for h in logger.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("  %(message)s"))
        handler._analytics = True  # type: ignore[attr-defined]
        logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False


def _landing_range(landing: Path, warehouse: Path) -> tuple[date | None, date | None]:
    import duckdb

    from orchestration.defs.ingestion.loader import date_range_of_landing
    from orchestration.defs.resources import warehouse_write_lock

    warehouse.parent.mkdir(parents=True, exist_ok=True)
    with warehouse_write_lock(str(warehouse)):
        con = duckdb.connect(str(warehouse), config={"memory_limit": settings.duckdb_memory_limit()})
        try:
            return date_range_of_landing(con, landing)
        finally:
            con.close()


def _failure_line(result) -> str:
    """The first failed step and the innermost cause of its error, on one line."""
    for event in result.all_events:
        if event.is_step_failure and event.step_failure_data and event.step_failure_data.error:
            error = event.step_failure_data.error
            while error.cause is not None:
                error = error.cause
            lines = [line.strip() for line in error.message.strip().splitlines() if line.strip()]
            # dbt's own summary names the failing model or test; prefer it to the wrapper's line
            detail = [line for line in lines if line.startswith(("Failure in", "Error in", "Runtime Error", "Compilation Error", "Database Error"))]
            reason = (detail or lines or ["unknown error"])[0]
            return f"step {event.step_key} failed: {reason}"
    return "the run failed"


def _materialization_metadata(result) -> dict[str, dict]:
    found = {}
    for event in result.get_asset_materialization_events():
        materialization = event.event_specific_data.materialization
        found[materialization.asset_key.to_user_string()] = {
            key: value.value for key, value in materialization.metadata.items()
        }
    return found


def _print_summary(warehouse: Path, first: date, last: date, meta: dict, seconds: float) -> None:
    from analytics.report.warehouse import connect_read_only
    from orchestration.defs.resources import warehouse_write_lock

    points = meta.get("raw/otlp_metric_points", {})
    events = meta.get("raw/otlp_log_records", {})
    quarantine = meta.get("raw/quarantine", {})
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
    from orchestration.defs.partitions import days_between

    days = days_between(first, last)
    print(f"\nDone in {seconds:.1f}s: {days} day(s) processed, {first} .. {last}")
    print(
        f"  loaded: {points.get('files_loaded', 0)} new file(s), "
        f"{points.get('points_loaded', 0)} metric points, {events.get('events_loaded', 0)} events"
    )
    print(
        f"  quarantined: {quarantine.get('lines_quarantined', 0)} line(s) and "
        f"{quarantine.get('records_quarantined', 0)} record(s) this run, "
        f"{quarantined_total} in raw.quarantine"
    )
    if row:
        dau, sessions, added, removed, accepts, rejects, rate, spend, spenders = row[0]
        rate_text = f"{rate:.1%}" if rate is not None else "n/a"
        print(
            f"  {last}: {dau} active user(s), {sessions} session(s), {added} lines accepted "
            f"(+{added}/-{removed}), accept rate {rate_text} ({accepts}/{accepts + rejects}), "
            f"${spend:,.2f} spent by {spenders} user(s)"
        )
    if settings.engine() == "spark":
        print(f"  marts: Parquet tables in the Spark warehouse {settings.spark_warehouse()} (schema marts)")
        print(f"  raw: {warehouse} (DuckDB) and Parquet in {settings.raw_parquet_dir()}")
    else:
        print(f"  warehouse: {warehouse} (schemas raw, staging, intermediate, marts)")


def run_pipeline(landing: Path, start: date | None, end: date | None, reload: bool = False) -> int:
    from analytics.cli import UsageError

    started = time.perf_counter()
    home = prepare_environment()
    _configure_progress()
    warehouse = settings.warehouse_path()
    earliest = datetime.strptime(settings.partitions_start(), "%Y-%m-%d").date()
    latest = datetime.now(UTC).date()
    if start is None or end is None:
        # the range of the folder's valid records (2020 .. tomorrow, complete lines only), cut
        # to the days a run can process: a record's clock is not a reason to fail a run
        first, last = _landing_range(landing, warehouse)
        if first is None:
            raise UsageError(f"no telemetry found under {landing / 'otlp'} (give --start and --end)")
        if start is None and first < earliest <= last:
            print(
                f"analytics run: records before {earliest} are not processed "
                "(set ANALYTICS_PARTITIONS_START to include them)",
                file=sys.stderr,
            )
            first = earliest
        if end is None and last > latest >= first:
            last = latest  # records dated tomorrow (a clock ahead) are built tomorrow
        start, end = start or first, end or last
        if start > end:
            raise UsageError(f"--start {start} is after the last day with data, {end}")
    if start < earliest:
        raise UsageError(
            f"{start} is before the first partition, {earliest} (set ANALYTICS_PARTITIONS_START)"
        )
    if end > latest:
        raise UsageError(f"{end} is in the future (today is {latest} UTC)")
    try:
        ensure_dbt_manifest()
    except RuntimeError as exc:
        raise UsageError(str(exc)) from None

    warnings.filterwarnings("ignore")
    # A window dbt has already built is not rebuilt, so its tests give no new result; Dagster
    # warns once per check that the report goes on without them (it should), on stderr.
    logging.getLogger("dagster._core.execution.plan.active").setLevel(logging.ERROR)
    relax_run_history_fsync()

    from orchestration.definitions import defs
    from orchestration.defs.partitions import days_between, partition_range_tags

    days = days_between(start, end)
    print(f"analytics run: {start} .. {end} ({days} day(s)), landing {landing}", file=sys.stderr)
    log_dir = home / "logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    log_file = log_dir / "analytics-run.log"
    job = defs.resolve_job_def(JOB_NAME)
    with log_file.open("w") as log, contextlib.redirect_stdout(log):
        result = job.execute_in_process(
            instance=dagster_instance(),
            tags=partition_range_tags(start, end),
            raise_on_error=False,
            run_config={
                "loggers": {"console": {"config": {"log_level": "CRITICAL"}}},
                "ops": {"raw_otlp": {"config": {"reload": reload}}},
            },
        )
    if not result.success:
        print(
            f"analytics: error: {_failure_line(result)} (run {result.run_id}; dbt output in {log_file})",
            file=sys.stderr,
        )
        return 1
    _print_summary(warehouse, start, end, _materialization_metadata(result), time.perf_counter() - started)
    return 0


