"""The Claude Code Analytics Admin API: client, kept pages, loader, Dagster asset and staging.

A local HTTP server on 127.0.0.1 plays the API: the documented response shape over several
pages and days, 429 (with retry-after) and 500 answers mixed in, and it checks the headers. No
test really sleeps: the client's sleep is replaced.
"""

from __future__ import annotations

import base64
import copy
import json
import os
import shutil
import subprocess
import sys
import threading
from datetime import UTC, date, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import dagster as dg
import duckdb
import pytest
from dagster_duckdb import DuckDBResource

from analytics.admin_api import client as client_module
from analytics.admin_api.client import (
    AdminApiAuthError,
    AdminApiClient,
    AdminApiError,
    AdminApiRequestError,
)
from analytics.admin_api.loader import load_days
from analytics.admin_api.pages import (
    MARKER_NAME,
    day_dir,
    fetch_missing_days,
    kept_pages,
)
from orchestration.defs.admin_api.assets import (
    NO_KEY_MESSAGE,
    admin_api_resource_from_env,
    raw_admin_api,
)
from orchestration.defs.partitions import partition_range_tags
from orchestration.defs.resources import LandingResource

PROJECT_ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "admin_api"
DBT = Path(sys.executable).parent / "dbt"

# Distinctive, so finding it anywhere on disk is never a coincidence.
KEY = "sk-ant-admin01-TESTKEY-7f3a9c1e5b2d4f60-do-not-store-0123456789abcdef"
DAYS = [date(2025, 9, 1), date(2025, 9, 2), date(2025, 9, 3)]
PAGE_SIZE = 2


# -- the fake API -----------------------------------------------------------------------------


def template_item() -> dict:
    return json.loads((FIXTURES / "guide-example.json").read_text())["data"][0]


def make_items(day: date) -> list[dict]:
    """Five items for a day: OAuth users (one mixed-case email), an API key, a remote row with
    optional fields missing, an unknown tool key and a fractional cost amount."""
    items = []
    n = day.day
    for i, (actor, extra) in enumerate(
        [
            ({"type": "user_actor", "email_address": "Dev.One@Company.com"}, {}),
            ({"type": "user_actor", "email_address": "dev.two@company.com"}, {"subscription_type": "team"}),
            ({"type": "api_actor", "api_key_name": "CI Key"}, {}),
            ({"type": "api_actor", "api_key_name": "Batch Bot"}, {"is_remote": False}),
            ({"type": "user_actor", "email_address": "dev.one@company.com"}, {"is_remote": True}),
        ]
    ):
        item = template_item()
        item["date"] = f"{day.isoformat()}T00:00:00Z"
        item["actor"] = actor
        item["core_metrics"]["num_sessions"] = n + i
        item["core_metrics"]["lines_of_code"] = {"added": 100 * n + i, "removed": 10 * n + i}
        item["model_breakdown"][0]["estimated_cost"]["amount"] = 1000 * n + 10 * i
        item.update(extra)
        if i == 4:
            del item["terminal_type"]
            item["tool_actions"]["bash_tool"] = {"accepted": 7, "rejected": 1}
            item["model_breakdown"].append(
                {
                    "model": "claude-opus-5",
                    "tokens": {"input": 10, "output": 20, "cache_read": 30, "cache_creation": 40},
                    "estimated_cost": {"currency": "USD", "amount": 12.5},
                }
            )
        items.append(item)
    return items


class FakeAdminApi:
    """State of the fake API: its data, scripted faults, and every request it saw."""

    def __init__(self) -> None:
        self.days = {d.isoformat(): make_items(d) for d in DAYS}
        self.accepted_key = KEY
        self.echo_key_in_401 = False
        self.faults: dict[tuple[str, int], list[int]] = {}  # (day, offset) -> statuses to answer first
        self.always: int | None = None
        self.requests: list[dict] = []
        self.lock = threading.Lock()
        self.url = ""

    def data_requests(self) -> int:
        return len(self.requests)


