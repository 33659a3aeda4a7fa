"""The receiver's counts, printed as one line per interval (a minute by default) on stdout.

One line an operator can read and a log shipper can parse, with nothing from any request in
it: accepted requests, their records and bytes, and refusals by reason.
"""

from __future__ import annotations

import sys
import threading
from collections import Counter
from datetime import UTC, datetime


class Stats:
    def __init__(self, out=None):
        self.out = out or sys.stdout
        self._lock = threading.Lock()
        self._counts: Counter[str] = Counter()
        self._refused: Counter[str] = Counter()
        self.totals: Counter[str] = Counter()  # since the start, for the last line and tests

    def accepted(self, records: int, bytes_in: int, bytes_written: int) -> None:
        with self._lock:
            for counts in (self._counts, self.totals):
                counts["requests"] += 1
                counts["records"] += records
                counts["bytes_in"] += bytes_in
                counts["bytes_written"] += bytes_written

    def dropped_trace(self, bytes_in: int) -> None:
        with self._lock:
            for counts in (self._counts, self.totals):
                counts["trace_requests_dropped"] += 1
                counts["bytes_in"] += bytes_in

    def rejected(self, reason: str) -> None:
        with self._lock:
            self._refused[reason] += 1
            self.totals["rejected"] += 1

    def line(self, label: str = "") -> str:
        """The counts since the previous line, which start again from zero."""
        with self._lock:
            counts, refused = self._counts, self._refused
            self._counts, self._refused = Counter(), Counter()
        stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        rejected = ", ".join(f"{reason} {n}" for reason, n in sorted(refused.items())) or "none"
        return (
            f"collect {stamp}{label}: {counts['requests']} request(s), {counts['records']} record(s), "
            f"{counts['bytes_in']} bytes received, {counts['bytes_written']} bytes written, "
            f"{counts['trace_requests_dropped']} trace request(s) dropped; rejected: {rejected}"
        )

    def print_line(self, label: str = "") -> None:
        print(self.line(label), file=self.out, flush=True)

    def every(self, seconds: float, stop: threading.Event) -> threading.Thread:
        """Print a line every `seconds` until `stop` is set."""

        def loop():
            while not stop.wait(seconds):
                self.print_line()

        thread = threading.Thread(target=loop, name="collect-stats", daemon=True)
        thread.start()
        return thread
