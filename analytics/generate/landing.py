"""The landing folder: which requests end up in which file, in which encoding.

Per UTC day and per block of members there are up to three ingestion paths:

* ``otelcol-<b>-metrics.jsonl.gz`` / ``otelcol-<b>-logs.jsonl.gz``: an OpenTelemetry Collector
  file exporter (pdata JSON, int64 as strings); its batch processor merges requests that
  arrive within 5 s into one line (several ``resourceMetrics``/``resourceLogs`` entries);
* ``gateway-<b>.jsonl.gz``: a second collector writing logs and metrics into one file, with a
  transform that turns integral counters into ``asInt``;
* ``receiver-<b>.jsonl``: a small HTTP receiver appending each POST body as is, one per line
  (Claude Code's own encoding), logs and metrics mixed.

Compression is a per-host shipper setting: on every third block (block ``a`` included, so the
bundled sample) the shipper gzips the collector files and any other file above 64 KiB; on the
other blocks only the gateway's large files are gzipped.

A file holds what its path received on that day; a session running past midnight stays in
the file of the day it started (timestamps decide the usage day, not the folder).
"""

from __future__ import annotations

import zlib
from collections import Counter
from pathlib import Path

from . import wire
from .faults import FaultInjector, cross_file_duplicates

BATCH_WINDOW_MS = 5_000
BATCH_MAX = 40
GZIP_ABOVE = 64 * 1024  # a shipper gzips a day's file above this size


class Sink:
    __slots__ = ("gz", "late", "lines", "malformed", "rel")

    def __init__(self, rel: str, gz: bool):
        self.rel = rel
        self.gz = gz
        self.lines: list = []
        self.malformed: list[str] = []
        self.late = False


def block_label(block: int) -> str:
    return chr(ord("a") + block) if block < 26 else f"{block:03d}"


def _collector_lines(reqs: list, rng, dup_p: float, counters: Counter) -> list[tuple]:
    """Merge requests (sorted by arrival) into batch lines per signal: [(t, kind, line)]."""
    out = []
    for kind, wrap in (("m", wire.metrics_line), ("l", wire.logs_line)):
        batch: list[str] = []
        carry: list[str] = []  # retried requests that land in the next batch
        t0 = 0
        for t, _, k, entry in reqs:
            if k != kind:
                continue
            if batch and (t - t0 >= BATCH_WINDOW_MS or len(batch) >= BATCH_MAX):
                out.append((t0, kind, wrap(batch)))
                batch = carry
                carry = []
                t0 = t
            if not batch:
                t0 = t
            batch.append(entry)
            if rng.random() < dup_p:
                carry.append(entry)
                counters["duplicate_requests"] += 1
        if carry:
            batch.extend(carry)
        if batch:
            out.append((t0, kind, wrap(batch)))
    out.sort(key=lambda x: x[0])
    return out


def build_sinks(folder: str, block: int, outs: dict, rng, counters: Counter) -> list[Sink]:
    """Lines per file for one block and day (clean data, before same-file faults)."""
    label = block_label(block)
    gzip_host = block % 3 == 0
    sinks = []

    def sink(name: str, lines: list, always_gz: bool, gz_large: bool) -> None:
        gz = always_gz or (gz_large and sum(map(len, lines)) > GZIP_ABOVE)
        s = Sink(f"{folder}/{name}.jsonl" + (".gz" if gz else ""), gz)
        s.lines = lines
        sinks.append(s)

    reqs = outs.get("otelcol")
    if reqs:
        reqs.sort()
        lines = _collector_lines(reqs, rng, 0.002, counters)
        for kind, name in (("m", "metrics"), ("l", "logs")):
            part = [line for _, k, line in lines if k == kind]
            if part:
                sink(f"otelcol-{label}-{name}", part, gzip_host, False)
    reqs = outs.get("gateway")
    if reqs:
        reqs.sort()
        sink(f"gateway-{label}", [line for _, _, line in _collector_lines(reqs, rng, 0.002,
                                                                           counters)],
             False, True)
    reqs = outs.get("receiver")
    if reqs:
        reqs.sort()
        sink(f"receiver-{label}", [(wire.metrics_line if k == "m" else wire.logs_line)([e])
                                   for _, _, k, e in reqs], False, gzip_host)
    cross_file_duplicates(rng, sinks, counters, 0.15)
    return sinks


def apply_faults(sinks: list[Sink], rng, counters: Counter, forced: tuple[str, ...]) -> None:
    inj = FaultInjector(rng, counters, retry_p=0.003, malformed_p=0.1)
    for i, s in enumerate(sinks):
        s.lines, s.malformed = inj.apply(s.lines, forced if i == 0 else ())


def encode(lines: list) -> bytes:
    if not any(isinstance(x, bytes) for x in lines):
        return ("\n".join(lines) + "\n").encode("utf-8")
    parts = []
    for x in lines:
        parts.append(x if isinstance(x, bytes) else x.encode("utf-8"))
        parts.append(b"\n")
    return b"".join(parts)


def write_sink(root: Path, sink: Sink, counters: Counter) -> int:
    data = encode(sink.lines)
    raw = len(data)
    if sink.gz:
        c = zlib.compressobj(1, zlib.DEFLATED, 31)
        data = c.compress(data) + c.flush()
    path = root / sink.rel
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as fh:
        fh.write(data)
    counters["files"] += 1
    counters["lines"] += len(sink.lines)
    counters["bytes_uncompressed"] += raw
    counters["bytes_otlp"] += len(data)
    if sink.gz:
        counters["gz_files"] += 1
    return len(data)
