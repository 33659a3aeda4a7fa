"""Unit tests of the OTLP loader: encodings, quarantine, accounting and idempotence."""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import shutil

import duckdb
import pytest

from analytics.ingest.landing_files import LandingDirError
from analytics.ingest.loader import load_landing_dir
from tests.conftest import CAPTURES
from tests.otlp_variants import collector_encoding, merge_requests, read_lines, write_lines

TIME = "1795544565566000000"  # 2026-11-24 18:22:45.566 UTC


def metric_line(points: list[dict], name="claude_code.cost.usage", temporality=1, resource=None) -> dict:
    return {
        "resourceMetrics": [
            {
                "resource": {"attributes": resource or []},
                "scopeMetrics": [
                    {
                        "scope": {"name": "com.anthropic.claude_code", "version": "2.1.331"},
                        "metrics": [
                            {"name": name, "unit": "USD",
                             "sum": {"aggregationTemporality": temporality, "isMonotonic": True,
                                     "dataPoints": points}}
                        ],
                    }
                ],
            }
        ]
    }


def attr(key, **value):
    return {"key": key, "value": value}


@pytest.fixture
def con():
    connection = duckdb.connect()
    yield connection
    connection.close()


def rows(con, sql):
    return con.execute(sql).fetchall()


def test_captures_load_every_record(con, tmp_path):
    landing = tmp_path / "landing"
    # a copy: a link to the captures would lead outside the landing folder, never followed
    shutil.copytree(CAPTURES, landing / "otlp" / "captures")
    summary = load_landing_dir(con, landing)
    # 6 runs x (logs + metrics) files; 20 lines; counted by hand from the capture files.
    assert summary.files_found == 12
    assert summary.lines_read == 20
    assert summary.quarantined == 0
    assert summary.metric_points == 94
    assert summary.log_records == 71
    assert rows(con, "select count(*), min(usage_date), max(usage_date) from raw.otlp_metric_points") == [
        (94, __import__("datetime").date(2026, 11, 24), __import__("datetime").date(2026, 11, 24))
    ]
    # The 1.0.128 client sends event numbers as stringValue: they are typed all the same.
    assert rows(
        con,
        "select sum(cost_usd), sum(input_tokens) from raw.otlp_log_records "
        "where service_version = '1.0.128' and event_name = 'api_request'",
    ) == [(pytest.approx(0.07063155), 17.0)]


def test_attributes_json_is_stored_with_zstd(tmp_path):
    """raw_schema.py says why: the column's values are mostly distinct."""
    landing = tmp_path / "landing"
    shutil.copytree(CAPTURES, landing / "otlp" / "captures")
    with duckdb.connect(str(tmp_path / "warehouse.duckdb")) as con:
        load_landing_dir(con, landing)
        con.execute("checkpoint")
        for table in ("otlp_metric_points", "otlp_log_records"):
            assert rows(
                con,
                f"select distinct compression from pragma_storage_info('raw.{table}') "
                "where column_name = 'attributes_json' and segment_type = 'VARCHAR'",
            ) == [("ZSTD",)]


def test_every_numeric_encoding_parses(con, tmp_path):
    landing = tmp_path / "landing"
    points = [
        {"attributes": [attr("model", stringValue="claude-opus-5[1m]")], "timeUnixNano": TIME, "asDouble": 0.5},
        {"attributes": [], "timeUnixNano": int(TIME), "asDouble": "0.25"},
        {"attributes": [], "timeUnixNano": TIME, "startTimeUnixNano": "1795544565000000000", "asInt": "3"},
        {"attributes": [], "timeUnixNano": TIME, "asInt": 2},
    ]
    resource = [attr("user.email", stringValue="Ann@Example.COM"), attr("team.id", stringValue="core")]
    write_lines(landing / "otlp" / "a.jsonl", [metric_line(points, resource=resource)])
    load_landing_dir(con, landing)
    assert rows(con, "select value from raw.otlp_metric_points order by record_index") == [
        (0.5,), (0.25,), (3.0,), (2.0,)
    ]
    # attributes on the resource are found (and the email lower-cased); attribute JSON is kept
    assert rows(con, "select distinct user_email, attr_model is not null from raw.otlp_metric_points "
                     "where record_index = 1") == [("ann@example.com", True)]
    assert rows(con, "select resource_attributes_json from raw.otlp_metric_points limit 1") == [
        ('{"team.id":"core","user.email":"Ann@Example.COM"}',)
    ]


