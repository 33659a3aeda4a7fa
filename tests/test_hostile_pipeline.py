"""End to end: `analytics run` over a landing folder holding every hostile file the issue
lists gives exactly the marts of the same folder without them, and log rotation moves nothing.
"""

from __future__ import annotations

import gzip
import re
import shutil
import subprocess
from datetime import date
from pathlib import Path

import duckdb

from tests.conftest import ANALYTICS, CAPTURES, inherited_environ, mart_snapshot, query, run_cli
from tests.hostile_files import (
    MARKERS,
    TIME_1970,
    TIME_2100,
    line_of,
    make_loops_and_specials,
    salvage_lines,
    truncated_line,
    warehouse_text_hits,
    write_blank_lines,
    write_gzip_bomb,
    write_huge_attribute_line,
    written_an_hour_ago,
)
from tests.otlp_variants import read_lines, shift, write_lines
from tests.test_sample_org import assert_marts_match_expected

D = date(2026, 11, 24)


def env_for(root: Path, landing: Path) -> dict[str, str]:
    values = inherited_environ()
    values.update(
        {
            "ANALYTICS_WAREHOUSE": str(root / "warehouse.duckdb"),
            "DAGSTER_HOME": str(root / "dagster_home"),
            "ANALYTICS_LANDING_DIR": str(landing),
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        }
    )
    return values


