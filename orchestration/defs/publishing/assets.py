"""The publish of the marts to PostgreSQL, one asset per mart, downstream of the dbt marts.

Thin: the work is analytics.serving.publish_marts. The lineage shows where BI tools read
(`serving/<mart>` after `marts/<mart>`). Without ANALYTICS_SERVING_URL the run's window is only
recorded as pending and nothing is materialized; with it, a failure (PostgreSQL down) fails
these assets alone, the DuckDB marts are built, and the next run publishes the window too.
"""

from contextlib import contextmanager

import dagster as dg
from dagster_duckdb import DuckDBResource

from analytics import settings
from analytics.progress import progress
from analytics.report.warehouse import MARTS
from analytics.serving import publish_marts
from analytics.warehouse.lock import warehouse_write_lock
from orchestration.defs.partitions import window_of

KEYS = [dg.AssetKey(["serving", mart]) for mart in MARTS]


def _specs() -> list[dg.AssetSpec]:
    # built in a function: a module-level list of specs would be loaded as assets of its own
    return [
        dg.AssetSpec(
            key=dg.AssetKey(["serving", mart]),
            deps=[dg.AssetKey(["marts", mart])],
            group_name="serving",
            kinds={"postgres"},
            skippable=True,
            description=f"marts.{mart} in the PostgreSQL serving database (ANALYTICS_SERVING_URL).",
        )
        for mart in MARTS
    ]


@dg.multi_asset(
    name="serving_marts",
    specs=_specs(),
    pool="duckdb_warehouse",
)
def serving_marts(context: dg.AssetExecutionContext, duckdb: DuckDBResource):
    """Publish every mart the run rebuilt (and any window an earlier run failed to publish)
    to schema `marts` of the serving database, in one transaction."""

    @contextmanager
    def open_duckdb():
        with warehouse_write_lock(duckdb.database, context.log), duckdb.get_connection() as con:
            yield con

    def say(message: str) -> None:
        progress(message)
        context.log.info(message)

    url = settings.serving_url()
    if url and settings.engine() == "spark":
        # the marts are Parquet tables in the Spark warehouse; DuckDB's may be stale
        say("serving: not published: the spark engine's marts are not published to PostgreSQL yet")
        return
    changes = publish_marts(
        open_duckdb, window_of(context), url, settings.serving_reader_role(),
        settings.serving_lock_timeout_s(), progress=say,
    )
    if changes is None:
        context.log.info(
            "serving: ANALYTICS_SERVING_URL is not set, the marts are not published to "
            "PostgreSQL (the run's window is kept as pending for when it is)"
        )
        return
    for key in KEYS:
        change = changes.get(key.path[-1])
        if change is None:
            continue
        yield dg.MaterializeResult(
            asset_key=key,
            metadata={
                "action": change.action,
                "rows_copied": change.rows,
                "rows_deleted": change.result.get("deleted", 0),
                "rows_inserted": change.result.get("inserted", 0),
                "rows_total": change.duckdb_total,
                "dagster/row_count": change.duckdb_total,
            },
        )
