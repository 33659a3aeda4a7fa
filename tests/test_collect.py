"""`analytics collect`: decoding, limits, auth, durability, and the marts it leads to.

The bodies are the real Claude Code request bodies of seeds/captures (OTLP JSON as the client
sent them), and the same bodies encoded as protobuf with the OpenTelemetry classes: what the
client sends with OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf. Every test talks HTTP to a real
`analytics collect` process on 127.0.0.1 (a port it picks itself), except the pure decoding
and file-writer tests.
"""

from __future__ import annotations

import gzip
import json
import shutil
import signal
import socket
import threading
import time
from datetime import UTC, datetime, timedelta

import duckdb
import pytest
from google.protobuf import json_format
from opentelemetry.proto.collector.logs.v1 import logs_service_pb2
from opentelemetry.proto.collector.metrics.v1 import metrics_service_pb2
from opentelemetry.proto.common.v1 import common_pb2
from opentelemetry.proto.metrics.v1 import metrics_pb2

from analytics.collect import otlp
from analytics.collect.landing import SignalWriter
from analytics.ingest.loader import load_landing_dir
from tests.collect_helpers import Body, Receiver, capture_bodies, landed_lines
from tests.conftest import CAPTURES, mart_snapshot, query, run_cli

BODIES = capture_bodies()
TOKEN = "test-token-7f3a9c"
VARIANTS = ("protobuf", "json", "protobuf+gzip", "json+gzip")


def reference_json(message) -> dict:
    """protobuf's own JSON mapping with the OTLP exceptions: ids as hex instead of base64."""
    import base64

    def fix(node):
        if isinstance(node, dict):
            return {k: base64.b64decode(v).hex() if k in otlp.HEX_ID_FIELDS else fix(v)
                    for k, v in node.items()}
        if isinstance(node, list):
            return [fix(v) for v in node]
        return node

    return fix(json_format.MessageToDict(message, use_integers_for_enums=True))


@pytest.fixture
def receiver_env(env, tmp_path):
    values = dict(env, ANALYTICS_COLLECT_TOKEN=TOKEN)
    (tmp_path / "landing").mkdir()
    return values


def auth(token: str = TOKEN) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


# --- decoding ------------------------------------------------------------------------------


def test_the_captures_are_twenty_bodies_of_both_signals():
    assert len(BODIES) == 20
    assert sorted({b.signal for b in BODIES}) == ["logs", "metrics"]


@pytest.mark.parametrize("body", BODIES, ids=lambda b: f"{b.run}-{b.signal}-{len(b.json)}")
def test_every_real_body_decodes_the_same_from_protobuf_and_json(body: Body):
    signal_ = otlp.SIGNALS[body.signal]
    from_json = otlp.decode(signal_, otlp.JSON, body.json)
    # JSON is kept as the client sent it, on one line
    assert from_json.line == json.dumps(json.loads(body.json), separators=(",", ":"), ensure_ascii=False).encode() + b"\n"
    from_protobuf = otlp.decode(signal_, otlp.PROTOBUF, body.protobuf())
    message = signal_.request()
    json_format.Parse(body.json, message)
    assert json.loads(from_protobuf.line) == reference_json(message)
    assert from_protobuf.records == from_json.records > 0
    assert from_protobuf.line.count(b"\n") == 1


