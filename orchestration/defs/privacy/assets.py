"""Member pseudonyms (analytics/privacy.py) for the marts, when ANALYTICS_PSEUDONYMIZE=1."""

import dagster as dg
from dagster_duckdb import DuckDBResource

from analytics.privacy import refresh_pseudonyms
from analytics.progress import progress
from analytics.warehouse.lock import warehouse_write_lock

IDENTITY_SOURCES = [["otlp", "metric_points"], ["otlp", "log_records"], ["admin_api", "usage"],
                    ["roster", "members"], ["budgets", "budgets"]]


@dg.asset(
    key=["privacy", "member_pseudonyms"],
    group_name="raw",
    kinds={"duckdb"},
    deps=[dg.AssetKey(key) for key in IDENTITY_SOURCES],
    pool="duckdb_warehouse",
)
def raw_member_pseudonyms(context: dg.AssetExecutionContext, duckdb: DuckDBResource):
    """Every member identity in raw and its pseudonym `member <8 hex>` (HMAC-SHA256 with
    ANALYTICS_PSEUDONYM_KEY, computed here; the key is never stored). Empty when pseudonyms
    are off."""
    with warehouse_write_lock(duckdb.database, context.log), duckdb.get_connection() as con:
        count = refresh_pseudonyms(con)
    if count:
        progress(f"privacy: {count} identities shown as pseudonyms")
    return dg.MaterializeResult(metadata={"dagster/row_count": count})
