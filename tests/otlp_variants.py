"""Rewrite real OTLP lines the way other producers deliver them, for encoding tests.

- collector style: every int64 (intValue, asInt, *TimeUnixNano) as a JSON string, and several
  requests merged into one line, as the OpenTelemetry Collector's file exporter writes them;
- shifted in time, with other session and user ids, to spread captures over days and members.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

NANOS_PER_DAY = 86_400 * 10**9


def _walk(value, fn):
    if isinstance(value, dict):
        return {k: _walk(fn(k, v), fn) for k, v in value.items()}
    if isinstance(value, list):
        return [_walk(v, fn) for v in value]
    return value


def collector_encoding(body: dict) -> dict:
    """int64 fields as decimal strings (proto3 JSON), as the Collector writes them."""

    def quote(key, value):
        if (
            key in ("intValue", "asInt", "timeUnixNano", "startTimeUnixNano", "observedTimeUnixNano")
            and isinstance(value, (int, float))
            and not isinstance(value, bool)
        ):
            return str(int(value))
        return value

    return _walk(body, quote)


def merge_requests(bodies: list[dict]) -> dict:
    """Several export requests of one signal in one line, as a batching collector writes them."""
    merged: dict[str, list] = {}
    for body in bodies:
        for key, resources in body.items():
            merged.setdefault(key, []).extend(resources)
    return merged


def shift(body: dict, days: int = 0, suffix: str = "", nanos: int = 0) -> dict:
    """Move every timestamp by `days` (plus `nanos`) and give session.id and user.id a suffix."""

    def move(key, value):
        if key in ("timeUnixNano", "startTimeUnixNano", "observedTimeUnixNano") and value:
            return str(int(value) + days * NANOS_PER_DAY + nanos)
        if isinstance(value, dict) and value.get("key") in ("session.id", "user.id"):
            inner = value["value"]
            return {"key": value["key"], "value": {"stringValue": inner["stringValue"] + suffix}}
        return value

    return _walk(body, move)


def read_lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def write_lines(path: Path, bodies: list[dict], gz: bool = False, extra_lines: list[bytes] = ()) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    data = b"".join(json.dumps(b, separators=(",", ":")).encode() + b"\n" for b in bodies)
    data += b"".join(line + b"\n" for line in extra_lines)
    if gz:
        with gzip.open(path, "wb") as handle:
            handle.write(data)
    else:
        path.write_bytes(data)
