"""The tests' preloaded `analytics` (tests/preloaded_cli.py) behaves as the console script."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests import conftest
from tests.conftest import ANALYTICS, PROJECT_ROOT, inherited_environ, run_cli
from tests.preloaded_cli import PRELOADED


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="needs Linux's /proc")
def test_the_preloaded_libraries_and_the_dbt_warm_up_leave_no_thread():
    """A forked child has only the thread that forked: a library whose import started one
    (polars and pyarrow do) could leave the child a lock held forever. dbt's warm-up
    (warm_dbt) runs its threads and DuckDB's, and must close them all; it must also succeed
    (else each run pays dbt's first-command costs again) and leave the environment and the
    working folder as they were."""
    script = (
        "import importlib, os, sys\n"
        f"for name in {PRELOADED!r}:\n"
        "    importlib.import_module(name)\n"
        "    print(name, len(os.listdir('/proc/self/task')))\n"
        "from tests.preloaded_cli import warm_dbt\n"
        "environ, cwd = dict(os.environ), os.getcwd()\n"
        "warmed = warm_dbt()\n"
        "print('warm_dbt', len(os.listdir('/proc/self/task')))\n"
        "print('succeeded', warmed)\n"
        "print('as before', os.environ == environ and os.getcwd() == cwd)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=PROJECT_ROOT, env=inherited_environ(),
                          capture_output=True, text=True, timeout=300, check=True)
    lines = [line for line in done.stdout.splitlines() if line.startswith((*PRELOADED, "warm_dbt", "succeeded", "as before"))]
    printed = dict(line.rsplit(" ", 1) for line in lines)  # threads after each step, then the two checks
    assert printed == {**{name: "1" for name in PRELOADED}, "warm_dbt": "1", "succeeded": "True", "as before": "True"}


@pytest.mark.parametrize(
    "args",
    [
        ("--help",),
        ("run", "--start", "2026-11-25", "--end", "2026-11-99"),
        ("report", "--month", "2026-13"),
    ],
)
def test_a_command_gives_what_the_console_script_gives(tmp_path, monkeypatch, args):
    env = {**inherited_environ(), "ANALYTICS_WAREHOUSE": str(tmp_path / "w.duckdb"),
           "DAGSTER_HOME": str(tmp_path / "home"), "ANALYTICS_LANDING_DIR": str(tmp_path)}
    monkeypatch.setattr(conftest, "PRELOAD", True)
    preloaded = run_cli(env, *args, check=False)
    script = subprocess.run([str(ANALYTICS), *args], env=env, capture_output=True, text=True, timeout=120,
                            check=False)
    assert (preloaded.returncode, preloaded.stdout, preloaded.stderr) == (
        script.returncode, script.stdout, script.stderr
    )
    assert preloaded.stdout or preloaded.stderr
