"""Daily partitions, and the day window of a run.

A partition is a calendar day in the organization's zone (ANALYTICS_TIMEZONE, read when the
definitions load): 23 or 25 hours long on a daylight-saving change.

Only the marts that hold a row per day and are rebuilt day by day (the incremental marts
stored by `usage_date`) are partitioned: that is where the UI's per-day status means something
(which days are built, which failed). Everything else the daily job runs is not: raw is keyed by
file and read once whatever days a file spans, views and tables are rebuilt whole, the monthly
marts (a row per month, rebuilt for every month the run's days touch) follow the run like
dim_members, and the Admin API, budgets and the serving copies follow the run too. Dagster
records every partitioned asset's materialization once per day of a run (and, on SQLite, a
"planned" event per asset and day before it), so a 60-day backfill of 50 partitioned assets
wrote some 6,000 such events; with the four daily marts it is 480 (4 x 60 x 2). The monthly
marts were partitioned by day until the eighteenth speed step: two materializations per day for
a row per month, a third of the run's per-day events (over 30 further days about 0.5 s, a
quarter of what those days cost outside the load). The unpartitioned assets still learn the
run's days, from its partition tags (`window_of`).
"""

from datetime import date, timedelta

import dagster as dg

from analytics import settings
from analytics.dates import today_in
from orchestration.partition_start import partitions_start

daily_partitions = dg.DailyPartitionsDefinition(
    start_date=partitions_start().isoformat(), timezone=settings.timezone(), end_offset=1
)


RANGE_START_TAG = "dagster/asset_partition_range_start"
RANGE_END_TAG = "dagster/asset_partition_range_end"
PARTITION_TAG = "dagster/partition"


def window_of(context: dg.AssetExecutionContext) -> tuple[date, date]:
    """The half-open local day window [start, end) of the run: its partition or partition
    range, read from the run's tags, so that partitioned and unpartitioned assets of one run
    agree. A run without a partition (an unpartitioned asset materialized on its own from the
    UI) covers every day, from the first partition to today."""
    tags = context.run.tags
    first = tags.get(RANGE_START_TAG) or tags.get(PARTITION_TAG)
    last = tags.get(RANGE_END_TAG) or tags.get(PARTITION_TAG)
    if first is None or last is None:
        return partitions_start(), today_in(settings.zone()) + timedelta(days=1)
    start = daily_partitions.time_window_for_partition_key(first).start.date()
    end = daily_partitions.time_window_for_partition_key(last).end.date()
    return start, end


def dbt_window_environment(window: tuple[date, date]) -> dict[str, str]:
    """The window as dbt reads it (macros/window.sql): incremental models rebuild usage_date in
    [ANALYTICS_DBT_MIN_DATE, ANALYTICS_DBT_MAX_DATE). Environment variables rather than --vars,
    so that dbt reuses its last parse instead of parsing the project again every run."""
    return {"ANALYTICS_DBT_MIN_DATE": window[0].isoformat(), "ANALYTICS_DBT_MAX_DATE": window[1].isoformat()}


def partition_range_tags(first_day: date, last_day: date) -> dict[str, str]:
    """Run tags that make one run cover the inclusive day range (a single-run backfill)."""
    return {
        "dagster/asset_partition_range_start": first_day.isoformat(),
        "dagster/asset_partition_range_end": last_day.isoformat(),
    }