def test_the_otlp_json_mapping_of_every_kind_of_field():
    request = logs_service_pb2.ExportLogsServiceRequest()
    record = request.resource_logs.add().scope_logs.add().log_records.add()
    record.time_unix_nano = 1795544565176000000
    record.severity_number = 9
    record.trace_id = bytes(range(16))
    record.span_id = bytes.fromhex("0102030405060708")
    record.flags = 1
    record.body.kvlist_value.values.add(key="k", value=common_pb2.AnyValue(bytes_value=b"\x00\xff"))
    record.attributes.add(key="n", value=common_pb2.AnyValue(int_value=-5))
    record.attributes.add(key="d", value=common_pb2.AnyValue(double_value=float("nan")))
    record.attributes.add(key="zero", value=common_pb2.AnyValue(double_value=0.0))
    record.attributes.add(key="a", value=common_pb2.AnyValue(
        array_value=common_pb2.ArrayValue(values=[common_pb2.AnyValue(bool_value=False)])))
    record.attributes.add(key="empty")
    got = otlp.to_otlp_json(request)
    assert got == reference_json(request)
    out = got["resourceLogs"][0]["scopeLogs"][0]["logRecords"][0]
    assert out["traceId"] == "000102030405060708090a0b0c0d0e0f"  # hex, not base64
    assert out["spanId"] == "0102030405060708"
    assert out["timeUnixNano"] == "1795544565176000000"  # int64 as a string
    assert out["severityNumber"] == 9  # enum as an integer
    assert out["body"]["kvlistValue"]["values"][0]["value"] == {"bytesValue": "AP8="}  # other bytes: base64
    assert out["attributes"][:3] == [
        {"key": "n", "value": {"intValue": "-5"}},
        {"key": "d", "value": {"doubleValue": "NaN"}},
        {"key": "zero", "value": {"doubleValue": 0.0}},  # a set oneof is written even when 0
    ]

    metrics = metrics_service_pb2.ExportMetricsServiceRequest()
    scope = metrics.resource_metrics.add().scope_metrics.add()
    histogram = scope.metrics.add(name="h").histogram
    histogram.aggregation_temporality = 2
    point = histogram.data_points.add(count=3, sum=1.5, bucket_counts=[1, 2], explicit_bounds=[0.5])
    point.exemplars.add(as_int=7, span_id=b"\x01" * 8, trace_id=b"\x02" * 16, time_unix_nano=1)
    scope.metrics.add(name="e").exponential_histogram.data_points.add(scale=-2, zero_threshold=1e-9)
    scope.metrics.add(name="s").summary.data_points.add(
        quantile_values=[metrics_pb2.SummaryDataPoint.ValueAtQuantile(quantile=0.5, value=2.0)])
    scope.metrics.add(name="g").gauge.data_points.add(as_int=-1)
    got = otlp.to_otlp_json(metrics)
    assert got == reference_json(metrics)
    point_json = got["resourceMetrics"][0]["scopeMetrics"][0]["metrics"][0]["histogram"]["dataPoints"][0]
    assert point_json["bucketCounts"] == ["1", "2"] and point_json["count"] == "3"
    assert point_json["exemplars"][0]["traceId"] == "02" * 16


def test_json_ids_are_hex_and_bodies_that_are_not_otlp_are_refused():
    logs = otlp.SIGNALS["logs"]
    body = {"resourceLogs": [{"scopeLogs": [{"logRecords": [
        {"timeUnixNano": "1", "traceId": "000102030405060708090a0b0c0d0e0f", "spanId": "0102030405060708"}]}]}]}
    assert otlp.decode(logs, otlp.JSON, json.dumps(body).encode()).records == 1
    for bad, reason in [
        (b"not json", "not JSON"),
        (b"[1, 2]", "not a JSON object"),
        (b'{"resourceLogs": "x"}', "not an OTLP/JSON ExportLogsServiceRequest"),
        (b'{"resourceLogs": [{"scopeLogs": [{"logRecords": [{"timeUnixNano": "soon"}]}]}]}', "not an OTLP/JSON"),
        (json.dumps({"resourceLogs": [{"scopeLogs": [{"logRecords": [{"traceId": "xyz"}]}]}]}).encode(), "is not hex"),
        (b'{"resourceLogs": [], "x": NaN}', "not JSON"),
    ]:
        with pytest.raises(otlp.BodyError, match=reason) as caught:
            otlp.decode(logs, otlp.JSON, bad)
        assert caught.value.status == 400
    with pytest.raises(otlp.BodyError, match="not a protobuf ExportLogsServiceRequest"):
        otlp.decode(logs, otlp.PROTOBUF, b"\xff\xff\xff\xff")
    # a body over several lines, or in UTF-16, lands re-serialised as one UTF-8 line
    pretty = json.dumps(body, indent=2)
    assert otlp.decode(logs, otlp.JSON, pretty.encode()).line == json.dumps(body, separators=(",", ":")).encode() + b"\n"
    assert otlp.decode(logs, otlp.JSON, json.dumps(body).encode("utf-16")).line.count(b"\n") == 1
    # an empty request is valid: one line, no records, read by the ingestion as nothing
    assert otlp.decode(logs, otlp.PROTOBUF, b"").line == b'{"resourceLogs":[]}\n'


