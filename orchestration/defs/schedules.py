"""The daily job and its schedule: shortly after UTC midnight, yesterday plus a lookback."""


from datetime import timedelta

import dagster as dg

from analytics import settings
from analytics.dates import yesterday_utc
from orchestration.defs.partitions import partition_range_tags

daily_pipeline = dg.define_asset_job(
    name="daily_pipeline",
    selection=dg.AssetSelection.all(),
    description=(
        "Ingest new landed telemetry and rebuild the marts for the run's days. Launch a range "
        "as one run (a single-run backfill), never one run per day."
    ),
    tags={"analytics/writes": "warehouse"},
)


def scheduled_window(scheduled_time, lookback_days: int):
    """Yesterday (UTC) and the `lookback_days` before it, so late files are picked up."""
    last_day = yesterday_utc(scheduled_time)
    return last_day - timedelta(days=lookback_days), last_day


@dg.schedule(
    job=daily_pipeline,
    cron_schedule="15 0 * * *",
    execution_timezone="UTC",
    default_status=dg.DefaultScheduleStatus.RUNNING,
)
def daily_pipeline_schedule(context: dg.ScheduleEvaluationContext):
    """At 00:15 UTC: one run over yesterday and the lookback days before it."""
    first_day, last_day = scheduled_window(context.scheduled_execution_time, settings.lookback_days())
    return dg.RunRequest(
        run_key=f"daily-{last_day.isoformat()}",
        tags=partition_range_tags(first_day, last_day),
    )
