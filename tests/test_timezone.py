"""Days in the organization's own time zone (ANALYTICS_TIMEZONE).

Fixed records straddle local midnight in Los Angeles (west of UTC) and Tokyo (east), and the
two daylight-saving changes of 2026 in Los Angeles (2026-03-08 has 23 hours, 2026-11-01 has
25); every figure is worked out by hand in the comments. The six real captures, spread over
two days, are built in Los Angeles, refused in Tokyo without a full reload, then rebuilt in
Tokyo: the same totals, another split by day, and each zone's days equal to an independent
computation from the raw rows. Runs cover a few days each: a single-run backfill logs events
per day and asset, so a range of months costs minutes on a busy machine.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import pytest

from analytics.dates import local_date_of_nanos, today_in
from orchestration.defs.schedules import scheduled_window

from .conftest import (
    CAPTURE_RUNS,
    CAPTURES,
    PROJECT_ROOT,
    SPARK_TEST_JAVA_OPTIONS,
    inherited_environ,
    query,
    run_cli,
)
from .otlp_variants import read_lines, shift, write_lines

LA, TOKYO = "America/Los_Angeles", "Asia/Tokyo"
SECOND = 10**9


def _nanos(text: str) -> int:
    """'2026-03-08 07:30' (UTC) as nanoseconds since the epoch."""
    return int(datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=UTC).timestamp()) * SECOND


def _point(metric: str, at: int, value: float, email: str, session: str, *, start: int | None = None,
           temporality: int = 1, extra: dict | None = None) -> dict:
    attributes = {"user.email": email, "user.id": f"id-{email}", "session.id": session, **(extra or {})}
    return {"resourceMetrics": [{
        "resource": {"attributes": [
            {"key": "service.name", "value": {"stringValue": "claude-code"}},
            {"key": "service.version", "value": {"stringValue": "2.1.331"}},
        ]},
        "scopeMetrics": [{"scope": {"name": "com.anthropic.claude_code"}, "metrics": [{
            "name": metric, "unit": "",
            "sum": {"aggregationTemporality": temporality, "isMonotonic": True, "dataPoints": [{
                "attributes": [{"key": k, "value": {"stringValue": v}} for k, v in attributes.items()],
                "startTimeUnixNano": str(start if start is not None else at - SECOND),
                "timeUnixNano": str(at),
                "asDouble": value,
            }]},
        }]}],
    }]}


def _work(at: str, email: str, session: str, lines: int, dollars: float) -> list[dict]:
    """Lines accepted and their cost, at one UTC minute."""
    t = _nanos(at)
    return [
        _point("claude_code.lines_of_code.count", t, lines, email, session, extra={"type": "added"}),
        _point("claude_code.cost.usage", t, dollars, email, session,
               extra={"model": "claude-sonnet-4-5"}),
    ]


def fixed_records() -> list[dict]:
    dave_start = _nanos("2026-03-08 06:00")
    return [
        # ann, one session across Los Angeles midnight (PST, UTC-8): LA 03-07 23:30, 03-08 00:30
        *_work("2026-03-08 07:30", "ann@example.com", "la-s1", 10, 1.00),
        *_work("2026-03-08 08:30", "ann@example.com", "la-s1", 5, 0.50),
        # dave, a CUMULATIVE cost series across the same midnight: 2.0 at LA 03-07 23:00, 3.5 at
        # LA 03-08 01:00, so 2.0 on 03-07 and 1.5 on 03-08 (both points are UTC 03-08)
        _point("claude_code.cost.usage", _nanos("2026-03-08 07:00"), 2.0, "dave@example.com",
               "la-s4", start=dave_start, temporality=2, extra={"model": "claude-sonnet-4-5"}),
        _point("claude_code.cost.usage", _nanos("2026-03-08 09:00"), 3.5, "dave@example.com",
               "la-s4", start=dave_start, temporality=2, extra={"model": "claude-sonnet-4-5"}),
        # bob on 03-08, the 23-hour day (ends 2026-03-09 07:00 UTC, midnight PDT, UTC-7):
        # 06:30 UTC is LA 03-08 23:30; 07:30 UTC is LA 03-09 00:30 (PST would say 03-08 23:30)
        *_work("2026-03-09 06:30", "bob@example.com", "la-s2", 7, 0.70),
        *_work("2026-03-09 07:30", "bob@example.com", "la-s2", 3, 0.30),
        # erin, one session across Tokyo midnight (JST, UTC+9): Tokyo 03-10 23:30, 03-11 00:30
        # (LA 03-10 07:30 and 08:30 PDT)
        *_work("2026-03-10 14:30", "erin@example.com", "tk-s1", 8, 0.80),
        *_work("2026-03-10 15:30", "erin@example.com", "tk-s1", 2, 0.20),
        # frank: UTC 03-11 16:00 is Tokyo 03-12 01:00 (LA 03-11 09:00)
        *_work("2026-03-11 16:00", "frank@example.com", "tk-s2", 5, 0.50),
        *carol_records(),
    ]


def carol_records() -> list[dict]:
    """A session across Los Angeles' 25-hour day (also built on Spark, in test_spark_engine)."""
    return [
        # carol on 11-01, the 25-hour day (07:00 UTC 11-01 to 08:00 UTC 11-02): 07:30 UTC 11-01
        # is LA 00:30 PDT (a fixed UTC-8 says 10-31), 07:30 UTC 11-02 is LA 11-01 23:30 PST (a
        # fixed UTC-7 says 11-02), 08:30 UTC 11-02 is LA 11-02 00:30
        *_work("2026-11-01 07:30", "carol@example.com", "la-s3", 4, 0.40),
        *_work("2026-11-02 07:30", "carol@example.com", "la-s3", 6, 0.60),
        *_work("2026-11-02 08:30", "carol@example.com", "la-s3", 1, 0.10),
    ]


