"""The Admin API key never leaves the process, even behind a gateway that echoes it everywhere.

A real HTTP server on 127.0.0.1 plays such a gateway: every body it sends (401, 500, and the
200 pages) carries the key it was sent, at offset 260 of the error message (where the old
"cut to 300 characters, then redact" left 40 characters of it), in an echo of the request
headers beside the documented fields, in the `next_page` cursor, and in report items (a valid
one, and one that is quarantined). Two real `analytics run`s go through it; then every table of
the warehouse, every file under the test's folder (kept pages, warehouse, Dagster's storage,
the dbt log), the runs' stdout and stderr, and Dagster's event log are searched for the key and
for any 10 consecutive characters of its secret part.
"""

from __future__ import annotations

import json
import shutil
import threading
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import duckdb
import pytest

from analytics.admin_api.client import (
    REDACTED,
    AdminApiAuthError,
    AdminApiClient,
    AdminApiUnavailableError,
    redact,
)
from tests.conftest import dagster_instance_of, run_cli

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "admin_api"
SECRET_PART = "Zq8Xv3LmN7pR2tW9yB4cK6hJ1dF5gS0aE3uI8oP2"
KEY = f"sk-ant-admin01-{SECRET_PART}-AA"
WINDOW = 10
DAY = date(2026, 11, 24)  # the day of the bundled captures


def secret_windows() -> set[str]:
    return {SECRET_PART[i:i + WINDOW] for i in range(len(SECRET_PART) - WINDOW + 1)}


