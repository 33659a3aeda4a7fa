"""dbt's unit tests (the `unit_tests:` of the models' YAML): the temporality, de-duplication,
identity and rollup logic on fixed rows.

They test the SQL, not the data, so the daily run leaves them out (`--exclude-resource-type
unit_test`) and they run here, as dbt advises: the models are first built empty (`--empty`) on
a warehouse holding only the raw tables, so that dbt knows every input's columns.
"""

from __future__ import annotations

import os
import subprocess
import sys

import duckdb
import yaml

from analytics.ingest.raw_schema import create_raw_tables
from tests.conftest import PROJECT_ROOT, inherited_environ

DBT_PROJECT = PROJECT_ROOT / "dbt_project"


def _dbt(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [os.path.join(os.path.dirname(sys.executable), "dbt"), *args, "--profiles-dir", "."],
        cwd=DBT_PROJECT, env=env, capture_output=True, text=True, timeout=900, check=False,
    )


def test_every_dbt_unit_test_passes(tmp_path):
    warehouse = tmp_path / "unit.duckdb"
    con = duckdb.connect(str(warehouse))
    create_raw_tables(con)
    con.close()
    env = inherited_environ()
    env.update(
        {
            "ANALYTICS_WAREHOUSE": str(warehouse),
            "DBT_TARGET_PATH": str(tmp_path / "target"),
            "DBT_LOG_PATH": str(tmp_path / "logs"),
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        }
    )
    built = _dbt(env, "run", "--empty")
    assert built.returncode == 0, built.stdout[-3000:]
    tested = _dbt(env, "test", "--select", "test_type:unit")
    assert tested.returncode == 0, tested.stdout[-3000:]
    # every unit test of the YAML ran (a selection that found none would pass too)
    declared = sum(
        len(yaml.safe_load(path.read_text()).get("unit_tests") or [])
        for path in (DBT_PROJECT / "models").rglob("*.yml")
    )
    assert declared >= 10
    assert f"{declared} unit tests" in tested.stdout, tested.stdout[-1500:]
