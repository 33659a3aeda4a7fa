"""Budget alerts after every run (analytics/alerts.py): posted once, never failing the run."""

import dagster as dg
from dagster_duckdb import DuckDBResource

from analytics import settings
from analytics.alerts import AlertOutcome, send_budget_alerts
from analytics.progress import progress
from analytics.warehouse.lock import warehouse_write_lock

ALERTS_KEY = dg.AssetKey(["alerts", "budget_alerts"])


def deliver_budget_alerts(database: str, log=None) -> AlertOutcome:
    """Post the budgets that became at risk or over; a failing webhook is a warning."""
    import duckdb as duckdb_module

    with warehouse_write_lock(database, log):
        con = duckdb_module.connect(database)
        try:
            outcome = send_budget_alerts(
                con, settings.alert_webhook_url(), settings.alert_timeout_seconds()
            )
        finally:
            con.close()
    if outcome.error:
        message = (
            f"budget alerts: {outcome.pending} budget(s) at risk or over not posted, "
            f"{outcome.error}; the next run tries again"
        )
        if log is not None:
            log.warning(message)
        progress(f"warning: {message}")
    elif outcome.posted:
        progress(f"budget alerts: posted {outcome.posted} budget(s) at risk or over")
    elif outcome.pending and settings.alert_webhook_url() is None:
        progress(f"budget alerts: {outcome.pending} budget(s) at risk or over (no ANALYTICS_ALERT_WEBHOOK_URL)")
    return outcome


@dg.asset(
    key=ALERTS_KEY,
    group_name="reports",
    deps=[dg.AssetKey(["marts", "fct_budget_status"])],
    kinds={"duckdb"},
    pool="duckdb_warehouse",
    description=(
        "Posts to ANALYTICS_ALERT_WEBHOOK_URL, once, each budget of the latest month whose "
        "status became at_risk or over (meta.budget_alerts remembers what was sent)."
    ),
)
def budget_alerts(context: dg.AssetExecutionContext, duckdb: DuckDBResource) -> dg.MaterializeResult:
    outcome = deliver_budget_alerts(duckdb.database, context.log)
    return dg.MaterializeResult(
        metadata={
            "pending": outcome.pending,
            "posted": outcome.posted,
            "error": outcome.error or "none",
        }
    )
