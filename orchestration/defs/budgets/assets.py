"""budgets.csv into raw.budgets (analytics/ingest/budgets.py), read by dbt's fct_budget_status."""

import dagster as dg
from dagster_duckdb import DuckDBResource

from analytics.ingest.budgets import load_budgets
from analytics.progress import progress
from analytics.warehouse.lock import warehouse_write_lock
from orchestration.defs.resources import LandingResource


@dg.asset(
    key=["budgets", "budgets"],
    group_name="raw",
    kinds={"duckdb"},
    pool="duckdb_warehouse",
)
def raw_budgets(context: dg.AssetExecutionContext, duckdb: DuckDBResource, landing: LandingResource):
    """The optional budgets.csv of the landing folder: monthly budgets by org, team or member.
    Lines that are not a valid budget go to raw.quarantine with their line and reason."""
    with warehouse_write_lock(duckdb.database, context.log), duckdb.get_connection() as con:
        rows, rejected = load_budgets(con, landing.dir)
    if rejected:
        message = f"budgets: {rejected} line(s) of budgets.csv quarantined (see raw.quarantine)"
        context.log.warning(message)
        progress(f"warning: {message}")
    progress(f"budgets: {rows} budget(s)" if rows or rejected else "budgets: none (budgets.csv not found)")
    return dg.MaterializeResult(metadata={"dagster/row_count": rows, "lines_quarantined": rejected})
