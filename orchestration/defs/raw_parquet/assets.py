"""The raw layer published as Parquet (raw_parquet.py), as assets: present when it is written,
that is with the spark engine or ANALYTICS_RAW_PARQUET_DIR set."""

import dagster as dg
from dagster_duckdb import DuckDBResource

from analytics import settings
from analytics.ingest.raw_parquet import PARTITIONED_TABLES, WHOLE_TABLES, publish
from analytics.progress import progress
from analytics.warehouse.lock import warehouse_write_lock

PARQUET_KEY_PREFIX = "raw_parquet"


def parquet_asset_key(table: str) -> dg.AssetKey:
    return dg.AssetKey([PARQUET_KEY_PREFIX, table])


def raw_asset_key(table: str) -> dg.AssetKey:
    """The key of the asset that loads raw.<table>: its dbt source's key, named after the system
    (raw.otlp_metric_points is otlp/metric_points, raw.roster is roster/members, raw.budgets budgets/budgets,
    raw.member_pseudonyms privacy/member_pseudonyms)."""
    if table == "roster":
        return dg.AssetKey(["roster", "members"])
    if table == "budgets":
        return dg.AssetKey(["budgets", "budgets"])
    if table == "member_pseudonyms":
        return dg.AssetKey(["privacy", "member_pseudonyms"])
    for system in ("otlp", "admin_api"):
        if table.startswith(system + "_"):
            return dg.AssetKey([system, table.removeprefix(system + "_")])
    return dg.AssetKey(["otlp", table])


@dg.multi_asset(
    name="raw_parquet",
    specs=[
        dg.AssetSpec(
            parquet_asset_key(table),
            deps=[raw_asset_key(table)],
            description=(
                f"raw.{table} as Parquet"
                + (
                    ", one usage_date=YYYY-MM-DD folder per UTC day."
                    if table in PARTITIONED_TABLES
                    else "."
                )
            ),
            group_name="raw",
            kinds={"parquet"},
        )
        for table in PARTITIONED_TABLES + WHOLE_TABLES
    ],
    pool="duckdb_warehouse",
    can_subset=False,
)
def raw_parquet(context: dg.AssetExecutionContext, duckdb: DuckDBResource):
    """Publish every day of the raw tables that changed since it was last published, each day
    swapped into place whole, so any engine reads the same raw data as DuckDB."""
    root = settings.raw_parquet_dir()
    with warehouse_write_lock(duckdb.database, context.log), duckdb.get_connection() as con:
        summary = publish(con, root)
    progress(
        f"raw parquet: {summary.written} partition(s) written ({summary.rows_written} rows), "
        f"{summary.removed} removed, in {root}"
    )
    for table in PARTITIONED_TABLES + WHOLE_TABLES:
        written = summary.partitions_written.get(table, [])
        yield dg.MaterializeResult(
            asset_key=parquet_asset_key(table),
            metadata={
                "path": dg.MetadataValue.path(str(root / table)),
                "partitions_written": len(written),
                "partitions_removed": len(summary.partitions_removed.get(table, [])),
                "days_written": ", ".join(d.isoformat() for d in written[:31])
                + (f" and {len(written) - 31} more" if len(written) > 31 else ""),
            },
        )


@dg.definitions
def raw_parquet_definitions() -> dg.Definitions:
    return dg.Definitions(assets=[raw_parquet] if settings.raw_parquet_dir() else [])
