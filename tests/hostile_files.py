"""Hostile landing files, built the way real operations produce them (issue: no landed file
can stop the pipeline, erase history or leak).

Large inputs are written as concatenated gzip members (a valid gzip file; RFC 1952): one
member of 1 MiB of `a` compresses to ~1 KB, so 1,024 copies make a 1 MB file that inflates
to one 1 GiB line without spending a minute compressing it.
"""

from __future__ import annotations

import json
import os
import socket
import time
import zlib
from pathlib import Path

from tests.conftest import CAPTURES
from tests.otlp_variants import read_lines

MIB = 1024 * 1024
# planted in content that must never reach a table
MARKERS = {
    "prompt": "MARKER-PROMPT-7f3a",
    "error": "MARKER-ERROR-2b9c",
    "gen_ai": "MARKER-GENAI-51de",
    "unknown": "MARKER-UNKNOWN-8e10",
    "body": "MARKER-BODY-c4e2 quoted file contents",
    "truncated": "MARKER-TRUNCATED-90af",
    "oversize": "MARKER-OVERSIZE-33d1",
    "outside": "MARKER-OUTSIDE-6a7b",
}
TIME_2100 = "4102444800000000000"  # 2100-01-01
TIME_1970 = "86400000000000"  # 1970-01-02


def gzip_member(data: bytes) -> bytes:
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
    return compressor.compress(data) + compressor.flush()


def write_gzip_bomb(path: Path, mib: int = 1024) -> None:
    """About 1 MB of gzip inflating to one line of `mib` MiB (no newline at all)."""
    member = gzip_member(b"a" * MIB)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        for _ in range(mib):
            handle.write(member)


def write_huge_attribute_line(path: Path, mib: int = 200) -> None:
    """One valid OTLP metrics line whose `prompt` attribute holds `mib` MiB (gzip members)."""
    body = read_lines(CAPTURES / "13-v2.1.197-accept" / "metrics.jsonl")[0]
    point = body["resourceMetrics"][0]["scopeMetrics"][0]["metrics"][0]["sum"]["dataPoints"][0]
    point["attributes"].append({"key": "prompt", "value": {"stringValue": "@FILL@"}})
    head, tail = json.dumps(body).split("@FILL@")
    filler = MARKERS["oversize"].encode() + b"x" * (MIB - len(MARKERS["oversize"]))
    member = gzip_member(filler)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        handle.write(gzip_member(head.encode()))
        for _ in range(mib):
            handle.write(member)
        handle.write(gzip_member(tail.encode() + b"\n"))


