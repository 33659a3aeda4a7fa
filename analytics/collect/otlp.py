"""OTLP/HTTP request bodies in, OTLP JSON lines out, with the OpenTelemetry protobuf classes.

A body is decoded with the generated classes of the `opentelemetry-proto` package, never by
hand, so anything that is not an export request of the signal is refused (400) before it is
acknowledged. The line written is the OTLP JSON mapping of the decoded message, as the
specification and a collector's file exporter write it: lowerCamelCase field names, 64-bit
integers as decimal strings, enums as integers, trace and span ids as hex (protobuf's own JSON
mapping would give base64), default values left out. JSON bodies are checked against the same
message descriptors (json_check.py) and written as the client sent them (re-serialised only
when they span lines or are not UTF-8): the ingestion reads every encoding the specification allows, and the client's own
bytes are the better record.
"""

from __future__ import annotations

import base64
import json
import math
import zlib
from dataclasses import dataclass

from google.protobuf import descriptor_pb2, descriptor_pool, message_factory
from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.internal import type_checkers
from google.protobuf.message import DecodeError, Message
from opentelemetry.proto.collector.logs.v1 import logs_service_pb2
from opentelemetry.proto.collector.metrics.v1 import metrics_service_pb2
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2

from analytics.errors import BodyError

from . import json_check

PROTOBUF = "application/x-protobuf"
JSON = "application/json"
# Fields of type bytes that the OTLP JSON mapping writes as hex instead of base64.
HEX_ID_FIELDS = frozenset({"traceId", "spanId", "parentSpanId"})


@dataclass(frozen=True)
class Signal:
    name: str  # logs, metrics, traces: the path /v1/<name> and the landing file's prefix
    request: type[Message]
    response: type[Message]
    top_key: str  # the JSON name of the request's one field


SIGNALS = {
    "logs": Signal(
        "logs", logs_service_pb2.ExportLogsServiceRequest,
        logs_service_pb2.ExportLogsServiceResponse, "resourceLogs",
    ),
    "metrics": Signal(
        "metrics", metrics_service_pb2.ExportMetricsServiceRequest,
        metrics_service_pb2.ExportMetricsServiceResponse, "resourceMetrics",
    ),
    "traces": Signal(
        "traces", trace_service_pb2.ExportTraceServiceRequest,
        trace_service_pb2.ExportTraceServiceResponse, "resourceSpans",
    ),
}




def media_type(content_type: str | None) -> str | None:
    """`application/x-protobuf` or `application/json` from a Content-Type header, else None."""
    value = (content_type or "").split(";", 1)[0].strip().lower()
    return value if value in (PROTOBUF, JSON) else None


def gunzip(body: bytes, limit: int) -> bytes:
    """The inflated body, refused (413) once it would exceed `limit` bytes: a small gzip body
    must not become a huge one in memory."""
    inflater = zlib.decompressobj(wbits=31)
    try:
        out = inflater.decompress(body, limit + 1)
    except zlib.error as exc:
        raise BodyError(400, f"body is not valid gzip: {exc}") from None
    if len(out) > limit or inflater.unconsumed_tail:
        raise BodyError(413, f"body is larger than {limit} bytes once decompressed")
    if not inflater.eof:
        raise BodyError(400, "gzip body ends before its end marker")
    return out


@dataclass(frozen=True)
class Decoded:
    line: bytes  # one OTLP JSON line, newline included
    records: int  # log records, metric data points or spans in the request


def decode(signal: Signal, media: str, body: bytes) -> Decoded:
    """Decode an export request body; BodyError(400) when it is not one."""
    name = signal.request.DESCRIPTOR.name
    if media == PROTOBUF:
        message = signal.request()
        try:
            message.ParseFromString(body)
        except DecodeError as exc:
            raise BodyError(400, f"body is not a protobuf {name}: {exc}") from None
        as_json, records = to_otlp_json(message), count_records(message)
    else:
        try:
            as_json = json.loads(body, parse_constant=_refuse_constant)
        except (ValueError, RecursionError) as exc:
            raise BodyError(400, f"body is not JSON: {exc}") from None
        if not isinstance(as_json, dict):
            raise BodyError(400, f"body is not a JSON object ({name})")
        try:
            json_check.check(as_json, signal.request.DESCRIPTOR, HEX_ID_FIELDS)
        except (json_check.JsonShapeError, RecursionError) as exc:
            raise BodyError(400, f"body is not an OTLP/JSON {name}: {exc or 'nested too deeply'}") from None
        records = count_json_records(as_json)
        if signal.top_key in as_json and _one_utf8_line(body):
            return Decoded(body.strip() + b"\n", records)  # the client's own bytes
    as_json.setdefault(signal.top_key, [])
    return Decoded(_one_line(as_json), records)


def _one_utf8_line(body: bytes) -> bool:
    if b"\n" in body or b"\r" in body:
        return False
    try:
        body.decode()
    except UnicodeDecodeError:  # json.loads also reads UTF-16 and UTF-32; the files are UTF-8
        return False
    return True


def _one_line(as_json: dict) -> bytes:
    text = json.dumps(as_json, ensure_ascii=False, separators=(",", ":"))
    try:
        return text.encode() + b"\n"
    except UnicodeEncodeError:  # a lone surrogate from a \ud800 escape: keep it escaped
        return json.dumps(as_json, separators=(",", ":")).encode() + b"\n"


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not JSON")


