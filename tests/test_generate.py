"""Tests for the synthetic organization generator (analytics.generate).

The central test re-computes the org-level numbers from the written files alone (parse each
line with ``json``, drop malformed lines, dedupe identical points and events, apply the
docs/metrics.md definitions) and compares them with the generator's own bookkeeping.
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import hashlib
import json
from collections import defaultdict
from pathlib import Path

import pytest

from analytics.generate import generate_organization

START = dt.date(2026, 9, 25)
EDIT_TOOLS = {"Edit", "Write", "NotebookEdit", "MultiEdit"}
DAY_NS = 86_400 * 10**9


@pytest.fixture(scope="module")
def small_org(tmp_path_factory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("org") / "landing"
    summary = generate_organization(out, members=8, days=5, start=START, seed=11)
    return out, summary


def _otlp_files(root: Path) -> list[Path]:
    return sorted(p for p in (root / "otlp").rglob("*") if p.name.endswith((".jsonl",
                                                                              ".jsonl.gz")))


def _read_lines(path: Path) -> list[bytes]:
    data = path.read_bytes()
    if path.name.endswith(".gz"):
        data = gzip.decompress(data)
    assert data.endswith(b"\n")
    return data[:-1].split(b"\n")


def _parse(line: bytes):
    """The OTLP body of a line, or None when the line is malformed."""
    try:
        body = json.loads(line)
    except (ValueError, UnicodeDecodeError):
        return None
    if not isinstance(body, dict):
        return None
    if isinstance(body.get("resourceMetrics"), list) or isinstance(body.get("resourceLogs"),
                                                                   list):
        return body
    return None


def _value(v: dict):
    (kind, x), = v.items()
    if kind == "intValue":
        return int(x)
    if kind == "doubleValue":
        return float(x)
    if kind in ("arrayValue", "kvlistValue"):
        return json.dumps(x, sort_keys=True)
    return x


def _attrs(items: list) -> tuple:
    return tuple(sorted((a["key"], _value(a["value"])) for a in items))


def _tree_digest(root: Path) -> str:
    h = hashlib.sha256()
    for p in sorted(q for q in root.rglob("*") if q.is_file()):
        h.update(str(p.relative_to(root)).encode())
        h.update(p.read_bytes())
    return h.hexdigest()


def _recompute(root: Path) -> tuple[dict, dict, int, dict]:
    """Org-daily and member-monthly numbers from the files alone (not the bookkeeping), and
    per member-day with any telemetry (an event or a non-zero increment) its lines, edit
    decisions and spend."""
    roster = {}
    with (root / "members.csv").open() as fh:
        for row in csv.DictReader(fh):
            ident = ("oauth_user", row["email"]) if row["email"] else ("api_key",
                                                                       row["api_key_name"])
            for uid in row["user_ids"].split(";"):
                roster[uid] = ident

    def member(attrs: dict):
        if "user.email" in attrs:
            return ("oauth_user", attrs["user.email"].lower())
        uid = attrs.get("user.id")
        return roster.get(uid, ("unidentified", uid))

    points, events, malformed = set(), set(), 0
    for path in _otlp_files(root):
        for line in _read_lines(path):
            body = _parse(line)
            if body is None:
                malformed += 1
                continue
            for rm in body.get("resourceMetrics", []):
                res = _attrs(rm["resource"]["attributes"])
                for sm in rm["scopeMetrics"]:
                    for m in sm["metrics"]:
                        temporality = m["sum"]["aggregationTemporality"]
                        for p in m["sum"]["dataPoints"]:
                            value = float(p["asDouble"]) if "asDouble" in p else int(p["asInt"])
                            points.add((m["name"], temporality, res, _attrs(p["attributes"]),
                                        int(p["startTimeUnixNano"]), int(p["timeUnixNano"]),
                                        value))
            for rl in body.get("resourceLogs", []):
                for sl in rl["scopeLogs"]:
                    for r in sl["logRecords"]:
                        attrs = _attrs(r["attributes"])
                        events.add((r["body"]["stringValue"], int(r["timeUnixNano"]), attrs))

    # agents_view-only sessions
    starts = defaultdict(set)
    for name, _, _, attrs, *_ in points:
        if name == "claude_code.session.count":
            a = dict(attrs)
            starts[a["session.id"]].add(a.get("start_type"))
    agents = {s for s, types in starts.items() if types == {"agents_view"}}

    # increments (cumulative series are differenced in time order)
    series = defaultdict(list)
    for name, temporality, res, attrs, start, time, value in points:
        series[(name, temporality, res, attrs, start)].append((time, value))
    day = defaultdict(lambda: defaultdict(float))
    active = defaultdict(set)
    sessions = defaultdict(set)
    spend_by = defaultdict(lambda: defaultdict(float))
    monthly = defaultdict(lambda: defaultdict(float))
    m_sessions = defaultdict(set)
    m_days = defaultdict(set)
    member_days = defaultdict(lambda: defaultdict(float))

    def member_day(d, a):
        return member_days[((dt.date(1970, 1, 1) + dt.timedelta(days=d)).isoformat(), member(a))]

    def month_key(d, a):
        date = dt.date(1970, 1, 1) + dt.timedelta(days=d)
        return (date.strftime("%Y-%m-01"), *member(a))

    def activity(d, a):
        if a.get("session.id") not in agents:
            active[d].add(member(a))
            sessions[d].add(a.get("session.id"))
            m_sessions[month_key(d, a)].add(a.get("session.id"))
            m_days[month_key(d, a)].add(d)

    for (name, temporality, _, attrs, _), pts in series.items():
        pts.sort()
        prev = 0.0
        a = dict(attrs)
        for time, value in pts:
            inc = value - prev if temporality == 2 else value
            prev = value
            d = time // DAY_NS
            if inc:
                activity(d, a)
                md = member_day(d, a)
            if name == "claude_code.lines_of_code.count":
                day[d]["lines_" + a["type"]] += inc
                monthly[month_key(d, a)]["lines_" + a["type"]] += inc
                if inc:
                    md["lines_" + a["type"]] += inc
            elif name == "claude_code.code_edit_tool.decision":
                if a.get("tool_name", a.get("tool")) in EDIT_TOOLS:
                    day[d]["edit_" + a["decision"]] += inc
                    monthly[month_key(d, a)]["edit_" + a["decision"] + "s"] += inc
                    if inc:
                        md["edit_" + a["decision"] + "s"] += inc
            elif name == "claude_code.cost.usage":
                day[d]["spend"] += inc
                spend_by[d][member(a)] += inc
                monthly[month_key(d, a)]["spend_usd"] += inc
                if inc:
                    md["spend_usd"] += inc
            elif name == "claude_code.token.usage":
                day[d]["tokens_" + a["type"]] += inc
    for _, time, attrs in events:
        activity(time // DAY_NS, dict(attrs))
        member_day(time // DAY_NS, dict(attrs))
    out = {}
    for d in set(day) | set(active):
        date = dt.date(1970, 1, 1) + dt.timedelta(days=d)
        v = day[d]
        out[date.isoformat()] = {
            "daily_active_users": len(active[d]), "sessions": len(sessions[d]),
            "lines_added": v["lines_added"], "lines_removed": v["lines_removed"],
            "edit_accepts": v["edit_accept"], "edit_rejects": v["edit_reject"],
            "spend_usd": v["spend"],
            "spending_users": sum(1 for x in spend_by[d].values() if x > 0),
            "input_tokens": v["tokens_input"], "output_tokens": v["tokens_output"],
            "cache_read_tokens": v["tokens_cacheRead"],
            "cache_creation_tokens": v["tokens_cacheCreation"],
        }
    members = {}
    for key in set(monthly) | set(m_days):
        v = monthly[key]
        members[key] = {
            "spend_usd": v["spend_usd"], "lines_added": v["lines_added"],
            "lines_removed": v["lines_removed"], "sessions": len(m_sessions[key]),
            "active_days": len(m_days[key]), "edit_accepts": v["edit_accepts"],
            "edit_rejects": v["edit_rejects"],
        }
    return out, members, malformed, member_days


def _check_recomputation(root: Path, summary: dict, report_only: dict | None = None) -> None:
    """The expected files equal the numbers recomputed from the OTLP files, plus the member-days
    only the Admin API report has (``report_only``: (day, member) -> _report_totals)."""
    recomputed, members, malformed, _ = _recompute(root)
    for (day, (mtype, ident)), t in (report_only or {}).items():
        row = recomputed.setdefault(day, defaultdict(int))
        for col in ("sessions", "lines_added", "lines_removed", "edit_accepts", "edit_rejects",
                    "spend_usd", "input_tokens", "output_tokens", "cache_read_tokens",
                    "cache_creation_tokens"):
            row[col] += t[col]
        row["daily_active_users"] += 1
        row["spending_users"] += t["spend_usd"] > 0
        mm = members.setdefault((day[:8] + "01", mtype, ident), defaultdict(int))
        for col in ("sessions", "lines_added", "lines_removed", "edit_accepts", "edit_rejects",
                    "spend_usd"):
            mm[col] += t[col]
        mm["active_days"] += 1
    assert malformed == summary["malformed_lines"]
    daily = _read_csv(root / "expected" / "org_daily.csv")
    for row in daily:
        got = recomputed.get(row["usage_date"])
        if got is None:
            assert float(row["spend_usd"]) == 0 and int(row["daily_active_users"]) == 0
            continue
        for col in ("lines_added", "lines_removed", "edit_accepts", "edit_rejects",
                    "daily_active_users", "sessions", "spending_users", "input_tokens",
                    "output_tokens", "cache_read_tokens", "cache_creation_tokens"):
            assert got[col] == int(row[col]), (row["usage_date"], col)
        assert abs(got["spend_usd"] - float(row["spend_usd"])) < 1e-6, row["usage_date"]
    assert set(recomputed) <= {r["usage_date"] for r in daily}  # nothing outside the range
    expected = {(r["usage_month"], r["member_type"], r["member_identifier"]): r
                for r in _read_csv(root / "expected" / "member_monthly.csv")}
    nonzero = {k for k, v in members.items() if any(v.values())}
    assert nonzero == set(expected)
    for key in nonzero:
        got, row = members[key], expected[key]
        for col in ("lines_added", "lines_removed", "sessions", "active_days", "edit_accepts",
                    "edit_rejects"):
            assert got[col] == int(row[col]), (key, col)
        assert abs(got["spend_usd"] - float(row["spend_usd"])) < 1e-6, key


def _read_csv(path: Path) -> list[dict]:
    with path.open() as fh:
        return list(csv.DictReader(fh))


def test_deterministic_and_worker_independent(tmp_path):
    # 10 days from 2026-09-25: three day ranges for two workers, across a month boundary
    a = generate_organization(tmp_path / "a", members=6, days=10, start=START, seed=3, workers=1)
    b = generate_organization(tmp_path / "b", members=6, days=10, start=START, seed=3, workers=2)
    assert a["files"] == b["files"] and a["lines"] == b["lines"]
    assert _tree_digest(tmp_path / "a") == _tree_digest(tmp_path / "b")
    generate_organization(tmp_path / "c", members=6, days=10, start=START, seed=4, workers=1)
    assert _tree_digest(tmp_path / "c") != _tree_digest(tmp_path / "a")


def test_every_good_line_is_otlp_and_malformed_count_matches(small_org):
    root, summary = small_org
    files = _otlp_files(root)
    assert files and any(p.name.endswith(".gz") for p in files)
    assert len(files) == summary["files"]
    total = malformed = 0
    for path in files:
        for line in _read_lines(path):
            total += 1
            body = _parse(line)
            if body is None:
                malformed += 1
                continue
            for rm in body.get("resourceMetrics", []):
                assert rm["scopeMetrics"][0]["scope"]["name"] == "com.anthropic.claude_code"
                for m in rm["scopeMetrics"][0]["metrics"]:
                    assert m["name"].startswith("claude_code.")
                    assert m["sum"]["aggregationTemporality"] in (1, 2)
                    for p in m["sum"]["dataPoints"]:
                        assert ("asDouble" in p) != ("asInt" in p)
                        assert p["timeUnixNano"].endswith("000000")
            for rl in body.get("resourceLogs", []):
                sl = rl["scopeLogs"][0]
                assert sl["scope"]["name"] == "com.anthropic.claude_code.events"
                for r in sl["logRecords"]:
                    assert r["timeUnixNano"] == r["observedTimeUnixNano"]
                    assert r["body"]["stringValue"].startswith("claude_code.")
    assert malformed == summary["malformed_lines"] > 0
    assert total == summary["lines"]
    faults = summary["faults"]
    assert faults["late_files"] >= 1 and faults["copied_files"] >= 1
    assert faults["retried_lines"] >= 1


def test_expected_files_consistent(small_org):
    root, summary = small_org
    daily = _read_csv(root / "expected" / "org_daily.csv")
    monthly = _read_csv(root / "expected" / "member_monthly.csv")
    assert [r["usage_date"] for r in daily] == [
        (START + dt.timedelta(days=i)).isoformat() for i in range(5)]
    assert json.loads((root / "expected" / "summary.json").read_text())["members"] == 8
    by_month = defaultdict(lambda: defaultdict(float))
    for r in daily:
        by_month[r["usage_date"][:7] + "-01"]["spend"] += float(r["spend_usd"])
        by_month[r["usage_date"][:7] + "-01"]["lines"] += int(r["lines_added"])
        acc, rej = int(r["edit_accepts"]), int(r["edit_rejects"])
        if acc + rej:
            assert float(r["accept_rate"]) == pytest.approx(acc / (acc + rej))
        else:
            assert r["accept_rate"] == ""
        assert int(r["daily_active_users"]) <= 8
    mm = defaultdict(lambda: defaultdict(float))
    for r in monthly:
        assert r["member_type"] in ("oauth_user", "api_key", "unidentified")
        mm[r["usage_month"]]["spend"] += float(r["spend_usd"])
        mm[r["usage_month"]]["lines"] += int(r["lines_added"])
    assert set(mm) == set(by_month)
    totals = summary["totals"]
    assert totals["lines_added"] == sum(int(r["lines_added"]) for r in daily)
    assert abs(totals["spend_usd"] - sum(float(r["spend_usd"]) for r in daily)) < 1e-6
    for month, v in by_month.items():
        assert abs(v["spend"] - mm[month]["spend"]) < 1e-6
        assert v["lines"] == mm[month]["lines"]
    roster = _read_csv(root / "members.csv")
    assert list(roster[0]) == ["email", "api_key_name", "user_ids", "team", "role"]
    for r in roster:
        assert bool(r["email"]) != bool(r["api_key_name"])
        assert all(len(u) == 64 for u in r["user_ids"].split(";"))


def test_recomputation_from_files_matches_expected(small_org):
    _check_recomputation(*small_org)


SAMPLE = Path(__file__).resolve().parents[1] / "seeds" / "sample-org"
SAMPLE_ARGS = {"members": 25, "days": 60, "start": START, "seed": 7}


@pytest.fixture(scope="module")
def sample_org(tmp_path_factory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("sample") / "org"
    return out, generate_organization(out, **SAMPLE_ARGS)


def test_bundled_sample_is_reproducible(sample_org):
    if not SAMPLE.exists():
        pytest.skip("no bundled sample")
    assert _tree_digest(SAMPLE) == _tree_digest(sample_org[0])


def test_sample_recomputation_matches_expected(sample_org):
    _check_recomputation(*sample_org)


def test_sample_covers_the_variety(sample_org):
    root = sample_org[0]
    seen = defaultdict(set)
    session_days = defaultdict(set)
    for path in _otlp_files(root):
        seen["file"].add(path.name)
        for line in _read_lines(path):
            body = _parse(line)
            if body is None:
                continue
            for token in (b'"intValue":"', b'"asInt":"', b'"intValue":1', b'"asDouble"'):
                if token in line:
                    seen["token"].add(token)
            entries = body.get("resourceMetrics") or body.get("resourceLogs")
            seen["entries_per_line"].add(min(len(entries), 2))
            for rm in body.get("resourceMetrics", []):
                res = dict(_attrs(rm["resource"]["attributes"]))
                seen["version"].add(res["service.version"][:3])
                seen["resource_key"].update(res)
                for m in rm["scopeMetrics"][0]["metrics"]:
                    seen["metric"].add(m["name"])
                    seen["temporality"].add(m["sum"]["aggregationTemporality"])
                    for p in m["sum"]["dataPoints"]:
                        a = dict(_attrs(p["attributes"]))
                        seen["point_key"].update(a)
                        session_days[a["session.id"]].add(int(p["timeUnixNano"]) // DAY_NS)
                        if m["name"] == "claude_code.code_edit_tool.decision":
                            seen["source"].add((a["decision"], a["source"]))
                            seen["tool"].add(a.get("tool_name", a.get("tool")))
                        if m["name"] == "claude_code.session.count":
                            seen["start_type"].add(a.get("start_type"))
                        if m["name"] == "claude_code.cost.usage":
                            seen["model"].add(a["model"])
            for rl in body.get("resourceLogs", []):
                for r in rl["scopeLogs"][0]["logRecords"]:
                    seen["event"].add(r["body"]["stringValue"])
                    a = {x["key"]: x["value"] for x in r["attributes"]}
                    if r["body"]["stringValue"] == "claude_code.api_request":
                        seen["cost_usd"].add(next(iter(a["cost_usd"])))
    assert seen["version"] == {"2.1", "2.0", "1.0"}
    assert {b'"intValue":"', b'"asInt":"', b'"intValue":1', b'"asDouble"'} <= seen["token"]
    assert seen["entries_per_line"] == {1, 2}
    assert seen["temporality"] == {1, 2}
    assert {"team.id", "department"} <= seen["resource_key"] & seen["point_key"]
    assert {"user.email", "tool", "tool_name"} <= seen["point_key"]
    assert {"claude_code.mcp_tool_call.count", "claude_code.commit.count"} <= seen["metric"]
    assert {("accept", "config"), ("accept", "hook"), ("accept", "user_permanent"),
            ("accept", "user_temporary"), ("reject", "user_abort"),
            ("reject", "user_reject")} <= seen["source"]
    assert seen["tool"] == EDIT_TOOLS
    assert {"fresh", "continue", "resume", "agents_view", None} == seen["start_type"]
    assert {"claude-sonnet-4-5", "claude-sonnet-4-5-20250929", "claude-opus-4-6[1m]",
            "claude-haiku-4-5", "claude-opus-5"} <= seen["model"]
    assert {"claude_code.user_prompt", "claude_code.api_request", "claude_code.api_error",
            "claude_code.tool_decision", "claude_code.tool_result",
            "claude_code.assistant_response", "claude_code.experiment_exposure"} <= seen["event"]
    assert seen["cost_usd"] == {"doubleValue", "stringValue"}
    assert any(len(d) > 1 for d in session_days.values())  # sessions across UTC midnight
    assert any("-from-" in f for f in seen["file"]) and any("-copy." in f for f in seen["file"])
    assert any(f.endswith(".jsonl") for f in seen["file"])
    assert any(f.endswith(".jsonl.gz") for f in seen["file"])
    types = {r["member_type"] for r in _read_csv(root / "expected" / "member_monthly.csv")}
    assert types == {"oauth_user", "api_key", "unidentified"}
    daily = _read_csv(root / "expected" / "org_daily.csv")
    workdays = [int(r["daily_active_users"]) for r in daily
                if dt.date.fromisoformat(r["usage_date"]).weekday() < 5]
    weekends = [int(r["daily_active_users"]) for r in daily
                if dt.date.fromisoformat(r["usage_date"]).weekday() >= 5]
    assert sum(workdays) / len(workdays) > 3 * sum(weekends) / len(weekends)


# USD per token at list price: input, 5-minute cache write, cache read, output (sources.md §5)
LIST_PRICES = {"opus": (5e-06, 6.25e-06, 5e-07, 2.5e-05), "sonnet": (3e-06, 3.75e-06, 3e-07,
                                                                     1.5e-05),
               "haiku": (1e-06, 1.25e-06, 1e-07, 5e-06)}
TOKEN_PRICE_INDEX = {"input": 0, "cacheCreation": 1, "cacheRead": 2, "output": 3}


def test_cost_matches_tokens_at_list_prices(sample_org):
    seen, cost, from_tokens = set(), {}, defaultdict(float)
    for path in _otlp_files(sample_org[0]):
        for line in _read_lines(path):
            body = _parse(line)
            for rm in (body or {}).get("resourceMetrics", []):
                for m in rm["scopeMetrics"][0]["metrics"]:
                    if m["name"] not in ("claude_code.cost.usage", "claude_code.token.usage"):
                        continue
                    for p in m["sum"]["dataPoints"]:
                        attrs = _attrs(p["attributes"])
                        ident = (m["name"], attrs, p["startTimeUnixNano"], p["timeUnixNano"])
                        if ident in seen:
                            continue
                        seen.add(ident)
                        a = dict(attrs)
                        key = (a["session.id"], a["model"], a.get("query_source"),
                               p["startTimeUnixNano"], p["timeUnixNano"])
                        value = float(p["asDouble"]) if "asDouble" in p else int(p["asInt"])
                        if m["name"] == "claude_code.cost.usage":
                            cost[key] = value
                        else:
                            family = next(f for f in LIST_PRICES if f in a["model"])
                            price = LIST_PRICES[family][TOKEN_PRICE_INDEX[a["type"]]]
                            from_tokens[key] += value * price
    assert cost and set(cost) == set(from_tokens)
    assert all(abs(cost[k] - from_tokens[k]) < 1e-9 for k in cost)


def test_refuses_to_overwrite_foreign_landing_data(tmp_path):
    (tmp_path / "otlp" / "captures").mkdir(parents=True)
    (tmp_path / "otlp" / "captures" / "logs.jsonl").write_text("{}\n")
    with pytest.raises(FileExistsError):
        generate_organization(tmp_path, members=2, days=1, start=START)
    assert (tmp_path / "otlp" / "captures" / "logs.jsonl").exists()


# -- the Admin API report (admin_api=True) ------------------------------------------------------

REPORT_ONLY = {("oauth_user", "marta.quispe@example.com"), ("api_key", "build-farm"),
               ("api_key", "sandbox-vm key")}
TOOL_KEYS = {"edit_tool", "multi_edit_tool", "write_tool", "notebook_edit_tool"}
TOKEN_KEYS = {"input", "output", "cache_read", "cache_creation"}
ADMIN_ARGS = {"members": 25, "days": 6, "start": dt.date(2026, 10, 29), "seed": 5}


@pytest.fixture(scope="module")
def admin_org(tmp_path_factory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("admin") / "org"
    return out, generate_organization(out, **ADMIN_ARGS, admin_api=True)


def _report_days(root: Path) -> dict[str, list[tuple[int, dict]]]:
    """Every day folder's pages: {day: [(page number, body)]} in page order."""
    days = {}
    for folder in sorted((root / "admin_api" / "claude_code").iterdir()):
        pages = sorted((int(p.stem.split("-")[1]), p) for p in folder.glob("page-*.json"))
        days[folder.name] = [(n, json.loads(p.read_bytes())) for n, p in pages]
    return days


