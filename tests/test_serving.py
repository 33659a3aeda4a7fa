"""The marts published to a real PostgreSQL by `analytics run`, with BI sessions reading.

One landing folder built from the real captures (tests/test_reliability.py's: D-2 .. D) goes
through five runs against one serving database: the first publish; a late file (the timing
reference); a second late file while a BI session holds every mart in an open transaction and
another polls; PostgreSQL unreachable while a third file lands; and the next run, which must
publish what the failed one could not.
"""

from __future__ import annotations

import os
import re
import threading
import time
from datetime import date
from pathlib import Path

import duckdb
import psycopg
import pytest

from tests.conftest import run_cli
from tests.otlp_variants import read_lines, shift, write_lines
from tests.postgres import free_port, postgres  # noqa: F401  (the session fixture)
from tests.test_reliability import CAPTURES, build_landing, env_for, write_late_file

WINDOW = ("--start", "2026-11-22", "--end", "2026-11-24")
POLL = (
    "select (select coalesce(sum(lines_added), 0) from marts.fct_org_daily), "
    "(select coalesce(sum(lines_added), 0) from marts.fct_daily_activity), "
    "(select coalesce(sum(lines_added), 0) from marts.fct_org_monthly), "
    "(select count(*) from marts.fct_tool_decisions), (select count(*) from marts.dim_members)"
)


def add_capture(landing: Path, run: str, days: int, suffix: str) -> None:
    bodies = [shift(b, days=days, suffix=suffix) for s in ("metrics", "logs")
              for b in read_lines(CAPTURES / run / f"{s}.jsonl")]
    write_lines(landing / "otlp" / "more" / f"{run}{suffix}.jsonl", bodies)


def _key(row: tuple) -> tuple:
    return tuple((value is None, str(value)) for value in row)


def _normal(row) -> tuple:
    return tuple(round(v, 9) if isinstance(v, float) else v for v in row)


def duckdb_marts(env) -> dict[str, tuple[list[str], list[tuple]]]:
    con = duckdb.connect(env["ANALYTICS_WAREHOUSE"], read_only=True)
    try:
        names = [n for (n,) in con.execute(
            "select table_name from information_schema.tables where table_schema = 'marts'"
        ).fetchall()]
        marts = {}
        for name in names:
            cursor = con.execute(f"select * from marts.{name}")
            columns = [d[0] for d in cursor.description]
            marts[name] = (columns, sorted((_normal(r) for r in cursor.fetchall()), key=_key))
        return marts
    finally:
        con.close()


def postgres_marts(url: str, like: dict) -> dict[str, tuple[list[str], list[tuple]]]:
    with psycopg.connect(url) as con:
        marts = {}
        for name, (columns, _) in like.items():
            listed = ", ".join(f'"{c}"' for c in columns)
            rows = con.execute(f"select {listed} from marts.{name}").fetchall()
            marts[name] = (columns, sorted((_normal(r) for r in rows), key=_key))
        return marts


def timed_run(env, *args):
    started = time.monotonic()
    completed = run_cli(env, "run", *args)
    seconds = time.monotonic() - started
    publish = re.search(r"serving: published \d+ marts to .* in ([\d.]+)s", completed.stderr)
    assert publish, completed.stderr
    return completed, seconds, float(publish.group(1))


