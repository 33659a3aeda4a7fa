"""Kept pages of the usage report in the landing folder, and fetching the days not kept yet.

Layout, one folder per UTC day:

    {landing}/admin_api/claude_code/YYYY-MM-DD/page-1.json, page-2.json, ...  (data, has_more, next_page)
    {landing}/admin_api/claude_code/YYYY-MM-DD/_complete.json                  (pages, fetched_at)

`_complete.json` says the day was fetched whole after it had settled (the API includes only data
older than an hour, so a day fetched before `day end + settle` is kept without the marker and
fetched again by the next run). A day with the marker is never fetched again unless asked
(`refetch`); delete the marker, or the folder, to fetch it again. Without a key, `page-*.json`
files dropped in by hand are loaded as they are (no marker needed).

A fetched day is written to a hidden temporary folder (each page a temp file renamed into place)
and swapped in whole when its last page has arrived, so a failed fetch never leaves a partial
day behind, and the day's previous pages (a fetch before it settled, hand-dropped pages) are
replaced together.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import re
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from .client import AdminApiClient, AdminApiRequestError, AdminApiUnavailableError, redact

ADMIN_API_SUBDIR = Path("admin_api") / "claude_code"
MARKER_NAME = "_complete.json"
PAGE_NAME = re.compile(r"^page-([1-9][0-9]*)\.json$")
DEFAULT_SETTLE = timedelta(hours=2)  # the API's documented lag is one hour; one more of margin

logger = logging.getLogger(__name__)


def report_root(landing_dir: Path) -> Path:
    return Path(landing_dir) / ADMIN_API_SUBDIR


def day_dir(landing_dir: Path, day: date) -> Path:
    return report_root(landing_dir) / day.isoformat()


def relative_name(landing_dir: Path, path: Path) -> str:
    """The `source_file` of a kept page: its path relative to the landing folder."""
    return Path(path).relative_to(landing_dir).as_posix()


def kept_pages(landing_dir: Path, day: date) -> list[Path]:
    """The day's `page-N.json` files in page order (other names are ignored)."""
    folder = day_dir(landing_dir, day)
    if not folder.is_dir():
        return []
    numbered = []
    for entry in folder.iterdir():
        match = PAGE_NAME.match(entry.name)
        if match and entry.is_file():
            numbered.append((int(match.group(1)), entry))
    return [path for _, path in sorted(numbered)]


def read_marker(landing_dir: Path, day: date) -> dict | None:
    path = day_dir(landing_dir, day) / MARKER_NAME
    if not path.is_file():
        return None
    try:
        marker = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return marker if isinstance(marker, dict) else {}


def is_complete(landing_dir: Path, day: date) -> bool:
    return (day_dir(landing_dir, day) / MARKER_NAME).is_file()


