"""End to end: `analytics run` (Dagster + dbt + DuckDB) over real client output.

Every expected number below was worked out by hand from the capture files (see
seeds/captures/README.md); all six runs happened on 2026-11-24 UTC.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest

from tests.conftest import CAPTURES, dagster_instance_of, mart_snapshot, query, run_cli
from tests.otlp_variants import (
    NANOS_PER_DAY,
    collector_encoding,
    merge_requests,
    read_lines,
    shift,
    write_lines,
)

D = date(2026, 11, 24)


def capture(run: str, signal: str) -> list[dict]:
    return read_lines(CAPTURES / run / f"{signal}.jsonl")


def test_six_captures_give_the_hand_computed_numbers_and_a_rerun_changes_nothing(captures_landing, env):
    first = run_cli(env, "run")
    assert "1 day(s) processed, 2026-11-24 .. 2026-11-24" in first.stdout
    assert "28 lines accepted" in first.stdout

    org = query(env, "select * exclude (usage_date) from marts.fct_org_daily where usage_date = ?", [D])
    columns = [
        "daily_active_users", "sessions", "session_starts", "prompts", "lines_added",
        "lines_removed", "edit_accepts", "edit_rejects", "accept_rate", "commits",
        "pull_requests", "spend_usd", "spending_users", "input_tokens", "output_tokens",
        "cache_read_tokens", "cache_creation_tokens", "api_requests",
    ]
    got = dict(zip(columns, org[0]))
    # six runs, six install ids (no email: API-key auth), six sessions; the 1.0.128 client
    # sends no session.count, hence five starts; lines 6+0+6+4+6+6 added, 1+0+1+0+1+1 removed;
    # decisions: 01 two accepts, 02 one reject, 09 two accepts, 11 one accept one reject,
    # 13 two accepts, 17 none (no decision metric before 2.1).
    assert got == {
        "daily_active_users": 6, "sessions": 6, "session_starts": 5, "prompts": 6,
        "lines_added": 28, "lines_removed": 4, "edit_accepts": 7, "edit_rejects": 2,
        "accept_rate": pytest.approx(7 / 9), "commits": 0, "pull_requests": 0,
        "spend_usd": pytest.approx(0.61955625, abs=1e-9), "spending_users": 6,
        "input_tokens": 97, "output_tokens": 1275, "cache_read_tokens": 237330,
        "cache_creation_tokens": 141051, "api_requests": 17,
    }

    by_member = {
        name: row
        for name, *row in query(
            env,
            "select display_name, lines_added, lines_removed, edit_accepts, edit_rejects, spend_usd, sessions "
            "from marts.fct_member_monthly",
        )
    }
    # run 02: the rejected Write adds no line
    assert by_member["user 3be3fed4"][:4] == [0, 0, 0, 1]
    # run 09 (cumulative running totals) gives run 01-style deltas: 6/1 lines, 2 accepts
    assert by_member["user a11f46b9"][:4] == [6, 1, 2, 0]
    assert by_member["user a11f46b9"][4] == pytest.approx(0.1053318, abs=1e-12)
    # run 11: user_temporary accept then user_reject on the Edit
    assert by_member["user 2af1ae5d"][:4] == [4, 0, 1, 1]
    # run 13 (2.1.197) spread its cost over two exports: 0.10984275 + 0.0239781
    assert by_member["user fe95fc04"][4] == pytest.approx(0.13382085, abs=1e-12)

    assert query(env, "select count(*), sum(decision_count) from marts.fct_tool_decisions") == [(9, 9)]
    assert query(
        env,
        "select decision_source, decision, sum(decision_count) from marts.fct_tool_decisions "
        "group by all order by all",
    ) == [("config", "accept", 6), ("config", "reject", 1), ("user_reject", "reject", 1),
          ("user_temporary", "accept", 1)]
    assert query(env, "select member_type, count(*) from marts.dim_members group by all") == [("unidentified", 6)]
    assert query(env, "select model, round(sum(spend_usd), 8) from marts.fct_daily_spend group by all") == [
        ("claude-sonnet-4-5", 0.61955625)
    ]
    assert query(env, "select usage_month, monthly_active_users, lines_added, sessions from marts.fct_org_monthly") == [
        (date(2026, 11, 1), 6, 28, 6)
    ]

    before = mart_snapshot(env)
    second = run_cli(env, "run", "--start", "2026-11-24", "--end", "2026-11-24")
    assert "loaded: 0 new file(s)" in second.stdout
    assert mart_snapshot(env) == before
    # the run's log says what each step did, dbt having had nothing new to build (such a
    # run's log used to be empty: it held only dbt's output)
    log = (Path(env["DAGSTER_HOME"]) / "logs" / "analytics-run.log").read_text()
    assert "  ingest: 0 new or changed file(s) of 12," in log
    assert "  dbt: 2026-11-24 .. 2026-11-25 (exclusive) is up to date, nothing new since it was built" in log

    # the same run again, nothing changed: answered from the warehouse, no Dagster run
    runs = dagster_runs(env)
    third = run_cli(env, "run", "--start", "2026-11-24", "--end", "2026-11-24")
    assert "nothing changed since run" in third.stderr and "not run again" in third.stderr
    assert "1 day(s) up to date, 2026-11-24 .. 2026-11-24" in third.stdout
    assert "2026-11-24: 6 active user(s), 6 session(s), 28 lines accepted" in third.stdout
    assert dagster_runs(env) == runs == 2
    # a landed file touched (same bytes) is a change to look at: a run, which loads nothing
    touched = next((Path(env["ANALYTICS_LANDING_DIR"]) / "otlp").rglob("*.jsonl"))
    os.utime(touched)
    fourth = run_cli(env, "run", "--start", "2026-11-24", "--end", "2026-11-24")
    assert "nothing changed" not in fourth.stderr and "1 day(s) processed" in fourth.stdout
    assert "loaded: 0 new file(s)" in fourth.stdout
    assert mart_snapshot(env) == before
    assert dagster_runs(env) == 3
    # the three runs' events are in the instance's one event log file (orchestration/instance.py,
    # DAGSTER_YAML), each once: no database per run, no index copy of the asset events
    home = Path(env["DAGSTER_HOME"])
    events = sqlite3.connect(home / "event_log.db")
    try:
        assert events.execute(
            "select count(distinct run_id) from event_logs where dagster_event_type = 'PIPELINE_SUCCESS'"
        ).fetchone() == (3,)
    finally:
        events.close()
    assert not (home / "history" / "runs").exists()


def dagster_runs(env: dict[str, str]) -> int:
    with dagster_instance_of(env["DAGSTER_HOME"]) as instance:
        return instance.get_runs_count()


def test_other_encodings_duplicates_malformed_lines_over_days_and_months(tmp_path, env):
    landing = tmp_path / "landing"
    otlp = landing / "otlp"
    # 2026-11-24: runs 01 and 02 as the client posted them
    for run in ("01-accept", "02-reject-default-mode"):
        for signal in ("logs", "metrics"):
            write_lines(otlp / "direct" / run / f"{signal}.jsonl", capture(run, signal))
    # 2026-10-25, another member: run 01 through a collector (quoted int64, merged lines, gzip),
    # logs and metrics in one file
    moved = [collector_encoding(shift(b, days=-30, suffix="-b"))
             for s in ("metrics", "logs") for b in capture("01-accept", s)]
    write_lines(otlp / "collector" / "2026-10-25.jsonl.gz",
                [merge_requests(moved[:1]), merge_requests(moved[1:])], gz=True)
    # 2026-11-23: run 09 (cumulative), delivered twice: once more by a retry in another file
    cumulative = [shift(b, days=-1, suffix="-c") for s in ("metrics", "logs") for b in capture("09-cumulative", s)]
    write_lines(otlp / "collector" / "retry-1.jsonl", cumulative)
    write_lines(otlp / "collector" / "retry-2.jsonl", cumulative[3:7])
    # 2026-11-23: run 11, every line twice in the same file, with malformed lines between
    sdk = [shift(b, days=-1, suffix="-d") for s in ("metrics", "logs") for b in capture("11-sdk-user-temporary-then-reject", s)]
    write_lines(otlp / "collector" / "sdk.jsonl", sdk + sdk,
                extra_lines=[b'{"resourceMetrics": [', b"\x00\x01\x02", b'{"not": "otlp"}'])
    # the same file copied under another name
    shutil.copy(otlp / "direct" / "01-accept" / "metrics.jsonl", otlp / "direct" / "01-accept" / "metrics-copy.jsonl")

    result = run_cli(env, "run")
    assert "31 day(s) processed, 2026-10-25 .. 2026-11-24" in result.stdout
    assert "quarantined: 3 line(s) and 0 record(s)" in result.stdout

    daily = {
        row[0]: row[1:]
        for row in query(env, "select usage_date, daily_active_users, lines_added, lines_removed, "
                              "edit_accepts, edit_rejects, spend_usd from marts.fct_org_daily")
    }
    assert len(daily) == 31  # every day of the range, empty days included
    assert daily[date(2026, 11, 24)][:5] == (2, 6, 1, 2, 1)
    assert daily[date(2026, 11, 24)][5] == pytest.approx(0.10528005 + 0.093948, abs=1e-9)
    assert daily[date(2026, 11, 23)][:5] == (2, 10, 1, 3, 1)
    assert daily[date(2026, 11, 23)][5] == pytest.approx(0.1053318 + 0.110544, abs=1e-9)
    assert daily[date(2026, 10, 25)][:5] == (1, 6, 1, 2, 0)
    assert daily[date(2026, 10, 25)][5] == pytest.approx(0.10528005, abs=1e-9)
    assert daily[date(2026, 11, 1)] == (0, 0, 0, 0, 0, 0.0)

    monthly = query(env, "select usage_month, monthly_active_users, lines_added, edit_accepts, edit_rejects, "
                         "spend_usd from marts.fct_org_monthly order by 1")
    assert [row[:5] for row in monthly] == [(date(2026, 10, 1), 1, 6, 2, 0), (date(2026, 11, 1), 4, 16, 5, 2)]
    assert monthly[1][5] == pytest.approx(0.10528005 + 0.093948 + 0.1053318 + 0.110544, abs=1e-9)
    assert query(env, "select count(*) from raw.quarantine") == [(3,)]

    # the daily marts are materialized once per day of the run, the monthly ones once per run
    events = _last_run_materializations(env)
    per_asset = Counter(event.asset_key.to_user_string() for event in events)
    assert per_asset["marts/fct_org_daily"] == 31
    assert {event.partition for event in events if event.asset_key.to_user_string() == "marts/fct_org_daily"} == {
        (date(2026, 10, 25) + timedelta(days=i)).isoformat() for i in range(31)
    }
    assert per_asset["marts/fct_org_monthly"] == per_asset["marts/fct_member_monthly"] == 1
    assert per_asset["marts/dim_members"] == 1


def test_a_cumulative_series_across_midnight_gives_the_same_increments_day_by_day(tmp_path, env):
    landing = tmp_path / "landing"
    metrics = capture("09-cumulative", "metrics")
    # put the second export at 23:59:59.5 and the third (one second later) after midnight
    second_export = int(metrics[1]["resourceMetrics"][0]["scopeMetrics"][0]["metrics"][0]["sum"]["dataPoints"][0]["timeUnixNano"])
    to_midnight = (second_export // NANOS_PER_DAY + 1) * NANOS_PER_DAY - 500_000_000 - second_export
    bodies = [shift(b, nanos=to_midnight) for s in ("metrics", "logs") for b in capture("09-cumulative", s)]
    write_lines(landing / "otlp" / "09.jsonl", bodies)

    run_cli(env, "run", "--start", "2026-11-24", "--end", "2026-11-24")
    run_cli(env, "run", "--start", "2026-11-25", "--end", "2026-11-25")
    day_by_day = mart_snapshot(env)
    rows = query(env, "select usage_date, lines_added, lines_removed, edit_accepts, spend_usd, sessions "
                      "from marts.fct_org_daily order by 1")
    # day 1 holds exports 1-2 (running totals 4 lines, $0.083274, the Write); day 2 the rest
    assert [r[:4] for r in rows] == [(date(2026, 11, 24), 4, 0, 1), (date(2026, 11, 25), 2, 1, 1)]
    assert rows[0][4] == pytest.approx(0.083274, abs=1e-12)
    assert rows[1][4] == pytest.approx(0.1053318 - 0.083274, abs=1e-12)
    assert [r[5] for r in rows] == [1, 1]  # the session crosses midnight: it counts on both days

    range_env = dict(env, ANALYTICS_WAREHOUSE=str(tmp_path / "range" / "warehouse.duckdb"),
                     DAGSTER_HOME=str(tmp_path / "range_home"))
    run_cli(range_env, "run", "--start", "2026-11-24", "--end", "2026-11-25")
    assert mart_snapshot(range_env) == day_by_day


def test_bad_arguments_are_one_line_errors(tmp_path, env):
    for args, message in [
        (("run", "--start", "2026-02-30"), "--start '2026-02-30' is not a date"),
        (("run", "--start", "2026-11-25", "--end", "2026-11-24"), "is after --end"),
    ]:
        (tmp_path / "landing").mkdir(exist_ok=True)
        result = run_cli(env, *args, check=False)
        assert result.returncode == 2
        assert result.stderr.strip().count("\n") == 0 and message in result.stderr
    missing = run_cli(dict(env, ANALYTICS_LANDING_DIR=str(tmp_path / "nope")), "run", check=False)
    assert missing.returncode == 2 and "landing folder not found" in missing.stderr
    empty = run_cli(env, "run", check=False)
    assert empty.returncode == 2 and "no telemetry found" in empty.stderr


def _last_run_materializations(env: dict[str, str]) -> list:
    """The last run's materializations, as Dagster recorded them."""
    from dagster import DagsterEventType

    with dagster_instance_of(env["DAGSTER_HOME"]) as instance:
        run = instance.get_runs(limit=1)[0]
        records = instance.get_records_for_run(run.run_id, of_type=DagsterEventType.ASSET_MATERIALIZATION).records
        return [record.event_log_entry.dagster_event for record in records]


