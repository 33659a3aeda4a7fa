"""Tiny landing folders written by hand, so a test's expected numbers can be worked out by hand.

Each member-day is one OTLP metrics line: `lines` lines added and `cost` USD spent in one
session, delta temporality, at noon UTC; the member's identity (email or API key name) and
team.id go in the resource attributes, as Claude Code's OTEL_RESOURCE_ATTRIBUTES puts them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path


@dataclass(frozen=True)
class MemberDay:
    day: date
    who: str  # an email, or an API key name
    lines: int
    cost: float
    team_id: str | None = None  # the team.id resource attribute, if the client sets one


def _attr(key: str, value: str) -> dict:
    return {"key": key, "value": {"stringValue": value}}


def metrics_line(item: MemberDay, index: int) -> dict:
    noon = int(datetime(item.day.year, item.day.month, item.day.day, 12, tzinfo=UTC).timestamp())
    time_ns = str((noon + index) * 10**9)
    start_ns = str((noon + index - 60) * 10**9)
    identity = _attr("user.email", item.who) if "@" in item.who else _attr("api_key.name", item.who)
    resource = [identity, _attr("service.name", "claude-code"), _attr("service.version", "2.1.50"),
                _attr("user.id", f"uid-{item.who}")]
    if item.team_id is not None:
        resource.append(_attr("team.id", item.team_id))
    session = _attr("session.id", f"s-{item.who}-{item.day.isoformat()}")

    def point(value: float, *extra: dict) -> dict:
        return {"attributes": [session, *extra], "startTimeUnixNano": start_ns,
                "timeUnixNano": time_ns, "asDouble": value}

    def metric(name: str, unit: str, points: list[dict]) -> dict:
        return {"name": name, "unit": unit,
                "sum": {"aggregationTemporality": 1, "isMonotonic": True, "dataPoints": points}}

    return {"resourceMetrics": [{
        "resource": {"attributes": resource},
        "scopeMetrics": [{
            "scope": {"name": "com.anthropic.claude_code", "version": "2.1.50"},
            "metrics": [
                metric("claude_code.lines_of_code.count", "count",
                       [point(float(item.lines), _attr("type", "added"))]),
                metric("claude_code.cost.usage", "USD",
                       [point(item.cost, _attr("model", "claude-sonnet-4-5"))]),
            ],
        }],
    }]}


def write_day(landing: Path, day: date, items: list[MemberDay]) -> Path:
    """otlp/<day>/metrics.jsonl with one line per member-day of `day`."""
    path = landing / "otlp" / day.isoformat() / "metrics.jsonl"
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [json.dumps(metrics_line(item, i)) for i, item in enumerate(items) if item.day == day]
    path.write_text("\n".join(lines) + "\n")
    return path


def write_roster(landing: Path, rows: list[tuple[str, str, str, str]]) -> None:
    """members.csv from (email, api_key_name, team, role) rows."""
    landing.mkdir(parents=True, exist_ok=True)
    text = "email,api_key_name,user_ids,team,role\n" + "".join(
        f"{email},{key},,{team},{role}\n" for email, key, team, role in rows
    )
    (landing / "members.csv").write_text(text)