def _report_member_days(root: Path) -> dict[tuple[str, tuple[str, str]], list[dict]]:
    """The report's items per (day, member), members resolved as the marts do: an email
    lower-cased, a key name through the roster (which may map it to an OAuth member)."""
    keys = {}
    for row in _read_csv(root / "members.csv"):
        if row["api_key_name"]:
            keys[row["api_key_name"]] = (("oauth_user", row["email"]) if row["email"]
                                         else ("api_key", row["api_key_name"]))
    out = defaultdict(list)
    for day, pages in _report_days(root).items():
        for _, body in pages:
            for item in body["data"]:
                actor = item["actor"]
                if actor["type"] == "user_actor":
                    member = ("oauth_user", actor["email_address"].lower())
                else:
                    member = keys.get(actor["api_key_name"], ("api_key", actor["api_key_name"]))
                out[(day, member)].append(item)
    return out


def _report_totals(items: list[dict]) -> dict:
    """A member-day's items as int_admin_api_member_days sums them (cents become dollars)."""
    t = defaultdict(int)
    for item in items:
        core = item["core_metrics"]
        t["sessions"] += core["num_sessions"]
        t["lines_added"] += core["lines_of_code"]["added"]
        t["lines_removed"] += core["lines_of_code"]["removed"]
        for key, v in item["tool_actions"].items():
            if key in TOOL_KEYS:
                t["edit_accepts"] += v["accepted"]
                t["edit_rejects"] += v["rejected"]
        for m in item["model_breakdown"]:
            t["spend_usd"] += m["estimated_cost"]["amount"] / 100
            t["models"] += 1
            for k in TOKEN_KEYS:
                t[k + "_tokens"] += m["tokens"][k]
    return t


