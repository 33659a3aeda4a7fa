"""analytics/warehouse/run_state.py: what makes the same `analytics run` run again."""

from __future__ import annotations

import os
from datetime import date

import pytest

from analytics.warehouse import run_state

D = date(2026, 11, 24)


@pytest.fixture
def state_env(tmp_path, monkeypatch):
    landing = tmp_path / "landing"
    (landing / "otlp").mkdir(parents=True)
    (landing / "otlp" / "a.jsonl").write_text("{}\n")
    warehouse = tmp_path / "warehouse.duckdb"
    warehouse.write_bytes(b"x")
    for name in list(os.environ):
        if name.startswith(run_state.SETTINGS_PREFIXES) or name == "ANTHROPIC_ADMIN_KEY":
            monkeypatch.delenv(name)
    monkeypatch.setenv("ANALYTICS_LANDING_DIR", str(landing))
    monkeypatch.setenv("ANALYTICS_WAREHOUSE", str(warehouse))
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "home"))
    (tmp_path / "home").mkdir()
    return landing, warehouse


def test_the_same_inputs_and_an_untouched_warehouse_are_up_to_date(state_env):
    landing, _ = state_env
    inputs = run_state.inputs_digest(landing, D, D)
    assert run_state.unchanged_since_last_run(inputs) is None  # no run yet
    run_state.record(inputs, "run-1", D, D)
    last = run_state.unchanged_since_last_run(run_state.inputs_digest(landing, D, D))
    assert (last.run_id, last.start, last.end) == ("run-1", D, D)
    run_state.forget()  # a run started (and did not succeed): nothing is up to date
    assert run_state.unchanged_since_last_run(inputs) is None


@pytest.mark.parametrize("change", ["landed_file", "new_file", "setting", "range", "warehouse"])
def test_any_change_runs_again(state_env, monkeypatch, change):
    landing, warehouse = state_env
    inputs = run_state.inputs_digest(landing, D, D)
    run_state.record(inputs, "run-1", D, D)
    start = D
    if change == "landed_file":
        (landing / "otlp" / "a.jsonl").write_text("{}\n{}\n")
    elif change == "new_file":
        (landing / "members.csv").write_text("email\n")
    elif change == "setting":
        monkeypatch.setenv("ANALYTICS_MIN_GROUP_SIZE", "3")
    elif change == "range":
        start = date(2026, 11, 23)
    elif change == "warehouse":
        warehouse.write_bytes(b"xy")  # another run, an erasure, a hand edit
    assert run_state.unchanged_since_last_run(run_state.inputs_digest(landing, start, D)) is None


def test_the_digest_keeps_no_setting_value(state_env, monkeypatch):
    landing, _ = state_env
    monkeypatch.setenv("ANALYTICS_PSEUDONYM_KEY", "s3cret-pseudonym-key")
    run_state.record(run_state.inputs_digest(landing, D, D), "run-1", D, D)
    kept = (state_env[1].parent / "home" / run_state.STATE_FILE).read_text()
    assert "s3cret" not in kept and str(landing) not in kept


def test_never_skipped_with_the_admin_api_key(state_env, monkeypatch):
    assert run_state.may_skip()
    monkeypatch.setenv("ANTHROPIC_ADMIN_KEY", "sk-ant-admin-test")
    assert not run_state.may_skip()
