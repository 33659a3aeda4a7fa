"""Hostile landed files against the loader (real DuckDB, real files, FIFOs and links).

Every input is one the issue lists; every expected number is counted by hand from the
captures (see seeds/captures/README.md) and the bytes written here.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import re
import subprocess
import sys
import time
from datetime import UTC, date, datetime, timedelta

import duckdb
import pytest

from analytics.ingest import landing_files, loader, otlp_sql
from analytics.ingest.checks import RECONCILIATION_SQL
from analytics.ingest.landing_files import discover_otlp_files, repair_surrogates
from analytics.ingest.loader import (
    LoadSummary,
    _load_batch,
    date_range_of_landing,
    files_to_load,
    load_landing_dir,
    possible_time_bounds,
)
from analytics.ingest.raw_schema import create_raw_tables
from analytics.ingest.walk import Skipped, walk_regular_files
from tests.conftest import CAPTURES, PROJECT_ROOT
from tests.hostile_files import (
    MARKERS,
    MIB,
    TIME_1970,
    TIME_2100,
    line_of,
    make_loops_and_specials,
    privacy_event,
    salvage_lines,
    truncated_line,
    warehouse_text_hits,
    write_blank_lines,
    write_gzip_bomb,
    write_huge_attribute_line,
    written_an_hour_ago,
)
from tests.otlp_variants import read_lines, shift, write_lines

D = date(2026, 11, 24)


@pytest.fixture
def con():
    connection = duckdb.connect()
    yield connection
    connection.close()


def rows(con, sql, params=None):
    return con.execute(sql, params or []).fetchall()


def capture_lines(run: str, signal: str) -> list[bytes]:
    return [line_of(b) for b in read_lines(CAPTURES / run / f"{signal}.jsonl")]


def write_bytes_lines(path, lines: list[bytes], end: bytes = b"\n") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"\n".join(lines) + end)


def test_a_gzip_bomb_a_200_mb_attribute_and_millions_of_blank_lines_stop_nothing(con, tmp_path):
    landing = tmp_path / "landing"
    otlp = landing / "otlp"
    write_bytes_lines(
        otlp / "good" / "01.jsonl",
        capture_lines("01-accept", "metrics") + capture_lines("01-accept", "logs"),
    )
    write_gzip_bomb(otlp / "bomb.jsonl.gz")  # ~1 MB, one 1 GiB line
    write_huge_attribute_line(otlp / "huge-attribute.jsonl.gz")  # one 200 MiB line, valid OTLP
    write_blank_lines(otlp / "blank.jsonl.gz")  # 4 KB, 4,194,304 blank lines
    (otlp / "not-gzip.jsonl.gz").write_bytes(b"this was never gzip\n")
    assert (otlp / "bomb.jsonl.gz").stat().st_size < 1_100_000
    assert (otlp / "blank.jsonl.gz").stat().st_size < 8_192

    huge_line_bytes = _huge_line_bytes(otlp)
    assert huge_line_bytes > 200 * MIB
    summary = load_landing_dir(con, landing)
    # capture 01: 11 points and 15 events, all loaded
    assert (summary.metric_points, summary.log_records) == (11, 15)
    assert summary.blank_lines == 4 * MIB
    assert rows(
        con, "select source_file, source_line, reason, line_bytes from raw.quarantine order by 1"
    ) == [
        ("otlp/bomb.jsonl.gz", 1, "line_too_long", 1024 * MIB),
        ("otlp/huge-attribute.jsonl.gz", 1, "line_too_long", huge_line_bytes),
        ("otlp/not-gzip.jsonl.gz", 1, "unreadable_file_tail", 0),
    ]
    # the bomb's hash is the MD5 of its first 64 MiB (ANALYTICS_MAX_LINE_BYTES), taken while
    # the line was discarded
    assert rows(con, "select line_hash from raw.quarantine where source_file like '%bomb%'") == [
        (hashlib.md5(b"a" * 64 * MIB).hexdigest(),)
    ]
    assert rows(con, "select detail from raw.quarantine where source_file like '%not-gzip%'")[0][
        0
    ].startswith("corrupt gzip data")
    assert rows(
        con,
        "select source_file, lines_read, blank_lines, lines_quarantined from raw.landed_files "
        "where source_file like '%blank%'",
    ) == [("otlp/blank.jsonl.gz", 4 * MIB, 4 * MIB, 0)]
    assert rows(con, RECONCILIATION_SQL) == []


def _huge_line_bytes(otlp) -> int:
    with gzip.open(otlp / "huge-attribute.jsonl.gz", "rb") as handle:
        total = 0
        while block := handle.read(16 * MIB):
            total += len(block)
    return total - 1  # the newline


def test_quarantine_rows_stop_at_1000_per_file_and_the_rest_are_counted(con, tmp_path):
    landing = tmp_path / "landing"
    write_bytes_lines(
        landing / "otlp" / "noise.jsonl",
        [b'{"not": "otlp"}'] * 2500 + capture_lines("17-v1.0.128-accept", "metrics"),
    )
    summary = load_landing_dir(con, landing)
    assert summary.lines_quarantined == 2500 and summary.metric_points == 7
    assert rows(con, "select count(*), min(source_line), max(source_line) from raw.quarantine") == [
        (1000, 1, 1000)
    ]
    assert rows(
        con,
        "select lines_read, lines_loaded, lines_quarantined, quarantine_rows_not_stored "
        "from raw.landed_files",
    ) == [(2501, 1, 2500, 1500)]
    assert rows(con, RECONCILIATION_SQL) == []


def test_the_folder_is_walked_safely(tmp_path):
    landing = tmp_path / "landing"
    otlp = landing / "otlp"
    write_bytes_lines(otlp / "a" / "logs.jsonl", capture_lines("17-v1.0.128-accept", "logs"))
    make_loops_and_specials(otlp, tmp_path / "outside")
    os.symlink("a/logs.jsonl", otlp / "alias.jsonl")  # a link inside: the same file, read once
    # in a child process, so that a hang fails the test instead of blocking it
    script = (
        "import sys, json, duckdb\n"
        "from pathlib import Path\n"
        "from analytics.ingest.landing_files import discover_otlp_files\n"
        "from analytics.ingest.loader import load_landing_dir, date_range_of_landing\n"
        "skipped = []\n"
        "found = discover_otlp_files(Path(sys.argv[1]), skipped)\n"
        "con = duckdb.connect()\n"
        "first, last = date_range_of_landing(con, Path(sys.argv[1]))\n"
        "s = load_landing_dir(con, Path(sys.argv[1]))\n"
        "print(json.dumps({'found': [f.relative_path for f in found],\n"
        "  'skipped': sorted([k.relative_path, k.reason] for k in skipped),\n"
        "  'range': [str(first), str(last)], 'events': s.log_records,\n"
        "  'quarantine': con.execute('select count(*) from raw.quarantine').fetchall()[0][0]}))\n"
    )
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-c", script, str(landing)],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=PROJECT_ROOT,
        check=True,
    )
    assert time.monotonic() - started < 60
    result = json.loads(done.stdout)
    assert result["found"] == ["otlp/a/logs.jsonl"]
    assert result["skipped"] == [
        ["otlp/current", "symlink loop (folder already listed)"],
        ["otlp/pipe.jsonl", "a FIFO, not read"],
        ["otlp/previous", "symlink loop (folder already listed)"],
        ["otlp/sock.jsonl", "a socket, not read"],
        ["otlp/stolen.jsonl", "symlink to outside the landing folder"],
        ["otlp/zero.jsonl", "symlink to outside the landing folder"],
    ]
    assert result["range"] == ["2026-11-24", "2026-11-24"]
    assert result["events"] == 6 and result["quarantine"] == 0


def test_logrotate_names_are_read(tmp_path):
    otlp = tmp_path / "otlp"
    names = [
        "logs.jsonl",
        "logs.jsonl.1",
        "logs.jsonl.2.gz",
        "logs.jsonl-20261124",
        "logs.jsonl-20261123.gz",
        "logs.jsonl.gz",
        "notes.txt",
        "logs.json",
        ".hidden.jsonl",
    ]
    for name in names:
        (otlp / name).parent.mkdir(parents=True, exist_ok=True)
        (otlp / name).write_bytes(b"")
    assert [f.relative_path for f in discover_otlp_files(tmp_path)] == [
        f"otlp/{n}" for n in sorted(names[:6])
    ]


def test_a_file_that_shrinks_is_replaced_or_disappears_keeps_its_rows(con, tmp_path):
    landing = tmp_path / "landing"
    path = landing / "otlp" / "live.jsonl"
    m01 = capture_lines("01-accept", "metrics")  # 11 points
    m17 = capture_lines("17-v1.0.128-accept", "metrics")  # 7 points
    m02 = capture_lines("02-reject-default-mode", "metrics")  # 8 points

    def points():
        return rows(con, "select count(*) from raw.otlp_metric_points")[0][0]

    write_bytes_lines(path, m01 + m17)
    load_landing_dir(con, landing)
    assert points() == 18
    write_bytes_lines(path, m01 + m17 + m02)  # appended: the same generation, read again whole
    assert load_landing_dir(con, landing).new_generations == 0
    assert points() == 26
    path.write_bytes(b"")  # truncated: a new, empty generation; nothing loaded is lost
    assert load_landing_dir(con, landing).new_generations == 1
    assert points() == 26
    write_bytes_lines(path, m17)  # new content after the truncation: added
    load_landing_dir(con, landing)
    assert points() == 33
    write_bytes_lines(path, m02)  # replaced by other content of the same length or not
    load_landing_dir(con, landing)
    assert points() == 41
    path.unlink()  # gone: its rows stay
    load_landing_dir(con, landing)
    assert points() == 41
    # generation 2 began empty, so the lines written after the truncation grew it; the
    # replacing content did not start with those bytes: generation 3
    assert rows(
        con,
        "select generation, lines_read, metric_points from raw.landed_files order by generation",
    ) == [(1, 3, 26), (2, 1, 7), (3, 1, 8)]
    assert rows(
        con,
        "select source_generation, count(*) from raw.otlp_metric_points group by all order by 1",
    ) == [(1, 26), (2, 7), (3, 8)]
    assert rows(con, RECONCILIATION_SQL) == []


def _moved_to(body: dict, time_ns: int) -> dict:
    first = int(
        body["resourceMetrics"][0]["scopeMetrics"][0]["metrics"][0]["sum"]["dataPoints"][0][
            "timeUnixNano"
        ]
    )
    return shift(body, nanos=time_ns - first)


def test_impossible_times_are_quarantined_and_never_set_the_range(con, tmp_path):
    landing = tmp_path / "landing"
    body = read_lines(CAPTURES / "17-v1.0.128-accept" / "metrics.jsonl")[0]  # 7 points
    lines = [
        line_of(body),
        line_of(_moved_to(body, int(TIME_2100))),
        line_of(_moved_to(body, int(TIME_1970))),
    ]
    path = landing / "otlp" / "clocks.jsonl"
    # the last line cut inside its timeUnixNano, no newline, as a killed collector leaves it
    write_bytes_lines(path, [*lines, truncated_line(body)], end=b"")
    written_an_hour_ago(path)
    assert re.search(rb'"timeUnixNano":"1795544[0-9]{5}$', path.read_bytes())
    assert date_range_of_landing(con, landing) == (D, D)
    summary = load_landing_dir(con, landing)
    assert summary.metric_points == 7
    assert rows(con, "select reason, count(*) from raw.quarantine group by all order by 1") == [
        ("invalid_json", 1),
        ("time_out_of_range", 14),
    ]
    assert rows(con, "select min_usage_date, max_usage_date from raw.landed_files") == [(D, D)]
    assert date_range_of_landing(con, landing) == (D, D)  # from the manifest now

    # tomorrow is possible (a clock a little ahead); the day after is not
    today = datetime.now(UTC).date()
    noon = int(datetime(today.year, today.month, today.day, 12, tzinfo=UTC).timestamp()) * 10**9
    day_ns = 86_400 * 10**9
    write_lines(
        landing / "otlp" / "ahead.jsonl",
        [_moved_to(body, noon + day_ns), _moved_to(body, noon + 2 * day_ns)],
    )
    assert date_range_of_landing(con, landing) == (D, today + timedelta(days=1))
    summary = load_landing_dir(con, landing)
    assert summary.metric_points == 7 and summary.records_quarantined == 7


def test_bad_bytes_a_lone_surrogate_and_a_bom_keep_their_records(con, tmp_path):
    metrics_line, logs_line = salvage_lines()
    clean = tmp_path / "clean"
    dirty = tmp_path / "dirty"
    write_bytes_lines(
        clean / "otlp" / "a.jsonl",
        [
            capture_lines("13-v2.1.197-accept", "metrics")[0],
            capture_lines("11-sdk-user-temporary-then-reject", "logs")[0],
        ],
    )
    (dirty / "otlp").mkdir(parents=True)
    (dirty / "otlp" / "a.jsonl").write_bytes(
        b"\xef\xbb\xbf" + metrics_line + b"\n" + logs_line + b"\n"
    )
    snapshot = {}
    for name, landing in (("clean", clean), ("dirty", dirty)):
        connection = duckdb.connect()
        summary = load_landing_dir(connection, landing)
        snapshot[name] = (
            summary.metric_points,
            summary.log_records,
            summary.lines_repaired,
            rows(
                connection,
                "select metric_name, value, attributes_json from raw.otlp_metric_points "
                "order by all",
            ),
            rows(
                connection,
                "select event_name, attributes_json from raw.otlp_log_records order by all",
            ),
            rows(connection, "select lines_repaired from raw.landed_files"),
        )
        connection.close()
    assert snapshot["clean"][:3] == (7, 14, 0)
    assert snapshot["dirty"][:3] == (7, 14, 2)
    assert snapshot["dirty"][3:5] == snapshot["clean"][3:5]
    assert snapshot["dirty"][5] == [(2,)]


def test_surrogate_repair_keeps_pairs_and_escaped_backslashes():
    assert repair_surrogates('"\\ud83d\\ude00"') == ('"\\ud83d\\ude00"', 0)
    assert repair_surrogates('"a\\ud83d b"') == ('"a\\ufffd b"', 1)
    assert repair_surrogates('"\\ude00\\ud83d"') == ('"\\ufffd\\ufffd"', 2)
    assert repair_surrogates('"\\\\ud83d"') == ('"\\\\ud83d"', 0)  # a backslash, then text


def test_content_never_reaches_a_table(con, tmp_path):
    landing = tmp_path / "landing"
    otlp = landing / "otlp"
    time_ns = "1795544565566000000"
    quarantined = line_of(privacy_event(time_ns))
    cut = quarantined.index(MARKERS["prompt"].encode()) + 10
    write_bytes_lines(
        otlp / "events.jsonl",
        [
            line_of(privacy_event(time_ns)),
            quarantined[:cut] + MARKERS["truncated"].encode(),  # a cut line, prompt text inside
        ],
    )
    write_huge_attribute_line(otlp / "huge.jsonl.gz", mib=65)  # above the 64 MiB limit
    make_loops_and_specials(otlp / "specials", tmp_path / "outside")
    load_landing_dir(con, landing)
    assert rows(
        con, "select event_name, attributes_json, body from raw.otlp_log_records order by 1"
    ) == [
        (
            "tool_result",
            (
                '{"custom.note_length":"19","duration_ms":"12","error_length":"39",'
                '"event.name":"tool_result","session.id":"s-privacy","success":"false","tool_name":"Read"}'
            ),
            "claude_code.tool_result",
        ),
        (
            "user_prompt",
            '{"event.name":"user_prompt","prompt_length":"18","session.id":"s-privacy"}',
            None,
        ),
    ]
    assert warehouse_text_hits(con, MARKERS.values()) == []
    # with ANALYTICS_STORE_CONTENT, the same load keeps them (the switch works both ways)
    stored = duckdb.connect()
    load_landing_dir(stored, landing, store_content=True)
    assert {needle for _, _, needle in warehouse_text_hits(stored, MARKERS.values())} == {
        MARKERS["error"],
        MARKERS["gen_ai"],
        MARKERS["unknown"],
        MARKERS["body"],
        MARKERS["prompt"],
    }
    stored.close()


def test_a_file_that_cannot_be_read_is_quarantined_with_its_reason_and_retried(con, tmp_path):
    landing = tmp_path / "landing"
    good = landing / "otlp" / "good.jsonl"
    swapped = landing / "otlp" / "swapped.jsonl"
    write_bytes_lines(good, capture_lines("17-v1.0.128-accept", "metrics"))
    write_bytes_lines(swapped, capture_lines("17-v1.0.128-accept", "logs"))
    listed = discover_otlp_files(landing)
    # between the listing and the read, the file is replaced by a FIFO: it is not read (and
    # does not block), the other file loads
    swapped.unlink()
    os.mkfifo(swapped)
    create_raw_tables(con)
    con.execute(otlp_sql.macros_sql(False, possible_time_bounds()))
    to_load, _ = files_to_load(con, listed)
    summary = LoadSummary()
    _load_batch(con, to_load, summary)
    assert summary.metric_points == 7 and summary.log_records == 0
    assert rows(con, "select source_file, reason, detail from raw.quarantine") == [
        ("otlp/swapped.jsonl", "unreadable_file", "a FIFO, not read")
    ]
    assert rows(
        con, "select content_hash from raw.landed_files where source_file like '%swapped%'"
    ) == [("unreadable:a FIFO, not read",)]
    # readable again: read as the same generation, its quarantine row replaced by its records
    swapped.unlink()
    write_bytes_lines(swapped, capture_lines("17-v1.0.128-accept", "logs"))
    assert load_landing_dir(con, landing).log_records == 6
    assert rows(con, "select count(*) from raw.quarantine") == [(0,)]
    assert rows(con, "select source_file, generation from raw.landed_files order by 1") == [
        ("otlp/good.jsonl", 1),
        ("otlp/swapped.jsonl", 1),
    ]
    assert rows(con, RECONCILIATION_SQL) == []


def test_listing_stops_at_its_time_budget(tmp_path):
    (tmp_path / "otlp" / "a").mkdir(parents=True)
    (tmp_path / "otlp" / "a" / "x.jsonl").write_bytes(b"")
    found, skipped = walk_regular_files(tmp_path, tmp_path / "otlp", lambda name: True, 0.0)
    assert found == []
    assert skipped == [Skipped("otlp", "listing stopped after 0 s")]


@pytest.mark.parametrize("block_bytes", [7, 64, 4 * 1024 * 1024])
def test_lines_are_repaired_wherever_they_fall_in_the_read_blocks(tmp_path, monkeypatch, block_bytes):
    """The framing checks a whole block at once and skips the per-line repair of a clean one:
    a bad byte or lone surrogate is repaired wherever it falls (inside a block, across two)."""
    from analytics.ingest import landing_files

    monkeypatch.setattr(landing_files, "BLOCK_BYTES", block_bytes)
    lines = [
        b'{"a": "clean"}',
        b'{"a": "x\\ud83d y"}',  # a lone high surrogate
        b'{"a": "\\ud83d\\ude00"}',  # a valid pair: kept
        b'{"a": "caf\xc3\xa9"}',  # valid UTF-8, not ASCII: kept
        b'{"a": "bad \xff byte"}',
        b'{"a": "clean again"}',
    ] * 3
    path = tmp_path / "otlp" / "a.jsonl"
    path.parent.mkdir()
    path.write_bytes(b"\n".join(lines) + b"\n")
    (landed,) = discover_otlp_files(tmp_path)
    stats = {}
    (chunk,) = list(landing_files.iter_line_chunks([landed], stats))
    expected = [landing_files.repair_line(line)[0] for line in lines]
    assert chunk.column("raw").to_pylist() == expected
    assert expected[1] == b'{"a": "x\\ufffd y"}' and expected[4] == '{"a": "bad \ufffd byte"}'.encode()
    assert (stats["otlp/a.jsonl"].lines_read, stats["otlp/a.jsonl"].lines_repaired) == (18, 6)


def test_read_ahead_hands_on_every_chunk_and_the_framing_error_and_stops_when_the_caller_does():
    from analytics.ingest.landing_files import read_ahead

    closed = []

    def chunks(n, fail_at=None):
        try:
            for i in range(n):
                if i == fail_at:
                    raise OSError("disk gone")
                yield i
        finally:
            closed.append(n)

    assert list(read_ahead(chunks(5))) == [0, 1, 2, 3, 4]
    seen = []
    with pytest.raises(OSError, match="disk gone"):
        seen.extend(read_ahead(chunks(6, fail_at=3)))
    assert seen == [0, 1, 2]  # what came before the error was handed on, in order
    reader = read_ahead(chunks(1000))
    assert next(reader) == 0
    reader.close()  # the caller stops early (e.g. its query failed): the thread stops too
    assert closed == [5, 6, 1000]


def test_a_new_files_hash_is_taken_from_the_bytes_its_load_reads(con, tmp_path, monkeypatch):
    """A new file is hashed while its lines are read (loader.Planned), not by a read of its
    own: the manifest's hash is the same content_hash either way, for a plain file, a gzip file
    of several read blocks, a gzip file whose tail cannot be inflated (hashed on its own) and a
    file that cannot be opened; and a reload of the same content sees no change."""
    landing = tmp_path / "landing"
    plain = landing / "otlp" / "plain.jsonl"
    write_bytes_lines(plain, capture_lines("13-v2.1.197-accept", "metrics"))
    packed = landing / "otlp" / "packed.jsonl.gz"
    packed.write_bytes(gzip.compress(b"\n".join(capture_lines("17-v1.0.128-accept", "logs")) + b"\n"))
    cut = landing / "otlp" / "cut.jsonl.gz"
    whole = gzip.compress(b"\n".join(capture_lines("17-v1.0.128-accept", "metrics")) + b"\n")
    cut.write_bytes(whole[: len(whole) - 9])  # the last bytes and the end marker lost
    fifo = landing / "otlp" / "fifo.jsonl"
    os.mkfifo(fifo)
    monkeypatch.setattr(landing_files, "BLOCK_BYTES", 1024)  # the gzip file in many blocks
    listed = discover_otlp_files(landing)
    create_raw_tables(con)
    con.execute(otlp_sql.macros_sql(False, possible_time_bounds()))
    to_load, _ = files_to_load(con, listed)
    assert [p.digest for p in to_load] == [None] * 3  # the FIFO is not listed
    reads = []
    counted_hash = landing_files.content_hash
    monkeypatch.setattr(loader, "content_hash", lambda *a, **k: reads.append(a[0].name) or counted_hash(*a, **k))
    _load_batch(con, to_load, LoadSummary())
    assert reads == ["cut.jsonl.gz"]  # only the file whose read broke off is read again
    assert dict(rows(con, "select source_file, content_hash from raw.landed_files")) == {
        f"otlp/{path.name}": counted_hash(path) for path in (plain, packed, cut)
    }
    # the same files again: nothing to load, nothing hashed
    assert files_to_load(con, discover_otlp_files(landing))[0] == []
    # the FIFO stands for a file swapped for one between the listing and the read
    fifo.unlink()
    write_bytes_lines(fifo, capture_lines("17-v1.0.128-accept", "logs"))
    swapped = [f for f in discover_otlp_files(landing) if f.path == fifo]
    fifo.unlink()
    os.mkfifo(fifo)
    (planned,), _ = files_to_load(con, swapped)
    _load_batch(con, [planned], LoadSummary())
    assert rows(con, "select content_hash from raw.landed_files where source_file = 'otlp/fifo.jsonl'") == [
        ("unreadable:a FIFO, not read",)
    ]
