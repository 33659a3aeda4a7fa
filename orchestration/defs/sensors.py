"""Sensors: a run for newly landed telemetry within minutes, and a message when a run fails."""

from __future__ import annotations

from datetime import UTC, datetime

import dagster as dg

from analytics import settings
from analytics.errors import LandingDirError
from analytics.ingest.landing_watch import changes_since
from analytics.webhook import WebhookError, post_text
from orchestration.defs.partitions import partition_range_tags
from orchestration.defs.schedules import daily_pipeline
from orchestration.partition_start import partitions_start

ACTIVE_STATUSES = [
    dg.DagsterRunStatus.QUEUED,
    dg.DagsterRunStatus.NOT_STARTED,
    dg.DagsterRunStatus.STARTING,
    dg.DagsterRunStatus.STARTED,
]


@dg.sensor(
    job=daily_pipeline,
    minimum_interval_seconds=settings.sensor_interval_s(),
    default_status=dg.DefaultSensorStatus.RUNNING,
    description=(
        "Launches one run of daily_pipeline over the days that new or grown files in the landing "
        "folder touch, at most every ANALYTICS_SENSOR_INTERVAL_S seconds (default 300) and never "
        "while another run of the job is queued or running, so telemetry reaches the marts within "
        "minutes instead of waiting for the nightly schedule."
    ),
)
def landing_sensor(context: dg.SensorEvaluationContext):
    cursor = int(context.cursor or 0)
    try:
        changes = changes_since(settings.landing_dir(), cursor)
    except LandingDirError as exc:
        return dg.SkipReason(str(exc))
    if not changes.files:
        return dg.SkipReason("no new or grown files in the landing folder")
    active = context.instance.get_runs_count(
        dg.RunsFilter(job_name=daily_pipeline.name, statuses=ACTIVE_STATUSES)
    )
    if active:
        return dg.SkipReason(f"{len(changes.files)} changed file(s) wait for the run in progress")
    days = changes.days()
    context.update_cursor(str(changes.newest_mtime_ns))
    if days is None:
        return dg.SkipReason(f"{len(changes.files)} changed file(s) hold no dated record")
    today = datetime.now(UTC).date()
    first, last = max(days[0], partitions_start()), min(days[1], today)
    if first > last:
        return dg.SkipReason(f"the changed files' days {days[0]} .. {days[1]} are outside the partitions")
    return dg.RunRequest(
        run_key=f"landing-{changes.newest_mtime_ns}",
        tags=partition_range_tags(first, last),
    )


@dg.run_failure_sensor(
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Posts a one-line message to ANALYTICS_ALERT_WEBHOOK_URL when a run fails.",
)
def run_failure_webhook(context: dg.RunFailureSensorContext):
    url = settings.alert_webhook_url()
    if url is None:
        return
    error = context.failure_event.message or "no message"
    text = (
        f"Claude Code Analytics: run {context.dagster_run.run_id[:8]} of "
        f"{context.dagster_run.job_name} failed: {error.splitlines()[0][:300]}"
    )
    try:
        post_text(url, text)
    except WebhookError as exc:
        context.log.warning(f"run-failure message not posted: {exc}")
