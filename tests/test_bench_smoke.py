"""The benchmark at tiny sizes, so the script cannot rot (the figures themselves are not tested)."""

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
                   "daily run after 7 days of history", "long / short history", "rerun of an unchanged day"):
        assert figure in completed.stdout, figure
