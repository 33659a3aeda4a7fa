"""Nothing lost, nothing doubled: new and late files, crashes mid-run, two runs at once.

Each test injects the fault into a landing folder built from the real captures and compares
the marts with a clean single run over the same final landing folder.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from datetime import date
from pathlib import Path

import pytest

from tests.conftest import ANALYTICS, CAPTURES, mart_snapshot, query, run_cli
from tests.otlp_variants import read_lines, shift, write_lines

D = date(2026, 11, 24)


def build_landing(root: Path, late: bool = True) -> Path:
    """Captures 01, 02, 13 on D; run 11 moved to D-1 and run 01 to D-2 as other members.

    With `late`, also the file that arrives late in the tests: run 17 moved to D-2.
    """
    landing = root / "landing"
    for run in ("01-accept", "02-reject-default-mode", "13-v2.1.197-accept"):
        for signal_name in ("logs", "metrics"):
            write_lines(landing / "otlp" / run / f"{signal_name}.jsonl",
                        read_lines(CAPTURES / run / f"{signal_name}.jsonl"))
    for run, days in (("11-sdk-user-temporary-then-reject", -1), ("01-accept", -2)):
        bodies = [shift(b, days=days, suffix=f"-{-days}") for s in ("metrics", "logs")
                  for b in read_lines(CAPTURES / run / f"{s}.jsonl")]
        write_lines(landing / "otlp" / "moved" / f"{run}.jsonl", bodies)
    if late:
        write_late_file(landing)
    return landing


def write_late_file(landing: Path) -> None:
    bodies = [shift(b, days=-2, suffix="-late") for s in ("metrics", "logs")
              for b in read_lines(CAPTURES / "17-v1.0.128-accept" / f"{s}.jsonl")]
    write_lines(landing / "otlp" / "late" / "17-arrived-later.jsonl", bodies)


def env_for(root: Path, landing: Path) -> dict[str, str]:
    values = dict(os.environ)
    values.update({
        "ANALYTICS_WAREHOUSE": str(root / "warehouse.duckdb"),
        "DAGSTER_HOME": str(root / "dagster_home"),
        "ANALYTICS_LANDING_DIR": str(landing),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    })
    values.pop("ANALYTICS_FAILPOINT", None)
    return values


@pytest.fixture(scope="module")
def clean(tmp_path_factory) -> dict:
    """The reference: one clean run over the complete landing folder, D-2 .. D."""
    root = tmp_path_factory.mktemp("clean")
    env = env_for(root, build_landing(root))
    run_cli(env, "run", "--start", "2026-11-22", "--end", "2026-11-24")
    return {"snapshot": mart_snapshot(env), "raw": raw_counts(env)}


def raw_counts(env) -> tuple:
    return tuple(
        query(env, f"select count(*) from raw.{table}")[0][0]
        for table in ("otlp_metric_points", "otlp_log_records", "quarantine", "landed_files")
    )


def test_clean_reference_numbers(clean):
    daily = {row[0]: row[1:] for row in clean["snapshot"]["fct_org_daily"]}
    # D-2: runs 01 and 17 (moved): 6+6 lines added, 1+1 removed, 2 accepts (17 sends no decisions)
    assert daily[date(2026, 11, 22)][:8] == (2, 2, 1, 2, 12, 2, 2, 0)


def test_a_new_file_adds_exactly_its_records_and_a_late_file_is_picked_up(tmp_path, clean):
    landing = build_landing(tmp_path, late=False)
    env = env_for(tmp_path, landing)
    run_cli(env, "run", "--start", "2026-11-22", "--end", "2026-11-24")
    before_raw = raw_counts(env)
    before = mart_snapshot(env)
    d2 = next(r for r in before["fct_org_daily"] if r[0] == date(2026, 11, 22))

    # the same run again: nothing read, nothing changed
    again = run_cli(env, "run", "--start", "2026-11-22", "--end", "2026-11-24")
    assert "loaded: 0 new file(s)" in again.stdout
    assert raw_counts(env) == before_raw and mart_snapshot(env) == before

    # run 17's file for D-2 lands after D-2 was processed; the next daily run is for D only
    write_late_file(landing)
    late = run_cli(env, "run", "--start", "2026-11-24", "--end", "2026-11-24")
    assert "loaded: 1 new file(s), 7 metric points, 6 events" in late.stdout
    points, events, quarantined, files = raw_counts(env)
    assert (points, events, quarantined, files) == (before_raw[0] + 7, before_raw[1] + 6, before_raw[2], before_raw[3] + 1)
    # raw has it; D-2 in the marts changes only when D-2 is rebuilt (lookback or explicit rerun)
    assert next(r for r in mart_snapshot(env)["fct_org_daily"] if r[0] == date(2026, 11, 22)) == d2
    run_cli(env, "run", "--start", "2026-11-22", "--end", "2026-11-24")  # the schedule's lookback window
    assert mart_snapshot(env) == clean["snapshot"]
    assert raw_counts(env) == clean["raw"]


def wait_until_gone(process_group: int, timeout_s: float = 30) -> None:
    """Wait until every process of a killed process group has exited (and let go of its locks)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            os.killpg(process_group, 0)
        except ProcessLookupError:
            return
        time.sleep(0.05)
    raise AssertionError(f"process group {process_group} still alive {timeout_s} s after SIGKILL")


def test_a_run_killed_during_ingestion_and_then_during_dbt_is_repaired_by_the_next(tmp_path, clean):
    env = env_for(tmp_path, build_landing(tmp_path))
    # killed inside an ingestion transaction (one file per transaction, after the first)
    crashed = subprocess.run(
        [str(ANALYTICS), "run", "--start", "2026-11-22", "--end", "2026-11-24"],
        env=dict(env, ANALYTICS_FAILPOINT="ingest.mid_batch", ANALYTICS_INGEST_BATCH_BYTES="1"),
        capture_output=True, text=True, timeout=300, check=False,
    )
    assert crashed.returncode == -signal.SIGKILL
    assert query(env, "select count(*) from raw.landed_files") == [(0,)]  # rolled back whole

    # killed, with its dbt child, while dbt is building the intermediate models
    process = subprocess.Popen(
        [str(ANALYTICS), "run", "--start", "2026-11-22", "--end", "2026-11-24"],
        env=env, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True, start_new_session=True,
    )
    deadline = time.monotonic() + 300
    for line in process.stderr:
        if "dbt: built intermediate/int_metric_increments" in line or time.monotonic() > deadline:
            os.killpg(process.pid, signal.SIGKILL)
            break
    process.wait(timeout=60)
    assert process.returncode == -signal.SIGKILL
    wait_until_gone(process.pid)  # the dbt child dies with it, but not always first
    assert query(env, "select count(*) from raw.landed_files") == [(clean["raw"][3],)]

    run_cli(env, "run", "--start", "2026-11-22", "--end", "2026-11-24")
    assert mart_snapshot(env) == clean["snapshot"]
    assert raw_counts(env) == clean["raw"]


def test_two_runs_started_at_once_both_finish_and_agree(tmp_path, clean):
    env = env_for(tmp_path, build_landing(tmp_path))
    args = [str(ANALYTICS), "run", "--start", "2026-11-22", "--end", "2026-11-24"]
    first = subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    second = subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    outputs = [p.communicate(timeout=600) for p in (first, second)]
    assert [first.returncode, second.returncode] == [0, 0], outputs
    assert any("waiting for it to finish" in err for _, err in outputs)
    assert mart_snapshot(env) == clean["snapshot"]
    assert raw_counts(env) == clean["raw"]
