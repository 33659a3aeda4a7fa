"""Pseudonyms: with ANALYTICS_PSEUDONYMIZE=1 no email address and no API key name reaches a
mart, the page, the terminal report or an export; members are `member <8 hex>`, an HMAC of the
identity with ANALYTICS_PSEUDONYM_KEY, the same in every run; the key is stored nowhere."""

from __future__ import annotations

import csv
import gzip
import hashlib
import hmac
import re
from pathlib import Path

import duckdb

from analytics.report.warehouse import MARTS
from tests.conftest import PROJECT_ROOT, run_cli

KEY = "correct-horse-battery-staple-8d1f"
EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")


def identities(landing: Path) -> set[str]:
    """Every email and API key name of the generated organization (roster and telemetry)."""
    found: set[str] = set()
    with (landing / "members.csv").open() as handle:
        for row in csv.DictReader(handle):
            found.update(v for v in (row["email"], row["api_key_name"]) if v)
    pattern = re.compile(rb'"(?:user\.email|api_key\.name)"\s*,\s*"value"\s*:\s*\{\s*"stringValue"\s*:\s*"([^"]+)"')
    for path in (landing / "otlp").rglob("*.jsonl*"):
        data = gzip.decompress(path.read_bytes()) if path.name.endswith(".gz") else path.read_bytes()
        found.update(match.decode() for match in pattern.findall(data))
    return {value.lower() for value in found} | found


def every_mart_value(warehouse: Path) -> str:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return "\n".join(
            repr(con.execute(f"select * from marts.{mart}").fetchall()) for mart in MARTS
        )
    finally:
        con.close()


def pseudonyms(warehouse: Path) -> dict[str, str]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return dict(con.execute("select member_key, display_name from marts.dim_members").fetchall())
    finally:
        con.close()


def test_pseudonymized_runs_show_no_identity_anywhere(env, tmp_path):
    landing = Path(env["ANALYTICS_LANDING_DIR"])
    run_cli(env, "generate", str(landing), "--members", "8", "--days", "3", "--start", "2026-06-28")
    first_email = next(csv.DictReader((landing / "members.csv").open()))["email"]
    (landing / "budgets.csv").write_text(
        f"scope,name,monthly_budget_usd\norg,all,1000\nmember,{first_email},0.01\n"
    )
    private = dict(env, ANALYTICS_PSEUDONYMIZE="1", ANALYTICS_PSEUDONYM_KEY=KEY)

    missing = run_cli(dict(env, ANALYTICS_PSEUDONYMIZE="1"), "run", check=False)
    assert missing.returncode == 2
    assert missing.stderr.strip() == (
        "analytics: error: ANALYTICS_PSEUDONYMIZE=1 needs the secret ANALYTICS_PSEUDONYM_KEY "
        "(any long random string; keep it out of the repository)"
    )

    run = run_cli(private, "run")
    known = identities(landing)
    assert first_email in known and any("@" not in v for v in known)  # emails and key names

    html = tmp_path / "page.html"
    run_cli(private, "report", "--html", str(html))
    text = run_cli(private, "report").stdout
    export = tmp_path / "export"
    run_cli(private, "export", str(export))
    outputs = {
        "marts": every_mart_value(Path(env["ANALYTICS_WAREHOUSE"])),
        "page": html.read_text(),
        "text": text,
        "run output": run.stdout + run.stderr,
        **{path.name: path.read_text() for path in export.glob("*.csv")},
    }
    assert len([name for name in outputs if name.endswith(".csv")]) == len(MARTS)
    for name, content in outputs.items():
        leaked = sorted(value for value in known if value in content)
        assert not leaked, f"{name} shows {leaked[:3]}"
        if name != "page":  # plotly.js inline holds e-mail-like strings of its own
            assert not EMAIL.search(content), f"{name}: {EMAIL.search(content).group(0)}"

    # the first member shows as the HMAC of their email with the key
    expected = "member " + hmac.new(KEY.encode(), first_email.lower().encode(), hashlib.sha256).hexdigest()[:8]
    names = pseudonyms(Path(env["ANALYTICS_WAREHOUSE"]))
    assert expected in names.values()
    assert all(re.fullmatch(r"member [0-9a-f]{8}|\(unattributed\)", n) for n in names.values())
    assert expected in outputs["page"] and expected in outputs["fct_budget_status.csv"]

    # the key is stored nowhere: not in the warehouse, dbt's artifacts and logs, Dagster's home
    places = [Path(env["ANALYTICS_WAREHOUSE"]), PROJECT_ROOT / "dbt_project" / "target",
              PROJECT_ROOT / "dbt_project" / "logs", Path(env["DAGSTER_HOME"])]
    for place in places:
        files = [place] if place.is_file() else [p for p in place.rglob("*") if p.is_file()]
        for path in files:
            assert KEY.encode() not in path.read_bytes(), path

    # a second run from scratch with the same key gives the same pseudonyms
    again = dict(private, ANALYTICS_WAREHOUSE=str(tmp_path / "again" / "warehouse.duckdb"),
                 DAGSTER_HOME=str(tmp_path / "again_home"))
    run_cli(again, "run")
    assert pseudonyms(tmp_path / "again" / "warehouse.duckdb") == names


    # deleting the person on request (pseudonyms now off): raw rows, roster line, budget; their
    # days rebuilt
    member_key = hashlib.md5(f"oauth_user:{first_email.lower()}".encode()).hexdigest()
    forgot = run_cli(env, "forget", first_email.upper())
    assert "landing file(s) still hold their records" in forgot.stdout
    con = duckdb.connect(env["ANALYTICS_WAREHOUSE"], read_only=True)
    try:
        for table in ("otlp_metric_points", "otlp_log_records"):
            assert con.execute(f"select count(*) from raw.{table} where user_email = ?",
                               [first_email.lower()]).fetchall() == [(0,)]
        assert con.execute("select count(*) from raw.roster where lower(email) = ?",
                           [first_email.lower()]).fetchall() == [(0,)]
        for mart in ("dim_members", "fct_member_monthly", "fct_daily_activity", "fct_daily_spend"):
            assert con.execute(f"select count(*) from marts.{mart} where member_key = ?",
                               [member_key]).fetchall() == [(0,)], mart
        # pseudonyms switched off: the rebuilt members show identities again
        shown = {name for (name,) in con.execute("select display_name from marts.dim_members").fetchall()}
        assert any("@" in name for name in shown) and first_email.lower() not in shown
        # the reconciliation of the manifest still holds
        from analytics.ingest.checks import reconcile

        assert reconcile(con).files_not_reconciled == []
    finally:
        con.close()
