"""The Admin API report in the marts: API-only member-days appear, member-days in both sources
count once (OpenTelemetry wins), the roster names and roles members, and the two sources are
reconciled by a warning check."""

from __future__ import annotations

import json
from datetime import date

import pytest

from tests.conftest import CAPTURES, query, run_cli
from tests.otlp_variants import read_lines, write_lines

RUN_01_USER = "00897227756a6c0905ef8f0d0655d90f4eb81bea247ce165fea8b99b06ca01ab"
RUN_02_USER = "3be3fed40d06a6809936f5d99bdb10ae4b9f115cb1b6b3ae7fabc7123a6ba1c2"


def item(day: str, actor: dict, lines=(0, 0), tools=None, models=(), sessions=1) -> dict:
    return {
        "date": f"{day}T00:00:00Z",
        "actor": actor,
        "organization_id": "org-1",
        "customer_type": "api",
        "terminal_type": "vscode",
        "core_metrics": {
            "num_sessions": sessions,
            "lines_of_code": {"added": lines[0], "removed": lines[1]},
            "commits_by_claude_code": 0,
            "pull_requests_by_claude_code": 0,
        },
        "tool_actions": tools or {},
        "model_breakdown": [
            {"model": model, "tokens": {"input": 10, "output": 20, "cache_read": 0, "cache_creation": 0},
             "estimated_cost": {"currency": "USD", "amount": cents}}
            for model, cents in models
        ],
    }


def key(name: str) -> dict:
    return {"type": "api_actor", "api_key_name": name}


def write_page(landing, day: str, items: list[dict]) -> None:
    folder = landing / "admin_api" / "claude_code" / day
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "page-1.json").write_text(json.dumps({"data": items, "has_more": False, "next_page": None}))


@pytest.fixture
def landing(tmp_path):
    landing = tmp_path / "landing"
    for run in ("01-accept", "02-reject-default-mode"):
        for signal in ("logs", "metrics"):
            write_lines(landing / "otlp" / run / f"{signal}.jsonl", read_lines(CAPTURES / run / f"{signal}.jsonl"))
    (landing / "members.csv").write_text(
        "email,api_key_name,user_ids,team,role\n"
        f",ci-bot,{RUN_01_USER},platform,developer\n"
        f",qa-bot,{RUN_02_USER},platform,claude_code_user\n"
        "ann@example.com,,,product,Admin\n"
        "bob@example.com,,,product,user\n"
    )
    write_page(landing, "2026-11-24", [
        # in both sources, agreeing (OpenTelemetry: +6/-1, two accepts, $0.10528005)
        item("2026-11-24", key("ci-bot"), lines=(6, 1),
             tools={"edit_tool": {"accepted": 1, "rejected": 0}, "write_tool": {"accepted": 1, "rejected": 0}},
             models=[("claude-sonnet-4-5-20250929", 11)]),
        # in both sources, disagreeing on lines (OpenTelemetry: 0 lines, one reject): warns
        item("2026-11-24", key("qa-bot"), lines=(40, 0),
             tools={"write_tool": {"accepted": 0, "rejected": 1}}, models=[("claude-sonnet-4-5", 9)]),
        # only in the report: an API-key user nobody mapped, two rows (two terminals)
        item("2026-11-24", key("Developer Key"), lines=(70, 15), sessions=2,
             tools={"edit_tool": {"accepted": 6, "rejected": 2}}, models=[("claude-opus-4-6", 150)]),
        item("2026-11-24", key("Developer Key"), lines=(30, 5), sessions=1,
             tools={"multi_edit_tool": {"accepted": 2, "rejected": 0}}, models=[("claude-opus-4-6", 36)]),
    ])
    write_page(landing, "2026-11-23", [
        item("2026-11-23", {"type": "user_actor", "email_address": "Ann@Example.com"}, lines=(50, 0), sessions=2,
             tools={"write_tool": {"accepted": 5, "rejected": 0}}, models=[("claude-haiku-4-5", 250)]),
    ])
    return landing


