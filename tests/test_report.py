"""The Analytics page: rendered in headless Chromium offline and checked against the marts;
the terminal version, the role gate, the exports and the generated marts documentation.

One warehouse for the module: `analytics run` over the default landing data. Every expected
number is queried from the marts here, never written down, so the sample data may change.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import shutil
import struct
import subprocess
import sys
from datetime import date, timedelta
from html.parser import HTMLParser
from pathlib import Path
from typing import ClassVar

import duckdb
import pytest

from analytics.report.browser import dump_dom, find_chromium, screenshot
from analytics_cli.report import add_commands

PROJECT_ROOT = Path(__file__).resolve().parent.parent
ANALYTICS = Path(sys.executable).parent / "analytics"
# the contract's marts (issue 17 added the team and budget marts)
MARTS = ("fct_tool_decisions", "fct_daily_activity", "fct_daily_spend", "dim_members",
         "fct_org_daily", "fct_org_monthly", "fct_member_monthly",
         "fct_team_daily", "fct_team_monthly", "fct_budget_status")
CARDS = ("lines", "accept-rate", "active-users", "sessions", "spend")


# --------------------------------------------------------------------------- fixtures, helpers


@pytest.fixture(scope="module")
def warehouse(sample_run) -> Path:
    """The marts of `analytics run` over the default landing data (built once per session)."""
    return Path(sample_run[0]["ANALYTICS_WAREHOUSE"])


def query(warehouse: Path, sql: str, params=None) -> list[tuple]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def cli(warehouse: Path, *argv: str) -> tuple[int, str]:
    """`analytics <argv>` in this process, through add_commands, as analytics.cli will call it."""
    parser = argparse.ArgumentParser(prog="analytics")
    add_commands(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    out = io.StringIO()
    with pytest.MonkeyPatch.context() as patch, contextlib.redirect_stdout(out):
        patch.setenv("ANALYTICS_WAREHOUSE", str(warehouse))
        code = args.func(args)
    return code, out.getvalue()


@pytest.fixture(scope="module")
def expected(warehouse) -> dict:
    """The default period (month to date of the data) and every number of the page, from the marts."""
    (latest,) = query(warehouse, "select max(usage_date) from marts.fct_org_daily")[0]
    start, end = latest.replace(day=1), latest
    days = (end - start).days + 1
    prev_start, prev_end = start - timedelta(days=days), start - timedelta(days=1)

    def totals(first: date, last: date) -> dict:
        n, lines, acc, rej, sessions, spend = query(
            warehouse,
            "select count(*), sum(lines_added), sum(edit_accepts), sum(edit_rejects), sum(sessions), "
            "sum(spend_usd) from marts.fct_org_daily where usage_date between ? and ?", [first, last],
        )[0]
        (active,) = query(
            warehouse,
            "select count(distinct member_key) from marts.fct_daily_activity "
            "where is_active and usage_date between ? and ?", [first, last],
        )[0]
        return {"days": n, "lines": lines or 0, "accept-rate": acc / (acc + rej) if acc or rej else None,
                "active-users": active, "sessions": sessions or 0, "spend": spend or 0.0}

    # Team insights over the month to date equal the month's rows of fct_member_monthly
    team = {
        key: {"name": name, "type": mtype, "spend": spend, "lines": lines, "active_days": active_days,
              "accept_rate": rate, "sessions": sessions}
        for key, name, mtype, spend, lines, active_days, rate, sessions in query(
            warehouse,
            "select member_key, display_name, member_type, spend_usd, lines_added, active_days, "
            "accept_rate, sessions from marts.fct_member_monthly where usage_month = ?", [start],
        )
    }
    decisions = {
        column: {
            name: (acc, rej)
            for name, acc, rej in query(
                warehouse,
                f"select {column}, sum(decision_count) filter (where decision = 'accept'), "
                f"sum(decision_count) filter (where decision = 'reject') from marts.fct_tool_decisions "
                f"where is_edit_tool and usage_date between ? and ? group by 1", [start, end],
            )
        }
        for column in ("tool_name", "language")
    }
    models = dict(query(
        warehouse,
        "select model, sum(spend_usd) from marts.fct_daily_spend where usage_date between ? and ? "
        "group by 1", [start, end],
    ))
    daily = {
        d: (dau, sessions, spenders, spend)
        for d, dau, sessions, spenders, spend in query(
            warehouse,
            "select usage_date, daily_active_users, sessions, spending_users, spend_usd "
            "from marts.fct_org_daily where usage_date between ? and ?", [start, end],
        )
    }
    names = {
        key: (mtype, email, api_key_name)
        for key, mtype, email, api_key_name in query(
            warehouse, "select member_key, member_type, email, api_key_name from marts.dim_members"
        )
    }
    month = dict(zip(
        ("lines_added", "monthly_active_users", "spend_usd", "accept_rate"),
        query(warehouse, "select lines_added, monthly_active_users, spend_usd, accept_rate "
                         "from marts.fct_org_monthly where usage_month = ?", [start])[0],
    ))
    return {
        "month": month,
        "start": start, "end": end, "prev_start": prev_start, "prev_end": prev_end,
        "now": totals(start, end), "before": totals(prev_start, prev_end), "team": team,
        "decisions": decisions, "models": models, "daily": daily, "names": names,
    }


@pytest.fixture(scope="module")
def page(warehouse, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("page") / "analytics.html"
    code, printed = cli(warehouse, "report", "--html", str(out))
    assert code == 0 and out.is_file(), printed
    return out


class Dom(HTMLParser):
    """Just enough of a DOM: every element with its attributes, text and ancestor ids."""

    VOID: ClassVar[set[str]] = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
            "track", "wbr"}

    def __init__(self, text: str):
        super().__init__(convert_charrefs=True)
        self.elements: list[dict] = []
        self.stack: list[dict] = []
        self.feed(text)
        self.close()

    def _element(self, tag, attrs) -> dict:
        element = {"tag": tag, "attrs": dict(attrs), "text": [],
                   "within": {e["attrs"]["id"] for e in self.stack if e["attrs"].get("id")}}
        self.elements.append(element)
        return element

    def handle_starttag(self, tag, attrs):
        element = self._element(tag, attrs)
        if tag not in self.VOID:
            self.stack.append(element)

    def handle_startendtag(self, tag, attrs):
        self._element(tag, attrs)

    def handle_endtag(self, tag):
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i]["tag"] == tag:
                del self.stack[i:]
                break

    def handle_data(self, data):
        for element in self.stack:
            element["text"].append(data)

    def by_id(self, element_id: str) -> dict:
        found = [e for e in self.elements if e["attrs"].get("id") == element_id]
        assert len(found) == 1, f"#{element_id}: {len(found)} element(s)"
        return found[0]

    def find(self, tag: str | None = None, within: str | None = None, **attrs) -> list[dict]:
        return [
            e for e in self.elements
            if (tag is None or e["tag"] == tag)
            and (within is None or within in e["within"])
            and all(e["attrs"].get(k.replace("_", "-")) == v for k, v in attrs.items())
        ]

    @staticmethod
    def text(element: dict) -> str:
        return "".join(element["text"]).strip()


def number(text: str | None) -> float | None:
    return None if text in (None, "") else float(text)


def external_references(dom: Dom) -> list[str]:
    """src/href/action/srcset values that point at another host (http:, https:, //)."""
    found = []
    for element in dom.elements:
        for name in ("src", "href", "action", "srcset", "xlink:href", "data", "poster"):
            value = (element["attrs"].get(name) or "").strip().lower()
            if value.startswith(("http:", "https:", "//", "ws:", "wss:", "ftp:")):
                found.append(f"<{element['tag']} {name}={value}>")
    return found


def page_requests(net_log: Path) -> list[str]:
    """URLs the page itself asked the network for (Chromium's own background requests excluded)."""
    text = net_log.read_text()
    try:
        log = json.loads(text)
    except json.JSONDecodeError:  # killed before closing the JSON
        log = json.loads(text.rstrip().rstrip(",") + "]}")
    names = {number: name for name, number in log["constants"]["logEventTypes"].items()}
    return [
        event["params"]["url"]
        for event in log["events"]
        if names.get(event["type"]) == "URL_REQUEST_START_JOB"
        and "url" in event.get("params", {})
        and event["params"].get("initiator") != "not an origin"
        and not event["params"]["url"].startswith(("file:", "data:", "blob:", "about:"))
    ]


needs_chromium = pytest.mark.skipif(
    find_chromium() is None,
    reason="headless Chromium not installed (/usr/bin/chromium; apt-get install -y chromium)",
)


# --------------------------------------------------------------------------- the HTML page


def test_the_html_file_is_self_contained(page):
    text = page.read_text()
    dom = Dom(text)
    assert external_references(dom) == []
    assert not dom.find("link"), "no stylesheet, font or icon is linked"
    assert text.count("plotly.js v") >= 1 and len(dom.find("script", src=None)) >= 2
    scripts = [e for e in dom.find("script") if "Plotly" in Dom.text(e) and len(Dom.text(e)) > 1_000_000]
    assert len(scripts) == 1, "plotly.js is embedded exactly once"
    csp = dom.find("meta", http_equiv="Content-Security-Policy")
    assert csp and "default-src 'none'" in csp[0]["attrs"]["content"]
    assert "connect-src 'none'" in csp[0]["attrs"]["content"]


@needs_chromium
def test_the_page_in_headless_chromium_shows_the_marts_numbers_offline(page, expected, tmp_path):
    net_log = tmp_path / "net-log.json"
    dom = Dom(dump_dom(page, net_log=net_log))

    # nothing fetched from anywhere, before or after the scripts ran
    assert external_references(dom) == []
    assert page_requests(net_log) == []

    # Activity and Spend: each chart drawn, with two labelled y-axes (plotly's SVG axis titles)
    for chart, left, right in (("chart-activity", "Daily active users", "Sessions"),
                               ("chart-spend", "Spending users", "Spend (USD)")):
        assert dom.find("svg", within=chart), f"{chart} was not drawn"
        assert [Dom.text(e) for e in dom.find("text", within=chart, **{"class": "ytitle"})] == [left]
        assert [Dom.text(e) for e in dom.find("text", within=chart, **{"class": "y2title"})] == [right]

    assert_page_numbers(dom, expected)


def test_the_html_file_holds_the_marts_numbers(page, expected):
    """The same checks on the file as written (they run without Chromium too)."""
    assert_page_numbers(Dom(page.read_text()), expected)


def assert_page_numbers(dom: Dom, expected: dict) -> None:
    """Every panel is there with the numbers the marts hold."""
    main = dom.by_id("analytics-page")["attrs"]
    assert (main["data-start"], main["data-end"]) == (expected["start"].isoformat(), expected["end"].isoformat())
    assert (main["data-previous-start"], main["data-previous-end"]) == (
        expected["prev_start"].isoformat(), expected["prev_end"].isoformat())

    # summary cards, with the previous period of the same length
    now, before = expected["now"], expected["before"]
    for key in CARDS:
        card = dom.by_id(f"card-{key}")["attrs"]
        assert number(card["data-value"]) == pytest.approx(now[key], abs=1e-6), key
        assert int(card["data-previous-days-in-data"]) == before["days"]
        if before["days"]:
            assert number(card["data-previous"]) == pytest.approx(before[key], abs=1e-6), key
        else:
            assert card["data-previous"] == "" and card["data-change"] == ""
        if before["days"] == int(card["data-previous-days"]) and before[key] and now[key] is not None:
            want = now[key] - before[key] if key == "accept-rate" else (now[key] - before[key]) / before[key]
            assert number(card["data-change"]) == pytest.approx(want, abs=1e-9), key
    # the default period is the month to date of the data: its month's row agrees
    month = expected["month"]
    assert number(dom.by_id("card-lines")["attrs"]["data-value"]) == month["lines_added"]
    assert number(dom.by_id("card-active-users")["attrs"]["data-value"]) == month["monthly_active_users"]
    assert number(dom.by_id("card-spend")["attrs"]["data-value"]) == pytest.approx(month["spend_usd"], abs=1e-6)
    if month["accept_rate"] is not None:
        rate = number(dom.by_id("card-accept-rate")["attrs"]["data-value"])
        assert rate == pytest.approx(month["accept_rate"], abs=1e-9)

    # the daily values under each chart
    activity = {r["attrs"]["data-date"]: r["attrs"] for r in dom.find("tr", within="activity-table")
                if "data-date" in r["attrs"]}
    spend = {r["attrs"]["data-date"]: r["attrs"] for r in dom.find("tr", within="spend-table")
             if "data-date" in r["attrs"]}
    days = (expected["end"] - expected["start"]).days + 1
    assert len(activity) == len(spend) == days
    for day, (dau, sessions, spenders, dollars) in expected["daily"].items():
        assert number(activity[day.isoformat()]["data-daily-active-users"]) == dau
        assert number(activity[day.isoformat()]["data-sessions"]) == sessions
        assert number(spend[day.isoformat()]["data-spending-users"]) == spenders
        assert number(spend[day.isoformat()]["data-spend-usd"]) == pytest.approx(dollars, abs=1e-6)

    # Team insights: one row per member of fct_member_monthly for the month, named as Anthropic does
    rows = {r["attrs"]["data-member-key"]: r for r in dom.find("tr", within="team-table")
            if "data-member-key" in r["attrs"]}
    assert set(rows) == set(expected["team"])
    for key, want in expected["team"].items():
        row = rows[key]
        assert row["attrs"]["data-member"] == want["name"]
        mtype, email, api_key_name = expected["names"][key]
        if mtype == "oauth_user":
            assert want["name"] == email
        elif mtype == "api_key":
            assert want["name"] == api_key_name
        cells = {c["attrs"]["data-col"]: c["attrs"]["data-sort-value"] for c in _cells_of(dom, row)}
        assert number(cells["spend"]) == pytest.approx(want["spend"], abs=1e-6)
        assert number(cells["lines"]) == want["lines"]
        assert number(cells["active-days"]) == want["active_days"]
        # distinct sessions in the month, as the mart counts them (not a sum of days)
        assert number(cells["sessions"]) == want["sessions"]
        if want["accept_rate"] is None:
            assert cells["accept-rate"] == ""
        else:
            assert number(cells["accept-rate"]) == pytest.approx(want["accept_rate"])

    # breakdowns
    for table, column in (("breakdown-tool", "tool_name"), ("breakdown-language", "language")):
        shown = {r["attrs"]["data-name"]: (int(r["attrs"]["data-accepts"]), int(r["attrs"]["data-rejects"]))
                 for r in dom.find("tr", within=table) if "data-name" in r["attrs"]}
        want = {k: (a or 0, r or 0) for k, (a, r) in expected["decisions"][column].items() if (a or 0) + (r or 0)}
        assert shown == want, table
    models = {r["attrs"]["data-model"]: number(r["attrs"]["data-spend"])
              for r in dom.find("tr", within="breakdown-model") if "data-model" in r["attrs"]}
    assert models.keys() == expected["models"].keys()
    for model, dollars in expected["models"].items():
        assert models[model] == pytest.approx(dollars, abs=1e-6)

    # what the page does not count, and that days are UTC
    notes = {e["attrs"]["data-note"]: Dom.text(e) for e in dom.find("li", within="panel-notes")}
    assert {"rejected", "deletions", "list-prices", "utc"} <= notes.keys()
    assert "UTC" in notes["utc"] and "not the bill" in notes["list-prices"]




def _cells_of(dom: Dom, row: dict) -> list[dict]:
    """The td elements parsed after `row` and before the next row."""
    start = dom.elements.index(row)
    cells = []
    for element in dom.elements[start + 1:]:
        if element["tag"] == "tr":
            break
        if element["tag"] == "td":
            cells.append(element)
    return cells


@needs_chromium
def test_the_team_table_sorts(page):
    dom = Dom(dump_dom(page, fragment="sort=lines:desc"))
    table = dom.by_id("team-table")["attrs"]
    assert (table["data-sort-key"], table["data-sort-dir"]) == ("lines", "desc")
    rows = [r for r in dom.find("tr", within="team-table") if "data-member-key" in r["attrs"]]
    lines = [number(c["attrs"]["data-sort-value"]) for r in rows for c in _cells_of(dom, r)
             if c["attrs"]["data-col"] == "lines"]
    assert len(lines) == len(rows) and lines == sorted(lines, reverse=True)


@needs_chromium
def test_a_screenshot_of_the_page(page, tmp_path):
    png = screenshot(page, tmp_path / "analytics-page.png")
    header = png.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack(">II", header[16:24]) == (1400, 2200)


# --------------------------------------------------------------------------- terminal, gate, errors


def test_the_terminal_version_prints_the_cards_and_the_team(warehouse, expected):
    code, text = cli(warehouse, "report")
    assert code == 0
    now = expected["now"]
    assert f"{expected['start'].isoformat()} .. {expected['end'].isoformat()}" in text
    assert "Lines of code accepted" in text and f"{now['lines']:,}" in text
    assert "Suggestion accept rate" in text
    if now["accept-rate"] is not None:
        assert f"{now['accept-rate'] * 100:.1f}%" in text
    assert "Active users" in text and "Sessions" in text
    assert f"${now['spend']:,.2f}" in text
    for member in expected["team"].values():
        assert member["name"] in text
    # the default page is the month to date: Team insights is the monthly mart, titled as such
    assert "spend this month" in text and "lines this month" in text
    assert "summed over days" not in text.split("Team insights")[1].split("What these")[0]
    assert "UTC" in text


def test_team_insights_over_a_day_range_labels_summed_sessions(warehouse, expected):
    code, text = cli(warehouse, "report", "--start", expected["start"].isoformat(),
                     "--end", (expected["start"] + timedelta(days=6)).isoformat())
    assert code == 0
    assert "sessions (summed over days)" in text


def test_a_month_and_a_day_range(warehouse, expected, tmp_path):
    end = expected["end"]
    code, text = cli(warehouse, "report", "--start", (end - timedelta(days=6)).isoformat(), "--end", end.isoformat())
    assert code == 0 and "(7 day(s), UTC)" in text
    out = tmp_path / "month.html"
    code, _ = cli(warehouse, "report", "--month", expected["start"].strftime("%Y-%m"), "--html", str(out))
    dom = Dom(out.read_text())
    # the month holding the latest day stops at it: the same period as the default
    assert dom.by_id("analytics-page")["attrs"]["data-end"] == end.isoformat()


def test_bad_arguments_and_a_missing_warehouse_are_usage_errors(warehouse, tmp_path):
    from analytics_cli.main import UsageError

    out = tmp_path / "never.html"
    for argv, message in [
        (("--month", "2026-13"), "is not a month"),
        (("--start", "2026-02-30", "--end", "2026-03-01"), "is not a date"),
        (("--start", "2026-11-20", "--end", "2026-11-01"), "is after"),
        (("--month", "2026-11", "--start", "2026-11-01"), "not both"),
    ]:
        with pytest.raises(UsageError, match=message):
            cli(warehouse, "report", *argv, "--html", str(out))
    with pytest.raises(UsageError, match="warehouse not found"):
        cli(tmp_path / "missing.duckdb", "report", "--html", str(out))
    with pytest.raises(UsageError, match="warehouse not found"):
        cli(tmp_path / "missing.duckdb", "export", str(tmp_path / "exports"))
    assert not out.exists()


@pytest.fixture
def roles_warehouse(warehouse, tmp_path) -> Path:
    """A copy of the warehouse where two members have known emails and roles."""
    copy = tmp_path / "roles.duckdb"
    shutil.copy(warehouse, copy)
    con = duckdb.connect(str(copy))
    try:
        keys = [k for (k,) in con.execute("select member_key from marts.dim_members order by member_key limit 2").fetchall()]
        con.execute("update marts.dim_members set email = 'Dev.Lead@Example.com', role = 'developer', "
                    "can_view_analytics = true where member_key = ?", [keys[0]])
        con.execute("update marts.dim_members set email = 'plain.user@example.com', role = 'user', "
                    "can_view_analytics = false where member_key = ?", [keys[1]])
    finally:
        con.close()
    return copy


def test_the_role_gate(roles_warehouse, tmp_path):
    from analytics_cli.main import UsageError

    refused = tmp_path / "refused.html"
    with pytest.raises(UsageError, match=r"viewer plain\.user@example\.com may not view analytics \(role: user\)"):
        cli(roles_warehouse, "report", "--viewer", "plain.user@example.com", "--html", str(refused))
    with pytest.raises(UsageError, match="may not view analytics"):
        cli(roles_warehouse, "report", "--viewer", "stranger@example.com", "--html", str(refused))
    with pytest.raises(UsageError, match="may not view analytics"):
        cli(roles_warehouse, "report", "--viewer", "plain.user@example.com")  # no text either
    assert not refused.exists()
    assert list(tmp_path.glob("*.html")) == [] and list(tmp_path.glob(".*.tmp")) == []

    allowed = tmp_path / "allowed.html"
    code, _ = cli(roles_warehouse, "report", "--viewer", "dev.lead@EXAMPLE.com", "--html", str(allowed))
    assert code == 0 and allowed.is_file()


# --------------------------------------------------------------------------- exports, docs


def test_export_csv_round_trips_every_mart(warehouse, tmp_path):
    from analytics.report.export import read_export

    out = tmp_path / "exports"
    code, printed = cli(warehouse, "export", "--format", "csv", str(out))
    assert code == 0
    assert sorted(p.name for p in out.iterdir()) == sorted(f"{m}.csv" for m in MARTS)
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        for mart in MARTS:
            original = sorted(con.execute(f"select * from marts.{mart}").fetchall(), key=repr)
            again = sorted(read_export(con, out / f"{mart}.csv", mart).fetchall(), key=repr)
            assert again == original, mart
            header = (out / f"{mart}.csv").read_text().splitlines()[0].split(",")
            assert header == [c for (c,) in con.execute(
                "select column_name from information_schema.columns where table_schema = 'marts' "
                "and table_name = ? order by ordinal_position", [mart]).fetchall()]
            assert f"{mart}.csv  {len(original):,} row(s)" in printed
    finally:
        con.close()


def test_export_parquet(warehouse, tmp_path):
    out = tmp_path / "parquet"
    code, _ = cli(warehouse, "export", "--format", "parquet", str(out))
    assert code == 0
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        for mart in MARTS:
            path = str(out / f"{mart}.parquet")
            assert con.execute(f"select count(*) from (select * from read_parquet('{path}') "
                               f"except all select * from marts.{mart})").fetchall() == [(0,)]
            assert con.execute(f"select count(*) from read_parquet('{path}')").fetchall() == \
                con.execute(f"select count(*) from marts.{mart}").fetchall()
    finally:
        con.close()


def test_the_marts_section_is_generated_from_the_dbt_docs_and_matches_the_tables(warehouse):
    import yaml

    from analytics.report.docs import MARTS_YML, marts_markdown

    text = marts_markdown()
    assert text.startswith("## Marts: grain and columns\n")
    models = {m["name"]: m for m in yaml.safe_load(MARTS_YML.read_text())["models"]}
    assert set(models) == set(MARTS)
    for mart in MARTS:
        assert f"### `{mart}`" in text
        assert " ".join(models[mart]["description"].split()) in text
        documented = [c["name"] for c in models[mart]["columns"]]
        for column in models[mart]["columns"]:
            assert f"| `{column['name']}` | {column['data_type']} |" in text
        actual = [c for (c,) in query(
            warehouse, "select column_name from information_schema.columns where table_schema = 'marts' "
            "and table_name = ? order by ordinal_position", [mart])]
        assert documented == actual, f"{mart}: the docs and the table disagree"
    printed = subprocess.run([sys.executable, "-m", "analytics.report.docs"], capture_output=True,
                             text=True, check=True, cwd=PROJECT_ROOT)
    assert printed.stdout == text


def test_every_model_documents_exactly_the_columns_of_its_table(warehouse):
    """The data tests read their model's columns from its YAML, not from the database
    (macros/overrides/get_where_subquery.sql): a column missing from the YAML would make a
    windowed test read all history, so every model's YAML must name its table's columns."""
    import yaml

    documented = {}
    for path in (PROJECT_ROOT / "dbt_project" / "models").rglob("*.yml"):
        for model in yaml.safe_load(path.read_text()).get("models") or []:
            documented[model["name"]] = sorted(c["name"] for c in model.get("columns") or [])
    actual: dict[str, list[str]] = {}
    for table, column in query(
        warehouse, "select table_name, column_name from information_schema.columns "
        "where table_schema in ('staging', 'intermediate', 'marts')"
    ):
        actual.setdefault(table, []).append(column)
    assert set(actual) == set(documented)  # every model is built, and documented
    for table, columns in actual.items():
        assert documented[table] == sorted(columns), f"{table}: its YAML and its table disagree"


# --------------------------------------------------------------------------- Dagster, the real CLI


def test_the_dagster_asset_renders_the_page(warehouse, page, tmp_path):
    import dagster as dg
    from dagster_duckdb import DuckDBResource

    from orchestration.defs.reporting.assets import analytics_page

    key = dg.AssetKey(["reports", "analytics_page"])
    assert {k.to_user_string() for k in analytics_page.asset_deps[key]} >= {
        "marts/fct_org_daily", "marts/fct_member_monthly", "marts/fct_daily_spend",
        "marts/fct_tool_decisions", "marts/dim_members"}
    assert analytics_page.group_names_by_key[key] == "reports"
    assert analytics_page.partitions_def is None

    out = tmp_path / "asset" / "analytics.html"
    result = dg.materialize(
        [analytics_page],
        resources={"duckdb": DuckDBResource(database=str(warehouse))},
        run_config={"ops": {"reports__analytics_page": {"config": {"path": str(out)}}}},
    )
    assert result.success and out.is_file()
    metadata = result.asset_materializations_for_node("reports__analytics_page")[0].metadata
    assert metadata["path"].value == str(out)
    cards = {key: Dom(page.read_text()).by_id(f"card-{key}")["attrs"]["data-value"] for key in CARDS}
    assert metadata["lines_added"].value == number(cards["lines"])
    assert metadata["active_users"].value == number(cards["active-users"])
    assert metadata["spend_usd"].value == pytest.approx(number(cards["spend"]), abs=1e-9)


def test_the_analytics_command_has_report_and_export(warehouse):
    from analytics_cli.main import build_parser

    commands = build_parser()._subparsers._group_actions[0].choices
    if "report" not in commands:
        pytest.skip("analytics/cli.py does not call analytics_cli.report.add_commands yet")
    env = {**os.environ, "ANALYTICS_WAREHOUSE": str(warehouse)}
    shown = subprocess.run(
        [str(ANALYTICS), "report"], env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert shown.returncode == 0 and "Lines of code accepted" in shown.stdout
    refused = subprocess.run(
        [str(ANALYTICS), "report", "--viewer", "nobody@example.com"], env=env,
        capture_output=True, text=True, timeout=120, check=False,
    )
    assert refused.returncode == 2
    assert refused.stderr.startswith("analytics: error: viewer nobody@example.com may not view analytics")


def test_the_committed_marts_doc_is_up_to_date():
    """docs/marts.md is generated from the dbt YAML: regenerate it when the marts change."""
    from analytics.report.docs import marts_markdown

    committed = (Path(__file__).resolve().parent.parent / "docs" / "marts.md").read_text()
    assert committed.strip() == marts_markdown(level=1).strip(), (
        "docs/marts.md is stale: python -m analytics.report.docs --level 1 > docs/marts.md"
    )


# --------------------------------------------------------------------------- the charts' JSON


def _plotly_reference_figure(page, left: dict, right: dict) -> dict:
    """The charts as plotly's own Figure builds them (what html.py did with plotly's classes
    before it wrote plotly.js's JSON itself), for the comparison below."""
    import plotly.graph_objects as go

    from analytics.report.html import FONT, _axis_range

    x = [day.usage_date.isoformat() for day in page.days]
    fig = go.Figure()
    right_trace = go.Bar if right.get("bar") else go.Scatter
    right_style = (
        {"marker": {"color": right["color"], "opacity": 0.45}}
        if right.get("bar")
        else {"mode": "lines+markers", "line": {"color": right["color"], "width": 2}, "marker": {"size": 5},
              "cliponaxis": False}
    )
    fig.add_trace(right_trace(x=x, y=right["y"], name=right["title"], yaxis="y2",
                              hovertemplate=right["hover"], **right_style))
    fig.add_trace(go.Scatter(x=x, y=left["y"], name=left["title"], yaxis="y", mode="lines+markers",
                             line={"color": left["color"], "width": 2.5}, marker={"size": 6},
                             hovertemplate=left["hover"], connectgaps=False, cliponaxis=False))
    xaxis = {"type": "date", "range": _axis_range(page), "tickformat": "%b %-d", "showgrid": False,
             "fixedrange": True}
    if page.period.days <= 16:
        xaxis["dtick"] = 86_400_000
    fig.update_layout(
        font={"family": FONT, "size": 12, "color": "#1f1e1b"},
        margin={"l": 64, "r": 64, "t": 8, "b": 36},
        paper_bgcolor="rgba(0,0,0,0)", plot_bgcolor="rgba(0,0,0,0)",
        hovermode="x unified",
        legend={"orientation": "h", "x": 0, "y": 1.12, "font": {"size": 12}, "traceorder": "reversed"},
        xaxis=xaxis,
        yaxis={"title": {"text": left["title"], "font": {"color": left["color"]}}, "side": "left",
               "rangemode": "tozero", "gridcolor": "#ece9e1", "fixedrange": True,
               "tickformat": left.get("tickformat", ",d")},
        yaxis2={"title": {"text": right["title"], "font": {"color": right["color"]}},
                "side": "right", "overlaying": "y", "rangemode": "tozero", "showgrid": False,
                "tickmode": "auto", "fixedrange": True, "tickformat": right.get("tickformat", ",d"),
                "tickprefix": right.get("tickprefix", "")},
        bargap=0.35,
    )
    return json.loads(fig.to_json())


@pytest.mark.parametrize("days", [7, 30])
def test_the_charts_json_is_what_plotlys_figure_gives(days):
    """html.py writes plotly.js's figure JSON itself (plotly's classes cost about 0.2 s of every
    page): the same data and layout as plotly's Figure, its default template included, for a
    line and a bar series, a missing day (None) and a NaN, over a short and a long period."""
    from decimal import Decimal
    from types import SimpleNamespace

    from analytics.report.html import ACCENT, SECOND, _dual_axis_figure
    from analytics.report.period import Period

    start = date(2026, 10, 1)
    page = SimpleNamespace(
        period=Period(start, start + timedelta(days=days - 1)),
        days=[SimpleNamespace(usage_date=start + timedelta(days=i)) for i in range(days)],
    )
    counts = [None if i == 2 else i * 3 for i in range(days)]
    spend = [float("nan") if i == 1 else Decimal("2.50") if i == 3 else i * 1.25 for i in range(days)]
    for left, right in (
        ({"title": "Daily active users", "color": ACCENT, "y": counts, "hover": "%{y:,d} users<extra></extra>"},
         {"title": "Sessions", "color": SECOND, "y": counts, "hover": "%{y:,d} sessions<extra></extra>"}),
        ({"title": "Spending users", "color": SECOND, "y": counts, "hover": "%{y:,d} users<extra></extra>"},
         {"title": "Spend (USD)", "color": ACCENT, "bar": True, "tickformat": ",.2f", "tickprefix": "$",
          "y": spend, "hover": "$%{y:,.2f}<extra></extra>"}),
    ):
        ours = json.loads(json.dumps(_dual_axis_figure(page, left, right)))
        assert ours == _plotly_reference_figure(page, left, right)
