"""The dbt models pass sqlfluff (dbt templater, DuckDB dialect, dbt_project/.sqlfluff).

The rules are the project's style, tuned in .sqlfluff rather than excluded wholesale, so a model
that drifts from it (upper-case keywords, implicit aliases, positional GROUP BY, misindented
joins) fails here as it would in review. The dbt templater compiles the project; it writes its
target and logs to a temporary folder and needs no warehouse (a scratch DuckDB file).
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys

import pytest

from tests.conftest import PROJECT_ROOT, inherited_environ

DBT_PROJECT = PROJECT_ROOT / "dbt_project"


def test_models_pass_sqlfluff(tmp_path):
    for module in ("sqlfluff", "sqlfluff_templater_dbt"):
        if importlib.util.find_spec(module) is None:
            pytest.skip(f"{module} is not installed (the dev dependencies bring it)")
    env = inherited_environ()
    env.update(
        {
            "ANALYTICS_WAREHOUSE": str(tmp_path / "lint.duckdb"),
            "DBT_TARGET_PATH": str(tmp_path / "target"),
            "DBT_LOG_PATH": str(tmp_path / "logs"),
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        }
    )
    completed = subprocess.run(
        [os.path.join(os.path.dirname(sys.executable), "sqlfluff"), "lint", "models",
         "--processes", "1", "--disable-progress-bar", "--nocolor"],
        cwd=DBT_PROJECT, env=env, capture_output=True, text=True, timeout=1200, check=False,
    )
    findings = [line for line in completed.stdout.splitlines() if line.startswith(("==", "L:"))]
    assert completed.returncode == 0, "sqlfluff findings:\n" + "\n".join(findings or [completed.stderr[-2000:]])
    assert "All Finished" in completed.stdout
