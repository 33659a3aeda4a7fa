"""The benchmark at tiny sizes, so the script cannot rot (the figures themselves are not tested)."""

import importlib.util
import subprocess
import sys

from tests.conftest import PROJECT_ROOT


def test_benchmark_smoke_run_prints_every_figure():
    completed = subprocess.run(
        [sys.executable, str(PROJECT_ROOT / "bench" / "run.py"), "--smoke"],
        capture_output=True, text=True, timeout=900, check=False,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    for figure in ("full `analytics run`", "plain DuckDB query", "full run / plain query", "fixed start-up",
                   "marginal cost", "daily run / full 2-day run",
                   "daily run after 7 days of history", "long / short history", "rerun of an unchanged day",
                   "CPU time the hypervisor took (steal)"):
        assert figure in completed.stdout, figure


def test_the_daily_runs_state_is_put_back_as_it_was(tmp_path):
    """Each repeated daily run starts from the state the history load left (bench/run.py):
    the warehouse, its WAL and the Dagster instance, not the landing folder."""
    spec = importlib.util.spec_from_file_location("bench_run", PROJECT_ROOT / "bench" / "run.py")
    bench = importlib.util.module_from_spec(spec)
    sys.modules["bench_run"] = bench  # its dataclasses look their module up
    spec.loader.exec_module(bench)
    root, saved = tmp_path / "daily-short", tmp_path / "saved"
    paths = bench.state_paths(bench.pipeline_env(root, root / "landing"))
    (root / "dagster_home" / "history").mkdir(parents=True)
    (root / "landing").mkdir()
    (root / "warehouse.duckdb").write_bytes(b"before")
    (root / "dagster_home" / "history" / "runs.db").write_bytes(b"one run")
    bench.save_state(paths, saved)
    # what a daily run changes
    (root / "warehouse.duckdb").write_bytes(b"after the daily run")
    (root / "warehouse.duckdb.wal").write_bytes(b"wal")
    (root / "dagster_home" / "history" / "second.db").write_bytes(b"another run")
    (root / "landing" / "new-day.jsonl").write_bytes(b"{}")
    bench.restore_state(saved, paths)
    assert (root / "warehouse.duckdb").read_bytes() == b"before"
    assert not (root / "warehouse.duckdb.wal").exists()
    assert sorted(p.name for p in (root / "dagster_home" / "history").iterdir()) == ["runs.db"]
    assert (root / "landing" / "new-day.jsonl").exists()  # the input stays