def test_admin_api_pages_follow_the_documented_shape(admin_org):
    root, summary = admin_org
    days = _report_days(root)
    start, n_days = ADMIN_ARGS["start"], ADMIN_ARGS["days"]
    assert list(days) == [(start + dt.timedelta(days=i)).isoformat() for i in range(n_days)]
    pages_total = items_total = 0
    splits = set()
    for day, pages in days.items():
        assert [n for n, _ in pages] == list(range(1, len(pages) + 1))
        seen = set()
        for n, body in pages:
            assert set(body) == {"data", "has_more", "next_page"}
            assert body["has_more"] is (n < len(pages))
            if body["has_more"]:
                assert body["next_page"].startswith("page_") and len(body["data"]) == 10
            else:
                assert body["next_page"] is None and len(body["data"]) <= 10
            for item in body["data"]:
                assert set(item) == {"date", "actor", "organization_id", "customer_type",
                                     "terminal_type", "is_remote", "core_metrics",
                                     "tool_actions", "model_breakdown"}
                assert item["date"] == f"{day}T00:00:00Z"
                actor = item["actor"]
                assert actor in ({"type": "user_actor", "email_address": actor.get("email_address")},
                                 {"type": "api_actor", "api_key_name": actor.get("api_key_name")})
                name = actor.get("email_address") or actor["api_key_name"]
                assert isinstance(name, str) and name
                assert item["customer_type"] == "api" and len(item["organization_id"]) == 36
                assert isinstance(item["terminal_type"], str)
                assert isinstance(item["is_remote"], bool)
                core = item["core_metrics"]
                assert set(core) == {"num_sessions", "lines_of_code", "commits_by_claude_code",
                                     "pull_requests_by_claude_code"}
                assert set(core["lines_of_code"]) == {"added", "removed"}
                for v in (core["num_sessions"], core["commits_by_claude_code"],
                          core["pull_requests_by_claude_code"], *core["lines_of_code"].values()):
                    assert type(v) is int and v >= 0
                assert set(item["tool_actions"]) <= TOOL_KEYS
                for v in item["tool_actions"].values():
                    assert set(v) == {"accepted", "rejected"}
                    assert all(type(x) is int and x >= 0 for x in v.values()) and any(v.values())
                models = [m["model"] for m in item["model_breakdown"]]
                assert len(models) == len(set(models))
                for m in item["model_breakdown"]:
                    assert set(m) == {"model", "tokens", "estimated_cost"}
                    assert m["model"].startswith("claude-") and "[1m]" not in m["model"]
                    assert set(m["tokens"]) == TOKEN_KEYS
                    assert all(type(x) is int and x >= 0 for x in m["tokens"].values())
                    cost = m["estimated_cost"]
                    assert cost["currency"] == "USD" and type(cost["amount"]) is int
                key = (actor["type"], name)
                # one item per actor, terminal and remote/local
                assert (key, item["terminal_type"], item["is_remote"]) not in seen
                if any(k == key for k, *_ in seen):
                    splits.add("remote" if (key, item["terminal_type"], not item["is_remote"])
                               in seen else "terminal")
                seen.add((key, item["terminal_type"], item["is_remote"]))
                items_total += 1
            pages_total += 1
        marker = json.loads((root / "admin_api" / "claude_code" / day / "_complete.json")
                            .read_text())
        assert marker["day"] == day and marker["pages"] == len(pages)
        assert marker["items"] == sum(len(b["data"]) for _, b in pages)
    assert any(len(pages) > 1 for pages in days.values())
    assert splits == {"remote", "terminal"}
    assert summary["admin_api"]["pages"] == pages_total
    assert summary["admin_api"]["items"] == items_total
    types = {i["actor"]["type"] for pages in days.values() for _, b in pages for i in b["data"]}
    assert types == {"user_actor", "api_actor"}