def write_atomic(path: Path, data: bytes) -> None:
    """Write `data` to a temp file beside `path`, flush it to disk, then rename it into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    try:
        with temp.open("wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
    finally:
        if temp.exists():
            temp.unlink()


@contextmanager
def fetch_lock(landing_dir: Path) -> Iterator[None]:
    """One fetcher at a time per landing folder (two runs swapping the same day would collide)."""
    root = report_root(landing_dir)
    root.mkdir(parents=True, exist_ok=True)
    with (root / ".fetch.lock").open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _utc_now() -> datetime:
    return datetime.now(UTC)


def settled(day: date, now: datetime, settle: timedelta = DEFAULT_SETTLE) -> bool:
    """Whether the API holds the whole day by `now` (the end of the day plus the settle time)."""
    day_end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=UTC)
    return now >= day_end + settle


def fetch_day(
    client: AdminApiClient,
    landing_dir: Path,
    day: date,
    *,
    now: datetime | None = None,
    settle: timedelta = DEFAULT_SETTLE,
) -> tuple[int, int, bool]:
    """Fetch every page of `day` and swap them in as the day's kept pages.

    Returns (pages, items, final): `final` when the marker was written (the day had settled).
    A failure leaves the day's previous pages untouched.
    """
    root = report_root(landing_dir)
    root.mkdir(parents=True, exist_ok=True)
    token = uuid.uuid4().hex[:12]
    staging = root / f".fetching-{day.isoformat()}-{token}"
    staging.mkdir()
    try:
        pages = items = 0
        for page in client.iter_day(day):
            write_atomic(staging / f"page-{page.number}.json", page.body)
            pages += 1
            items += page.items
        fetched_at = now or _utc_now()
        final = settled(day, fetched_at, settle)
        if final:
            marker = {
                "day": day.isoformat(),
                "pages": pages,
                "items": items,
                "fetched_at": fetched_at.astimezone(UTC).isoformat().replace("+00:00", "Z"),
                "endpoint": "/v1/organizations/usage_report/claude_code",
            }
            write_atomic(staging / MARKER_NAME, (json.dumps(marker, indent=2) + "\n").encode())
        target = day_dir(landing_dir, day)
        replaced = root / f".replaced-{day.isoformat()}-{token}"
        if target.exists():
            os.rename(target, replaced)
        try:
            os.rename(staging, target)
        except OSError:
            if replaced.exists():
                os.rename(replaced, target)
            raise
        shutil.rmtree(replaced, ignore_errors=True)
        return pages, items, final
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)


@dataclass
class FetchSummary:
    days_fetched: list[date] = field(default_factory=list)
    days_already_kept: list[date] = field(default_factory=list)
    days_not_settled: list[date] = field(default_factory=list)
    days_in_future: list[date] = field(default_factory=list)
    days_failed: dict[date, str] = field(default_factory=dict)
    pages: int = 0
    items: int = 0
    requests: int = 0
    retries: int = 0


def fetch_missing_days(
    client: AdminApiClient,
    landing_dir: Path,
    days: list[date],
    *,
    refetch: bool = False,
    now: datetime | None = None,
    settle: timedelta = DEFAULT_SETTLE,
    log: logging.Logger | None = None,
) -> FetchSummary:
    """Fetch each day that has no `_complete.json` marker (every day with `refetch`).

    Days that have not started yet are skipped. A day the API refuses (a 4xx other than
    401/403) is recorded in `days_failed` and the next day is tried; when the API is
    unavailable (retries exhausted) the remaining days are recorded as not attempted. A refused
    key (401/403) raises AdminApiAuthError at once.
    """
    log = log or logger
    summary = FetchSummary()
    now = now or _utc_now()
    today = now.astimezone(UTC).date()
    with fetch_lock(landing_dir):
        for position, day in enumerate(days):
            if day > today:
                summary.days_in_future.append(day)
                continue
            if not refetch and is_complete(landing_dir, day):
                summary.days_already_kept.append(day)
                continue
            try:
                pages, items, final = fetch_day(client, landing_dir, day, now=now, settle=settle)
            except AdminApiRequestError as error:
                summary.days_failed[day] = reason = redact(str(error), client.secrets)
                log.warning(f"Admin API: {day} not fetched: {reason}")
                continue
            except AdminApiUnavailableError as error:
                summary.days_failed[day] = reason = redact(str(error), client.secrets)
                for later in days[position + 1:]:
                    if later <= today and (refetch or not is_complete(landing_dir, later)):
                        summary.days_failed[later] = f"not attempted: the API failed for {day}"
                log.warning(f"Admin API: {day} not fetched, stopping: {reason}")
                break
            summary.days_fetched.append(day)
            summary.pages += pages
            summary.items += items
            if not final:
                summary.days_not_settled.append(day)
                log.info(
                    f"Admin API: {day} fetched before it settled (the API lags up to an hour): "
                    "kept without the completion marker, fetched again by the next run"
                )
    summary.requests = client.requests
    summary.retries = client.retries
    return summary
