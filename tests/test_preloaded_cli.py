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
def test_the_preloaded_libraries_start_no_thread():
    """A forked child has only the thread that forked: a library whose import started one
    (polars and pyarrow do) could leave the child a lock held forever."""
    script = (
        "import importlib, os, sys\n"
        f"for name in {PRELOADED!r}:\n"
        "    importlib.import_module(name)\n"
        "    print(name, len(os.listdir('/proc/self/task')))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=PROJECT_ROOT, capture_output=True, text=True,
                          timeout=300, check=True)
    threads = dict(line.rsplit(" ", 1) for line in done.stdout.splitlines())
    assert threads == {name: "1" for name in PRELOADED}


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
