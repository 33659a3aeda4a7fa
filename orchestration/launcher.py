"""The run launcher behind `analytics run`: one in-process Dagster run of the daily job over a
range of days in the organization's zone (ANALYTICS_TIMEZONE), recorded in the Dagster
instance (so it shows in the UI), then its summary."""

from __future__ import annotations

import contextlib
import re
import sys
import time
from datetime import date, timedelta
from pathlib import Path

from analytics import progress, settings
from analytics.dates import days_between, today_in
from analytics.errors import UsageError
from analytics.ingest.loader import date_range_of_landing
from analytics.report.formatting import printable
from analytics.summary import LoadCounts, summary_lines
from analytics.warehouse import run_state
from analytics.warehouse.lock import open_warehouse, warehouse_write_lock
from orchestration.dbt import ensure_dbt_manifest
from orchestration.instance import dagster_instance, prepare_environment, tune_sqlite_run_storage
from orchestration.partition_start import partitions_start, record_start
from orchestration.patches import quiet_unexecuted_check_warnings

JOB_NAME = "daily_pipeline"



def _landing_range(landing: Path, warehouse: Path) -> tuple[date | None, date | None]:
    """The first and last local day of the landing folder's records."""
    with warehouse_write_lock(str(warehouse)):
        con = open_warehouse(
            warehouse, wait_s=settings.warehouse_wait_s(), on_wait=progress.progress,
            config={"memory_limit": settings.duckdb_memory_limit()},
        )
        try:
            return date_range_of_landing(con, landing, settings.zone())
        finally:
            con.close()


def _check_zone(warehouse: Path, start: date, end: date, reload: bool, today: date) -> None:
    """Refuse, before anything runs, a run in a zone other than the marts' that is not their
    full rebuild (the dbt asset checks again, for runs launched from the UI or schedule)."""
    from analytics.warehouse import build_log

    if not warehouse.exists():
        return
    with warehouse_write_lock(str(warehouse)):
        con = open_warehouse(
            warehouse, wait_s=settings.warehouse_wait_s(), on_wait=progress.progress,
            config={"memory_limit": settings.duckdb_memory_limit()},
        )
        try:
            build_log.check_zone(con, settings.timezone(), (start, end + timedelta(days=1)), reload, today)
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
            # the library's own errors are one line already: without Dagster's "module.Class: "
            if error.cls_name:
                reason = re.sub(rf"^(?:[\w.]+\.)?{re.escape(error.cls_name)}: ", "", reason)
            # the message may quote data (a value DuckDB could not cast): printable only
            return f"step {event.step_key} failed: {printable(reason)}"
    return "the run failed"


def _check_privacy_settings() -> None:
    from analytics.errors import PseudonymKeyError
    from analytics.privacy import required_key

    try:
        required_key()
        settings.min_group_size()
    except (PseudonymKeyError, ValueError) as exc:
        raise UsageError(str(exc)) from None


def _materialized(result, key) -> bool:
    return any(
        event.event_specific_data.materialization.asset_key == key
        for event in result.get_asset_materialization_events()
    )


def _load_counts(result) -> LoadCounts:
    """What ingestion loaded, from the run's materialization metadata of the raw assets."""
    found: dict[str, dict] = {}
    for event in result.get_asset_materialization_events():
        materialization = event.event_specific_data.materialization
        found[materialization.asset_key.to_user_string()] = {
            key: value.value for key, value in materialization.metadata.items()
        }
    points = found.get("otlp/metric_points", {})
    events = found.get("otlp/log_records", {})
    quarantine = found.get("otlp/quarantine", {})
    return LoadCounts(
        files=points.get("files_loaded", 0),
        metric_points=points.get("rows_loaded", 0),
        events=events.get("rows_loaded", 0),
        lines_quarantined=quarantine.get("lines_quarantined", 0),
        records_quarantined=quarantine.get("records_quarantined", 0),
    )


def run_pipeline(
    landing: Path, start: date | None, end: date | None, reload: bool = False, inputs: str | None = None
) -> int:
    """One run over start .. end (the landing folder's range where not given). With `inputs`
    (analytics/warehouse/run_state.py), a success is recorded, so the same run again with
    nothing changed can be answered without running."""
    started = time.perf_counter()
    try:
        zone = settings.timezone()
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    home = prepare_environment()
    progress.to_stderr()
    _check_privacy_settings()
    warehouse = settings.warehouse_path()
    explicit_start = settings.partitions_start()
    latest = today_in(settings.zone())
    if start is None or end is None:
        # the range of the folder's valid records (2020 .. tomorrow, complete lines only), cut
        # to the days a run can process: a record's clock is not a reason to fail a run
        first, last = _landing_range(landing, warehouse)
        if first is None:
            raise UsageError(f"no telemetry found under {landing / 'otlp'} (give --start and --end)")
        earliest = partitions_start()
        if start is None and explicit_start and first < earliest <= last:
            print(
                f"analytics run: records before {earliest} are not processed "
                "(ANALYTICS_PARTITIONS_START)",
                file=sys.stderr,
            )
            first = earliest
        if end is None and last > latest >= first:
            last = latest  # records dated tomorrow (a clock ahead) are built tomorrow
        start, end = start or first, end or last
        if start > end:
            raise UsageError(f"--start {start} is after the last day with data, {end}")
    if end > latest:
        raise UsageError(f"{end} is in the future (today is {latest} in {zone})")
    _check_zone(warehouse, start, end, reload, latest)
    record_start(start)  # the partitions begin at the data's first day (or the asked backfill's)
    earliest = partitions_start()
    if start < earliest:  # only where ANALYTICS_PARTITIONS_START is set
        raise UsageError(
            f"{start} is before the first partition, {earliest} (ANALYTICS_PARTITIONS_START)"
        )
    try:
        ensure_dbt_manifest()
    except RuntimeError as exc:
        raise UsageError(str(exc)) from None

    quiet_unexecuted_check_warnings()
    if not settings.dagster_storage_url():  # the SQLite run history only
        tune_sqlite_run_storage()

    from orchestration.definitions import defs
    from orchestration.defs.alerts.assets import ALERTS_KEY, deliver_budget_alerts
    from orchestration.defs.partitions import partition_range_tags

    days = days_between(start, end)
    print(
        f"analytics run: {start} .. {end} ({days} {zone} day(s)), landing {landing}", file=sys.stderr
    )
    log_dir = home / "logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    log_file = log_dir / "analytics-run.log"
    job = defs.resolve_job_def(JOB_NAME)
    run_state.forget()
    with log_file.open("w") as log, contextlib.redirect_stdout(log), progress.also_to(log):
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
    if not _materialized(result, ALERTS_KEY):
        # dbt had nothing new, so the alerts step was skipped with it: still retry what a
        # failed webhook left unsent
        deliver_budget_alerts(str(warehouse))
    seconds = time.perf_counter() - started
    print("\n".join(summary_lines(warehouse, start, end, _load_counts(result), seconds)))
    if inputs is not None:
        run_state.record(inputs, result.run_id, start, end)
    return 0