def test_tool_attribute_of_older_clients_and_unknown_names_are_kept(con, tmp_path):
    landing = tmp_path / "landing"
    old = metric_line(
        [{"attributes": [attr("tool", stringValue="Edit"), attr("decision", stringValue="accept"),
                         attr("n", intValue="15")], "timeUnixNano": TIME, "asDouble": 1}],
        name="claude_code.code_edit_tool.decision",
    )
    unknown = metric_line([{"attributes": [], "timeUnixNano": TIME, "asDouble": 4}], name="claude_code.new.metric")
    event = {"resourceLogs": [{"resource": {}, "scopeLogs": [{"scope": {}, "logRecords": [
        {"timeUnixNano": TIME, "body": {"stringValue": "claude_code.brand_new_event"},
         "attributes": [attr("session.id", stringValue="s"), attr("event.sequence", intValue="7")]}]}]}]}
    write_lines(landing / "otlp" / "a.jsonl", [old, unknown, event])
    load_landing_dir(con, landing)
    assert rows(con, "select metric_name, attr_tool_name, attributes_json from raw.otlp_metric_points order by 1") == [
        ("claude_code.code_edit_tool.decision", "Edit", '{"decision":"accept","n":"15","tool":"Edit"}'),
        ("claude_code.new.metric", None, "{}"),
    ]
    assert rows(con, "select event_name, event_sequence from raw.otlp_log_records") == [("brand_new_event", 7)]


def test_collector_encoding_and_merged_requests_give_the_same_rows(con, tmp_path):
    direct = tmp_path / "direct"
    collector = tmp_path / "collector"
    for run in ("01-accept", "17-v1.0.128-accept"):
        for signal in ("logs", "metrics"):
            bodies = read_lines(CAPTURES / run / f"{signal}.jsonl")
            write_lines(direct / "otlp" / run / f"{signal}.jsonl", bodies)
    bodies = {
        signal: [collector_encoding(b) for run in ("01-accept", "17-v1.0.128-accept")
                 for b in read_lines(CAPTURES / run / f"{signal}.jsonl")]
        for signal in ("logs", "metrics")
    }
    # both signals in one gzip file, each signal's requests merged into one line
    write_lines(collector / "otlp" / "collector.jsonl.gz",
                [merge_requests(bodies["metrics"]), merge_requests(bodies["logs"])], gz=True)
    snapshot = {}
    for name, landing in (("direct", direct), ("collector", collector)):
        connection = duckdb.connect()
        load_landing_dir(connection, landing)
        snapshot[name] = (
            rows(connection, "select metric_name, value, time_unix_nano, attributes_json from raw.otlp_metric_points order by all"),
            rows(connection, "select event_name, time_unix_nano, attributes_json from raw.otlp_log_records order by all"),
        )
        connection.close()
    assert snapshot["direct"] == snapshot["collector"]
    assert len(snapshot["direct"][0]) == 11 + 7


