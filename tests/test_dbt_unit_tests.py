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


def _dbt_env(tmp_path, warehouse) -> dict[str, str]:
    """This environment, with dbt on `warehouse` and its target and logs under tmp_path."""
    env = inherited_environ()
    env.update(
        {
            "ANALYTICS_WAREHOUSE": str(warehouse),
            "DBT_TARGET_PATH": str(tmp_path / "target"),
            "DBT_LOG_PATH": str(tmp_path / "logs"),
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        }
    )
    return env


def test_every_dbt_unit_test_passes(tmp_path):
    warehouse = tmp_path / "unit.duckdb"
    con = duckdb.connect(str(warehouse))
    create_raw_tables(con)
    con.close()
    env = _dbt_env(tmp_path, warehouse)
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


def test_column_values_reports_each_broken_rule_by_column(tmp_path):
    """The generic test that holds each model's not_null, accepted_range, accepted_values,
    relationships and unique rules (tests/generic/column_values.sql) finds exactly the offending
    rows, rule by rule."""
    warehouse = tmp_path / "rules.duckdb"
    con = duckdb.connect(str(warehouse))
    con.execute(
        "create table t as select * from (values "
        "(1, 0.5, 'api', 'x'), "  # fine
        "(null, 0.5, 'api', 'x'), "  # a NULL in a not_null column
        "(2, 1.5, 'api', null), "  # above the range (its NULL is not the not_null column's)
        "(3, -0.1, 'bot', 'x'), "  # below the range, a value not accepted
        "(4, null, null, 'x'), "  # NULLs pass the range and the accepted values
        "(4, 0.2, 'api', 'y'), "  # id 4 twice; (id, label) (4, 'x') once
        "(5, null, null, 'x')"  # (kind, label) (NULL, 'x') twice: NULLs compared as values
        ") as v(id, rate, kind, label)"
    )
    # the parent of `id`: 1 to 3, and a NULL, which must not hide the others (as in `not in`)
    con.execute("create table p as select * from (values (1), (2), (3), (null)) as v(pid)")
    con.close()
    env = _dbt_env(tmp_path, warehouse)
    # (kind, label): ('api', 'x') and (NULL, 'x') twice each
    call = (
        "{{ test_column_values(model='t', not_null=['id', 'label'], "
        "ranges={'rate': {'min_value': 0, 'max_value': 1}}, accepted_values={'kind': ['api']}, "
        "relationships={'id': {'to': 'p', 'field': 'pid'}}, "
        "unique=['id', ['kind', 'label'], ['id', 'label']]) }}"
    )
    compiled = _dbt(env, "compile", "--quiet", "--inline", call)
    assert compiled.returncode == 0, compiled.stdout[-3000:]
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        rows = sorted(con.execute(compiled.stdout).fetchall(), key=str)
    finally:
        con.close()
    assert rows == sorted(
        [
            ("not_null", "id, label", None),
            ("not_null", "id, label", None),
            ("accepted_range", "rate", "1.5"),
            ("accepted_range", "rate", "-0.1"),
            ("accepted_values", "kind", "bot"),
            # ids 4, 4 and 5 are not in p (a NULL id is not checked, as in dbt's test)
            ("relationships", "id", "4"),
            ("relationships", "id", "4"),
            ("relationships", "id", "5"),
            ("unique", "id", "4"),
            ("unique", "kind, label", "api, x"),
            ("unique", "kind, label", "NULL, x"),
        ],
        key=str,
    )
