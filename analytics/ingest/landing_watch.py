"""What changed in the landing folder since a point in time: the new or grown files, and the UTC
days their records fall on (a quick scan of their times, no parse). The landing sensor uses it to
launch a run over those days once the folder has been quiet for a while (debounce)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from analytics.ingest.landing_files import LandedFile, discover_otlp_files
from analytics.ingest.loader import possible_time_bounds, time_range_of_file


@dataclass(frozen=True)
class LandingChanges:
    files: list[LandedFile]  # new or grown since the cursor
    newest_mtime_ns: int  # of every landed file (the next cursor once these are handled)

    def days(self) -> tuple[date, date] | None:
        """First and last UTC day of the changed files' records, or None when none is dated."""
        bounds = possible_time_bounds()
        found = [r for r in (time_range_of_file(f, bounds) for f in self.files) if r is not None]
        if not found:
            return None
        low = min(r[0] for r in found)
        high = max(r[1] for r in found)
        return (
            datetime.fromtimestamp(low / 1e9, tz=UTC).date(),
            datetime.fromtimestamp(high / 1e9, tz=UTC).date(),
        )


def changes_since(landing_dir: Path, cursor_mtime_ns: int) -> LandingChanges:
    """Files whose modification time is after `cursor_mtime_ns` (a new file, or one a writer
    appended to since)."""
    files = discover_otlp_files(landing_dir)
    newest = max((f.mtime_ns for f in files), default=cursor_mtime_ns)
    return LandingChanges([f for f in files if f.mtime_ns > cursor_mtime_ns], max(newest, cursor_mtime_ns))