def test_malformed_lines_and_records_are_quarantined_with_reasons(con, tmp_path):
    landing = tmp_path / "landing"
    good = metric_line([
        {"attributes": [], "timeUnixNano": TIME, "asDouble": 1},
        {"attributes": [], "timeUnixNano": TIME},  # no value
        {"attributes": [], "timeUnixNano": TIME, "asDouble": "NaN"},  # not a number
        {"attributes": [], "asDouble": 2},  # no time
    ])
    no_attributes = {"resourceLogs": [{"scopeLogs": [{"logRecords": [
        {"timeUnixNano": TIME, "body": {"stringValue": "claude_code.user_prompt"}}]}]}]}
    path = landing / "otlp" / "bad.jsonl"
    write_lines(path, [good, no_attributes], extra_lines=[
        b"",
        b'{"resourceMetrics": [{"resource": ',
        b"\xff\xfe\x00garbage",
        b"[1, 2, 3]",
        b'{"hello": "world"}',
        b'"just a string"',
    ])
    summary = load_landing_dir(con, landing)
    # the blank line is counted, not quarantined; the line with bytes that are not UTF-8 is
    # repaired (U+FFFD) and then quarantined for what it is, not valid JSON
    assert summary.lines_read == 8
    assert summary.blank_lines == 1
    assert summary.lines_repaired == 1
    assert summary.lines_quarantined == 5
    assert summary.records_quarantined == 3
    assert summary.metric_points == 1 and summary.log_records == 1
    assert rows(con, "select source_line, record_index, reason from raw.quarantine order by 1, 2") == [
        (1, 2, "data_point_without_value"),
        (1, 3, "non_numeric_value"),
        (1, 4, "data_point_without_time"),
        (4, None, "invalid_json"),
        (5, None, "invalid_json"),
        (6, None, "not_a_json_object"),
        (7, None, "not_an_otlp_body"),
        (8, None, "not_a_json_object"),
    ]
    assert rows(con, "select lines_read, lines_loaded, lines_quarantined, records_quarantined, "
                     "blank_lines, lines_repaired from raw.landed_files") == [(8, 2, 5, 3, 1, 1)]
    # no text of a quarantined line is kept: its length and MD5 stand for it
    assert rows(con, "select line_bytes, line_hash from raw.quarantine where source_line = 7") == [
        (18, hashlib.md5(b'{"hello": "world"}').hexdigest())
    ]
    assert rows(con, "select count(*) from raw.quarantine where excerpt is not null") == [(0,)]


def test_wrongly_typed_attribute_lists_load_their_records_without_those_attributes(con, tmp_path):
    """Attributes that are not a list of {key, value} objects (a string, an object, a list of
    numbers, a number for a key) on a point, a log record or a resource: the record loads with
    the entries that can be read; nothing else of the line is lost."""
    landing = tmp_path / "landing"
    session = attr("session.id", stringValue="s1")
    metrics = metric_line(
        [
            {"attributes": "not a list", "timeUnixNano": TIME, "asDouble": 1},
            {"attributes": {"session.id": "s1"}, "timeUnixNano": TIME, "asDouble": 2},
            {"attributes": [1, 2], "timeUnixNano": TIME, "asDouble": 4},
            {"attributes": [{"key": 7, "value": {"intValue": 3}}, session], "timeUnixNano": TIME,
             "asDouble": 8},
        ],
        resource="user",
    )
    logs = {"resourceLogs": [{"resource": {"attributes": 5}, "scopeLogs": [{"logRecords": [
        {"timeUnixNano": TIME, "attributes": "x", "body": {"stringValue": "claude_code.user_prompt"}},
        {"timeUnixNano": TIME, "attributes": [session, attr("event.name", stringValue="api_error")]},
    ]}]}]}
    write_lines(landing / "otlp" / "typed.jsonl", [metrics, logs])
    summary = load_landing_dir(con, landing)
    assert (summary.metric_points, summary.log_records, summary.quarantined) == (4, 2, 0)
    assert rows(con, "select value, session_id, attributes_json, resource_attributes_json "
                     "from raw.otlp_metric_points order by value") == [
        (1.0, None, "{}", "{}"),
        (2.0, None, "{}", "{}"),
        (4.0, None, "{}", "{}"),
        (8.0, "s1", '{"7":"3","session.id":"s1"}', "{}"),
    ]
    assert rows(con, "select event_name, session_id, attributes_json, resource_attributes_json "
                     "from raw.otlp_log_records order by record_index") == [
        ("user_prompt", None, "{}", "{}"),
        ("api_error", "s1", '{"event.name":"api_error","session.id":"s1"}', "{}"),
    ]


