"""The first day of the daily partitions: ANALYTICS_PARTITIONS_START when set, else the first
day of the landed data, recorded in DAGSTER_HOME by the first run that saw it, so the UI's
partition bar starts where the data does instead of showing years of empty days.

A run over days before the recorded start (a backfill asked for) moves the record back first.
Before any run has recorded a start, the partitions begin FALLBACK_DAYS before today.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from analytics import settings
from analytics.dates import parse_day

FALLBACK_DAYS = 30
STATE_FILE = "analytics_partitions.json"


def _state_path() -> Path:
    return settings.dagster_home() / STATE_FILE


def recorded_start() -> date | None:
    try:
        return parse_day(json.loads(_state_path().read_text())["start"], "the recorded partitions start")
    except (OSError, ValueError, KeyError, TypeError):
        return None


def partitions_start() -> date:
    explicit = settings.partitions_start()
    if explicit:
        return parse_day(explicit, "ANALYTICS_PARTITIONS_START")
    return recorded_start() or datetime.now(UTC).date() - timedelta(days=FALLBACK_DAYS)


def record_start(first_day: date) -> None:
    """Make the partitions start at `first_day` or earlier (no-op when set explicitly)."""
    if settings.partitions_start():
        return
    known = recorded_start()
    if known is not None and known <= first_day:
        return
    path = _state_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps({"start": first_day.isoformat()}))
    tmp.replace(path)