def _materialized_as_kept(env: dict[str, str]) -> set[str]:
    """The assets the last run reported as kept, not created again (dbt/created_again false)."""
    return {
        event.asset_key.to_user_string()
        for event in _last_run_materializations(env)
        if event.event_specific_data.materialization.metadata.get("dbt/created_again") is not None
    }


STATIC_MODELS = {
    "intermediate/metricflow_time_spine",
    *(f"staging/stg_{name}" for name in (
        "otlp__log_records", "otlp__identities", "otlp__metric_points", "admin_api__usage",
        "admin_api__tool_actions", "admin_api__model_usage", "roster__members",
        "roster__identities", "budgets__budgets", "privacy__member_pseudonyms",
    )),
}


def test_views_and_the_time_spine_are_created_again_only_when_needed(captures_landing, env):
    """The models that read nothing a run changes are left as they are by a later build with the
    same code (their tests still run), and created again when one of them is missing."""
    run_cli(env, "run")
    before = mart_snapshot(env)
    log = Path(env["DAGSTER_HOME"]) / "logs" / "analytics-run.log"
    assert "OK created sql view model staging.stg_roster__members" in log.read_text()
    assert _materialized_as_kept(env) == set()

    # the raw data loaded again (new load times): dbt builds, without the views and the spine
    run_cli(env, "run", "--reload")
    text = log.read_text()
    assert "created sql view model" not in text and "metricflow_time_spine " not in text.replace(
        "column_values_metricflow_time_spine", "")
    assert "PASS column_values_stg_roster__members" in text  # the view's tests ran
    assert _materialized_as_kept(env) == STATIC_MODELS
    assert mart_snapshot(env) == before

    # a view dropped by hand: the next build creates them all again
    con = duckdb.connect(env["ANALYTICS_WAREHOUSE"])
    con.execute("drop view staging.stg_roster__members")
    con.close()
    run_cli(env, "run", "--reload")
    assert "OK created sql view model staging.stg_roster__members" in log.read_text()
    assert _materialized_as_kept(env) == set()
    assert mart_snapshot(env) == before