# (daily_active_users, sessions, lines_added, spend_usd) per local day, worked out above
EXPECTED_DAYS = {
    LA: {
        date(2026, 3, 6): (0, 0, 0, 0.0),      # the zero row of a day without telemetry
        date(2026, 3, 7): (2, 2, 10, 3.00),    # ann 10/$1.00, dave $2.00
        date(2026, 3, 8): (3, 3, 12, 2.70),    # ann 5/$0.50, bob 7/$0.70, dave $1.50
        date(2026, 3, 9): (1, 1, 3, 0.30),     # bob
        date(2026, 3, 10): (1, 1, 10, 1.00),   # erin, both points
        date(2026, 3, 11): (1, 1, 5, 0.50),    # frank
        date(2026, 3, 12): (0, 0, 0, 0.0),
        date(2026, 10, 31): (0, 0, 0, 0.0),
        date(2026, 11, 1): (1, 1, 10, 1.00),   # carol 4 + 6 in the 25-hour day
        date(2026, 11, 2): (1, 1, 1, 0.10),
    },
    TOKYO: {
        date(2026, 3, 7): (0, 0, 0, 0.0),
        # every point of 03-08 UTC is 15:00 to 18:00 JST 03-08; bob's are 15:30, 16:30 JST 03-09
        date(2026, 3, 8): (2, 2, 15, 5.00),    # ann 15/$1.50, dave $3.50
        date(2026, 3, 9): (1, 1, 10, 1.00),    # bob
        date(2026, 3, 10): (1, 1, 8, 0.80),    # erin 23:30 JST
        date(2026, 3, 11): (1, 1, 2, 0.20),    # erin 00:30 JST, the same session
        date(2026, 3, 12): (1, 1, 5, 0.50),    # frank 01:00 JST
    },
}


def build_fixed_landing(landing: Path) -> None:
    write_lines(landing / "otlp" / "fixed" / "metrics.jsonl", fixed_records())


