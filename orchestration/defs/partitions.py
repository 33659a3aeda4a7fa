"""Daily UTC partitions shared by every partitioned asset, and the day window of a run."""

from datetime import date

import dagster as dg

from orchestration.partition_start import partitions_start

daily_partitions = dg.DailyPartitionsDefinition(
    start_date=partitions_start().isoformat(), timezone="UTC", end_offset=1
)


def window_of(context: dg.AssetExecutionContext) -> tuple[date, date]:
    """The half-open UTC day window [start, end) of the run's partition or partition range."""
    window = context.partition_time_window
    return window.start.date(), window.end.date()


def dbt_vars_for(window: tuple[date, date]) -> dict[str, str]:
    """dbt vars for a window: incremental models rebuild usage_date in [min_date, max_date)."""
    return {"min_date": window[0].isoformat(), "max_date": window[1].isoformat()}


def partition_range_tags(first_day: date, last_day: date) -> dict[str, str]:
    """Run tags that make one run cover the inclusive day range (a single-run backfill)."""
    return {
        "dagster/asset_partition_range_start": first_day.isoformat(),
        "dagster/asset_partition_range_end": last_day.isoformat(),
    }

