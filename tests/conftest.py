"""Shared fixtures: the bundled captures, landing folders built from them, and the CLI."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from analytics.report.warehouse import MARTS

# Definitions loaded in this process (in-process materializations of fixed 2025-2026 days)
# need partitions that reach back that far; without the setting they start at the first day
# a run recorded, or 30 days ago. Subprocess runs get an environment without it
# (inherited_environ), so they exercise the recorded start.
os.environ.setdefault("ANALYTICS_PARTITIONS_START", "2024-01-01")

PROJECT_ROOT = Path(__file__).resolve().parent.parent
CAPTURES = PROJECT_ROOT / "seeds" / "captures" / "otlp"
CAPTURE_RUNS = sorted(p.name for p in CAPTURES.iterdir() if p.is_dir())
ANALYTICS = Path(sys.executable).parent / "analytics"

# JVM options for the tests' short Spark runs on tiny data (ANALYTICS_SPARK_JAVA_OPTIONS): the
# serial GC, and only the quick C1 compiler, which a driver that lives a minute gains from more
# than from C2's faster code (a run over the Spark test's data took 62 to 72 s, not 84 to 87 s).
# C1 alone gets a 48 MB code cache by default, which one run once filled: 256 MB.
SPARK_TEST_JAVA_OPTIONS = "-XX:+UseSerialGC -XX:TieredStopAtLevel=1 -XX:ReservedCodeCacheSize=256m"


def inherited_environ() -> dict[str, str]:
    """This process's environment without the product's own settings (ANALYTICS_*, the Admin
    API key): a test's pipeline sees only what the test sets, whatever the shell had, and
    whatever importing the definitions in this process put there."""
    return {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("ANALYTICS_", "ANTHROPIC_"))
    }


@pytest.fixture
def captures_landing(tmp_path: Path) -> Path:
    """A landing folder holding the six real captures as the client sent them."""
    landing = tmp_path / "landing"
    shutil.copytree(CAPTURES, landing / "otlp" / "captures", ignore=shutil.ignore_patterns("*.md"))
    return landing


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    """Environment for one isolated pipeline: its own warehouse and Dagster instance."""
    values = inherited_environ()
    values.update(
        {
            "ANALYTICS_WAREHOUSE": str(tmp_path / "warehouse.duckdb"),
            "DAGSTER_HOME": str(tmp_path / "dagster_home"),
            "ANALYTICS_LANDING_DIR": str(tmp_path / "landing"),
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        }
    )
    return values


def run_cli(env: dict[str, str], *args: str, check: bool = True) -> subprocess.CompletedProcess:
    completed = subprocess.run(
        [str(ANALYTICS), *args], env=env, capture_output=True, text=True, timeout=600, check=False
    )
    if check and completed.returncode != 0:
        raise AssertionError(
            f"analytics {' '.join(args)} exited {completed.returncode}\n"
            f"stdout:\n{completed.stdout}\nstderr:\n{completed.stderr}"
        )
    return completed


def query(env: dict[str, str], sql: str, params=None) -> list[tuple]:
    con = duckdb.connect(env["ANALYTICS_WAREHOUSE"], read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()




def mart_snapshot(env: dict[str, str]) -> dict[str, list[tuple]]:
    """Every mart's rows, sorted, with floats rounded to 1e-9 (sums depend on order)."""
    snapshot = {}
    con = duckdb.connect(env["ANALYTICS_WAREHOUSE"], read_only=True)
    try:
        for mart in MARTS:
            rows = con.execute(f"select * from marts.{mart}").fetchall()
            snapshot[mart] = sorted(
                tuple(round(v, 9) if isinstance(v, float) else v for v in row) for row in rows
            )
    finally:
        con.close()
    return snapshot


@pytest.fixture(scope="session")
def sample_run(tmp_path_factory) -> tuple[dict[str, str], subprocess.CompletedProcess]:
    """One `analytics run` over the default landing folder (the bundled sample organization),
    shared by every test that reads its marts (none of them writes to it)."""
    root = tmp_path_factory.mktemp("sample")
    values = inherited_environ()
    values.update(
        {
            "ANALYTICS_WAREHOUSE": str(root / "warehouse.duckdb"),
            "DAGSTER_HOME": str(root / "dagster_home"),
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        }
    )
    return values, run_cli(values, "run")
