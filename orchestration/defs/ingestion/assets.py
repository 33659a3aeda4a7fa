"""Ingestion assets: landed OTLP files and the roster into the raw tables of the warehouse."""


from datetime import timedelta

import dagster as dg
from dagster_duckdb import DuckDBResource

from analytics.ingest import checks as raw_checks
from analytics.ingest.loader import load_landing_dir, load_roster
from analytics.progress import progress
from analytics.warehouse.lock import warehouse_write_lock
from orchestration.defs.ingestion import checks
from orchestration.defs.partitions import daily_partitions, window_of
from orchestration.defs.resources import LandingResource

RAW_OTLP_KEYS = {
    "otlp_metric_points": "One row per OTLP metric data point as delivered.",
    "otlp_log_records": "One row per OTLP log record (Claude Code event) as delivered.",
    "quarantine": "Lines and records that could not be used, with file, line and reason.",
    "landed_files": "Manifest of landed files: hash, counts, day range.",
}


class IngestConfig(dg.Config):
    reload: bool = False
    """Read again the files known to hold records of the run's days, even if unchanged."""


@dg.multi_asset(
    specs=[
        dg.AssetSpec(["raw", name], description=text, group_name="raw", kinds={"duckdb"})
        for name, text in RAW_OTLP_KEYS.items()
    ],
    check_specs=checks.OTLP_CHECK_SPECS,
    partitions_def=daily_partitions,
    backfill_policy=dg.BackfillPolicy.single_run(),
    pool="duckdb_warehouse",
    can_subset=False,
)
def raw_otlp(
    context: dg.AssetExecutionContext,
    config: IngestConfig,
    duckdb: DuckDBResource,
    landing: LandingResource,
):
    """Load every new or changed OTLP file of the landing folder, each file whole, atomically.

    Raw rows are keyed by file, so a file is read once however many partitions it spans; a
    rerun with nothing new reads nothing. The run's partition window only matters for
    `reload`, and for the dbt models downstream, which rebuild exactly those days.
    """
    window = window_of(context)
    with warehouse_write_lock(duckdb.database, context.log), duckdb.get_connection() as con:
        summary = load_landing_dir(
            con,
            landing.dir,
            store_content=landing.store_content,
            # raw is keyed by UTC day: the window's local days lie within a day of it either side
            reload_window=(window[0] - timedelta(days=1), window[1] + timedelta(days=1))
            if config.reload
            else None,
        )
        progress(
            f"ingest: {summary.files_loaded} new or changed file(s) of {summary.files_found}, "
            f"{summary.lines_read} lines, {summary.metric_points} points, "
            f"{summary.log_records} events, {summary.quarantined} quarantined "
            f"({summary.seconds:.1f}s)"
        )
        window_rows = raw_checks.window_row_counts(con, window)
        check_results = checks.otlp_check_results(raw_checks.reconcile(con), summary.quarantined)
    common = {
        "files_found": summary.files_found,
        "files_loaded": summary.files_loaded,
        "files_unchanged": summary.files_unchanged,
        "window": f"{window[0]} .. {window[1]} (exclusive)",
    }
    yield dg.MaterializeResult(
        asset_key=["raw", "otlp_metric_points"],
        metadata={**common, "points_loaded": summary.metric_points, "rows_in_window": window_rows["points"]},
    )
    yield dg.MaterializeResult(
        asset_key=["raw", "otlp_log_records"],
        metadata={**common, "events_loaded": summary.log_records, "rows_in_window": window_rows["events"]},
    )
    yield dg.MaterializeResult(
        asset_key=["raw", "quarantine"],
        metadata={
            **common,
            "lines_quarantined": summary.lines_quarantined,
            "records_quarantined": summary.records_quarantined,
        },
    )
    yield dg.MaterializeResult(
        asset_key=["raw", "landed_files"],
        metadata={**common, "lines_read": summary.lines_read, "seconds": round(summary.seconds, 3)},
    )
    yield from check_results


@dg.asset(
    key=["raw", "roster"],
    group_name="raw",
    kinds={"duckdb"},
    partitions_def=daily_partitions,
    backfill_policy=dg.BackfillPolicy.single_run(),
    pool="duckdb_warehouse",
)
def raw_roster(context: dg.AssetExecutionContext, duckdb: DuckDBResource, landing: LandingResource):
    """The optional roster, members.csv in the landing folder: who is who, team and role."""
    with warehouse_write_lock(duckdb.database, context.log), duckdb.get_connection() as con:
        rows = load_roster(con, landing.dir)
    progress(f"roster: {rows} member row(s)" if rows else "roster: none (members.csv not found)")
    return dg.MaterializeResult(metadata={"rows": rows})
