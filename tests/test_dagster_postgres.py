"""Dagster's runs, event logs and schedules in PostgreSQL (dagster-postgres), with the very
dagster.yaml the deployment uses (deploy/dagster.yaml), and SQLite as the default."""

from __future__ import annotations

import subprocess
from pathlib import Path

import psycopg

from tests.conftest import PROJECT_ROOT, run_cli
from tests.postgres import postgres  # noqa: F401  (the session fixture)

DEPLOY_YAML = PROJECT_ROOT / "deploy" / "dagster.yaml"


def test_runs_event_logs_and_schedules_land_in_postgres(postgres, env, captures_landing):  # noqa: F811
    storage = postgres.create_database("dagster_storage")
    serving = postgres.create_database("serving_dagster")
    env = {**env, "ANALYTICS_DAGSTER_STORAGE_URL": storage, "ANALYTICS_SERVING_URL": serving}
    completed = run_cli(env, "run", "--start", "2026-11-24", "--end", "2026-11-24")
    assert "Done in" in completed.stdout

    home = Path(env["DAGSTER_HOME"])
    assert (home / "dagster.yaml").read_text() == DEPLOY_YAML.read_text()
    assert not list(home.rglob("*.db")), "no SQLite run history beside PostgreSQL"
    with psycopg.connect(storage) as con:
        runs = con.execute("select run_id, pipeline_name, status from runs").fetchall()
        assert [(name, status) for _, name, status in runs] == [("daily_pipeline", "SUCCESS")]
        run_id = runs[0][0]
        materialized = {
            key for (key,) in con.execute(
                "select asset_key from event_logs where run_id = %s "
                "and dagster_event_type = 'ASSET_MATERIALIZATION'", [run_id]
            ).fetchall()
        }
    # the ingestion, the dbt marts and the publish, all recorded in PostgreSQL
    assert '["marts", "fct_org_daily"]' in materialized
    assert '["serving", "fct_org_daily"]' in materialized
    assert '["serving", "dim_members"]' in materialized
    with psycopg.connect(serving) as con:
        # capture day 2026-11-24: six active users, 28 lines accepted (+28/-4), as printed
        assert con.execute(
            "select daily_active_users, lines_added, lines_removed from marts.fct_org_daily "
            "where usage_date = date '2026-11-24'"
        ).fetchall() == [(6, 28, 4)]

    # the schedule (on by default), turned off as the UI would: its state is kept in PostgreSQL
    # (`dagster` itself, like the deployment's services, is given the URL with its driver)
    driver_url = storage.replace("postgresql://", "postgresql+psycopg2://")
    started = subprocess.run(
        [str(PROJECT_ROOT / ".venv" / "bin" / "dagster"), "schedule", "stop",
         "daily_pipeline_schedule", "-w", str(PROJECT_ROOT / "workspace.yaml")],
        env={**env, "ANALYTICS_DAGSTER_STORAGE_URL": driver_url}, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=300, check=False,
    )
    assert started.returncode == 0, started.stderr
    with psycopg.connect(storage) as con:
        assert con.execute(
            "select status from instigators where instigator_type = 'SCHEDULE'"
        ).fetchall() == [("STOPPED",)]
    assert not list(home.rglob("*.db"))


def test_sqlite_stays_the_default_and_switches_back(env, tmp_path):
    from orchestration import instance

    home = Path(env["DAGSTER_HOME"])
    script = (
        "from orchestration.instance import prepare_environment; prepare_environment()"
    )
    python = str(PROJECT_ROOT / ".venv" / "bin" / "python")
    subprocess.run([python, "-c", script], env=env, check=True, cwd=PROJECT_ROOT)
    assert (home / "dagster.yaml").read_text() == instance.DAGSTER_YAML
    subprocess.run([python, "-c", script], env={**env, "ANALYTICS_DAGSTER_STORAGE_URL": "postgresql://x@h/db"},
                   check=True, cwd=PROJECT_ROOT)
    assert (home / "dagster.yaml").read_text() == DEPLOY_YAML.read_text()
    subprocess.run([python, "-c", script], env=env, check=True, cwd=PROJECT_ROOT)
    assert (home / "dagster.yaml").read_text() == instance.DAGSTER_YAML
    # a file edited by hand is kept, and the setting it ignores is said
    (home / "dagster.yaml").write_text(instance.DAGSTER_YAML + "# mine\n")
    said = subprocess.run([python, "-c", script], env={**env, "ANALYTICS_DAGSTER_STORAGE_URL": "postgresql://x@h/db"},
                          check=True, cwd=PROJECT_ROOT, capture_output=True, text=True)
    assert (home / "dagster.yaml").read_text().endswith("# mine\n")
    assert "has no postgres storage" in said.stderr


def test_a_home_with_event_logs_per_run_keeps_them(env):
    """A DAGSTER_HOME whose event logs an earlier version kept per run (history/runs/, with its
    index.db) keeps that layout, so its runs and its assets' history stay in the UI; a new home
    gets the one event log file."""
    from orchestration import instance

    home = Path(env["DAGSTER_HOME"])
    (home / "history" / "runs").mkdir(parents=True)
    (home / "history" / "runs" / "index.db").write_bytes(b"")
    (home / "dagster.yaml").write_text(instance.SHARDED_DAGSTER_YAML)
    script = "from orchestration.instance import prepare_environment; prepare_environment()"
    python = str(PROJECT_ROOT / ".venv" / "bin" / "python")
    subprocess.run([python, "-c", script], env=env, check=True, cwd=PROJECT_ROOT)
    assert (home / "dagster.yaml").read_text() == instance.SHARDED_DAGSTER_YAML
    # the file that an earlier version wrote with its first header line is brought up to date
    (home / "dagster.yaml").write_text(
        instance._HEADER_BEFORE + instance.SHARDED_DAGSTER_YAML.split("\n", 2)[2]
    )
    subprocess.run([python, "-c", script], env=env, check=True, cwd=PROJECT_ROOT)
    assert (home / "dagster.yaml").read_text() == instance.SHARDED_DAGSTER_YAML
    # without that history, the one event log file
    (home / "history" / "runs" / "index.db").unlink()
    subprocess.run([python, "-c", script], env=env, check=True, cwd=PROJECT_ROOT)
    assert (home / "dagster.yaml").read_text() == instance.DAGSTER_YAML
    assert "ConsolidatedSqliteEventLogStorage" in instance.DAGSTER_YAML