def make_handler(api: FakeAdminApi):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):  # keep pytest output clean
            pass

        def _send(self, status: int, payload: dict, headers: dict | None = None) -> None:
            body = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(body)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self):
            parts = urlsplit(self.path)
            query = {k: v[0] for k, v in parse_qs(parts.query).items()}
            with api.lock:
                api.requests.append(
                    {"path": parts.path, "query": query,
                     "headers": {k.lower(): v for k, v in self.headers.items()}}
                )
            if parts.path != "/v1/organizations/usage_report/claude_code":
                return self._send(404, {"type": "error", "error": {"type": "not_found_error"}})
            if self.headers.get("anthropic-version") != "2023-06-01":
                return self._send(400, {"type": "error", "error": {"message": "anthropic-version"}})
            if self.headers.get("x-api-key") != api.accepted_key:
                message = "invalid x-api-key"
                if api.echo_key_in_401:
                    message += f": {self.headers.get('x-api-key')}"
                return self._send(
                    401, {"type": "error", "error": {"type": "authentication_error", "message": message}}
                )
            if api.always is not None:
                return self._send(api.always, {"type": "error", "error": {"message": "overloaded"}})
            day = query.get("starting_at", "")
            offset = 0
            if "page" in query:
                offset = int(base64.b64decode(query["page"][len("page_"):]).decode().split("|")[1])
            with api.lock:
                scripted = api.faults.get((day, offset))
                status = scripted.pop(0) if scripted else None
            if status == 429:
                return self._send(429, {"type": "error", "error": {"type": "rate_limit_error"}},
                                  {"retry-after": "7"})
            if status is not None:
                return self._send(status, {"type": "error", "error": {"type": "api_error"}})
            items = api.days.get(day, [])
            page = items[offset: offset + PAGE_SIZE]
            more = offset + PAGE_SIZE < len(items)
            cursor = (
                "page_" + base64.b64encode(f"{day}|{offset + PAGE_SIZE}".encode()).decode()
                if more else None
            )
            return self._send(200, {"data": page, "has_more": more, "next_page": cursor})

    return Handler


@pytest.fixture
def api():
    state = FakeAdminApi()
    server = ThreadingHTTPServer(("127.0.0.1", 0), make_handler(state))
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()


@pytest.fixture
def sleeps(monkeypatch):
    """Replaces the client's sleep: records the delays, never waits."""
    recorded: list[float] = []
    monkeypatch.setattr(client_module, "SLEEP", recorded.append)
    return recorded


@pytest.fixture
def env_key(api, monkeypatch):
    monkeypatch.setenv("ANTHROPIC_ADMIN_KEY", KEY)
    monkeypatch.setenv("ANTHROPIC_BASE_URL", api.url)


@pytest.fixture
def paths(tmp_path):
    landing = tmp_path / "landing"
    landing.mkdir()
    return {
        "landing": landing,
        "warehouse": tmp_path / "warehouse.duckdb",
        "home": tmp_path / "dagster_home",
        "root": tmp_path,
    }


def materialize(
    paths,
    first: date,
    last: date,
    refetch: bool = False,
    reload: bool = False,
    raise_on_error: bool = True,
    on_disk: bool = False,
):
    """One run of the asset over the inclusive day range, with the resource as deployed.

    Returns the result and the run's log messages. `on_disk` keeps Dagster's run and event
    storage under the test folder (to search it for the key), else it is in memory (faster).
    """
    if on_disk:
        paths["home"].mkdir(exist_ok=True)
        instance = dg.DagsterInstance.local_temp(
            tempdir=str(paths["home"]), overrides={"telemetry": {"enabled": False}}
        )
    else:
        instance = dg.DagsterInstance.ephemeral()
    try:
        result = dg.materialize(
            [raw_admin_api],
            resources={
                "admin_api": admin_api_resource_from_env(),
                "duckdb": DuckDBResource(database=str(paths["warehouse"])),
                "landing": LandingResource(path=str(paths["landing"])),
            },
            instance=instance,
            tags=partition_range_tags(first, last),
            run_config={"ops": {"raw_admin_api": {"config": {"refetch": refetch, "reload": reload}}}},
            raise_on_error=raise_on_error,
        )
        logs = [entry.user_message for entry in instance.all_logs(result.run_id)]
        return result, logs
    finally:
        instance.dispose()