def build_spread_landing(landing: Path) -> None:
    """The captures (all within two minutes of 2026-11-24 18:22 UTC) 5 hours apart: UTC 18:22,
    23:22, then 04:22 .. 19:22 on 11-25; in Los Angeles three on 11-24 and three on 11-25; in
    Tokyo five on 11-25 and one on 11-26."""
    for k, run in enumerate(CAPTURE_RUNS):
        for path in sorted((CAPTURES / run).glob("*.jsonl")):
            bodies = [shift(body, suffix=f"-tz{k}", nanos=k * 5 * 3600 * SECOND) for body in read_lines(path)]
            write_lines(landing / "otlp" / "spread" / run / path.name, bodies)


def org_days(env) -> dict[date, tuple]:
    return {
        row[0]: (row[1], row[2], row[3], round(row[4], 6))
        for row in query(env, "select usage_date, daily_active_users, sessions, lines_added, "
                              "spend_usd from marts.fct_org_daily order by 1")
    }


def assert_days(env, zone: str) -> dict[date, tuple]:
    days = org_days(env)
    for day, (dau, sessions, lines, spend) in EXPECTED_DAYS[zone].items():
        assert days[day][:3] == (dau, sessions, lines), (zone, day, days[day])
        assert days[day][3] == pytest.approx(spend, abs=1e-9), (zone, day)
    return days


def independent_days(env, zone: str) -> dict[date, tuple[int, float]]:
    """Lines added and spend per local day computed in Python from the raw rows: duplicates
    dropped by point identity, cumulative series differenced in time order (first point counts
    its value, a drop counts the new value), each increment dated in `zone`."""
    rows = query(env, """
        select distinct metric_name, resource_attributes_json, attributes_json,
               start_time_unix_nano, time_unix_nano, value, aggregation_temporality, attr_type
        from raw.otlp_metric_points
        where metric_name in ('claude_code.lines_of_code.count', 'claude_code.cost.usage')
    """)
    series: dict[tuple, list] = defaultdict(list)
    for metric, resource, attrs, start, time, value, temporality, kind in rows:
        series[(metric, resource, attrs, start, temporality == 2)].append((time, value, kind))
    tz = ZoneInfo(zone)
    out: dict[date, list] = defaultdict(lambda: [0, 0.0])
    for (metric, _, _, _, cumulative), points in series.items():
        previous = None
        for time, value, kind in sorted(points):
            increment = value
            if cumulative and previous is not None and value >= previous:
                increment = value - previous
            previous = value
            day = local_date_of_nanos(time, tz)
            if metric == "claude_code.cost.usage":
                out[day][1] += increment
            elif kind == "added":
                out[day][0] += int(increment)
    return {day: (lines, spend) for day, (lines, spend) in out.items()}


def assert_equals_independent(env, zone: str) -> None:
    """Every day the marts hold has the lines and spend computed independently (0 if none)."""
    expected = independent_days(env, zone)
    for day, (_, _, lines, spend) in org_days(env).items():
        assert lines == expected.get(day, (0, 0.0))[0], (zone, day)
        assert spend == pytest.approx(expected.get(day, (0, 0.0))[1], abs=1e-6), (zone, day)


def totals(env) -> tuple:
    return query(env, """
        select sum(lines_added), round(sum(spend_usd), 6), sum(edit_accepts), sum(edit_rejects),
               sum(input_tokens + output_tokens), sum(prompts)
        from marts.fct_org_daily
    """)[0]


def member_days(env, email: str) -> list[tuple]:
    return query(env, """
        select a.usage_date, a.sessions, a.lines_added from marts.fct_daily_activity a
        join marts.dim_members m using (member_key)
        where m.display_name = ? order by 1""", [email])


