"""Ingestion assets: landed OTLP files and the roster into the raw tables of the warehouse."""


from datetime import UTC, datetime, timedelta

import dagster as dg
from dagster_duckdb import DuckDBResource

from analytics import settings
from analytics.ingest import checks as raw_checks
from analytics.ingest import loader, otlp_sql
from analytics.ingest.loader import load_landing_dir
from analytics.ingest.raw_schema import create_raw_tables
from analytics.ingest.roster import load_roster
from analytics.progress import progress
from analytics.warehouse.lock import warehouse_write_lock
from analytics.warehouse.row_counts import row_counts
from orchestration.defs.ingestion import checks
from orchestration.defs.partitions import window_of
from orchestration.defs.resources import LandingResource
from orchestration.metadata import OWNERS, code_references, table_metadata

CODE = code_references(__file__, loader.__file__, otlp_sql.__file__)

# Keys are the dbt sources' (source otlp, table metric_points is raw.otlp_metric_points):
# asset name -> (raw table, description)
RAW_OTLP_KEYS = {
    "metric_points": ("otlp_metric_points", "One row per OTLP metric data point as delivered."),
    "log_records": ("otlp_log_records", "One row per OTLP log record (Claude Code event) as delivered."),
    "quarantine": ("quarantine", "Lines and records that could not be used, with file, line and reason."),
    "landed_files": ("landed_files", "Manifest of landed files: hash, counts, day range."),
}


class IngestConfig(dg.Config):
    reload: bool = False
    """Read again the files known to hold records of the run's days, even if unchanged."""


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            ["otlp", name], description=text, group_name="raw", kinds={"duckdb", "python"},
            owners=OWNERS, metadata={**table_metadata(table), **CODE},
        )
        for name, (table, text) in RAW_OTLP_KEYS.items()
    ],
    check_specs=checks.OTLP_CHECK_SPECS,
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
        for skipped in summary.skipped:
            progress(f"ingest: skipped {skipped.relative_path}: {skipped.reason}")
        progress(
            f"ingest: {summary.files_loaded} new or changed file(s) of {summary.files_found}, "
            f"{summary.lines_read} lines, {summary.metric_points} points, "
            f"{summary.log_records} events, {summary.quarantined} quarantined, "
            f"{summary.blank_lines} blank, {summary.lines_repaired} repaired "
            f"({summary.seconds:.1f}s)"
        )
        counts = row_counts(con, [("raw", table) for table, _ in RAW_OTLP_KEYS.values()], window)
        check_results = checks.otlp_check_results(raw_checks.reconcile(con), summary.quarantined)
        check_results.append(checks.freshness_result(
            raw_checks.newest_record_time(con), datetime.now(UTC), settings.freshness_hours()
        ))
    common = {
        "files_found": summary.files_found,
        "files_loaded": summary.files_loaded,
        "files_unchanged": summary.files_unchanged,
        "files_skipped": len(summary.skipped),
        "new_generations": summary.new_generations,
        "window": f"{window[0]} .. {window[1]} (exclusive)",
    }
    # dagster/row_count: the table's rows in the run's days (all its rows where it has no day)
    loaded = {
        "metric_points": {"rows_loaded": summary.metric_points},
        "log_records": {"rows_loaded": summary.log_records},
        "quarantine": {
            "lines_quarantined": summary.lines_quarantined,
            "records_quarantined": summary.records_quarantined,
        },
        "landed_files": {"lines_read": summary.lines_read, "seconds": round(summary.seconds, 3)},
    }
    for name, extra in loaded.items():
        table = RAW_OTLP_KEYS[name][0]
        yield dg.MaterializeResult(
            asset_key=["otlp", name],
            metadata={
                **common, **extra, "dagster/row_count": counts.get(("raw", table), 0),
                "dagster/column_schema": table_metadata(table)["dagster/column_schema"],
            },
        )
    yield from check_results


@dg.asset(
    key=["roster", "members"],
    group_name="raw",
    kinds={"duckdb", "python"},
    owners=OWNERS,
    metadata={**table_metadata("roster"), **code_references(__file__, loader.__file__)},
    pool="duckdb_warehouse",
)
def raw_roster(context: dg.AssetExecutionContext, duckdb: DuckDBResource, landing: LandingResource):
    """The optional roster, members.csv in the landing folder: who is who, team and role.

    Read as strict RFC 4180 (analytics/ingest/roster.py): a line with extra fields loads with a
    warning naming it, a malformed line is quarantined with its number, the rest loads.
    """
    with warehouse_write_lock(duckdb.database, context.log), duckdb.get_connection() as con:
        create_raw_tables(con)
        summary = load_roster(con, landing.dir)
    for warning in summary.warnings:
        context.log.warning(warning)
        progress(f"roster: {warning}")
    if not summary.found:
        progress("roster: none (members.csv not found)")
    else:
        progress(
            f"roster: {summary.rows} member row(s)"
            + (f", {summary.quarantined} line(s) quarantined" if summary.quarantined else "")
            + (" (unchanged)" if summary.unchanged else "")
        )
    return dg.MaterializeResult(
        metadata={"dagster/row_count": summary.rows, "lines_quarantined": summary.quarantined,
                  "lines_with_extra_fields": len(summary.warnings)}
    )
