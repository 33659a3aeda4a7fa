"""Faults real pipelines deliver: retries, malformed lines, cross-file duplicates.

Every fault only *adds* lines (a retried batch, a truncated copy of a line that is also written
whole, ...), so the booked numbers stay those of the clean data: duplicates count once and
malformed lines count nothing. Decisions draw from a stream seeded per (day, block), never
from the behaviour streams.
"""

from __future__ import annotations

from collections import Counter

MALFORMED_KINDS = ("truncated", "not_otlp", "binary", "empty", "json_array")
_NOT_OTLP = (
    ('{"level":"warn","ts":%d.%03d,"caller":"exporterhelper/queue_sender.go:93",'
     '"msg":"Exporting failed. Dropping data.","kind":"exporter","data_type":"logs"}'),
    '{"status":"ok","received":%d,"partialSuccess":{"rejected":%d}}',
)


class FaultInjector:
    def __init__(self, rng, counters: Counter, retry_p: float, malformed_p: float):
        self.rng = rng
        self.counters = counters
        self.retry_p = retry_p
        self.malformed_p = malformed_p

    def malformed(self, kind: str, line: str) -> str | bytes:
        rng = self.rng
        self.counters["malformed_lines"] += 1
        self.counters["malformed_" + kind] += 1
        if kind == "truncated":  # a write cut short; the whole line is written again
            return line[: len(line) // 3 + rng.randrange(max(1, len(line) // 3))]
        if kind == "not_otlp":
            tmpl = _NOT_OTLP[rng.randrange(len(_NOT_OTLP))]
            return tmpl % (1_790_000_000 + rng.randrange(10_000_000), rng.randrange(1000))
        if kind == "binary":  # gzip bytes appended to a plain file (never a newline)
            body = bytes(b for b in rng.randbytes(40 + rng.randrange(160)) if b not in (10, 13))
            return b"\x1f\x8b\x08\x00" + body
        if kind == "empty":
            return ""
        return "[" + line + "]"  # a JSON array line (the same body is also written as is)

    def apply(self, lines: list[str], forced: tuple[str, ...] = ()) -> tuple[list, list[str]]:
        """Lines with faults woven in; returns (lines, kinds of the malformed lines added)."""
        rng = self.rng
        out: list = []
        pending: list[list] = []  # [countdown, line] retried later in the same file
        kinds: list[str] = list(forced)
        if lines and rng.random() < self.malformed_p:
            kinds += [rng.choice(MALFORMED_KINDS) for _ in range(1 + rng.randrange(3))]
        positions = sorted(rng.randrange(len(lines)) for _ in kinds) if lines else []
        k = 0
        for i, line in enumerate(lines):
            while k < len(positions) and positions[k] == i:
                out.append(self.malformed(kinds[k], line))
                k += 1
            out.append(line)
            if (forced and i == 0) or rng.random() < self.retry_p:
                pending.append([1 + rng.randrange(25), line])
                self.counters["retried_lines"] += 1
            if pending:
                for p in pending:
                    p[0] -= 1
                for p in [p for p in pending if p[0] <= 0]:
                    out.append(p[1])
                    pending.remove(p)
        out.extend(p[1] for p in pending)
        return out, kinds


def cross_file_duplicates(rng, sinks: list, counters: Counter, p: float) -> None:
    """Copy a few lines of one file into another file of the same day (an exporter retry
    that reached a second collector)."""
    live = [s for s in sinks if s.lines]
    if len(live) < 2 or rng.random() >= p:
        return
    src, dst = rng.sample(live, 2)
    for _ in range(1 + rng.randrange(3)):
        line = src.lines[rng.randrange(len(src.lines))]
        dst.lines.insert(rng.randrange(len(dst.lines) + 1), line)
        counters["cross_file_duplicate_lines"] += 1
