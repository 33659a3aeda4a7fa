"""Budgets: budgets.csv loaded (bad lines quarantined), projection arithmetic at the start,
middle and end of a month, and alerts posted once to a real HTTP server on 127.0.0.1.

Each day with data: a@example.com spends $2.00 and b@example.com $1.00 (team platform, from
the roster), the API key `ci key` $0.50 (team infra): $3.50 a day. June has 30 days.
"""

from __future__ import annotations

import json
import socket
import threading
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from analytics.ingest.budgets import parse_budgets
from tests.conftest import query, run_cli
from tests.handmade import MemberDay, write_day, write_roster

BUDGETS = (
    "scope,name,monthly_budget_usd\n"
    "org,Example Inc,100\n"
    "team,platform,2\n"
    "member,A@Example.com,50\n"
    'member,"ci key",20\n'
    "division,x,5\n"  # line 6: unknown scope
    "team,infra,lots\n"  # line 7: not a number
)


def spend_day(landing: Path, day: date) -> None:
    write_day(landing, day, [MemberDay(day, "a@example.com", 10, 2.0),
                             MemberDay(day, "b@example.com", 10, 1.0),
                             MemberDay(day, "ci key", 5, 0.5)])


class Webhook:
    """A chat webhook on 127.0.0.1 that records every JSON body posted to it."""

    def __init__(self):
        received = self.received = []

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                received.append(json.loads(body))
                self.send_response(200)
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/T000/B000/secret"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def dead_url() -> str:
    """A port nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/hook"


def status(env) -> dict:
    return {
        (scope, name): (round(spend, 6), round(projected, 6), budget, state, elapsed, days)
        for scope, name, spend, projected, budget, state, elapsed, days in query(
            env,
            "select scope, name, spend_usd, projected_usd, budget_usd, status, elapsed_days, "
            "days_in_month from marts.fct_budget_status where usage_month = date '2026-06-01'",
        )
    }


def test_parse_budgets_keeps_good_lines_and_says_why_others_are_not():
    parsed = parse_budgets(BUDGETS + 'member,"x\n')
    assert parsed.valid == [("org", "Example Inc", 100.0, 2), ("team", "platform", 2.0, 3),
                            ("member", "A@Example.com", 50.0, 4), ("member", "ci key", 20.0, 5)]
    reasons = {line: reason for line, reason, _ in parsed.rejected}
    assert reasons[6] == "scope 'division' is not one of org, team, member"
    assert reasons[7] == "monthly_budget_usd is not a number >= 0"
    assert 8 in reasons  # an unterminated quote


@pytest.fixture
def webhook():
    hook = Webhook()
    yield hook
    hook.close()


def test_projection_and_alerts_once(env, webhook):
    landing = Path(env["ANALYTICS_LANDING_DIR"])
    write_roster(landing, [("a@example.com", "", "platform", "developer"),
                           ("b@example.com", "", "platform", "developer"),
                           ("", "ci key", "infra", "developer")])
    (landing / "budgets.csv").write_text(BUDGETS)
    spend_day(landing, date(2026, 6, 1))
    live = dict(env, ANALYTICS_ALERT_WEBHOOK_URL=webhook.url)

    # start of the month: data through June 1st, 1 of 30 days elapsed
    run = run_cli(live, "run")
    assert status(env) == {
        ("org", "Example Inc"): (3.5, 105.0, 100.0, "at_risk", 1, 30),
        ("team", "platform"): (3.0, 90.0, 2.0, "over", 1, 30),
        ("member", "a@example.com"): (2.0, 60.0, 50.0, "at_risk", 1, 30),
        ("member", "ci key"): (0.5, 15.0, 20.0, "ok", 1, 30),
    }
    assert query(env, "select source_line, reason from raw.quarantine where signal = 'budgets' "
                      "order by 1") == [(6, "scope 'division' is not one of org, team, member"),
                                        (7, "monthly_budget_usd is not a number >= 0")]
    # the asset check warns, the run succeeds
    assert "dbt: warning: marts/fct_budget_status assert_budgets_within_limits" in run.stderr
    assert len(webhook.received) == 1
    text = webhook.received[0]["text"]
    assert list(webhook.received[0]) == ["text"]
    assert "team platform is over budget: spent $3.00, projected $90.00 for the month, budget $2.00" in text
    assert "organization is at risk: spent $3.50, projected $105.00" in text
    assert "member a@example.com is at risk" in text and "ci key" not in text

    # a rerun with nothing new posts nothing
    run_cli(live, "run")
    assert len(webhook.received) == 1

    # middle of the month, and ci key's budget lowered below its spend; the webhook is dead
    spend_day(landing, date(2026, 6, 15))
    (landing / "budgets.csv").write_text(BUDGETS.replace('"ci key",20', '"ci key",0.75'))
    dead = run_cli(dict(env, ANALYTICS_ALERT_WEBHOOK_URL=dead_url()), "run")
    assert dead.returncode == 0
    assert "warning: budget alerts: 1 budget(s) at risk or over not posted" in dead.stderr
    assert "the next run tries again" in dead.stderr and "could not be reached" in dead.stderr
    assert status(env) == {
        ("org", "Example Inc"): (7.0, 14.0, 100.0, "ok", 15, 30),
        ("team", "platform"): (6.0, 12.0, 2.0, "over", 15, 30),
        ("member", "a@example.com"): (4.0, 8.0, 50.0, "ok", 15, 30),
        ("member", "ci key"): (1.0, 2.0, 0.75, "over", 15, 30),
    }

    # the next run (nothing new: dbt is skipped) posts what the dead webhook missed, once
    run_cli(live, "run")
    assert len(webhook.received) == 2
    assert webhook.received[1]["text"].count("\n- ") == 1
    assert "member ci key is over budget: spent $1.00, projected $2.00 for the month, budget $0.75" \
        in webhook.received[1]["text"]

    # end of the month: every day elapsed, projected = spent; nothing became at risk or over,
    # so nothing is posted again
    spend_day(landing, date(2026, 6, 30))
    run_cli(live, "run")
    assert status(env) == {
        ("org", "Example Inc"): (10.5, 10.5, 100.0, "ok", 30, 30),
        ("team", "platform"): (9.0, 9.0, 2.0, "over", 30, 30),
        ("member", "a@example.com"): (6.0, 6.0, 50.0, "ok", 30, 30),
        ("member", "ci key"): (1.5, 1.5, 0.75, "over", 30, 30),
    }
    assert len(webhook.received) == 2
    assert query(env, "select count(*) from meta.budget_alerts") == [(4,)]