def query(paths, sql: str, params=None) -> list[tuple]:
    con = duckdb.connect(str(paths["warehouse"]), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def usage_metadata(result) -> dict:
    for event in result.get_asset_materialization_events():
        materialization = event.event_specific_data.materialization
        if materialization.asset_key == dg.AssetKey(["admin_api", "usage"]):
            return {k: v.value for k, v in materialization.metadata.items()}
    raise AssertionError("no materialization of admin_api/usage")


def files_containing(root: Path, needle: bytes) -> list[str]:
    found = []
    for path in root.rglob("*"):
        if path.is_file() and needle in path.read_bytes():
            found.append(str(path.relative_to(root)))
    return found


# -- the client -------------------------------------------------------------------------------


def test_client_paginates_retries_and_sends_the_headers(api, sleeps):
    day = DAYS[0].isoformat()
    api.faults = {(day, 0): [429, 500], (day, 2): [503]}
    client = AdminApiClient(KEY, api.url)
    pages = list(client.iter_day(DAYS[0]))

    assert [p.number for p in pages] == [1, 2, 3]
    assert [p.items for p in pages] == [2, 2, 1]
    assert [json.loads(p.body)["has_more"] for p in pages] == [True, True, False]
    # retry-after honoured (7 s), then exponential backoff from 1 s
    assert sleeps == [7.0, 2.0, 1.0]
    assert (client.requests, client.retries) == (6, 3)
    for request in api.requests:
        assert request["headers"]["x-api-key"] == KEY
        assert request["headers"]["anthropic-version"] == "2023-06-01"
        assert request["query"]["starting_at"] == day
        assert request["query"]["limit"] == "1000"
    assert "page" not in api.requests[0]["query"]
    assert api.requests[-1]["query"]["page"].startswith("page_")


def test_client_gives_up_after_bounded_attempts(api, sleeps):
    api.always = 500
    client = AdminApiClient(KEY, api.url, max_attempts=6, backoff_cap_s=4)
    with pytest.raises(AdminApiError, match="after 6 attempts; last: HTTP 500"):
        list(client.iter_day(DAYS[0]))
    assert sleeps == [1, 2, 4, 4, 4]
    assert len(api.requests) == 6


def test_client_retries_connection_errors(sleeps):
    import socket

    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    client = AdminApiClient(KEY, f"http://127.0.0.1:{port}", max_attempts=3)
    with pytest.raises(AdminApiError, match="connection error") as raised:
        client.get_page(DAYS[0])
    assert len(sleeps) == 2
    assert KEY not in str(raised.value)


def test_401_is_a_clear_error_without_the_key(api, sleeps):
    api.accepted_key = "sk-ant-admin01-the-right-one"
    api.echo_key_in_401 = True  # even a server that echoes the key must not get it into our text
    client = AdminApiClient(KEY, api.url)
    with pytest.raises(AdminApiAuthError) as raised:
        list(client.iter_day(DAYS[0]))
    message = str(raised.value)
    assert message.startswith("the Admin API key was refused (HTTP 401): check ANTHROPIC_ADMIN_KEY")
    assert "invalid x-api-key" in message
    assert KEY not in message and KEY not in repr(raised.value)
    assert "TESTKEY-7f3a9c1e" not in message
    assert KEY not in repr(client)
    assert len(api.requests) == 1 and sleeps == []  # a refused key is not retried


def test_the_key_is_never_sent_in_clear_or_across_a_redirect_or_leaked_by_a_bad_value():
    with pytest.raises(AdminApiError, match="plain http"):
        AdminApiClient(KEY, "http://api.example.com")
    AdminApiClient(KEY + "\n", "https://api.example.com")  # surrounding whitespace is stripped
    for bad in ("sk-ant-admin01 with-space", "sk-ant-admin01\nsecond-line", "sk-ant-admin01-é"):
        # urllib would quote the whole header value in its error: refuse before any request
        with pytest.raises(AdminApiAuthError) as raised:
            AdminApiClient(bad, "https://api.example.com")
        assert bad not in str(raised.value) and "sk-ant" not in str(raised.value)


def test_redirects_are_refused(sleeps):
    class Redirect(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_GET(self):
            self.send_response(302)
            self.send_header("location", "http://127.0.0.1:9/steal?x=1")
            self.send_header("content-length", "0")
            self.end_headers()

    server = ThreadingHTTPServer(("127.0.0.1", 0), Redirect)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True).start()
    try:
        client = AdminApiClient(KEY, f"http://127.0.0.1:{server.server_address[1]}")
        with pytest.raises(AdminApiRequestError, match="redirect"):
            client.get_page(DAYS[0])
    finally:
        server.shutdown()
        server.server_close()


# -- kept pages -------------------------------------------------------------------------------


def test_pages_are_kept_with_a_marker_and_never_fetched_again(api, sleeps, paths):
    client = AdminApiClient(KEY, api.url)
    summary = fetch_missing_days(client, paths["landing"], DAYS)
    assert summary.days_fetched == DAYS and summary.pages == 9 and summary.items == 15
    folder = day_dir(paths["landing"], DAYS[0])
    assert folder == paths["landing"] / "admin_api" / "claude_code" / "2025-09-01"
    assert sorted(p.name for p in folder.iterdir()) == [MARKER_NAME, "page-1.json", "page-2.json", "page-3.json"]
    marker = json.loads((folder / MARKER_NAME).read_text())
    assert marker["pages"] == 3 and marker["fetched_at"].endswith("Z")
    # nothing left over from the atomic writes
    leftovers = [p.name for p in (paths["landing"] / "admin_api" / "claude_code").iterdir()
                 if p.name.startswith(".") and p.name != ".fetch.lock"]
    assert leftovers == []

    seen = len(api.requests)
    again = fetch_missing_days(AdminApiClient(KEY, api.url), paths["landing"], DAYS)
    assert again.days_already_kept == DAYS and again.days_fetched == []
    assert len(api.requests) == seen


def test_a_day_fetched_before_it_settled_is_kept_without_marker_and_fetched_again(api, sleeps, paths):
    day = DAYS[0]
    early = datetime(2025, 9, 2, 0, 15, tzinfo=UTC)  # the daily schedule's time
    client = AdminApiClient(KEY, api.url)
    summary = fetch_missing_days(client, paths["landing"], [day], now=early)
    assert summary.days_not_settled == [day]
    assert len(kept_pages(paths["landing"], day)) == 3
    assert not (day_dir(paths["landing"], day) / MARKER_NAME).exists()

    api.days[day.isoformat()] = api.days[day.isoformat()][:1]  # the API now says: one item
    later = early + timedelta(days=1)
    summary = fetch_missing_days(client, paths["landing"], [day], now=later)
    assert summary.days_fetched == [day] and summary.days_not_settled == []
    assert [p.name for p in kept_pages(paths["landing"], day)] == ["page-1.json"]  # replaced whole
    assert (day_dir(paths["landing"], day) / MARKER_NAME).exists()


# -- the asset --------------------------------------------------------------------------------


def test_asset_fetches_and_loads_every_row_exactly_once(api, sleeps, env_key, paths):
    api.faults = {("2025-09-02", 2): [429, 500], ("2025-09-03", 0): [500]}
    result, _ = materialize(paths, DAYS[0], DAYS[-1])
    assert result.success

    meta = usage_metadata(result)
    assert meta["days_fetched"] == 3 and meta["pages_fetched"] == 9 and meta["rows_loaded"] == 15
    assert meta["http_retries"] == 3 and meta["quarantined"] == 0
    assert sleeps == [7.0, 2.0, 1.0]

    served = sorted(
        (date.fromisoformat(item["date"][:10]), item["core_metrics"]["num_sessions"],
         item["actor"].get("email_address", "").lower() or item["actor"]["api_key_name"])
        for items in api.days.values() for item in items
    )
    loaded = sorted(
        (d, s, who) for d, s, who in query(
            paths,
            "select usage_date, num_sessions, coalesce(email_address, api_key_name) "
            "from raw.admin_api_usage",
        )
    )
    assert loaded == served  # every row, exactly once
    assert query(paths, "select count(*) from raw.admin_api_tool_actions") == [(3 * (5 * 4 + 1),)]
    assert query(paths, "select count(*) from raw.admin_api_model_usage") == [(3 * 6,)]
    # optional fields missing, an unknown tool key kept, a fractional amount kept
    assert query(
        paths,
        "select count(*) filter (where is_remote is null), count(*) filter (where subscription_type is null), "
        "count(*) filter (where terminal_type is null) from raw.admin_api_usage",
    ) == [(9, 12, 3)]
    assert query(paths, "select count(*) from raw.admin_api_tool_actions where tool_key = 'bash_tool'") == [(3,)]
    assert query(
        paths, "select estimated_cost_amount from raw.admin_api_model_usage where model = 'claude-opus-5' limit 1"
    ) == [(12.5,)]
    check = result.get_asset_check_evaluations()[0]
    assert check.passed


def test_no_http_call_when_the_days_are_kept_and_a_rerun_replaces_a_day(api, sleeps, env_key, paths):
    assert materialize(paths, DAYS[0], DAYS[-1])[0].success
    requests_after_first = len(api.requests)
    rows_first = query(paths, "select * from raw.admin_api_usage order by all")

    result, _ = materialize(paths, DAYS[0], DAYS[-1])
    meta = usage_metadata(result)
    assert len(api.requests) == requests_after_first  # every day kept: no HTTP call at all
    assert meta["days_fetched"] == 0 and meta["days_from_kept_pages"] == 3
    # nothing changed: nothing rewritten (same load times, so dbt's build log sees no change)
    assert meta["days_unchanged"] == 3 and meta["days_loaded"] == 0 and meta["dagster/row_count"] == 15
    assert query(paths, "select * from raw.admin_api_usage order by all") == rows_first

    # an explicit reload replaces the same rows, it never doubles them
    result, _ = materialize(paths, DAYS[0], DAYS[-1], reload=True)
    meta = usage_metadata(result)
    assert meta["days_loaded"] == 3 and meta["rows_replaced"] == 15 and meta["rows_loaded"] == 15
    assert query(paths, "select * exclude (loaded_at) from raw.admin_api_usage order by all") == [
        row[:-1] for row in rows_first
    ]

    # the API restates day 2; refetching that day replaces its rows and leaves the others alone
    api.days["2025-09-02"] = api.days["2025-09-02"][:3]
    result, _ = materialize(paths, DAYS[1], DAYS[1], refetch=True)
    assert usage_metadata(result)["days_fetched"] == 1
    per_day = dict(query(paths, "select usage_date, count(*) from raw.admin_api_usage group by 1"))
    assert per_day == {DAYS[0]: 5, DAYS[1]: 3, DAYS[2]: 5}
    per_day_models = dict(query(paths, "select usage_date, count(*) from raw.admin_api_model_usage group by 1"))
    assert per_day_models == {DAYS[0]: 6, DAYS[1]: 3, DAYS[2]: 6}


def test_the_key_is_written_nowhere(api, sleeps, env_key, paths):
    api.faults = {("2025-09-01", 0): [429]}
    assert materialize(paths, DAYS[0], DAYS[-1], on_disk=True)[0].success
    api.accepted_key = "another-key"
    (day_dir(paths["landing"], DAYS[0]) / MARKER_NAME).unlink()
    failed, _ = materialize(paths, DAYS[0], DAYS[0], raise_on_error=False, on_disk=True)
    assert not failed.success
    failure = next(e for e in failed.all_events if e.is_step_failure)
    message = failure.step_failure_data.error.to_string()
    assert "the Admin API key was refused (HTTP 401): check ANTHROPIC_ADMIN_KEY" in message
    assert KEY not in message

    assert (paths["warehouse"]).exists() and any(paths["landing"].rglob("page-*.json"))
    for needle in (KEY.encode(), b"TESTKEY-7f3a9c1e5b2d4f60"):
        # landing pages and markers, the warehouse (and its WAL), Dagster's run and event storage
        assert files_containing(paths["root"], needle) == []


def test_without_a_key_the_fetch_is_skipped_and_kept_pages_load(paths, monkeypatch):
    monkeypatch.delenv("ANTHROPIC_ADMIN_KEY", raising=False)
    assert admin_api_resource_from_env().api_key is None
    hand = day_dir(paths["landing"], date(2025, 8, 8))
    hand.mkdir(parents=True)
    (hand / "page-1.json").write_bytes((FIXTURES / "docs-example.json").read_bytes())  # no marker

    result, logs = materialize(paths, date(2025, 8, 7), date(2025, 8, 8))
    assert result.success
    assert any(NO_KEY_MESSAGE in m for m in logs)
    assert NO_KEY_MESSAGE == "ANTHROPIC_ADMIN_KEY not set: using kept pages only"
    meta = usage_metadata(result)
    assert meta["key_set"] is False and meta["days_fetched"] == 0
    assert meta["days_from_kept_pages"] == 1 and meta["days_without_pages"] == 1 and meta["rows_loaded"] == 1
    assert query(paths, "select usage_date, email_address, num_sessions from raw.admin_api_usage") == [
        (date(2025, 8, 8), "user@emaildomain.com", 15)
    ]
    assert result.get_asset_check_evaluations()[0].passed


def test_an_unavailable_api_fails_the_check_but_kept_pages_still_load(api, sleeps, env_key, paths):
    kept = day_dir(paths["landing"], DAYS[0])
    kept.mkdir(parents=True)
    (kept / "page-1.json").write_bytes((FIXTURES / "guide-example.json").read_bytes())
    api.always = 503
    result, _ = materialize(paths, DAYS[0], DAYS[1])
    assert result.success
    meta = usage_metadata(result)
    assert meta["days_fetched"] == 0 and meta["rows_loaded"] == 1
    assert "2025-09-01" in meta["days_failed"] and "2025-09-02" in meta["days_failed"]
    assert len(api.requests) == 6  # gave up on the first day, did not hammer the second
    check = result.get_asset_check_evaluations()[0]
    assert not check.passed and check.severity == dg.AssetCheckSeverity.ERROR
    assert len(sleeps) == 5 and max(sleeps) <= 30


# -- the loader -------------------------------------------------------------------------------


def test_pages_load_under_a_small_duckdb_memory_limit(tmp_path):
    """read_json allocates its maximum_object_size for every read, whatever the file's size:
    with the 512 MiB page limit for each of the page's two reads, a 1 GB (or the default 2 GB)
    memory limit quarantined every page as "Out of Memory". The limit follows the file."""
    landing = tmp_path / "landing"
    day = date(2025, 9, 1)
    folder = day_dir(landing, day)
    folder.mkdir(parents=True)
    (folder / "page-1.json").write_bytes((FIXTURES / "guide-example.json").read_bytes())
    con = duckdb.connect(str(tmp_path / "w.duckdb"), config={"memory_limit": "1GB"})
    summary = load_days(con, landing, [day])
    assert (summary.pages_read, summary.pages_quarantined, summary.items_quarantined) == (1, 0, 0)
    assert summary.items_loaded > 0
    assert con.execute("select count(*) from raw.quarantine").fetchall() == [(0,)]
    con.close()

    # a page that does not fit the memory there is is the machine's limit, not a bad page: the
    # load fails and says so, nothing is quarantined (an unchanged day is not read again)
    tight = duckdb.connect(str(tmp_path / "tight.duckdb"), config={"memory_limit": "1MB"})
    with pytest.raises(AdminApiError, match="not enough memory to read admin_api/.*page-1.json"):
        load_days(tight, landing, [day])
    assert tight.execute("select count(*) from raw.quarantine").fetchall() == [(0,)]
    tight.close()


def test_malformed_pages_and_items_are_quarantined_and_do_not_stop_the_load(tmp_path):
    landing = tmp_path / "landing"
    day = date(2025, 9, 1)
    folder = day_dir(landing, day)
    folder.mkdir(parents=True)
    (folder / "page-1.json").write_bytes((FIXTURES / "guide-example.json").read_bytes())
    (folder / "page-2.json").write_text("{not json")
    (folder / "page-3.json").write_text('{"type": "error", "error": {"type": "api_error"}}')
    (folder / "page-4.json").write_text('{"data": [{"date": "2025-09-01", "core_metrics": {"num_sessions": "many"}}]}')
    bad_items = json.loads((FIXTURES / "guide-example.json").read_text())
    good, wrong_day, no_actor = (copy.deepcopy(bad_items["data"][0]) for _ in range(3))
    wrong_day["date"] = "2025-09-02T00:00:00Z"
    no_actor["actor"] = {"type": "user_actor"}
    bad_items["data"] = [good, wrong_day, no_actor]
    (folder / "page-5.json").write_text(json.dumps(bad_items))
    (folder / "notes.txt").write_text("ignored")
    (folder / "page-1 copy.json").write_text("ignored too")

    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    summary = load_days(con, landing, [day])
    assert (summary.pages_read, summary.pages_quarantined) == (5, 3)
    assert (summary.items_loaded, summary.items_quarantined) == (2, 2)
    reasons = con.execute(
        "select source_file, record_index, reason from raw.quarantine where signal = 'admin_api' order by all"
    ).fetchall()
    assert [(f.rsplit("/", 1)[1], i) for f, i, _ in reasons] == [
        ("page-2.json", None), ("page-3.json", None), ("page-4.json", None),
        ("page-5.json", 2), ("page-5.json", 3),
    ]
    assert "no data array" in reasons[1][2]
    assert "is not the day of its folder" in reasons[3][2]
    assert reasons[4][2] == "user_actor without email_address"

    # unchanged pages are not loaded again; a reload replaces (rows and quarantine), never doubles
    again = load_days(con, landing, [day])
    assert again.days_unchanged == [day] and again.days_loaded == [] and again.rows_in_window == 2
    again = load_days(con, landing, [day], reload=True)
    assert again.days_loaded == [day] and again.rows_replaced == 2
    assert con.execute("select count(*) from raw.admin_api_usage").fetchall() == [(2,)]
    assert con.execute("select count(*) from raw.quarantine where signal = 'admin_api'").fetchall() == [(5,)]
    assert con.execute(
        "select pages, pages_quarantined, items_loaded, items_quarantined from meta.admin_api_loaded_days"
    ).fetchall() == [(5, 3, 2, 2)]
    # a changed page is noticed without reload
    (folder / "page-2.json").write_bytes((FIXTURES / "guide-example.json").read_bytes())
    assert load_days(con, landing, [day]).days_loaded == [day]
    assert con.execute("select count(*) from raw.admin_api_usage").fetchall() == [(3,)]
    # a day whose pages are gone is emptied
    for page in kept_pages(landing, day):
        page.unlink()
    load_days(con, landing, [day])
    assert con.execute("select count(*) from raw.admin_api_usage").fetchall() == [(0,)]
    assert con.execute("select count(*) from raw.quarantine").fetchall() == [(0,)]
    assert con.execute("select count(*) from meta.admin_api_loaded_days").fetchall() == [(0,)]
    con.close()


# -- staging (dbt) ----------------------------------------------------------------------------


def dbt_project_of_admin_api(root: Path) -> Path:
    """A copy of the dbt project holding only the admin_api staging models, with the project's
    own dbt_project.yml, profiles, macros and generic tests: parses in a fraction of the time,
    and other models being edited cannot break this test."""
    source = PROJECT_ROOT / "dbt_project"
    project = root / "dbt_admin_api"
    (project / "models" / "staging").mkdir(parents=True)
    (project / "tests").mkdir()
    for name in ("dbt_project.yml", "profiles.yml"):
        shutil.copy(source / name, project / name)
    shutil.copytree(source / "macros", project / "macros")
    shutil.copytree(source / "tests" / "generic", project / "tests" / "generic")
    shutil.copytree(source / "models" / "staging" / "admin_api", project / "models" / "staging" / "admin_api")
    return project


def test_staging_turns_cents_into_dollars_and_names_api_keys(api, sleeps, env_key, paths):
    assert materialize(paths, DAYS[0], DAYS[-1])[0].success
    project = dbt_project_of_admin_api(paths["root"])
    env = dict(os.environ, ANALYTICS_WAREHOUSE=str(paths["warehouse"]), DBT_SEND_ANONYMOUS_USAGE_STATS="false")
    completed = subprocess.run(
        [str(DBT) if DBT.exists() else "dbt", "build", "--profiles-dir", ".", "--select", "path:models/staging/admin_api"],
        cwd=project, env=env, capture_output=True, text=True, timeout=300, check=False,
    )
    assert completed.returncode == 0, completed.stdout[-3000:]
    assert "PASS=" in completed.stdout and "ERROR=0" in completed.stdout and "WARN=0" in completed.stdout

    spend = query(
        paths,
        "select member_type, member_identifier, model_raw, estimated_cost_cents, spend_usd "
        "from staging.stg_admin_api__model_usage where usage_date = ? order by all",
        [DAYS[0]],
    )
    assert ("api_key", "CI Key", "claude-sonnet-4-5-20250929", 1020.0, 10.2) in spend
    assert ("oauth_user", "dev.one@company.com", "claude-opus-5", 12.5, 0.125) in spend
    for *_, cents, usd in spend:
        assert usd == pytest.approx(cents / 100.0)
    total = query(paths, "select sum(spend_usd) from staging.stg_admin_api__model_usage")[0][0]
    served_cents = sum(
        m["estimated_cost"]["amount"] for items in api.days.values() for i in items for m in i["model_breakdown"]
    )
    assert total == pytest.approx(served_cents / 100.0, abs=1e-9)

    members = query(
        paths,
        "select distinct member_type, member_identifier from staging.stg_admin_api__usage order by all",
    )
    assert members == [
        ("api_key", "Batch Bot"), ("api_key", "CI Key"),
        ("oauth_user", "dev.one@company.com"), ("oauth_user", "dev.two@company.com"),
    ]
    tools = dict(query(
        paths,
        "select tool_name, sum(accepted) from staging.stg_admin_api__tool_actions group by 1",
    ))
    assert set(tools) == {"Edit", "MultiEdit", "Write", "NotebookEdit", "bash_tool"}
    assert tools["Edit"] == 3 * 5 * 45


# -- definitions ------------------------------------------------------------------------------


def test_definitions_register_the_asset_resource_and_lineage(monkeypatch):
    from orchestration.dbt import ensure_dbt_manifest

    monkeypatch.delenv("ANTHROPIC_ADMIN_KEY", raising=False)
    ensure_dbt_manifest()  # what `analytics run` does before loading the definitions
    from orchestration.definitions import defs

    graph = defs.resolve_asset_graph()
    usage = graph.get(dg.AssetKey(["admin_api", "usage"]))
    assert usage.group_name == "raw"
    # raw follows the run's days (orchestration/defs/partitions.py): only the incremental
    # marts are partitioned
    assert usage.partitions_def is None
    staging = graph.get(dg.AssetKey(["staging", "stg_admin_api__usage"]))
    assert dg.AssetKey(["admin_api", "usage"]) in staging.parent_keys
    models = graph.get(dg.AssetKey(["staging", "stg_admin_api__model_usage"]))
    assert dg.AssetKey(["admin_api", "model_usage"]) in models.parent_keys
    assert "admin_api" in defs.resources
    assert "admin_api/usage:every_day_fetched" in {
        k.to_user_string() for k in graph.asset_check_keys
    }