def leaks(text: str | bytes) -> list[str]:
    """The key, or the windows of its secret part, found in `text`."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", errors="replace")
    found = [KEY] if KEY in text else []
    return found + sorted(w for w in secret_windows() if w in text)


def message_with_key_at_260(key: str) -> str:
    head = "invalid x-api-key; the gateway says: "
    message = head + "." * (260 - len(head)) + key + " was sent"
    assert message.index(key) == 260
    return message


class Gateway:
    """What the gateway answers: `mode` is "flaky" (a 500 first per day, then the pages) or
    "refuse" (401 always). Every body echoes the request headers."""

    def __init__(self) -> None:
        self.mode = "flaky"
        self.seen_days: set[str] = set()
        self.requests = 0
        self.url = ""


def items_for(day: str, key: str) -> list[dict]:
    template = json.loads((FIXTURES / "guide-example.json").read_text())["data"][0]
    valid = json.loads(json.dumps(template))
    valid["date"] = f"{day}T00:00:00Z"
    valid["actor"] = {"type": "user_actor", "email_address": "dev@example.com"}
    with_key = json.loads(json.dumps(valid))  # valid, the key in a string field
    with_key["actor"] = {"type": "api_actor", "api_key_name": f"CI {key}"}
    with_key["terminal_type"] = key
    bad = json.loads(json.dumps(valid))  # quarantined: its date is the key
    bad["date"] = key
    return [valid, with_key, bad]


def make_handler(gateway: Gateway):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def _send(self, status: int, payload: dict) -> None:
            payload["echo"] = {"headers": {k: v for k, v in self.headers.items()}}
            body = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self):
            gateway.requests += 1
            query = {k: v[0] for k, v in parse_qs(urlsplit(self.path).query).items()}
            key = self.headers.get("x-api-key", "")
            error = {"type": "error", "error": {"message": message_with_key_at_260(key)}}
            if gateway.mode == "refuse":
                return self._send(401, error)
            day = query.get("starting_at", "")
            if day not in gateway.seen_days:
                gateway.seen_days.add(day)
                return self._send(500, error)
            items = items_for(day, key)
            if "page" not in query:
                return self._send(200, {"data": items[:2], "has_more": True,
                                        "next_page": f"page_{day}_{key}"})
            return self._send(200, {"data": items[2:], "has_more": False, "next_page": None})

    return Handler


@pytest.fixture
def gateway():
    state = Gateway()
    server = ThreadingHTTPServer(("127.0.0.1", 0), make_handler(state))
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()


def test_redact_removes_the_key_and_its_parts_before_any_cut():
    assert redact(f"a {KEY} b", [KEY]) == f"a {REDACTED} b"
    # a part of the key (cut by someone else) inside a longer word, and the key glued to text
    assert redact(f"x={KEY[:40]}&y=1 z{KEY}z", [KEY]) == f"{REDACTED} z{REDACTED}z"
    assert redact("sk-ant-admin01-other and words", [KEY]) == "sk-ant-admin01-other and words"


def test_client_errors_hold_no_part_of_a_key_echoed_at_offset_260(gateway, monkeypatch):
    from analytics.admin_api import client as client_module

    monkeypatch.setattr(client_module, "SLEEP", lambda s: None)
    gateway.mode = "refuse"
    with pytest.raises(AdminApiAuthError) as refused:
        list(AdminApiClient(KEY, gateway.url).iter_day(DAY))
    message = str(refused.value)
    assert "the Admin API key was refused (HTTP 401)" in message
    assert f"{'.' * 20}{REDACTED} was sent" in message
    assert leaks(message) == []

    gateway.mode = "flaky"
    client = AdminApiClient(KEY, gateway.url, max_attempts=1)
    with pytest.raises(AdminApiUnavailableError) as unavailable:
        client.get_page(DAY)
    assert "last: HTTP 500 (invalid x-api-key; the gateway says: ..." in str(unavailable.value)
    assert leaks(str(unavailable.value)) == []

    # the pages as kept: the documented fields only, the key scrubbed from every value
    pages = list(AdminApiClient(KEY, gateway.url).iter_day(DAY))
    assert [p.number for p in pages] == [1, 2] and [p.items for p in pages] == [2, 1]
    first = json.loads(pages[0].body)
    assert sorted(first) == ["data", "has_more", "next_page"]
    assert first["next_page"] == f"page_{DAY}_{REDACTED}"
    assert first["data"][1]["terminal_type"] == REDACTED
    assert first["data"][1]["actor"]["api_key_name"] == f"CI {REDACTED}"
    assert json.loads(pages[1].body)["data"][0]["date"] == REDACTED
    assert all(leaks(p.body) == [] for p in pages)


def scan_warehouse(path: Path) -> dict[str, list[str]]:
    """Every table of every schema, every row as text: the tables where the key shows."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        tables = con.execute(
            "select table_schema, table_name from information_schema.tables "
            "where table_type = 'BASE TABLE'"
        ).fetchall()
        found = {}
        for schema, table in tables:
            text = repr(con.execute(f'select * from "{schema}"."{table}"').fetchall())
            if leaks(text):
                found[f"{schema}.{table}"] = leaks(text)
        return found, [f"{s}.{t}" for s, t in tables]
    finally:
        con.close()


def event_log_texts(home: Path) -> list[str]:
    from dagster._serdes import serialize_value

    with dagster_instance_of(home) as instance:
        texts = []
        for run in instance.get_runs():
            texts.append(serialize_value(run))
            texts += [serialize_value(entry) for entry in instance.all_logs(run.run_id)]
        return texts