def test_attribute_text_with_quotes_escapes_and_unicode_round_trips(con, tmp_path):
    """The canonical attributes JSON is written entry by entry (otlp_entries_json), and the
    raw columns are read back out of it: text with quotes, backslashes, control characters and
    non-ASCII comes back as sent, and the JSON is what DuckDB's to_json writes for the map."""
    landing = tmp_path / "landing"
    odd = 'a "quoted" \\ back\tslash\nnew é 😀 \u0001'
    records = [
        {"timeUnixNano": TIME, "attributes": [
            attr("session.id", stringValue=odd),
            attr("user.email", stringValue="Émile@Example.com"),
            attr("event.name", stringValue="api_request"),
            attr("model", stringValue="claude-\"x\""),
            attr("cost_usd", doubleValue=0.25),
            attr("no_value"),  # a value with no field
            attr("error", stringValue=odd),
        ]},
    ]
    logs = {"resourceLogs": [{
        "resource": {"attributes": [attr("service.name", stringValue="claude-code"),
                                    attr("team.id", stringValue='t"1')]},
        "scopeLogs": [{"logRecords": records}]}]}
    write_lines(landing / "otlp" / "odd.jsonl", [logs])
    load_landing_dir(con, landing)
    (row,) = rows(con, "select session_id, user_email, attr_model, cost_usd, service_name, "
                       "attributes_json, resource_attributes_json from raw.otlp_log_records")
    session, email, model, cost, service, attributes_json, resource_json = row
    assert (session, email, model, cost, service) == (
        odd, "émile@example.com", 'claude-"x"', 0.25, "claude-code"
    )
    expected = {
        "cost_usd": "0.25", "error_length": str(len(odd)), "event.name": "api_request",
        "model": 'claude-"x"', "no_value_length": None, "session.id": odd,
        "user.email": "Émile@Example.com",
    }
    assert json.loads(attributes_json) == expected
    assert list(json.loads(attributes_json)) == sorted(expected)
    assert json.loads(resource_json) == {"service.name": "claude-code", "team.id": 't"1'}
    as_map = con.execute(
        "select to_json(map_from_entries(?::struct(key varchar, value varchar)[]))::varchar",
        [[{"key": k, "value": v} for k, v in expected.items()]],
    ).fetchone()[0]
    assert attributes_json == as_map


def test_records_are_numbered_in_the_order_of_the_body(con, tmp_path):
    """record_index counts a line's records resource by resource, scope by scope, metric by
    metric, and a metric's gauge, histogram, then sum points; every kind and level is used
    here, and the numbers of the quarantined records (no value) are worked out by hand."""
    landing = tmp_path / "landing"
    ok = {"attributes": [], "timeUnixNano": TIME, "asDouble": 1}
    ok_histogram = {"attributes": [], "timeUnixNano": TIME, "sum": 1}
    bad = {"attributes": [], "timeUnixNano": TIME}

    def metric(name, gauge=None, histogram=None, total=None):
        found = {"name": name}
        if gauge is not None:
            found["gauge"] = {"dataPoints": gauge}
        if histogram is not None:
            found["histogram"] = {"aggregationTemporality": 2, "dataPoints": histogram}
        if total is not None:
            found["sum"] = {"aggregationTemporality": 1, "isMonotonic": True, "dataPoints": total}
        return found

    metrics = {"resourceMetrics": [
        {"resource": {"attributes": []}, "scopeMetrics": [
            # 1, 2 (bad) gauge; 3 histogram; 4 sum | 5 (bad) histogram
            {"metrics": [metric("a", gauge=[ok, bad], histogram=[ok_histogram], total=[ok]),
                         metric("b", histogram=[bad])]},
            {"metrics": []},
            # 6 sum, 7 (bad) sum
            {"metrics": [metric("c", total=[ok, bad])]},
        ]},
        {"resource": {"attributes": []}, "scopeMetrics": [
            # 8 (bad) sum, 9 sum
            {"metrics": [metric("d", total=[bad, ok])]},
        ]},
    ]}

    def record(time=TIME):
        return {"timeUnixNano": time, "body": {"stringValue": "claude_code.user_prompt"}}

    logs = {"resourceLogs": [
        {"scopeLogs": [{"logRecords": [record(), record(None)]},  # 1, 2 (bad)
                       {"logRecords": [record(None)]}]},  # 3 (bad)
        {"scopeLogs": [{"logRecords": []}, {"logRecords": [record(), record(None)]}]},  # 4, 5 (bad)
    ]}
    write_lines(landing / "otlp" / "a.jsonl", [metrics, logs])
    summary = load_landing_dir(con, landing)
    assert summary.metric_points == 5 and summary.log_records == 2
    assert rows(con, "select source_line, record_index, reason from raw.quarantine order by 1, 2") == [
        (1, 2, "data_point_without_value"),
        (1, 5, "data_point_without_value"),
        (1, 7, "data_point_without_value"),
        (1, 8, "data_point_without_value"),
        (2, 2, "log_record_without_time"),
        (2, 3, "log_record_without_time"),
        (2, 5, "log_record_without_time"),
    ]
    assert rows(con, "select record_index, metric_name, metric_type from raw.otlp_metric_points order by 1") == [
        (1, "a", "gauge"), (3, "a", "histogram"), (4, "a", "sum"), (6, "c", "sum"), (9, "d", "sum"),
    ]
    assert rows(con, "select record_index from raw.otlp_log_records order by 1") == [(1,), (4,)]
    # a bad record's row names its line by length and MD5, as a bad line's does
    lines = (landing / "otlp" / "a.jsonl").read_bytes().splitlines()
    assert rows(con, "select distinct source_line, line_bytes, line_hash from raw.quarantine order by 1") == [
        (n, len(lines[n - 1]), hashlib.md5(lines[n - 1]).hexdigest()) for n in (1, 2)
    ]