@pytest.fixture(scope="module")
def scenario(tmp_path_factory, postgres):  # noqa: F811
    root = tmp_path_factory.mktemp("serving")
    landing = build_landing(root, late=False)
    url = postgres.create_database("serving_e2e")
    env = env_for(root, landing)
    env["ANALYTICS_SERVING_URL"] = url
    found = {"url": url, "env": env, "postgres": postgres}

    run_cli(env, "run", *WINDOW)
    found["first"] = (duckdb_marts(env), postgres_marts(url, duckdb_marts(env)))

    # the reference: a late file for D-2, the window rebuilt and published, nobody reading
    write_late_file(landing)
    _, found["plain_seconds"], found["plain_publish"] = timed_run(env, *WINDOW)
    found["second"] = (duckdb_marts(env), postgres_marts(url, duckdb_marts(env)))

    # the same work while a BI session holds every mart in an open transaction
    add_capture(landing, "02-reject-default-mode", -1, "-late2")
    holder = psycopg.connect(url)
    holder.execute("begin isolation level repeatable read")
    held_before = [holder.execute(f"select * from marts.{m} order by 1, 2").fetchall()
                   for m in found["second"][0]]
    seen: list[tuple] = []
    stop = threading.Event()

    def poll() -> None:
        with psycopg.connect(url, autocommit=True) as poller:
            while not stop.is_set():
                seen.append(tuple(poller.execute(POLL).fetchone()))
                time.sleep(0.1)

    poller = threading.Thread(target=poll)
    poller.start()
    try:
        _, found["held_seconds"], found["held_publish"] = timed_run(env, *WINDOW)
    finally:
        stop.set()
        poller.join()
    found["held_after"] = [holder.execute(f"select * from marts.{m} order by 1, 2").fetchall()
                           for m in found["second"][0]]
    found["held_before"] = held_before
    holder.rollback()
    holder.close()
    found["seen"] = seen
    found["third"] = (duckdb_marts(env), postgres_marts(url, duckdb_marts(env)))

    # PostgreSQL unreachable (a closed port), with a password that must not be printed
    add_capture(landing, "13-v2.1.197-accept", -2, "-late3")
    down = dict(env, ANALYTICS_SERVING_URL=f"postgresql://bi:pw-never-shown@127.0.0.1:{free_port()}/x")
    found["down"] = run_cli(down, "run", *WINDOW, check=False)
    found["down_duckdb"] = duckdb_marts(env)
    found["pending"] = duckdb.connect(env["ANALYTICS_WAREHOUSE"], read_only=True).execute(
        "select window_start, window_end from meta.serving_pending"
    ).fetchall()

    # the next run covers D only, with a new file of its own: it publishes D-2 .. D too
    add_capture(landing, "11-sdk-user-temporary-then-reject", 0, "-next")
    run_cli(env, "run", "--start", "2026-11-24", "--end", "2026-11-24")
    found["healed"] = (duckdb_marts(env), postgres_marts(url, duckdb_marts(env)))
    return found


def test_published_marts_equal_duckdb_row_for_row(scenario):
    for stage in ("first", "second", "third", "healed"):
        in_duckdb, in_postgres = scenario[stage]
        # every mart of the contract: the seven of the Analytics page, the team and budget marts
        assert len(in_duckdb) == 10
        assert in_postgres == in_duckdb, stage
    # hand-checked (tests/test_reliability.py): with the late file, D-2 has two active users,
    # two sessions, one session start, two prompts, 12 lines added, 2 removed, 2 accepts
    daily = {row[0]: row for row in scenario["second"][1]["fct_org_daily"][1]}
    assert daily[date(2026, 11, 22)][1:9] == (2, 2, 1, 2, 12, 2, 2, 0)


def test_bi_friendly_column_types(scenario):
    with psycopg.connect(scenario["url"]) as con:
        types = dict(con.execute(
            "select table_name || '.' || column_name, data_type from information_schema.columns "
            "where table_schema = 'marts'"
        ).fetchall())
    assert types["fct_org_daily.usage_date"] == "date"
    assert types["fct_org_daily.sessions"] == "bigint"
    assert types["fct_org_daily.accept_rate"] == "double precision"
    assert types["dim_members.display_name"] == "text"
    assert types["dim_members.can_view_analytics"] == "boolean"
    assert types["fct_org_monthly.usage_month"] == "date"


def test_a_reader_holding_every_mart_does_not_delay_the_run(scenario):
    print(  # the figures, for `pytest -s`
        f"run without a reader {scenario['plain_seconds']:.1f}s (publish {scenario['plain_publish']}s), "
        f"with a reader holding every mart {scenario['held_seconds']:.1f}s "
        f"(publish {scenario['held_publish']}s)"
    )
    # the publish step itself: no slower than without the reader, but for noise
    assert scenario["held_publish"] <= scenario["plain_publish"] + 3, scenario
    # the whole run likewise (a shared 2-core machine: a generous margin, far below a wait)
    assert scenario["held_seconds"] <= scenario["plain_seconds"] * 1.5 + 20, scenario


def test_readers_see_the_previous_state_or_the_new_one_never_a_mix(scenario):
    # the session held open saw its snapshot all along
    assert scenario["held_after"] == scenario["held_before"]
    old, new = scenario["second"][1], scenario["third"][1]

    def state(marts) -> tuple:
        lines = sum(row[5] for row in marts["fct_org_daily"][1])
        return (lines, lines, lines, len(marts["fct_tool_decisions"][1]), len(marts["dim_members"][1]))

    assert state(old) != state(new)
    seen = set(scenario["seen"])
    assert seen <= {state(old), state(new)}, seen
    assert state(old) in seen and state(new) in seen