def write_blank_lines(path: Path, count: int = 4 * MIB) -> None:
    """A few KB of gzip holding `count` blank lines."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(gzip_member(b"\n" * count))


def line_of(body: dict) -> bytes:
    return json.dumps(body, separators=(",", ":")).encode()


def make_loops_and_specials(otlp: Path, outside_dir: Path) -> None:
    """`current -> .`, `previous -> .`, a FIFO `pipe.jsonl`, `zero.jsonl -> /dev/zero`, a
    socket `sock.jsonl`, and `stolen.jsonl` linking to a file outside the landing folder."""
    otlp.mkdir(parents=True, exist_ok=True)
    os.symlink(".", otlp / "current")
    os.symlink(".", otlp / "previous")
    os.mkfifo(otlp / "pipe.jsonl")
    os.symlink("/dev/zero", otlp / "zero.jsonl")
    outside_dir.mkdir(parents=True, exist_ok=True)
    secret = outside_dir / "secret.jsonl"
    secret.write_text(MARKERS["outside"] + "\n" + json.dumps({"resourceLogs": []}) + "\n")
    os.symlink(secret, otlp / "stolen.jsonl")
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    # bound by a relative name: a socket's path is limited to 107 bytes, and CI's temporary
    # folders run deeper than that
    cwd = os.getcwd()
    os.chdir(otlp)
    try:
        server.bind("sock.jsonl")
    finally:
        os.chdir(cwd)
        server.close()


def written_an_hour_ago(path: Path) -> None:
    """Date a file's last write an hour back, as a collector killed an hour ago leaves it: its
    cut last line no longer waits for the rest (ANALYTICS_PARTIAL_LINE_GRACE_S) and is
    quarantined."""
    an_hour_ago = time.time() - 3600
    os.utime(path, (an_hour_ago, an_hour_ago))


def truncated_line(body: dict) -> bytes:
    """A line cut inside its first timeUnixNano, as a collector killed mid-write leaves it."""
    text = line_of(body)
    cut = text.index(b'"timeUnixNano":"') + len(b'"timeUnixNano":"') + 12
    return text[:cut]


def salvage_lines() -> tuple[bytes, bytes]:
    """Capture 13's first metrics line (7 points) with a Latin-1 byte in an unknown top-level
    field, and capture 11's logs line (14 events) with a lone surrogate escape and a Latin-1
    byte in the prompt (dropped at ingestion): once repaired, the same records as clean."""
    metrics = read_lines(CAPTURES / "13-v2.1.197-accept" / "metrics.jsonl")[0]
    metrics_line = line_of(metrics)[:-1] + b',"note":"caf\xe9"}'
    logs = read_lines(CAPTURES / "11-sdk-user-temporary-then-reject" / "logs.jsonl")[0]
    logs_line = line_of(logs).replace(b'"<REDACTED>"', b'"<REDACTED \\ud83d \xe9>"', 1)
    assert b"\\ud83d" in logs_line
    return metrics_line, logs_line


def privacy_event(time_unix_nano: str) -> dict:
    """A tool_result with an `error` message, gen_ai.* keys, an unknown text attribute and a
    free-text body, and a user_prompt with its prompt."""

    def attr(key, value):
        return {"key": key, "value": {"stringValue": value}}

    records = [
        {
            "timeUnixNano": time_unix_nano,
            "body": {"stringValue": "claude_code.tool_result"},
            "attributes": [
                attr("event.name", "tool_result"),
                attr("session.id", "s-privacy"),
                attr("tool_name", "Read"),
                attr("success", "false"),
                attr("error", MARKERS["error"] + " /home/ann/.ssh/id_rsa"),
                attr("gen_ai.prompt", MARKERS["gen_ai"]),
                attr("gen_ai.completion", MARKERS["gen_ai"]),
                attr("custom.note", MARKERS["unknown"]),
                {"key": "duration_ms", "value": {"intValue": "12"}},
            ],
        },
        {
            "timeUnixNano": time_unix_nano,
            "body": {"stringValue": MARKERS["body"]},
            "attributes": [
                attr("event.name", "user_prompt"),
                attr("session.id", "s-privacy"),
                attr("prompt", MARKERS["prompt"]),
                attr("prompt_length", "18"),
            ],
        },
    ]
    return {
        "resourceLogs": [
            {
                "resource": {"attributes": []},
                "scopeLogs": [
                    {"scope": {"name": "com.anthropic.claude_code"}, "logRecords": records}
                ],
            }
        ]
    }


def warehouse_text_hits(con, needles) -> list[tuple[str, str, str]]:
    """(schema.table, column, needle) for every text column of every table holding a needle."""
    hits = []
    tables = con.execute(
        "select table_schema, table_name from information_schema.tables "
        "where table_type = 'BASE TABLE' or table_type = 'VIEW'"
    ).fetchall()
    for schema, table in tables:
        columns = [
            name
            for (name,) in con.execute(
                "select column_name from information_schema.columns "
                "where table_schema = ? and table_name = ?",
                [schema, table],
            ).fetchall()
        ]
        for column in columns:
            for needle in needles:
                found = con.execute(
                    f'select count(*) from "{schema}"."{table}" '
                    f'where contains(cast("{column}" as varchar), ?)',
                    [needle],
                ).fetchall()[0][0]
                if found:
                    hits.append((f"{schema}.{table}", column, needle))
    return hits