def test_an_echoing_gateway_gets_the_key_nowhere(gateway, captures_landing, env, tmp_path):
    env = dict(env, ANTHROPIC_ADMIN_KEY=KEY, ANTHROPIC_BASE_URL=gateway.url)
    first = run_cli(env, "run")
    # each day: a 500 (retried after 1 s), then two pages
    assert gateway.requests == 3
    assert "admin api: 1 day(s) fetched (2 pages)" in first.stderr
    assert "(2 rows, 1 quarantined)" in first.stderr

    folder = captures_landing / "admin_api" / "claude_code" / DAY.isoformat()
    page = json.loads((folder / "page-1.json").read_text())
    assert sorted(page) == ["data", "has_more", "next_page"]  # no echoed headers kept
    warehouse = Path(env["ANALYTICS_WAREHOUSE"])
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        assert con.execute(
            "select actor_type, coalesce(email_address, api_key_name), terminal_type "
            "from raw.admin_api_usage order by item_index"
        ).fetchall() == [
            ("user_actor", "dev@example.com", "vscode"),
            ("api_actor", f"CI {REDACTED}", REDACTED),
        ]
        assert con.execute(
            "select source_file, record_index, reason, excerpt from raw.quarantine "
            "where signal = 'admin_api'"
        ).fetchall() == [
            (f"admin_api/claude_code/{DAY}/page-2.json", 1,
             f"item date is not a date: {REDACTED}", None),
        ]
    finally:
        con.close()

    # a refused key: the run fails with a one-line error holding no part of the key
    (folder / "_complete.json").unlink()
    gateway.mode = "refuse"
    refused = run_cli(env, "run", "--start", DAY.isoformat(), "--end", DAY.isoformat(), check=False)
    assert refused.returncode == 1
    assert "step raw_admin_api failed: " in refused.stderr
    assert "the Admin API key was refused (HTTP 401)" in refused.stderr
    assert f"{'.' * 20}{REDACTED} was sent" in refused.stderr  # the key at 260, redacted, then cut
    assert "Traceback" not in refused.stderr

    assert leaks(first.stdout + first.stderr + refused.stdout + refused.stderr) == []
    found, tables = scan_warehouse(warehouse)
    assert "raw.admin_api_usage" in tables and "raw.quarantine" in tables and len(tables) > 10
    assert found == {}
    home = Path(env["DAGSTER_HOME"])
    texts = event_log_texts(home)
    assert any("the Admin API key was refused" in t for t in texts)  # the failure is recorded
    assert [t for t in texts if leaks(t)] == []
    files = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert any(p.name == "page-1.json" for p in files) and any(p.suffix == ".log" for p in files)
    assert [str(p) for p in files if leaks(p.read_bytes())] == []
    shutil.rmtree(home, ignore_errors=True)


def test_kept_pages_dropped_by_hand_never_put_the_key_in_a_table(tmp_path):
    """Pages not written by the client (dropped in by hand, or by an older version) while the
    key is set: an item holding it is quarantined as such, a page DuckDB cannot read has the key
    redacted from DuckDB's message, and no quarantine row keeps page text."""
    from analytics.admin_api.loader import load_days
    from analytics.admin_api.pages import day_dir

    landing = tmp_path / "landing"
    folder = day_dir(landing, DAY)
    folder.mkdir(parents=True)
    items = items_for(DAY.isoformat(), KEY)
    (folder / "page-1.json").write_text(json.dumps({"data": items, "has_more": False}))
    (folder / "page-2.json").write_text(
        json.dumps({"data": [dict(items[0], core_metrics={"num_sessions": KEY})]})
    )
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    summary = load_days(con, landing, [DAY], secrets=[KEY])
    assert (summary.items_loaded, summary.items_quarantined, summary.pages_quarantined) == (1, 2, 1)
    quarantined = con.execute(
        "select source_file, record_index, reason, excerpt from raw.quarantine order by all"
    ).fetchall()
    assert [(f.rsplit("/", 1)[1], i, r, e) for f, i, r, e in quarantined[:2]] == [
        ("page-1.json", 2, "item holds the Admin API key", None),
        ("page-1.json", 3, "item holds the Admin API key", None),
    ]
    page_two = quarantined[2]
    assert page_two[0].endswith("page-2.json") and page_two[1] is None and page_two[3] is None
    # DuckDB's message quotes the value that failed to cast: the key, redacted before the cut
    assert page_two[2].startswith("page is not a usage report: ")
    assert page_two[2].endswith(f"Failed to cast value to numerical: {REDACTED}")
    text = repr(con.execute("select * from raw.quarantine").fetchall())
    text += repr(con.execute("select * from raw.admin_api_usage").fetchall())
    assert leaks(text) == []
    con.close()