def test_admin_api_report_agrees_with_telemetry_and_expected(admin_org):
    root, summary = admin_org
    _, _, _, telemetry = _recompute(root)
    report = _report_member_days(root)
    both = {k for k in report if k in telemetry}
    report_only = {k: _report_totals(v) for k, v in report.items() if k not in telemetry}
    # only the people without telemetry are report-only; unidentified installs have no rows
    assert {m for _, m in report_only} == REPORT_ONLY
    assert len(report_only) == summary["admin_api"]["report_only_member_days"]
    assert all(m[0] != "unidentified" for _, m in report)
    unidentified = {m for _, m in telemetry if m[0] == "unidentified"}
    assert unidentified and not unidentified & {m for _, m in report}
    # an OAuth member's machine without OAuth shows as an API key the roster maps to them
    assert any(i["actor"]["type"] == "api_actor" and m[0] == "oauth_user"
               for (_, m), items in report.items() for i in items)
    # member-days in both sources agree as the reconciliation check wants (telemetry wins)
    assert len(both) > 20
    for k in both:
        t, r = telemetry[k], _report_totals(report[k])
        for col in ("lines_added", "lines_removed", "edit_accepts", "edit_rejects"):
            assert r[col] == round(t[col]), (k, col)
        assert abs(r["spend_usd"] - t["spend_usd"]) <= min(0.05, 0.005 * r["models"] + 1e-9), k
    _check_recomputation(root, summary, report_only)


