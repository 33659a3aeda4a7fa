"""The real Claude Code CLI, headless, sending its telemetry to `analytics collect`.

`npm install @anthropic-ai/claude-code@2.1.197` (the last release that supports Node 20) into
a cache folder, then one `claude -p` turn per OTLP protocol against tests/fake_messages_api.py
with telemetry on, pointed at a real `analytics collect` that requires a bearer token. The
fake model writes notes.txt and edits it; acceptEdits mode accepts both without a prompt.
Then `analytics run` must show that one session in the marts, with the numbers worked out by
hand below. Skipped, with the reason, where node/npm or the package cannot be had.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from tests.collect_helpers import Receiver, landed_lines
from tests.conftest import query, run_cli
from tests.fake_messages_api import EDIT_NEW, EDIT_OLD, FILE_NAME, WRITE_CONTENT, FakeMessagesAPI

pytestmark = pytest.mark.slow

CLAUDE_CODE_VERSION = "2.1.197"
NPM_DIR = Path.home() / ".cache" / "claude-code-analytics" / "npm"
TOKEN = "real-client-token-51c2"
MODEL = "claude-sonnet-4-5"
# What the client computes for each call from the fake's usage (1,000 input, 200 output,
# 4,000 cache-write and 20,000 cache-read tokens) at claude-sonnet-4-5 list prices per
# million tokens ($3 input, $15 output, $3.75 5-minute cache write, $0.30 cache read):
# 0.003 + 0.003 + 0.015 + 0.006
COST_PER_CALL = 0.027


@pytest.fixture(scope="module")
def claude_bin() -> Path:
    if not shutil.which("node") or not shutil.which("npm"):
        pytest.skip("node and npm are needed to install the real Claude Code CLI")
    binary = NPM_DIR / "node_modules" / ".bin" / "claude"
    if not _version(binary).startswith(CLAUDE_CODE_VERSION):
        NPM_DIR.mkdir(parents=True, exist_ok=True)
        installed = subprocess.run(
            ["npm", "install", "--prefix", str(NPM_DIR), "--no-audit", "--no-fund",
             f"@anthropic-ai/claude-code@{CLAUDE_CODE_VERSION}"],
            capture_output=True, text=True, timeout=900, check=False,
        )
        if installed.returncode != 0 or not _version(binary).startswith(CLAUDE_CODE_VERSION):
            reason = (installed.stderr.strip().splitlines() or ["no output"])[-1]
            pytest.skip(f"npm could not install @anthropic-ai/claude-code@{CLAUDE_CODE_VERSION}: {reason}")
    return binary


def _version(binary: Path) -> str:
    if not binary.exists():
        return ""
    try:
        done = subprocess.run(
            [str(binary), "--version"], capture_output=True, text=True, timeout=60, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return done.stdout.strip()


def _events(landing: Path, name: str) -> list[dict]:
    """The attributes of every `name` event the client sent, read from the landed lines."""
    found = []
    for line in landed_lines(landing):
        for resource in json.loads(line).get("resourceLogs", []):
            for scope in resource.get("scopeLogs", []):
                for record in scope.get("logRecords", []):
                    attributes = {a["key"]: next(iter(a["value"].values()), None) for a in record["attributes"]}
                    if attributes.get("event.name") == name:
                        found.append(attributes)
    return found


def _cost_points(landing: Path) -> list[float]:
    return [
        float(point.get("asDouble", point.get("asInt", 0)))
        for line in landed_lines(landing)
        for resource in json.loads(line).get("resourceMetrics", [])
        for scope in resource.get("scopeMetrics", [])
        for metric in scope.get("metrics", [])
        if metric["name"] == "claude_code.cost.usage"
        for point in metric["sum"]["dataPoints"]
    ]


@pytest.mark.parametrize("protocol", ["http/protobuf", "http/json"])
def test_a_real_claude_code_session_reaches_the_marts_through_analytics_collect(
    protocol, claude_bin, env, tmp_path
):
    landing, home, work = tmp_path / "landing", tmp_path / "home", tmp_path / "work"
    for folder in (landing, home, work):
        folder.mkdir()
    receiver_env = dict(env, ANALYTICS_COLLECT_TOKEN=TOKEN)
    with Receiver(receiver_env) as receiver, FakeMessagesAPI(work) as api:
        client_env = {
            "HOME": str(home), "PATH": os.environ["PATH"], "TERM": "dumb",
            "ANTHROPIC_BASE_URL": api.url, "ANTHROPIC_API_KEY": "sk-ant-test-not-a-real-key",
            "CLAUDE_CODE_ENABLE_TELEMETRY": "1",
            "OTEL_METRICS_EXPORTER": "otlp", "OTEL_LOGS_EXPORTER": "otlp",
            "OTEL_EXPORTER_OTLP_PROTOCOL": protocol,
            "OTEL_EXPORTER_OTLP_ENDPOINT": f"http://127.0.0.1:{receiver.port}",
            "OTEL_EXPORTER_OTLP_HEADERS": f"Authorization=Bearer {TOKEN}",
            "OTEL_METRIC_EXPORT_INTERVAL": "1000", "OTEL_LOGS_EXPORT_INTERVAL": "1000",
            "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1",
            "DISABLE_AUTOUPDATER": "1", "DISABLE_ERROR_REPORTING": "1",
            # nothing but the two local servers: any other destination is refused
            "NO_PROXY": "127.0.0.1,localhost", "HTTPS_PROXY": "http://127.0.0.1:9",
            "HTTP_PROXY": "http://127.0.0.1:9",
        }
        done = subprocess.run(
            [str(claude_bin), "-p", f"Create {FILE_NAME} and then edit it.",
             "--permission-mode", "acceptEdits", "--model", MODEL],
            env=client_env, cwd=work, capture_output=True, text=True, timeout=300,
            stdin=subprocess.DEVNULL, check=False,
        )
        assert done.returncode == 0, done.stdout + done.stderr
        assert f"Done: {FILE_NAME} written and edited." in done.stdout
        assert [r["kind"] for r in api.requests] == ["tool_use:Write", "tool_use:Edit", "final"]
        deadline = time.monotonic() + 20  # the client flushes at exit; give the last export time
        while time.monotonic() < deadline and len(_events(landing, "api_request")) < 3:
            time.sleep(0.2)
        assert receiver.stop() == 0
    assert (work / FILE_NAME).read_text() == WRITE_CONTENT.replace(EDIT_OLD, EDIT_NEW)
    assert "rejected: none" in receiver.output and TOKEN not in receiver.output
    assert all(p.parent.parent.name == "collect" for p in landing.rglob("*.jsonl"))

    # the cost the client computed, from its own events and its own cost metric
    requests = _events(landing, "api_request")
    assert [(r["model"], float(r["cost_usd"])) for r in requests] == [(MODEL, pytest.approx(COST_PER_CALL))] * 3
    assert sum(_cost_points(landing)) == pytest.approx(3 * COST_PER_CALL, abs=1e-9)

    result = run_cli(env, "run")
    assert "quarantined: 0 line(s) and 0 record(s) this run" in result.stdout
    totals = query(env, """
        select max(daily_active_users), sum(sessions), sum(session_starts), sum(prompts),
            sum(lines_added), sum(lines_removed), sum(edit_accepts), sum(edit_rejects),
            sum(spend_usd), max(spending_users), sum(input_tokens), sum(output_tokens),
            sum(cache_read_tokens), sum(cache_creation_tokens), sum(api_requests)
        from marts.fct_org_daily""")[0]
    # lines: the client counts a new file's lines as its text split at newlines, so the Write
    # of "alpha\nbeta\ngamma\ndelta\n" adds 5 (four lines and the empty one after the last
    # newline); the Edit of "gamma\n" into "gamma (edited)\nepsilon\nzeta\n" removes 1 line and
    # adds 3. Two accepted decisions (Write, Edit; source config: acceptEdits mode). Three
    # calls of 1,000 input, 200 output, 20,000 cache-read and 4,000 cache-write tokens.
    assert totals[:8] == (1, 1, 1, 1, 8, 1, 2, 0)
    assert totals[8] == pytest.approx(3 * COST_PER_CALL, abs=1e-9)
    assert totals[9:] == (1, 3000, 600, 60000, 12000, 3)
    assert query(env, "select member_type, count(*) from marts.dim_members group by all") == [("unidentified", 1)]
    assert query(env, """
        select tool_name, decision, decision_source, sum(decision_count)
        from marts.fct_tool_decisions group by all order by 1 desc""") == [
        ("Write", "accept", "config", 1), ("Edit", "accept", "config", 1)
    ]
    assert query(env, "select model, round(sum(spend_usd), 9) from marts.fct_daily_spend group by all") == [
        (MODEL, 0.081)
    ]
    assert query(env, "select sum(sessions), sum(lines_added) from marts.fct_org_monthly") == [(1, 8)]