def test_report_rows_join_the_marts_once(landing, env):
    result = run_cli(dict(env, ANALYTICS_LANDING_DIR=str(landing)), "run")
    assert "2 day(s) processed, 2026-11-23 .. 2026-11-24" in result.stdout
    # the reconciliation check warns about qa-bot's 40 lines that telemetry never saw
    assert "warning: marts/fct_daily_activity assert_admin_api_reconciles_with_telemetry" in result.stderr

    daily = {row[0]: row[1:] for row in query(
        env, "select usage_date, daily_active_users, sessions, lines_added, lines_removed, edit_accepts, "
             "edit_rejects, spend_usd, spending_users from marts.fct_org_daily")}
    # 11-24: ci-bot and qa-bot from telemetry (6/1 lines, 2 accepts, 1 reject), Developer Key
    # from the report only (100/20 lines, 8 accepts, 2 rejects, 3 sessions, $1.86)
    assert daily[date(2026, 11, 24)][:6] == (3, 2 + 3, 106, 21, 10, 3)
    assert daily[date(2026, 11, 24)][6] == pytest.approx(0.10528005 + 0.093948 + 1.86, abs=1e-9)
    assert daily[date(2026, 11, 24)][7] == 3
    # 11-23: Ann, only in the report, by her lower-cased email
    assert daily[date(2026, 11, 23)] == (1, 2, 50, 0, 5, 0, pytest.approx(2.50), 1)

    by_name = {row[0]: row[1:] for row in query(
        env, "select display_name, member_type, lines_added, spend_usd, sessions "
             "from marts.fct_member_monthly")}
    assert by_name["ci-bot"][:2] == ("api_key", 6)  # telemetry wins: not 6 + 6
    assert by_name["ci-bot"][2] == pytest.approx(0.10528005, abs=1e-9)
    assert by_name["qa-bot"][:2] == ("api_key", 0)
    assert by_name["Developer Key"] == ("api_key", 100, pytest.approx(1.86), 3)
    assert by_name["ann@example.com"] == ("oauth_user", 50, pytest.approx(2.50), 2)

    sources = query(env, "select source, count(*) from marts.fct_daily_activity group by all order by 1")
    assert sources == [("admin_api", 2), ("otlp", 2)]
    spend_models = query(env, "select model, source, round(spend_usd, 2) from marts.fct_daily_spend "
                              "where source = 'admin_api' order by 1")
    assert spend_models == [("claude-haiku-4-5", "admin_api", 2.5), ("claude-opus-4-6", "admin_api", 1.86)]

    members = {row[0]: row[1:] for row in query(
        env, "select display_name, member_type, role, can_view_analytics, first_seen_date from marts.dim_members")}
    assert members["ci-bot"] == ("api_key", "developer", True, date(2026, 11, 24))
    assert members["qa-bot"] == ("api_key", "claude_code_user", False, date(2026, 11, 24))
    assert members["ann@example.com"] == ("oauth_user", "admin", True, date(2026, 11, 23))
    assert members["bob@example.com"] == ("oauth_user", "user", False, None)  # on the roster, never seen
    assert members["Developer Key"] == ("api_key", None, False, date(2026, 11, 24))

    # who may read the page: Admin yes; User no, and no file is written
    allowed = run_cli(env, "report", "--viewer", "ann@example.com", "--html", str(landing.parent / "ok.html"))
    assert allowed.returncode == 0 and (landing.parent / "ok.html").exists()
    refused = run_cli(env, "report", "--viewer", "bob@example.com", "--html", str(landing.parent / "no.html"),
                      check=False)
    assert refused.returncode == 2 and "may not view analytics" in refused.stderr
    assert not (landing.parent / "no.html").exists()
    # the same rule for exports
    refused_export = run_cli(env, "export", str(landing.parent / "export"), "--viewer", "bob@example.com",
                             check=False)
    assert refused_export.returncode == 2 and not (landing.parent / "export").exists()
    run_cli(env, "export", str(landing.parent / "export"), "--viewer", "ann@example.com")
    assert (landing.parent / "export" / "fct_member_monthly.csv").exists()