def test_admin_api_is_deterministic_and_leaves_telemetry_as_is(tmp_path):
    args = {"members": 8, "days": 10, "start": START, "seed": 3}
    a = generate_organization(tmp_path / "a", **args, workers=1, admin_api=True)
    b = generate_organization(tmp_path / "b", **args, workers=2, admin_api=True)
    assert a["admin_api"] == b["admin_api"] and a["admin_api"]["report_only_member_days"] > 0
    assert _tree_digest(tmp_path / "a") == _tree_digest(tmp_path / "b")
    plain = generate_organization(tmp_path / "c", **args, workers=1)
    assert "admin_api" not in plain and not (tmp_path / "c" / "admin_api").exists()
    assert _tree_digest(tmp_path / "a" / "otlp") == _tree_digest(tmp_path / "c" / "otlp")
    # regenerating without the report replaces the whole folder, pages included
    generate_organization(tmp_path / "a", **args, workers=1)
    assert _tree_digest(tmp_path / "a") == _tree_digest(tmp_path / "c")


def test_refuses_to_overwrite_foreign_admin_api_pages(tmp_path):
    day = tmp_path / "admin_api" / "claude_code" / "2026-09-25"
    day.mkdir(parents=True)
    (day / "page-1.json").write_text('{"data": [], "has_more": false, "next_page": null}')
    with pytest.raises(FileExistsError):
        generate_organization(tmp_path, members=2, days=1, start=START, admin_api=True)
    assert (day / "page-1.json").exists()