def test_a_truncated_gzip_file_keeps_what_was_readable(con, tmp_path):
    landing = tmp_path / "landing"
    line = json.dumps(metric_line([{"attributes": [], "timeUnixNano": TIME, "asDouble": 1}])).encode()
    data = gzip.compress(line + b"\n" + line + b"\n" + line * 200)
    (landing / "otlp").mkdir(parents=True)
    (landing / "otlp" / "cut.jsonl.gz").write_bytes(data[: len(data) - 40])
    summary = load_landing_dir(con, landing)
    assert summary.metric_points == 2
    assert summary.lines_quarantined == 1


def test_reloading_is_idempotent_and_a_changed_file_replaces_its_rows(con, tmp_path):
    landing = tmp_path / "landing"
    path = landing / "otlp" / "a.jsonl"
    one = metric_line([{"attributes": [], "timeUnixNano": TIME, "asDouble": 1}])
    write_lines(path, [one])
    assert load_landing_dir(con, landing).files_loaded == 1
    assert load_landing_dir(con, landing).files_loaded == 0  # unchanged: not read again
    os.utime(path, ns=(1, 1))  # touched, same content: not read again
    assert load_landing_dir(con, landing).files_loaded == 0
    write_lines(path, [one, one])  # appended to: the file is replaced, not added again
    assert load_landing_dir(con, landing).files_loaded == 1
    assert rows(con, "select count(*) from raw.otlp_metric_points") == [(2,)]
    from datetime import date
    again = load_landing_dir(con, landing, reload_window=(date(2026, 11, 24), date(2026, 11, 25)))
    assert again.files_loaded == 1
    assert rows(con, "select count(*) from raw.otlp_metric_points") == [(2,)]


def test_content_attributes_are_not_stored_unless_asked(con, tmp_path):
    landing = tmp_path / "landing"
    event = {"resourceLogs": [{"resource": {}, "scopeLogs": [{"scope": {}, "logRecords": [
        {"timeUnixNano": TIME, "body": {"stringValue": "claude_code.user_prompt"},
         "attributes": [attr("prompt", stringValue="secret plan"), attr("prompt_length", stringValue="11"),
                        attr("tool_parameters", stringValue='{"cmd": "rm"}')]}]}]}]}
    write_lines(landing / "otlp" / "a.jsonl", [event])
    load_landing_dir(con, landing)
    assert rows(con, "select attributes_json from raw.otlp_log_records") == [('{"prompt_length":"11"}',)]
    stored = duckdb.connect()
    load_landing_dir(stored, landing, store_content=True)
    assert "secret plan" in rows(stored, "select attributes_json from raw.otlp_log_records")[0][0]


def test_missing_landing_folder_is_a_clear_error(con, tmp_path):
    with pytest.raises(LandingDirError, match="landing folder not found"):
        load_landing_dir(con, tmp_path / "nope")


