"""Shared fixtures: the bundled captures, landing folders built from them, and the CLI."""

from __future__ import annotations

import atexit
import contextlib
import functools
import io
import json
import locale
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import pytest

from analytics.report.warehouse import MARTS
from tests.preloaded_cli import HEADER

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
# Spark properties given as system properties (a SparkConf reads `spark.*` ones): for queries
# over a few hundred rows, Spark's planning and code generation cost more than they save, so
# the tests turn off adaptive query execution and generated code (expressions are interpreted,
# the evaluation Spark's own tests check against generated code). A Spark run of the Spark
# test's first range, in three alternated pairs: dbt's build 59.9 s mean, 53.6 s with these
# (54.4 / 47.0, 64.2 / 58.3, 61.1 / 55.6). The product's profile keeps Spark's defaults.
SPARK_TEST_JAVA_OPTIONS = (
    "-XX:+UseSerialGC -XX:TieredStopAtLevel=1 -XX:ReservedCodeCacheSize=256m "
    "-Dspark.sql.adaptive.enabled=false -Dspark.sql.codegen.wholeStage=false "
    "-Dspark.sql.codegen.factoryMode=NO_CODEGEN"
)


# Seconds each of the slowest test modules took in a suite run on 2 cores (the sum of its tests'
# times, from the junit report of a suite run at 44191c8, 607 s on the nineteenth speed step's
# machine). The suite runs a module per worker at a time (--dist
# loadfile), so it ends when the last module ends: started last, the Spark modules
# (alphabetically late, and pytest-xdist's default order is by number of tests) left one worker
# running alone at the end. Started longest first, the two workers finish close together:
# replaying four suite runs' times, 24 to 64 s earlier each (pyproject.toml's
# --no-loadscope-reorder keeps this order). Modules not listed follow in their usual order; a
# stale figure costs only balance.
MODULE_SECONDS = {
    "test_spark_engine.py": 209, "test_hostile_pipeline.py": 124, "test_dbt_in_process.py": 85,
    "test_timezone.py": 80, "test_pipeline_end_to_end.py": 80, "test_reliability.py": 72,
    "test_bench_smoke.py": 71, "test_serving.py": 55, "test_sql_lint.py": 37,
    "test_budgets.py": 35, "test_warehouse_wait.py": 35, "test_report.py": 27,
    "test_sample_org.py": 27, "test_collect.py": 26, "test_privacy.py": 26,
    "test_dagster_postgres.py": 24, "test_dbt_unit_tests.py": 23, "test_output_safety.py": 21,
    "test_real_client.py": 20, "test_teams.py": 18, "test_generate.py": 17,
}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The slowest modules first (MODULE_SECONDS); a module's tests keep their order."""
    items.sort(key=lambda item: -MODULE_SECONDS.get(item.path.name, 0))


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


@contextlib.contextmanager
def dagster_instance_of(home: str | Path):
    """The Dagster instance of a test's DAGSTER_HOME, read in this process. Its dagster.yaml
    names the event log's folder by DAGSTER_HOME (orchestration/instance.py), as every Dagster
    process has it set, so it is set while the instance is loaded."""
    from dagster import DagsterInstance

    saved = os.environ.get("DAGSTER_HOME")
    os.environ["DAGSTER_HOME"] = str(home)
    try:
        instance = DagsterInstance.from_config(str(home))
    finally:
        if saved is None:
            del os.environ["DAGSTER_HOME"]
        else:
            os.environ["DAGSTER_HOME"] = saved
    try:
        yield instance
    finally:
        instance.dispose()


# Commands run in a child of tests/preloaded_cli.py, which has imported Dagster and dbt once
# (about 3 s of CPU a pipeline run) and run dbt once on a scratch warehouse (about 1.7 s more);
# ANALYTICS_TESTS_PRELOAD=0 starts each as a new process.
PRELOAD = os.environ.get("ANALYTICS_TESTS_PRELOAD", "1") != "0"


@functools.cache
def _preloaded_cli_socket() -> Path:
    """The socket of this test process's preloaded `analytics`, started on first use and
    stopped when the test process ends (the server also ends when its parent is gone)."""
    folder = Path(tempfile.mkdtemp(prefix="analytics-cli-"))
    path = folder / "cli.sock"
    server = subprocess.Popen(
        [sys.executable, "-m", "tests.preloaded_cli", str(path)],
        cwd=PROJECT_ROOT, env={**inherited_environ(), "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"},
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    while not path.exists():
        if server.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"the preloaded analytics did not start (exit {server.poll()})")
        time.sleep(0.05)

    def stop() -> None:
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(folder, ignore_errors=True)

    atexit.register(stop)
    return path


def _run_preloaded(argv: list[str], env: dict[str, str], timeout: float) -> subprocess.CompletedProcess:
    """subprocess.run(argv, env=env, capture_output=True, text=True, timeout=timeout), with the
    command forked from the preloaded server."""
    with (
        tempfile.TemporaryFile() as out,
        tempfile.TemporaryFile() as err,
        open(os.devnull, "rb") as null,
        socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock,
    ):
        sock.connect(str(_preloaded_cli_socket()))
        payload = json.dumps({"argv": argv, "env": env, "cwd": os.getcwd()}).encode()
        socket.send_fds(sock, [HEADER.pack(len(payload)) + payload], [null.fileno(), out.fileno(), err.fileno()])
        sock.settimeout(timeout)
        answers = sock.makefile("r")
        pid = int(answers.readline().split()[1])
        try:
            ended = answers.readline()
        except TimeoutError:
            os.kill(pid, signal.SIGKILL)
            raise subprocess.TimeoutExpired(argv, timeout) from None
        if not ended.startswith("exit "):
            raise RuntimeError(f"the preloaded analytics lost `{' '.join(argv[1:])}`")

        def text(file) -> str:
            file.seek(0)
            return io.TextIOWrapper(io.BytesIO(file.read()), encoding=locale.getpreferredencoding(False)).read()

        return subprocess.CompletedProcess(argv, int(ended.split()[1]), text(out), text(err))


def run_cli(env: dict[str, str], *args: str, check: bool = True) -> subprocess.CompletedProcess:
    argv = [str(ANALYTICS), *args]
    if PRELOAD:
        completed = _run_preloaded(argv, env, timeout=600)
    else:
        completed = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=600, check=False)
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