def to_otlp_json(message: Message) -> dict:
    """The OTLP JSON mapping of a decoded message (see the module docstring).

    This is protobuf's `MessageToDict(message, use_integers_for_enums=True)` with ids in hex,
    walked here over the set fields because that is three times faster on Claude Code's
    bodies, most of whose weight is attributes (KeyValue/AnyValue); the tests hold the two
    equal on every kind of field.
    """
    out = {}
    for field, value in message.ListFields():
        if field.message_type is None:
            out[field.json_name] = (
                [_scalar(field, v) for v in value] if field.is_repeated else _scalar(field, value)
            )
        elif field.message_type.full_name == _KEY_VALUE:
            out[field.json_name] = [_key_value(v) for v in value] if field.is_repeated else _key_value(value)
        else:
            out[field.json_name] = (
                [to_otlp_json(v) for v in value] if field.is_repeated else to_otlp_json(value)
            )
    return out


_KEY_VALUE = "opentelemetry.proto.common.v1.KeyValue"
_INT64_TYPES = frozenset({
    FieldDescriptor.TYPE_INT64, FieldDescriptor.TYPE_UINT64, FieldDescriptor.TYPE_FIXED64,
    FieldDescriptor.TYPE_SFIXED64, FieldDescriptor.TYPE_SINT64,
})


def _scalar(field: FieldDescriptor, value):
    kind = field.type
    if kind in _INT64_TYPES:
        return str(value)
    if kind == FieldDescriptor.TYPE_BYTES:
        return value.hex() if field.json_name in HEX_ID_FIELDS else base64.b64encode(value).decode()
    if kind in (FieldDescriptor.TYPE_DOUBLE, FieldDescriptor.TYPE_FLOAT):
        if math.isnan(value):
            return "NaN"
        if math.isinf(value):
            return "Infinity" if value > 0 else "-Infinity"
        return type_checkers.ToShortestFloat(value) if kind == FieldDescriptor.TYPE_FLOAT else value
    return value


def _key_value(kv) -> dict:
    out = {"key": kv.key} if kv.key else {}
    if kv.HasField("value"):
        value = kv.value
        kind = value.WhichOneof("value")
        if kind == "string_value":
            out["value"] = {"stringValue": value.string_value}
        elif kind == "int_value":
            out["value"] = {"intValue": str(value.int_value)}
        elif kind == "bool_value":
            out["value"] = {"boolValue": value.bool_value}
        else:
            out["value"] = to_otlp_json(value)
    return out


def count_records(message: Message) -> int:
    """Log records, metric data points or spans in an export request."""
    if isinstance(message, logs_service_pb2.ExportLogsServiceRequest):
        return sum(len(s.log_records) for r in message.resource_logs for s in r.scope_logs)
    if isinstance(message, metrics_service_pb2.ExportMetricsServiceRequest):
        total = 0
        for r in message.resource_metrics:
            for s in r.scope_metrics:
                for m in s.metrics:
                    kind = m.WhichOneof("data")
                    total += len(getattr(m, kind).data_points) if kind else 0
        return total
    return sum(len(s.spans) for r in message.resource_spans for s in r.scope_spans)


def count_json_records(body: dict) -> int:
    """Log records, metric data points or spans in an OTLP/JSON body already checked."""
    total = 0
    for resource in body.get("resourceLogs") or []:
        for scope in resource.get("scopeLogs") or []:
            total += len(scope.get("logRecords") or [])
    for resource in body.get("resourceMetrics") or []:
        for scope in resource.get("scopeMetrics") or []:
            for metric in scope.get("metrics") or []:
                for kind in ("sum", "gauge", "histogram", "exponentialHistogram", "summary"):
                    total += len((metric.get(kind) or {}).get("dataPoints") or [])
    for resource in body.get("resourceSpans") or []:
        for scope in resource.get("scopeSpans") or []:
            total += len(scope.get("spans") or [])
    return total


def success_body(signal: Signal, media: str) -> bytes:
    """An empty Export*ServiceResponse in the request's encoding (full success)."""
    response = signal.response()
    return response.SerializeToString() if media == PROTOBUF else b"{}"


def _status_class() -> type[Message]:
    """google.rpc.Status (code, message), the body OTLP/HTTP gives errors. The googleapis
    package is not a dependency, so its two fields are declared here, in a private pool."""
    proto = descriptor_pb2.FileDescriptorProto(name="analytics_collect/status.proto", package="google.rpc")
    proto.syntax = "proto3"
    status = proto.message_type.add(name="Status")
    status.field.add(name="code", number=1, type=descriptor_pb2.FieldDescriptorProto.TYPE_INT32,
                     label=descriptor_pb2.FieldDescriptorProto.LABEL_OPTIONAL)
    status.field.add(name="message", number=2, type=descriptor_pb2.FieldDescriptorProto.TYPE_STRING,
                     label=descriptor_pb2.FieldDescriptorProto.LABEL_OPTIONAL)
    pool = descriptor_pool.DescriptorPool()
    pool.Add(proto)
    return message_factory.GetMessageClass(pool.FindMessageTypeByName("google.rpc.Status"))


Status = _status_class()
# gRPC codes for the HTTP statuses OTLP/HTTP answers with
_GRPC_CODES = {400: 3, 401: 16, 404: 5, 405: 12, 413: 8, 415: 3, 429: 8, 503: 14}


def error_body(http_status: int, reason: str, media: str | None) -> tuple[bytes, str]:
    """(body, content type) of an error: a google.rpc.Status in the request's encoding."""
    status = Status(code=_GRPC_CODES.get(http_status, 2), message=reason)
    if media == PROTOBUF:
        return status.SerializeToString(), PROTOBUF
    return json.dumps({"code": status.code, "message": reason}).encode(), JSON

