"""The Analytics page as an asset: reports/analytics.html, rendered from the marts (read-only)."""

from pathlib import Path

import dagster as dg
from dagster_duckdb import DuckDBResource
from pydantic import Field

from analytics.warehouse.lock import warehouse_write_lock

REPORT_PATH = "reports/analytics.html"

MART_DEPS = [
    dg.AssetKey(["marts", name])
    for name in (
        "fct_org_daily",
        "fct_member_monthly",
        "fct_daily_spend",
        "fct_tool_decisions",
        "dim_members",
        "fct_daily_activity",  # the active-users card and the team table over any period
    )
]


class AnalyticsPageConfig(dg.Config):
    path: str = Field(
        default=REPORT_PATH,
        description=(
            "Where to write the page; a relative path is under the warehouse's folder (the "
            "project root for the default warehouse)."
        ),
    )


def last_dbt_build(database: str) -> str | None:
    """The fingerprint and time of the last successful dbt build (meta.dbt_builds), if any."""
    import duckdb as duckdb_module

    con = duckdb_module.connect(database, read_only=True)
    try:
        rows = con.execute(
            "select fingerprint, max(built_at) from meta.dbt_builds group by fingerprint "
            "order by 2 desc limit 1"
        ).fetchall()
    except duckdb_module.Error:
        return None
    finally:
        con.close()
    return f"{rows[0][0]} {rows[0][1]}" if rows else None


def _metadata_number(value: float | None) -> dg.MetadataValue:
    if value is None:
        return dg.MetadataValue.null()
    if isinstance(value, int):
        return dg.MetadataValue.int(value)
    return dg.MetadataValue.float(float(value))


@dg.asset(
    key=dg.AssetKey(["reports", "analytics_page"]),
    group_name="reports",
    deps=MART_DEPS,
    kinds={"html", "duckdb"},
    pool="duckdb_warehouse",
    description=(
        "The Analytics page (cards, Activity, Spend, Team insights, breakdowns) for the month "
        "to date of the data, as one offline HTML file: reports/analytics.html."
    ),
)
def analytics_page(
    context: dg.AssetExecutionContext, config: AnalyticsPageConfig, duckdb: DuckDBResource
) -> dg.MaterializeResult:
    from analytics.report import load_page, write_html

    out = Path(config.path)
    if not out.is_absolute():
        out = Path(duckdb.database).resolve().parent / out
    stamp = out.with_name(out.name + ".build")
    # Opening DuckDB read-only fails while another process writes it: wait for the writer lock.
    with warehouse_write_lock(duckdb.database, context.log):
        build = last_dbt_build(duckdb.database)
        if build is not None and out.exists() and stamp.exists() and stamp.read_text() == build:
            context.log.info(f"{out} is up to date: the marts have not changed since it was written")
            return dg.MaterializeResult(metadata={"path": dg.MetadataValue.path(str(out)), "up_to_date": True})
        page = load_page(duckdb.database, lock=False)
    path = write_html(page, out)
    if build is not None:
        stamp.write_text(build)
    headline = page.headline()
    context.log.info(f"wrote {path} for {page.period.label()}")
    return dg.MaterializeResult(
        metadata={
            "path": dg.MetadataValue.path(str(path)),
            "period_start": dg.MetadataValue.text(page.period.start.isoformat()),
            "period_end": dg.MetadataValue.text(page.period.end.isoformat()),
            "days_in_data": dg.MetadataValue.int(page.days_in_data),
            "lines_added": _metadata_number(headline["lines"]),
            "accept_rate": _metadata_number(headline["accept-rate"]),
            "active_users": _metadata_number(headline["active-users"]),
            "sessions": _metadata_number(headline["sessions"]),
            "spend_usd": _metadata_number(headline["spend"]),
            "members": dg.MetadataValue.int(len(page.team)),
            "bytes": dg.MetadataValue.int(path.stat().st_size),
        }
    )