def test_gzip_bombs_are_refused_before_they_are_inflated():
    assert otlp.gunzip(gzip.compress(b"x" * 1000), 1000) == b"x" * 1000
    with pytest.raises(otlp.BodyError) as caught:
        otlp.gunzip(gzip.compress(b"\0" * 10_000_000), 1_000_000)
    assert caught.value.status == 413
    with pytest.raises(otlp.BodyError) as caught:
        otlp.gunzip(gzip.compress(b"abc")[:-6], 1000)
    assert caught.value.status == 400


# --- the landing files ---------------------------------------------------------------------


def test_files_rotate_by_size_and_by_utc_day_and_threads_never_interleave(tmp_path):
    now = [datetime(2026, 11, 24, 23, 59, 58, tzinfo=UTC)]
    writer = SignalWriter(tmp_path, "logs", rotate_bytes=1000, clock=lambda: now[0])
    line = b'{"resourceLogs":[]}' + b" " * 380 + b"\n"  # 400 bytes
    threads = [threading.Thread(target=lambda: [writer.append(line) for _ in range(10)]) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    now[0] += timedelta(seconds=3)  # the next UTC day
    writer.append(line)
    writer.close()
    files = sorted((tmp_path / "otlp" / "collect").rglob("*.jsonl"))
    by_day = {}
    for path in files:
        by_day.setdefault(path.parent.name, []).append(path)
        assert path.name.startswith("logs-") and path.read_bytes().endswith(b"\n")
        assert all(part == line for part in path.read_bytes().splitlines(keepends=True))
    # 40 lines of 400 bytes, a new file once one reaches 1000 bytes: 3 lines a file, 14 files
    assert {day: len(paths) for day, paths in by_day.items()} == {"2026-11-24": 14, "2026-11-25": 1}
    assert sum(len(p.read_bytes().splitlines()) for p in files) == 41


def test_a_half_line_of_a_file_being_written_is_not_read_until_it_is_whole(tmp_path):
    landing = tmp_path / "landing"
    folder = landing / "otlp" / "collect" / "2026-11-24"
    folder.mkdir(parents=True)
    path = folder / "metrics-20261124T000000.000000Z.jsonl"
    whole = [b.json for b in BODIES if b.signal == "metrics"][:2]
    path.write_bytes(whole[0] + b"\n" + whole[1][: len(whole[1]) // 2])  # killed mid-write
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    first = load_landing_dir(con, landing)
    assert (first.lines_read, first.lines_quarantined) == (1, 0)
    points_of_first = first.metric_points
    with path.open("ab") as handle:  # the write completes
        handle.write(whole[1][len(whole[1]) // 2:] + b"\n")
    second = load_landing_dir(con, landing)
    assert (second.files_loaded, second.lines_read, second.lines_quarantined) == (1, 2, 0)
    assert second.metric_points > points_of_first
    assert con.execute("select count(*) from raw.quarantine").fetchone() == (0,)
    # a complete JSON line without its newline (a file made by hand) is still read
    (folder / "by-hand.jsonl").write_bytes(whole[0])
    assert load_landing_dir(con, landing).lines_read == 1


def test_one_line_of_counts_per_interval_that_starts_again_from_zero():
    import io

    from analytics.collect.stats import Stats

    out = io.StringIO()
    stats = Stats(out)
    stats.accepted(records=15, bytes_in=10_389, bytes_written=20_005)
    stats.accepted(records=11, bytes_in=4_322, bytes_written=8_501)
    stats.rejected("unauthorized")
    stats.rejected("too_large")
    stats.rejected("unauthorized")
    stop = threading.Event()
    thread = stats.every(0.2, stop)
    time.sleep(0.5)
    stop.set()
    thread.join()
    lines = out.getvalue().splitlines()
    assert len(lines) >= 2
    assert lines[0].endswith(
        ": 2 request(s), 26 record(s), 14711 bytes received, 28506 bytes written, "
        "0 trace request(s) dropped; rejected: too_large 1, unauthorized 2"
    )
    assert lines[1].endswith(": 0 request(s), 0 record(s), 0 bytes received, 0 bytes written, "
                             "0 trace request(s) dropped; rejected: none")


# --- HTTP ----------------------------------------------------------------------------------


def test_protobuf_json_and_gzip_bodies_are_answered_per_spec_and_land_as_one_line_each(receiver_env, tmp_path):
    landing = tmp_path / "landing"
    body = next(b for b in BODIES if b.run == "01-accept" and b.signal == "logs")
    with Receiver(receiver_env) as receiver:
        assert receiver.get("/healthz") == (200, b"ok\n")
        for variant in VARIANTS:
            data, headers = body.encoded(variant)
            status, response_headers, answer = receiver.post("/v1/logs", data, {**headers, **auth()})
            assert status == 200, answer
            assert response_headers["Content-Type"] == headers["Content-Type"]
            if variant.startswith("protobuf"):
                assert answer == b""  # an empty ExportLogsServiceResponse
                logs_service_pb2.ExportLogsServiceResponse().ParseFromString(answer)
            else:
                assert json.loads(answer) == {}
        metrics = next(b for b in BODIES if b.signal == "metrics")
        data, headers = metrics.encoded("protobuf")
        assert receiver.post("/v1/metrics", data, {**headers, **auth()})[0] == 200
        # traces are taken and dropped, said once
        for _ in range(2):
            assert receiver.post("/v1/traces", b"", {"Content-Type": otlp.PROTOBUF, **auth()})[0] == 200
        assert receiver.stop() == 0
    lines = landed_lines(landing)
    assert len(lines) == 5
    logs_lines = sorted((landing / "otlp" / "collect").rglob("logs-*.jsonl"))
    assert len(logs_lines) == 1 and len(logs_lines[0].read_bytes().splitlines()) == 4
    # JSON lands as sent; protobuf as the OTLP JSON mapping of the same message
    assert json.loads(lines[1]) == json.loads(body.json)
    message = logs_service_pb2.ExportLogsServiceRequest()
    json_format.Parse(body.json, message)
    assert json.loads(lines[0]) == reference_json(message)
    assert receiver.output.count("/v1/traces requests are accepted and dropped") == 1
    assert "5 request(s), " in receiver.output and "2 trace request(s) dropped" in receiver.output
    assert TOKEN not in receiver.output


def test_refusals_have_the_right_status_and_land_nothing(receiver_env, tmp_path):
    env = dict(receiver_env, ANALYTICS_COLLECT_MAX_BODY_BYTES="100000")
    body = next(b for b in BODIES if b.signal == "logs")
    data, headers = body.encoded("protobuf")
    with Receiver(env) as receiver:
        assert receiver.post("/v1/logs", data, headers)[0] == 401
        status, answer_headers, _ = receiver.post("/v1/logs", data, {**headers, **auth("wrong")})
        assert status == 401 and answer_headers["WWW-Authenticate"] == "Bearer"
        assert receiver.post("/v1/logs", data, {**headers, "Authorization": f"Basic {TOKEN}"})[0] == 401
        assert receiver.post("/v1/logs", data, {"Content-Type": "text/plain", **auth()})[0] == 415
        assert receiver.post("/v1/logs", data, {**headers, "Content-Encoding": "br", **auth()})[0] == 415
        status, answer_headers, answer = receiver.post("/v1/logs", b"\xff" * 50, {**headers, **auth()})
        assert status == 400
        error = otlp.Status()
        error.ParseFromString(answer)  # a google.rpc.Status, in protobuf for a protobuf request
        assert error.code == 3 and "not a protobuf ExportLogsServiceRequest" in error.message
        status, _, answer = receiver.post("/v1/metrics", b"{garbage", {"Content-Type": otlp.JSON, **auth()})
        assert status == 400 and json.loads(answer)["message"].startswith("body is not JSON")
        big = json.dumps({"resourceLogs": [], "pad": "x" * 200_000}).encode()
        assert receiver.post("/v1/logs", big, {"Content-Type": otlp.JSON, **auth()})[0] == 413
        bomb = gzip.compress(b'{"resourceLogs":[' + b" " * 300_000 + b"]}")
        assert receiver.post("/v1/logs", bomb, {"Content-Type": otlp.JSON, "Content-Encoding": "gzip", **auth()})[0] == 413
        assert receiver.post("/v1/spans", data, {**headers, **auth()})[0] == 404
        assert receiver.get("/v1/logs")[0] == 405
        # after all that, a good request on the same receiver still lands
        assert receiver.post("/v1/logs", data, {**headers, **auth()})[0] == 200
        assert receiver.stop() == 0
    assert len(landed_lines(tmp_path / "landing")) == 1
    assert ("rejected: bad_body 2, not_found 2, too_large 2, unauthorized 3, unsupported_media_type 2"
            in receiver.output)
    assert TOKEN not in receiver.output


def test_without_a_token_only_loopback(env, tmp_path):
    (tmp_path / "landing").mkdir()
    refused = run_cli(env, "collect", "--host", "0.0.0.0", "--port", "0", check=False)
    assert refused.returncode == 2
    assert "refusing to listen on 0.0.0.0 without a token: set ANALYTICS_COLLECT_TOKEN" in refused.stderr
    bad = run_cli(dict(env, ANALYTICS_COLLECT_MAX_BODY_BYTES="16M"), "collect", "--port", "0", check=False)
    assert bad.returncode == 2
    assert "ANALYTICS_COLLECT_MAX_BODY_BYTES='16M': expected a positive number" in bad.stderr
    unset = {k: v for k, v in env.items() if k != "ANALYTICS_LANDING_DIR"}
    refused = run_cli(unset, "collect", "--port", "0", check=False)
    assert refused.returncode == 2 and "set ANALYTICS_LANDING_DIR" in refused.stderr
    # nor beside the UI, whose defaults would point it at the bundled sample
    refused = run_cli(unset, "ui", "--collect", check=False)
    assert refused.returncode == 2 and "--collect needs ANALYTICS_LANDING_DIR" in refused.stderr
    with Receiver(dict(env, ANALYTICS_COLLECT_TOKEN=TOKEN), "--host", "0.0.0.0") as receiver:
        assert "bearer token required" in receiver.first_line
        assert receiver.stop() == 0
    with Receiver(env) as receiver:  # loopback without a token: open to local processes
        data, headers = BODIES[0].encoded("json")
        assert receiver.post("/v1/logs", data, headers)[0] == 200
        assert receiver.stop() == 0


def test_slow_and_surplus_clients_do_not_hold_it(receiver_env):
    env = dict(receiver_env, ANALYTICS_COLLECT_TIMEOUT_SECONDS="1", ANALYTICS_COLLECT_MAX_CONNECTIONS="3")
    body = next(b for b in BODIES if b.signal == "logs")
    data, headers = body.encoded("protobuf")
    with Receiver(env) as receiver:
        slow = socket.create_connection(("127.0.0.1", receiver.port))
        slow.sendall(b"POST /v1/logs HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-protobuf\r\n"
                     b"Authorization: Bearer " + TOKEN.encode() + b"\r\nContent-Length: 1000\r\n\r\n")
        started = time.monotonic()
        for _ in range(4):  # a byte every 0.4 s: never idle for a second, yet too slow overall
            time.sleep(0.4)
            try:
                slow.sendall(b"x")
            except OSError:
                break
        slow.settimeout(5)
        answer = slow.recv(1000)
        assert answer.startswith(b"HTTP/1.1 408"), answer
        assert time.monotonic() - started < 3
        slow.close()
        time.sleep(0.5)
        # idle connections fill the three slots: the next one is told to come back later
        idle = [socket.create_connection(("127.0.0.1", receiver.port)) for _ in range(3)]
        time.sleep(0.3)
        status, answer_headers, _ = receiver.post("/v1/logs", data, {**headers, **auth()})
        assert status == 503 and answer_headers["Retry-After"] == "2"
        # refused before a byte of it was read, a large request still gets its answer, not a
        # reset: the receiver reads and drops what the client sends before it closes
        status, answer_headers, _ = receiver.post("/v1/logs", b"\0" * (4 << 20), {**headers, **auth()})
        assert status == 503 and answer_headers["Retry-After"] == "2"
        time.sleep(1.5)  # the idle ones time out and free their slots
        assert receiver.post("/v1/logs", data, {**headers, **auth()})[0] == 200
        for sock in idle:
            sock.close()
        assert receiver.stop() == 0
    assert "rejected: busy 2, timeout 1" in receiver.output


def test_sigterm_finishes_the_request_in_flight(receiver_env, tmp_path):
    body = next(b for b in BODIES if b.signal == "metrics")
    data = body.json
    with Receiver(receiver_env) as receiver:
        sock = socket.create_connection(("127.0.0.1", receiver.port))
        head = (f"POST /v1/metrics HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                f"Authorization: Bearer {TOKEN}\r\nContent-Length: {len(data)}\r\n\r\n").encode()
        sock.sendall(head + data[:100])
        time.sleep(0.3)
        receiver.process.send_signal(signal.SIGTERM)
        time.sleep(0.3)
        sock.sendall(data[100:])
        sock.settimeout(10)
        answer = sock.recv(1000)
        assert answer.startswith(b"HTTP/1.1 200") and b"Connection: close" in answer
        assert receiver.stop() == 0
    assert "collect: stopped, every acknowledged request is on disk" in receiver.output
    assert landed_lines(tmp_path / "landing") == [json.dumps(json.loads(body.json), separators=(",", ":")).encode()]


def test_signals_that_keep_coming_after_a_clean_stop_change_nothing(receiver_env):
    """A supervisor that sends SIGTERM again, and again, while the receiver drains and exits:
    the exit is still the clean stop's 0 (Python puts the default handlers back while its
    interpreter shuts down; a SIGTERM then ended a clean stop with -15)."""
    with Receiver(receiver_env) as receiver:
        deadline = time.monotonic() + 30
        while receiver.process.poll() is None and time.monotonic() < deadline:
            receiver.process.send_signal(signal.SIGTERM)
            time.sleep(0.002)
        assert receiver.stop() == 0
    assert "collect: stopped, every acknowledged request is on disk" in receiver.output


def test_killed_halfway_and_restarted_the_marts_equal_those_of_the_same_bodies_read_from_files(
    receiver_env, tmp_path, env
):
    """Every real body, in every encoding, a SIGKILL halfway (leaving half a line, as a kill
    in the middle of a write would), a restart, refused requests in between: `analytics run`
    over the receiver's landing folder gives the marts of the captures read from files."""
    landing = tmp_path / "landing"
    statuses = []

    def send(receiver, index, body):
        data, headers = body.encoded(VARIANTS[index % 4])
        path = f"/v1/{body.signal}"
        statuses.append(receiver.post(path, data, headers)[0])  # no token
        statuses.append(receiver.post(path, data, {**headers, **auth()})[0])
        if index % 5 == 0:
            statuses.append(receiver.post(path, b"\x0a\xff\xff", {**headers, **auth()})[0])

    with Receiver(receiver_env) as receiver:
        for index, body in enumerate(BODIES[:10]):
            send(receiver, index, body)
        assert receiver.stop(signal.SIGKILL) == -signal.SIGKILL
    first_files = sorted((landing / "otlp" / "collect").rglob("*.jsonl"))
    assert len(landed_lines(landing)) == 10
    with first_files[-1].open("ab") as handle:  # a write the kill cut short (never acknowledged)
        handle.write(BODIES[10].json[:500])
    with Receiver(receiver_env) as receiver:
        for index, body in enumerate(BODIES[10:], start=10):
            send(receiver, index, body)
        assert receiver.stop() == 0
    assert statuses == ([401, 200, 400] + [401, 200] * 4) * 4
    files = sorted((landing / "otlp" / "collect").rglob("*.jsonl"))
    assert len(files) > len(first_files)  # the restart writes new files, never the old ones
    assert len(landed_lines(landing)) == 21  # 20 whole lines and the half one

    collected = run_cli(env, "run")
    assert "quarantined: 0 line(s) and 0 record(s) this run" in collected.stdout
    from_receiver = mart_snapshot(env)
    raw_counts = query(env, "select (select count(*) from raw.otlp_metric_points), "
                            "(select count(*) from raw.otlp_log_records)")

    from_files = dict(env, ANALYTICS_LANDING_DIR=str(tmp_path / "files"),
                      ANALYTICS_WAREHOUSE=str(tmp_path / "from_files" / "warehouse.duckdb"),
                      DAGSTER_HOME=str(tmp_path / "dagster_files"))
    shutil.copytree(CAPTURES, tmp_path / "files" / "otlp", ignore=shutil.ignore_patterns("*.md"))
    run_cli(from_files, "run")
    assert mart_snapshot(from_files) == from_receiver
    assert query(from_files, "select (select count(*) from raw.otlp_metric_points), "
                             "(select count(*) from raw.otlp_log_records)") == raw_counts
    # the numbers of the hand-checked capture test (tests/test_pipeline_end_to_end.py)
    assert query(env, "select daily_active_users, sessions, lines_added, lines_removed, edit_accepts, "
                      "edit_rejects, round(spend_usd, 8) from marts.fct_org_daily") == [
        (6, 6, 28, 4, 7, 2, 0.61955625)
    ]


def test_ingestion_reading_files_the_receiver_is_writing_never_reads_a_half_line(receiver_env, tmp_path):
    landing = tmp_path / "landing"
    big = max((b for b in BODIES if b.signal == "metrics"), key=lambda b: len(b.json))
    data, headers = big.encoded("json")
    sent = []
    with Receiver(receiver_env) as receiver:
        stop = threading.Event()

        def post_forever():
            while not stop.is_set():
                sent.append(receiver.post("/v1/metrics", data, {**headers, **auth()})[0])

        poster = threading.Thread(target=post_forever)
        poster.start()
        con = duckdb.connect(str(tmp_path / "w.duckdb"))
        loads = []
        try:
            deadline = time.monotonic() + 60
            while (len(loads) < 4 or len(sent) < 20) and time.monotonic() < deadline:
                loads.append(load_landing_dir(con, landing))
        finally:
            stop.set()
            poster.join()
        assert receiver.stop() == 0
    assert len(loads) >= 4 and len(sent) >= 20 and all(s == 200 for s in sent)
    assert all(summary.lines_quarantined == 0 for summary in loads)
    final = load_landing_dir(con, landing)
    assert final.lines_quarantined == 0
    lines = con.execute("select sum(lines_read) from raw.landed_files").fetchone()[0]
    assert lines == len(sent) == len(landed_lines(landing))


def _mutations(body: dict, rng, count: int):
    """`count` copies of `body`, each with one value somewhere replaced by a wrong-ish one."""
    import copy

    paths = []

    def walk(node, path):
        if isinstance(node, dict):
            for key, value in node.items():
                paths.append((*path, key))
                walk(value, (*path, key))
        elif isinstance(node, list):
            for i, value in enumerate(node):
                paths.append((*path, i))
                walk(value, (*path, i))

    walk(body, ())
    replacements = ["x", "12", " 12", "1.5", "NaN", "nan", 1.5, 2.0, -1, 2**64, True, None, {}, [1],
                    {"stringValue": "a", "intValue": "1"}, "AP8=", "0102", "zz"]
    for _ in range(count):
        mutated = copy.deepcopy(body)
        path = paths[rng.randrange(len(paths))]
        node = mutated
        for step in path[:-1]:
            node = node[step]
        # where a message belongs, protobuf's parser iterates the value, so any string passes
        # it; json_check refuses those (see below), so messages get other replacements here
        choices = [r for r in replacements if not isinstance(r, str)] if isinstance(node[path[-1]], dict) \
            else replacements
        node[path[-1]] = choices[rng.randrange(len(choices))]
        yield mutated


def test_the_fast_json_check_agrees_with_protobufs_own_parser():
    """json_check decides 200 or 400 for JSON bodies; protobuf's ParseDict is the reference
    (ids converted from hex first, as the OTLP mapping differs there)."""
    import base64
    import random

    from analytics.collect import json_check

    def hex_to_base64(node):
        if isinstance(node, dict):
            return {k: base64.b64encode(bytes.fromhex(v)).decode()
                    if k in otlp.HEX_ID_FIELDS and isinstance(v, str) else hex_to_base64(v)
                    for k, v in node.items()}
        if isinstance(node, list):
            return [hex_to_base64(v) for v in node]
        return node

    def reference_accepts(signal_, body) -> bool:
        try:
            json_format.ParseDict(hex_to_base64(body), signal_.request(), ignore_unknown_fields=True)
        except (json_format.ParseError, ValueError, TypeError, AttributeError):
            return False
        return True

    def fast_accepts(signal_, body) -> bool:
        try:
            json_check.check(body, signal_.request.DESCRIPTOR, otlp.HEX_ID_FIELDS)
        except json_check.JsonShapeError:
            return False
        return True

    rng = random.Random(19)
    verdicts = {True: 0, False: 0}
    for body in BODIES[::2]:
        signal_ = otlp.SIGNALS[body.signal]
        parsed = json.loads(body.json)
        for candidate in [parsed, *_mutations(parsed, rng, 60)]:
            expected = reference_accepts(signal_, candidate)
            assert fast_accepts(signal_, candidate) == expected, json.dumps(candidate)[:300]
            verdicts[expected] += 1
    assert verdicts[True] > 100 and verdicts[False] > 100
    # the deliberate difference: where a message belongs, protobuf's parser iterates the value
    # (a string's characters become unknown fields), so "x" or [] pass it; they are refused here
    for wrong in ("x", [], ["x"]):
        body = {"resourceLogs": [{"resource": wrong}]}
        assert reference_accepts(otlp.SIGNALS["logs"], body) and not fast_accepts(otlp.SIGNALS["logs"], body)