def test_hand_worked_days_in_los_angeles_and_tokyo(tmp_path, env):
    build_fixed_landing(tmp_path / "landing")
    la = {**env, "ANALYTICS_TIMEZONE": LA}
    # March around the 23-hour day, then around the 25-hour day (explicit local dates)
    first = run_cli(la, "run", "--start", "2026-03-06", "--end", "2026-03-12")
    assert "7 day(s) processed, 2026-03-06 .. 2026-03-12 (days are America/Los_Angeles calendar days)" in first.stdout
    run_cli(la, "run", "--start", "2026-10-31", "--end", "2026-11-02")
    assert query(la, "select value from meta.settings where name = 'timezone'") == [(LA,)]
    assert_days(la, LA)
    # a session crossing local midnight counts on both days, for its member and the org
    assert member_days(la, "ann@example.com") == [(date(2026, 3, 7), 1, 10), (date(2026, 3, 8), 1, 5)]
    assert member_days(la, "carol@example.com") == [(date(2026, 11, 1), 1, 10), (date(2026, 11, 2), 1, 1)]
    # a month counts it once: la-s1, la-s4, la-s2, tk-s1, tk-s2; 10+5+7+3+10+5 lines;
    # $1.50 + $3.50 + $1.00 + $1.00 + $0.50
    assert query(la, "select sessions, lines_added, round(spend_usd, 6) from marts.fct_org_monthly "
                     "where usage_month = '2026-03-01'") == [(5, 40, 7.5)]
    assert_equals_independent(la, LA)
    before = totals(la)

    # the 23-hour day alone equals the range: dave's cumulative point of LA 03-08 is
    # differenced against his point of the previous local day
    run_cli(la, "run", "--start", "2026-03-08", "--end", "2026-03-08")
    assert_days(la, LA)
    assert totals(la) == before

    # Tokyo, in its own warehouse
    tokyo = {**env, "ANALYTICS_TIMEZONE": TOKYO, "ANALYTICS_WAREHOUSE": str(tmp_path / "tokyo" / "warehouse.duckdb"),
             "DAGSTER_HOME": str(tmp_path / "tokyo_home")}
    run_cli(tokyo, "run", "--start", "2026-03-07", "--end", "2026-03-12")
    assert_days(tokyo, TOKYO)
    assert member_days(tokyo, "erin@example.com") == [(date(2026, 3, 10), 1, 8), (date(2026, 3, 11), 1, 2)]
    assert_equals_independent(tokyo, TOKYO)


def test_captures_same_totals_in_every_zone_and_a_zone_change_is_a_full_rebuild(tmp_path, env):
    build_spread_landing(tmp_path / "landing")
    la = {**env, "ANALYTICS_TIMEZONE": LA}

    # no dates: the local dates of the data
    first = run_cli(la, "run")
    assert "2 day(s) processed, 2026-11-24 .. 2026-11-25 (days are America/Los_Angeles calendar days)" in first.stdout
    assert_equals_independent(la, LA)
    la_totals = totals(la)
    la_split = {d: v[2:] for d, v in org_days(la).items()}
    assert set(la_split) == {date(2026, 11, 24), date(2026, 11, 25)}

    # Tokyo without --reload: refused with one line that says what to run; nothing changes
    tokyo = {**env, "ANALYTICS_TIMEZONE": TOKYO}
    refused = run_cli(tokyo, "run", check=False)
    assert refused.returncode == 2
    assert refused.stderr.strip().splitlines()[-1] == (
        "analytics: error: the marts hold America/Los_Angeles calendar days but "
        "ANALYTICS_TIMEZONE is Asia/Tokyo: a change of zone is a full rebuild, run "
        "`analytics run --reload --start 2026-11-23 --end 2026-11-26`"
    ), refused.stderr
    # a reload of part of the range is not enough either
    partial = run_cli(tokyo, "run", "--reload", "--start", "2026-11-25", "--end", "2026-11-26", check=False)
    assert partial.returncode == 2 and "a change of zone is a full rebuild" in partial.stderr
    assert query(la, "select value from meta.settings where name = 'timezone'") == [(LA,)]
    assert {d: v[2:] for d, v in org_days(la).items()} == la_split

    # the command it names rebuilds every day in Tokyo, and no Los Angeles day is left behind
    rebuilt = run_cli(tokyo, "run", "--reload", "--start", "2026-11-23", "--end", "2026-11-26")
    assert "(days are Asia/Tokyo calendar days)" in rebuilt.stdout
    assert query(tokyo, "select value from meta.settings where name = 'timezone'") == [(TOKYO,)]
    assert query(tokyo, "select count(*) from marts.fct_daily_activity where usage_date = '2026-11-24'") == [(0,)]
    assert_equals_independent(tokyo, TOKYO)
    tokyo_split = {d: v[2:] for d, v in org_days(tokyo).items() if v[2:] != (0, 0.0)}
    assert set(tokyo_split) == {date(2026, 11, 25), date(2026, 11, 26)}
    # the same totals as in Los Angeles and as the UTC days computed independently; only the
    # split by day moved
    assert totals(tokyo) == la_totals
    utc = independent_days(tokyo, "UTC")
    assert set(utc) == {date(2026, 11, 24), date(2026, 11, 25)}
    assert sum(v[0] for v in utc.values()) == la_totals[0]
    assert round(sum(v[1] for v in utc.values()), 6) == la_totals[1]
    assert tokyo_split != la_split

    # the text report names the zone and, outside UTC, says the Admin API rows keep UTC days
    report = run_cli(tokyo, "report", "--start", "2026-11-25", "--end", "2026-11-26")
    assert "(2 day(s), Asia/Tokyo)" in report.stdout
    assert "Days are Asia/Tokyo calendar days." in report.stdout
    assert "keep their UTC report day" in report.stdout