def test_reader_role_reads_and_a_login_without_it_is_refused(scenario):
    server = scenario["postgres"]
    database = "serving_e2e"
    with server.connect(database) as admin:
        role = admin.execute(
            "select rolcanlogin from pg_roles where rolname = 'analytics_reader'"
        ).fetchone()
        assert role == (False,)  # NOLOGIN
        assert admin.execute("select has_schema_privilege('analytics_reader', 'marts', 'USAGE')").fetchone()[0]
        for mart in scenario["first"][0]:
            assert admin.execute(
                "select has_table_privilege('analytics_reader', %s, 'SELECT'), "
                "has_table_privilege('analytics_reader', %s, 'INSERT')",
                [f"marts.{mart}", f"marts.{mart}"],
            ).fetchone() == (True, False)
        # tables created later in marts (by the publishing login) are readable too
        assert admin.execute(
            "select count(*) from pg_default_acl d join pg_namespace n on n.oid = d.defaclnamespace "
            "where n.nspname = 'marts' and d.defaclacl::text like '%analytics_reader=r/%'"
        ).fetchone() == (1,)
        admin.execute("drop role if exists bi_login")
        admin.execute("drop role if exists outsider")
        admin.execute("create role bi_login login password 'bi-pw'")
        admin.execute("grant analytics_reader to bi_login")
        admin.execute("create role outsider login password 'out-pw'")
    healed = scenario["healed"][0]
    with psycopg.connect(server.url(database, "bi_login", "bi-pw")) as bi:
        for mart, (_, rows) in healed.items():
            assert bi.execute(f"select count(*) from marts.{mart}").fetchone() == (len(rows),)
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            bi.execute("delete from marts.fct_org_daily")
    outsider = psycopg.connect(server.url(database, "outsider", "out-pw"))
    with outsider, pytest.raises(psycopg.errors.InsufficientPrivilege):
        outsider.execute("select count(*) from marts.fct_org_daily")


def test_postgres_down_fails_the_publish_alone_and_the_next_run_catches_up(scenario):
    down = scenario["down"]
    assert down.returncode == 1
    errors = [line for line in down.stderr.splitlines() if line.startswith("analytics: error:")]
    assert len(errors) == 1
    assert "step serving_marts failed: cannot connect to the serving database" in errors[0]
    assert "postgresql://bi:***@127.0.0.1" in errors[0]
    assert "pw-never-shown" not in down.stderr + down.stdout
    log = Path(scenario["env"]["DAGSTER_HOME"]) / "logs" / "analytics-run.log"
    assert "pw-never-shown" not in log.read_text()
    # the DuckDB marts were built all the same (the third late file moved D-2's lines)
    before = {r[0]: r for r in scenario["third"][0]["fct_org_daily"][1]}
    after = {r[0]: r for r in scenario["down_duckdb"]["fct_org_daily"][1]}
    assert after[date(2026, 11, 22)][5] > before[date(2026, 11, 22)][5]
    # and PostgreSQL kept its previous complete state, the window kept as pending
    assert scenario["pending"] == [(date(2026, 11, 22), date(2026, 11, 25))]
    # the next run (D only) published D-2 too: equal row for row (see the first test)
    con = duckdb.connect(scenario["env"]["ANALYTICS_WAREHOUSE"], read_only=True)
    assert con.execute("select count(*) from meta.serving_pending").fetchall() == [(0,)]
    con.close()


def test_without_a_serving_url_nothing_is_published(tmp_path, captures_landing, env):
    assert "ANALYTICS_SERVING_URL" not in env
    completed = run_cli(env, "run", "--start", "2026-11-24", "--end", "2026-11-24")
    assert "serving:" not in completed.stderr
    con = duckdb.connect(env["ANALYTICS_WAREHOUSE"], read_only=True)
    # the window is kept, for a serving database set later to catch up from
    assert con.execute("select window_start, window_end from meta.serving_pending").fetchall() == [
        (date(2026, 11, 24), date(2026, 11, 25))
    ]
    con.close()
    assert os.path.exists(env["ANALYTICS_WAREHOUSE"])
