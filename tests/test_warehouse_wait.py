"""A warehouse held by another process is said, not suffered.

A separate Python process holds the DuckDB file as a BI tool's driver does (a read-only
connection kept open; for `report` and `export`, a writing one). The commands must say within
5 seconds that they wait for it, naming the file and the holder's PID, and give up after
ANALYTICS_WAREHOUSE_WAIT_S with one line naming the file; a path that cannot be opened at all
fails before the run starts.
"""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path

import duckdb

from tests.conftest import ANALYTICS, run_cli

HOLD = (
    "import duckdb, sys, time\n"
    "con = duckdb.connect(sys.argv[1], read_only=sys.argv[2] == 'ro')\n"
    "print('holding', flush=True)\n"
    "time.sleep(float(sys.argv[3]))\n"
)


def hold(path: Path, mode: str = "ro", seconds: float = 120) -> subprocess.Popen:
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(path), mode, str(seconds)],
        stdout=subprocess.PIPE, text=True,
    )
    assert holder.stdout.readline().strip() == "holding"
    return holder


def run_watching(env: dict, *args: str, timeout: float = 120):
    """Run the CLI; return (exit status, seconds taken, [(seconds, stderr line)])."""
    started = time.monotonic()
    process = subprocess.Popen(
        [str(ANALYTICS), *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    lines: list[tuple[float, str]] = []

    def read() -> None:
        for line in process.stderr:
            lines.append((time.monotonic() - started, line.rstrip("\n")))

    reader = threading.Thread(target=read)
    reader.start()
    try:
        status = process.wait(timeout=timeout)
    finally:
        process.kill()
        reader.join()
    return status, time.monotonic() - started, lines


def test_run_waits_for_a_reader_then_fails_in_one_line(env, captures_landing):
    warehouse = Path(env["ANALYTICS_WAREHOUSE"])
    duckdb.connect(str(warehouse)).close()
    holder = hold(warehouse)
    try:
        env = {**env, "ANALYTICS_WAREHOUSE_WAIT_S": "8"}
        status, seconds, lines = run_watching(env, "run", "--start", "2026-11-24", "--end", "2026-11-24")
    finally:
        holder.kill()
    said = [(at, line) for at, line in lines if "waiting for another process holding" in line]
    assert said, lines
    at, line = said[0]
    assert at < 5, f"said after {at:.1f}s"
    assert str(warehouse) in line and f"PID {holder.pid}" in line
    assert status != 0
    assert 8 <= seconds < 60
    last = lines[-1][1]
    assert last.startswith("analytics: error: ") and str(warehouse) in last
    assert "ANALYTICS_WAREHOUSE_WAIT_S" in last
    assert not any("Traceback" in text for _, text in lines)


def test_run_goes_on_when_the_reader_lets_go(env, captures_landing):
    warehouse = Path(env["ANALYTICS_WAREHOUSE"])
    duckdb.connect(str(warehouse)).close()
    holder = hold(warehouse, seconds=6)
    status, _, lines = run_watching(env, "run", "--start", "2026-11-24", "--end", "2026-11-24", timeout=600)
    holder.wait()
    assert status == 0, lines
    assert any("waiting for another process holding" in line for _, line in lines)
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        # capture day 2026-11-24 is built: its org row is there
        assert con.execute(
            "select count(*) from marts.fct_org_daily where usage_date = date '2026-11-24'"
        ).fetchall() == [(1,)]
    finally:
        con.close()


def test_a_warehouse_path_that_cannot_be_opened_fails_before_the_run(env, captures_landing, tmp_path):
    not_a_folder = tmp_path / "a-file"
    not_a_folder.write_text("")
    env = {**env, "ANALYTICS_WAREHOUSE": str(not_a_folder / "warehouse.duckdb")}
    started = time.monotonic()
    completed = run_cli(env, "run", "--start", "2026-11-24", "--end", "2026-11-24", check=False)
    assert time.monotonic() - started < 15
    assert completed.returncode != 0
    lines = completed.stderr.strip().splitlines()
    assert len(lines) == 1, completed.stderr
    assert lines[0].startswith("analytics: error: cannot create the warehouse's folder")
    assert str(not_a_folder) in lines[0]

    garbage = tmp_path / "garbage.duckdb"
    garbage.write_bytes(b"this is not a DuckDB file" * 1000)
    env["ANALYTICS_WAREHOUSE"] = str(garbage)
    completed = run_cli(env, "run", "--start", "2026-11-24", "--end", "2026-11-24", check=False)
    lines = completed.stderr.strip().splitlines()
    assert completed.returncode != 0 and len(lines) == 1, completed.stderr
    assert lines[0].startswith(f"analytics: error: cannot open the warehouse {garbage}")


def test_report_and_export_wait_for_a_writer_then_fail(env, tmp_path):
    warehouse = Path(env["ANALYTICS_WAREHOUSE"])
    duckdb.connect(str(warehouse)).close()
    holder = hold(warehouse, mode="rw")
    try:
        env = {**env, "ANALYTICS_WAREHOUSE_WAIT_S": "3"}
        for args in (("report",), ("export", str(tmp_path / "out"))):
            status, seconds, lines = run_watching(env, *args, timeout=60)
            assert status != 0
            assert seconds < 30
            said = [line for _, line in lines if "waiting for another process holding" in line]
            assert said and f"PID {holder.pid}" in said[0] and str(warehouse) in said[0]
            assert lines[-1][1].startswith("analytics: error: ") and str(warehouse) in lines[-1][1]
    finally:
        holder.kill()