def test_admin_api_org_through_the_pipeline(tmp_path, env):
    """End to end: `analytics run` over a generated landing folder with the report (~30 s)."""
    from tests.conftest import query, run_cli
    from tests.test_sample_org import assert_marts_match_expected

    landing = Path(env["ANALYTICS_LANDING_DIR"])
    summary = generate_organization(landing, members=12, days=4, start=dt.date(2026, 9, 29),
                                    seed=3, admin_api=True)
    assert any((landing / "admin_api" / "claude_code" / day / "page-2.json").exists()
               for day in ("2026-09-29", "2026-09-30", "2026-10-01", "2026-10-02"))
    result = run_cli(env, "run")
    assert "4 day(s) processed, 2026-09-29 .. 2026-10-02" in result.stdout
    assert "assert_admin_api_reconciles_with_telemetry" not in result.stderr
    assert_marts_match_expected(env, landing)
    assert query(env, "select count(*) from raw.admin_api_usage")[0][0] == \
        summary["admin_api"]["items"]
    assert query(env, "select count(*) from raw.quarantine where signal = 'admin_api'") == [(0,)]
    from_report = query(env, """
        select distinct d.member_type, coalesce(d.email, d.api_key_name)
        from marts.fct_daily_activity a join marts.dim_members d using (member_key)
        where a.source = 'admin_api'""")
    assert set(from_report) == REPORT_ONLY
    assert query(env, "select count(*) from marts.fct_daily_activity where source = 'admin_api'") \
        == [(summary["admin_api"]["report_only_member_days"],)]
