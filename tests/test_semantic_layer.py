"""dbt's semantic layer gives the marts' numbers: `mf query` for the sample's last month equals
fct_org_monthly.

The metrics (dbt_project/models/semantic/_semantic__models.yml) are defined once over the
member-grain models; MetricFlow aggregates them to the month, so the distinct counts (active
users, sessions, spending users) must come out as the monthly mart's distinct counts, not as sums
of days. MetricFlow runs against the sample warehouse through dbt-duckdb, from a copy of the dbt
project so its target and logs stay out of the repository.
"""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys
from datetime import date

import pytest

from tests.conftest import PROJECT_ROOT, query

BIN = os.path.dirname(sys.executable)
METRICS = ("lines_accepted", "accept_rate", "active_users", "sessions", "spend_usd", "spending_users")
MART_COLUMNS = ("lines_added", "accept_rate", "monthly_active_users", "sessions", "spend_usd", "spending_users")


def run(args: list[str], cwd, env) -> subprocess.CompletedProcess:
    completed = subprocess.run(
        args, cwd=cwd, env=env, capture_output=True, text=True, timeout=900, check=False
    )
    assert completed.returncode == 0, (
        f"{' '.join(args)}:\n{completed.stdout[-3000:]}\n{completed.stderr[-3000:]}"
    )
    return completed


def test_mf_query_for_the_last_month_equals_fct_org_monthly(sample_run, tmp_path):
    if not os.path.exists(os.path.join(BIN, "mf")):
        pytest.skip("dbt-metricflow (mf) is not installed (a dev dependency)")
    env, _ = sample_run
    project = tmp_path / "dbt_project"
    shutil.copytree(PROJECT_ROOT / "dbt_project", project, ignore=shutil.ignore_patterns("target", "logs"))
    mf_env = dict(env, DBT_PROFILES_DIR=str(project))
    # dbt parse writes the semantic manifest MetricFlow reads, and validates it
    parsed = run([os.path.join(BIN, "dbt"), "parse", "--profiles-dir", str(project)], project, mf_env)
    assert "[WARNING]" not in parsed.stdout and "Warning" not in parsed.stdout
    out = tmp_path / "november.csv"
    run([os.path.join(BIN, "mf"), "query", "--metrics", ",".join(METRICS),
         "--group-by", "metric_time__month", "--start-time", "2026-11-01", "--end-time", "2026-11-30",
         "--csv", str(out), "--quiet"], project, mf_env)
    with out.open() as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 1 and rows[0]["metric_time__month"].startswith("2026-11-01")
    got = rows[0]

    (mart,) = query(
        env,
        f"select {', '.join(MART_COLUMNS)} from marts.fct_org_monthly where usage_month = ?",
        [date(2026, 11, 1)],
    )
    want = dict(zip(METRICS, mart))
    # the sample's November: 16,175 lines, 20 monthly active users, 376 sessions (distinct over
    # the month, not the sum of days), 20 spending users
    assert (want["lines_accepted"], want["active_users"], want["sessions"], want["spending_users"]) == (
        16175, 20, 376, 20)
    for metric in ("lines_accepted", "active_users", "sessions", "spending_users"):
        assert int(got[metric]) == want[metric], metric
    assert float(got["accept_rate"]) == pytest.approx(float(want["accept_rate"]), abs=1e-9)
    assert float(got["spend_usd"]) == pytest.approx(float(want["spend_usd"]), abs=1e-6)