def timed_run(env: dict[str, str], *args: str) -> tuple[subprocess.CompletedProcess, int]:
    """`analytics run` under /usr/bin/time: the result and the peak resident set in KiB of the
    process and its children (dbt)."""
    completed = subprocess.run(
        ["/usr/bin/time", "-f", "peak_rss_kib=%M", str(ANALYTICS), "run", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    peak = int(completed.stderr.rsplit("peak_rss_kib=", 1)[1].split()[0])
    return completed, peak


def add_hostile_files(landing: Path, outside: Path) -> None:
    otlp = landing / "otlp" / "hostile"
    write_gzip_bomb(otlp / "bomb.jsonl.gz")
    write_huge_attribute_line(otlp / "huge-attribute.jsonl.gz")
    write_blank_lines(otlp / "blank.jsonl.gz")
    (otlp / "not-gzip.jsonl.gz").write_bytes(b"this was never gzip\n")
    make_loops_and_specials(otlp, outside)
    body = read_lines(CAPTURES / "17-v1.0.128-accept" / "metrics.jsonl")[0]
    first = int(
        body["resourceMetrics"][0]["scopeMetrics"][0]["metrics"][0]["sum"]["dataPoints"][0][
            "timeUnixNano"
        ]
    )
    # a copy of a capture line (delivered twice), points dated 2100 and 1970, and a last line
    # cut inside its timeUnixNano by a killed collector
    (otlp / "killed.jsonl").write_bytes(
        line_of(body)
        + b"\n"
        + line_of(shift(body, nanos=int(TIME_2100) - first))
        + b"\n"
        + line_of(shift(body, nanos=int(TIME_1970) - first))
        + b"\n"
        + truncated_line(body)
    )
    written_an_hour_ago(otlp / "killed.jsonl")
    # a Latin-1 byte and a lone surrogate escape in copies of capture lines, after a BOM
    metrics_line, logs_line = salvage_lines()
    (otlp / "salvage.jsonl").write_bytes(b"\xef\xbb\xbf" + metrics_line + b"\n" + logs_line + b"\n")
    # gen_ai.* keys with content on a copy of capture 01's events (dropped: the same records)
    logs = read_lines(CAPTURES / "01-accept" / "logs.jsonl")[0]
    for resource in logs["resourceLogs"]:
        for scope in resource["scopeLogs"]:
            for record in scope["logRecords"]:
                record["attributes"].append(
                    {"key": "gen_ai.prompt", "value": {"stringValue": MARKERS["gen_ai"]}}
                )
    write_lines(otlp / "gen-ai.jsonl", [logs])


def test_hostile_files_change_no_number_and_leak_nothing(tmp_path):
    clean_landing = tmp_path / "clean" / "landing"
    shutil.copytree(
        CAPTURES, clean_landing / "otlp" / "captures", ignore=shutil.ignore_patterns("*.md")
    )
    hostile_landing = tmp_path / "hostile" / "landing"
    shutil.copytree(clean_landing, hostile_landing)
    add_hostile_files(hostile_landing, tmp_path / "outside")

    clean_env = env_for(tmp_path / "clean", clean_landing)
    hostile_env = env_for(tmp_path / "hostile", hostile_landing)
    clean, clean_peak = timed_run(clean_env)
    hostile, hostile_peak = timed_run(hostile_env)
    print(f"peak RSS: clean {clean_peak / 1024:.0f} MiB, hostile {hostile_peak / 1024:.0f} MiB")

    for result in (clean, hostile):
        assert "1 day(s) processed, 2026-11-24 .. 2026-11-24" in result.stdout
        assert "28 lines accepted" in result.stdout
    assert mart_snapshot(hostile_env) == mart_snapshot(clean_env)
    for line in (
        "skipped otlp/hostile/pipe.jsonl: a FIFO, not read",
        "skipped otlp/hostile/current: symlink loop (folder already listed)",
        "skipped otlp/hostile/previous: symlink loop (folder already listed)",
        "skipped otlp/hostile/zero.jsonl: symlink to outside the landing folder",
        "skipped otlp/hostile/stolen.jsonl: symlink to outside the landing folder",
        "skipped otlp/hostile/sock.jsonl: a socket, not read",
    ):
        assert line in hostile.stderr
    # bomb, 200 MB line, not-gzip, the cut line: 4 lines; 2100 and 1970: 7 + 7 points
    assert query(
        hostile_env, "select reason, count(*) from raw.quarantine group by all order by 1"
    ) == [
        ("invalid_json", 1),
        ("line_too_long", 2),
        ("time_out_of_range", 14),
        ("unreadable_file_tail", 1),
    ]
    assert query(
        hostile_env, "select sum(blank_lines), sum(lines_repaired) from raw.landed_files"
    ) == [(4 * 1024 * 1024, 2)]
    # within the run's normal memory: what one file holds adds no more than a line's limit
    assert hostile_peak < clean_peak + 256 * 1024, (clean_peak, hostile_peak)

    # no planted text in any table, the run's log, or its output
    con = duckdb.connect(hostile_env["ANALYTICS_WAREHOUSE"], read_only=True)
    try:
        assert warehouse_text_hits(con, MARKERS.values()) == []
    finally:
        con.close()
    log = (tmp_path / "hostile" / "dagster_home" / "logs" / "analytics-run.log").read_text(
        errors="replace"
    )
    for marker in MARKERS.values():
        assert marker not in log + hostile.stdout + hostile.stderr

    # a second run reads nothing new, changes nothing, and still exits 0
    again, _ = timed_run(hostile_env)
    assert "loaded: 0 new file(s)" in again.stdout
    assert mart_snapshot(hostile_env) == mart_snapshot(clean_env)


def _org_day(env) -> tuple:
    return query(
        env,
        "select lines_added, lines_removed, round(spend_usd, 8) from marts.fct_org_daily "
        "where usage_date = ?",
        [D],
    )[0]


def test_copytruncate_rotation_moves_no_number(tmp_path):
    landing = tmp_path / "landing"
    live = landing / "otlp" / "host-a" / "logs.jsonl"
    bodies = [
        b
        for run in ("01-accept", "13-v2.1.197-accept")
        for s in ("metrics", "logs")
        for b in read_lines(CAPTURES / run / f"{s}.jsonl")
    ]
    write_lines(live, bodies)  # 5 lines: runs 01 and 13
    env = env_for(tmp_path, landing)
    run_cli(env, "run")
    # run 01: 6 lines added, 1 removed, $0.10528005; run 13: 6 / 1, $0.13382085
    expected = (12, 2, round(0.10528005 + 0.13382085, 8))
    assert _org_day(env) == expected
    raw = query(env, "select count(*) from raw.otlp_metric_points")[0][0]
    assert raw == 11 + 7 + 9

    # logrotate copytruncate: `cp logs.jsonl logs.jsonl.1; : > logs.jsonl`
    shutil.copy(live, live.with_name("logs.jsonl.1"))
    live.write_bytes(b"")
    run_cli(env, "run", "--start", "2026-11-24", "--end", "2026-11-24")
    assert _org_day(env) == expected
    # the earlier content stays, the copy is read as a new file (its records dropped as copies)
    assert query(env, "select count(*) from raw.otlp_metric_points")[0][0] == 2 * raw
    assert query(
        env, "select source_file, generation, lines_read from raw.landed_files order by all"
    ) == [
        ("otlp/host-a/logs.jsonl", 1, 5),
        ("otlp/host-a/logs.jsonl", 2, 0),
        ("otlp/host-a/logs.jsonl.1", 1, 5),
    ]

    # the copy compressed (delaycompress done), and new lines in the live file: run 17
    with (
        live.with_name("logs.jsonl.1").open("rb") as plain,
        gzip.open(live.with_name("logs.jsonl.1.gz"), "wb") as packed,
    ):
        shutil.copyfileobj(plain, packed)
    live.with_name("logs.jsonl.1").unlink()
    write_lines(
        live,
        [
            b
            for s in ("metrics", "logs")
            for b in read_lines(CAPTURES / "17-v1.0.128-accept" / f"{s}.jsonl")
        ],
    )
    run_cli(env, "run", "--start", "2026-11-24", "--end", "2026-11-24")
    # run 17 adds 6 lines and 1 removed (no decisions), $0.07063155
    assert _org_day(env) == (18, 3, round(0.10528005 + 0.13382085 + 0.07063155, 8))

    # the same folder loaded in one go gives the same marts
    fresh = env_for(tmp_path / "fresh", landing)
    (tmp_path / "fresh").mkdir()
    run_cli(fresh, "run", "--start", "2026-11-24", "--end", "2026-11-24")
    assert mart_snapshot(fresh) == mart_snapshot(env)


def test_run_without_dates_works_on_a_generated_organization(tmp_path):
    landing = tmp_path / "org"
    env = env_for(tmp_path, landing)
    # a fixed start: the generator's output depends on its dates, and this organization is one
    # whose cut lines include one cut inside a timeUnixNano (with the default start, today
    # minus 20 days, that varies from day to day)
    run_cli(env, "generate", str(landing), "--members", "40", "--days", "20", "--start", "2026-11-10")
    # the generator writes lines cut short on purpose, some inside a timeUnixNano
    cut_in_time = 0
    for path in (landing / "otlp").rglob("*.jsonl*"):
        data = gzip.decompress(path.read_bytes()) if path.name.endswith(".gz") else path.read_bytes()
        cut_in_time += sum(
            1 for line in data.split(b"\n") if re.search(rb'"timeUnixNano":"?[0-9]+$', line)
        )
    assert cut_in_time > 0
    result = run_cli(env, "run")
    assert "20 day(s) processed" in result.stdout
    assert_marts_match_expected(env, landing)  # the generator's own bookkeeping