def test_an_unknown_zone_is_a_one_line_error(env, captures_landing):
    bad = run_cli({**env, "ANALYTICS_TIMEZONE": "Mars/Olympus_Mons"}, "run", check=False)
    assert bad.returncode == 2
    assert bad.stderr.strip() == (
        "analytics: error: ANALYTICS_TIMEZONE='Mars/Olympus_Mons' is not an IANA time zone name "
        "(such as America/Los_Angeles, Europe/Berlin or UTC)"
    )


def test_schedule_window_is_yesterday_in_the_zone():
    # 00:15 in Los Angeles on 2026-03-09 is 07:15 UTC: yesterday there is 03-08 (the 23-hour day)
    now = datetime(2026, 3, 9, 0, 15, tzinfo=ZoneInfo(LA))
    assert scheduled_window(now, 3, ZoneInfo(LA)) == (date(2026, 3, 5), date(2026, 3, 8))
    # at 00:15 JST on 06-16 it is still 06-15 in UTC
    now = datetime(2026, 6, 16, 0, 15, tzinfo=ZoneInfo(TOKYO))
    assert scheduled_window(now, 0, ZoneInfo(TOKYO)) == (date(2026, 6, 15), date(2026, 6, 15))
    assert today_in(ZoneInfo(TOKYO), datetime(2026, 6, 15, 15, 0, tzinfo=UTC)) == date(2026, 6, 16)


def test_partitions_and_schedule_are_in_the_zone():
    """Definitions read the zone when they load: loaded in a fresh interpreter."""
    script = (
        "from datetime import UTC\n"
        "from orchestration.definitions import defs\n"
        "from orchestration.defs.partitions import daily_partitions as p\n"
        "s = defs.resolve_schedule_def('daily_pipeline_schedule')\n"
        "print(p.timezone, s.execution_timezone, s.cron_schedule)\n"
        "for key in ('2026-03-08', '2026-11-01', '2026-11-02'):\n"
        "    w = p.time_window_for_partition_key(key)\n"
        "    hours = (w.end.astimezone(UTC) - w.start.astimezone(UTC)).total_seconds() / 3600\n"
        "    print(key, hours, w.start.isoformat())\n"
    )
    values = {**inherited_environ(), "ANALYTICS_TIMEZONE": LA}
    out = subprocess.run([sys.executable, "-c", script], env=values, capture_output=True,
                         text=True, check=True, cwd=PROJECT_ROOT, timeout=300).stdout.splitlines()
    assert out[-4:] == [
        "America/Los_Angeles America/Los_Angeles 15 0 * * *",
        "2026-03-08 23.0 2026-03-08T00:00:00-08:00",
        "2026-11-01 25.0 2026-11-01T00:00:00-07:00",
        "2026-11-02 24.0 2026-11-02T00:00:00-08:00",
    ]