def test_each_chunk_is_freed_after_its_queries_not_at_the_batch_commit(con, tmp_path, monkeypatch):
    """A batch's chunks must not pile up in memory until its commit. A table registered with
    DuckDB and unregistered inside the batch's transaction stayed referenced until the commit;
    on a large load that was about 1.2 GB outside DuckDB's memory limit. Here, the captures in
    small chunks (one batch): at the end of each chunk, at most three chunks' joined lines may
    be alive (this one, the next framed ahead, the one being framed), never all so far."""
    import functools
    import inspect
    import tracemalloc

    from analytics.ingest import landing_files, loader

    shutil.copytree(CAPTURES, tmp_path / "landing" / "otlp" / "captures")
    longest = max(len(line) for path in CAPTURES.rglob("*.jsonl") for line in path.read_bytes().splitlines())
    # two lines or more a chunk: a single line is not joined (b"".join of one value is that value)
    small_chunks = functools.partial(landing_files.iter_line_chunks, chunk_bytes=longest + 1)
    monkeypatch.setattr(loader, "iter_line_chunks", small_chunks)
    source, first = inspect.getsourcelines(landing_files.binary_array)
    join_line = first + next(i for i, text in enumerate(source) if 'b"".join(values)' in text)
    alive_per_chunk = []

    def count_chunks(name: str) -> None:
        if name == "ingest.mid_batch":
            snapshot = tracemalloc.take_snapshot().filter_traces(
                [tracemalloc.Filter(True, landing_files.__file__, lineno=join_line)]
            )
            alive_per_chunk.append(len(snapshot.traces))

    monkeypatch.setattr(loader, "failpoint", count_chunks)
    tracemalloc.start()
    try:
        summary = load_landing_dir(con, tmp_path / "landing")
    finally:
        tracemalloc.stop()
    assert summary.lines_read == 20 and len(alive_per_chunk) >= 6, alive_per_chunk
    assert max(alive_per_chunk) <= 3, alive_per_chunk


def test_a_load_of_new_files_writes_each_row_group_once(tmp_path, monkeypatch):
    """DuckDB's checkpoint merges the partly filled row groups that each batch's bulk appends
    leave, rewriting every row group appended since the previous checkpoint. A load that only
    appends turns that off (loader._appending_only), so the first batch's row groups keep the
    blocks its commit wrote; a load that replaces rows keeps DuckDB's vacuum for them."""
    from analytics.ingest import loader

    session = attr("session.id", stringValue="s-1")
    # 130,000 points a file: a full row group (122,880) and a partly filled one each
    line = metric_line([{"attributes": [session], "timeUnixNano": TIME, "asDouble": 0.01}] * 1000)
    for name in ("a", "b"):
        write_lines(tmp_path / "landing" / "otlp" / f"{name}.jsonl", [line] * 130)
    monkeypatch.setenv("ANALYTICS_INGEST_BATCH_BYTES", "1")  # a batch per file
    database = tmp_path / "warehouse.duckdb"
    connection = duckdb.connect(str(database))
    settings_after_batch, first_batch = [], {}

    def after_batch(name: str) -> None:
        if name == "ingest.after_batch":
            settings_after_batch.append(
                connection.execute("select current_setting('max_vacuum_tasks')").fetchone()[0]
            )
            if not first_batch:
                first_batch.update(_blocks(connection))

    monkeypatch.setattr(loader, "failpoint", after_batch)
    summary = load_landing_dir(connection, tmp_path / "landing")
    assert summary.metric_points == 260_000 and settings_after_batch == [0, 0]
    assert connection.execute("select current_setting('max_vacuum_tasks')").fetchone()[0] == 100
    connection.close()
    reopened = duckdb.connect(str(database))
    try:
        after_close = _blocks(reopened)
        assert len(first_batch) >= 2 and all(after_close[rg] == first_batch[rg] for rg in first_batch)
        assert rows(reopened, "select count(*), sum(value) from raw.otlp_metric_points") == [
            (260_000, pytest.approx(2_600.0))
        ]
    finally:
        reopened.close()

    # the first file grown: its rows are replaced, with DuckDB's vacuum on
    write_lines(tmp_path / "landing" / "otlp" / "a.jsonl", [line] * 131)
    settings_after_batch.clear()
    connection = duckdb.connect(str(database))
    try:
        summary = load_landing_dir(connection, tmp_path / "landing")
        assert summary.metric_points == 131_000 and settings_after_batch == [100]
        assert rows(connection, "select count(*) from raw.otlp_metric_points") == [(261_000,)]
    finally:
        connection.close()


def _blocks(connection) -> dict[int, set[int]]:
    """Each row group of raw.otlp_metric_points and the blocks its columns are stored in."""
    blocks: dict[int, set[int]] = {}
    for row_group, block in connection.execute(
        "select row_group_id, block_id from pragma_storage_info('raw.otlp_metric_points') "
        "where block_id >= 0"
    ).fetchall():
        blocks.setdefault(row_group, set()).add(block)
    return blocks