BOUNDARIES = [
    # (UTC time, Los Angeles date, Tokyo date)
    ("2026-03-08 07:59", date(2026, 3, 7), date(2026, 3, 8)),
    ("2026-03-08 08:00", date(2026, 3, 8), date(2026, 3, 8)),
    ("2026-03-09 06:59", date(2026, 3, 8), date(2026, 3, 9)),
    ("2026-03-09 07:00", date(2026, 3, 9), date(2026, 3, 9)),
    ("2026-06-15 14:59", date(2026, 6, 15), date(2026, 6, 15)),
    ("2026-06-15 15:00", date(2026, 6, 15), date(2026, 6, 16)),
    ("2026-11-01 06:59", date(2026, 10, 31), date(2026, 11, 1)),
    ("2026-11-01 07:00", date(2026, 11, 1), date(2026, 11, 1)),
    ("2026-11-02 07:59", date(2026, 11, 1), date(2026, 11, 2)),
    ("2026-11-02 08:00", date(2026, 11, 2), date(2026, 11, 2)),
]


def _macro_body(name: str) -> str:
    text = (PROJECT_ROOT / "dbt_project" / "macros" / "local_date.sql").read_text()
    body = re.search(r"{% macro " + name + r"\(nanos\) -%}(.*?){%- endmacro %}", text, re.DOTALL).group(1)
    return re.sub(r"{#.*?#}", "", body, flags=re.DOTALL).strip()


def _render(name: str, zone: str, column: str) -> str:
    return _macro_body(name).replace("{{ analytics_timezone() }}", zone).replace("{{ nanos }}", column)


def test_local_date_macro_on_duckdb_matches_zoneinfo():
    con = duckdb.connect()
    for zone in (LA, TOKYO, "UTC"):
        sql = _render("default__local_date", zone, "t")
        for at, la_day, tokyo_day in BOUNDARIES:
            expected = {LA: la_day, TOKYO: tokyo_day, "UTC": date.fromisoformat(at[:10])}[zone]
            nanos = _nanos(at) + 999_999_999  # the last nanosecond of the minute's first second
            assert con.execute(f"select {sql} from (select ?::bigint as t)", [nanos]).fetchall()[0][0] == expected
            assert local_date_of_nanos(nanos, ZoneInfo(zone)) == expected


@pytest.mark.slow
def test_local_date_macro_on_spark_gives_the_same_dates(tmp_path):
    pyspark = pytest.importorskip("pyspark.sql")
    if shutil.which("java") is None:
        pytest.skip("no Java runtime")
    spark = (
        pyspark.SparkSession.builder.master("local[1]")
        .config("spark.sql.session.timeZone", "UTC")  # as profiles.yml sets it
        .config("spark.ui.enabled", "false")
        .config("spark.sql.warehouse.dir", str(tmp_path))
        .config("spark.driver.extraJavaOptions", SPARK_TEST_JAVA_OPTIONS)
        .getOrCreate()
    )
    try:
        for zone, index in ((LA, 1), (TOKYO, 2)):
            sql = _render("spark__local_date", zone, "t")
            values = ", ".join(f"({_nanos(at) + 999_999_999})" for at, _, _ in BOUNDARIES)
            got = [r[0] for r in spark.sql(f"select {sql} from values {values} as v(t)").collect()]
            assert got == [row[index] for row in BOUNDARIES], zone
    finally:
        spark.stop()


def test_dates_keep_whole_seconds():
    # one nanosecond before local midnight is the previous day
    tz = ZoneInfo(LA)
    assert local_date_of_nanos(_nanos("2026-03-08 08:00") - 1, tz) == date(2026, 3, 7)
    assert local_date_of_nanos(_nanos("2026-03-08 08:00"), tz) == date(2026, 3, 8)
    assert timedelta(hours=23) == (
        datetime(2026, 3, 9, tzinfo=tz).astimezone(UTC) - datetime(2026, 3, 8, tzinfo=tz).astimezone(UTC)
    )
