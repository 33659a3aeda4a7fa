"""OTLP/JSON encoders: one wire shape per Claude Code client family, three on-disk styles.

Client families copy the real captures (shared/data/claude-code-captures):

* ``v2_1_new`` (2.1.331-like): provider attributes, ``event.sequence``, ``prompt.id``, startup
  events, ``cache_creation_5m_tokens``/``ttft_ms``, decision metric with ``tool_name``.
* ``v2_1_old`` (2.1.197-like): fewer attributes, no startup events, no decision metric for
  ``user_abort`` rejects.
* ``v2_0`` (2.0.x): decision metric with ``tool`` (the pre-rename attribute), no ``start_type``
  on ``session.count``, no ``type`` on ``active_time.total``, no ``event.sequence``.
* ``v1_0`` (1.0.128-like): numbers as ``stringValue`` on events, no ``session.count``, no
  decision metric, no ``active_time.total``, no ``assistant_response``/``tool_decision``.

Styles:

* ``NATIVE``: the body Claude Code POSTs (JSON numbers for ``intValue``,
  ``droppedAttributesCount: 0``), appended one request per line by a small HTTP receiver.
* ``COLLECTOR``: re-serialised by an OpenTelemetry Collector file exporter (pdata JSON: int64 as
  strings, zero-valued fields omitted, ``sum`` fields in proto declaration order).
* ``COLLECTOR_INT``: a collector whose transform converts integral counters to ``asInt``.

Everything is built from precompiled ``%``-templates: no ``json.dumps`` per record.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

NATIVE, COLLECTOR, COLLECTOR_INT = 0, 1, 2

# metric ids, in the order the client registers its instruments (= order inside an export)
SESSION, LINES, PR, COMMIT, COST, TOKEN, DECISION, ACTIVE, UNKNOWN = range(9)
METRIC_ORDER = (SESSION, LINES, PR, COMMIT, COST, TOKEN, DECISION, ACTIVE, UNKNOWN)
INTEGRAL = frozenset((SESSION, LINES, PR, COMMIT, TOKEN, DECISION, UNKNOWN))

_LINES_DESC_NEW = (
    "Count of lines of code modified, with the 'type' attribute indicating whether lines were "
    "added or removed and the 'model' attribute indicating which model made the change"
)
_LINES_DESC_OLD = (
    "Count of lines of code modified, with the 'type' attribute indicating whether lines were "
    "added or removed"
)
_DECISION_DESC = (
    "Count of code editing tool permission decisions (accept/reject) for Edit, Write, and "
    "NotebookEdit tools"
)
METRIC_META = {
    SESSION: ("claude_code.session.count", "Count of CLI sessions started", ""),
    LINES: ("claude_code.lines_of_code.count", _LINES_DESC_NEW, ""),
    PR: ("claude_code.pull_request.count", "Number of pull requests created", ""),
    COMMIT: ("claude_code.commit.count", "Number of git commits created", ""),
    COST: ("claude_code.cost.usage", "Cost of the Claude Code session", "USD"),
    TOKEN: ("claude_code.token.usage", "Number of tokens used", "tokens"),
    DECISION: ("claude_code.code_edit_tool.decision", _DECISION_DESC, ""),
    ACTIVE: ("claude_code.active_time.total", "Total active time in seconds", "s"),
    UNKNOWN: ("claude_code.mcp_tool_call.count", "Number of MCP tool calls", ""),
}

_ARITY = {SESSION: 1, LINES: 2, PR: 0, COMMIT: 0, COST: 2, TOKEN: 3, DECISION: 4, ACTIVE: 1,
          UNKNOWN: 1}
# canonical series values per metric (what the simulation passes):
#   SESSION (start_type,)  LINES (type, model)  COST (model, query_source)
#   TOKEN (model, query_source, type)  DECISION (decision, source, tool, language)
#   ACTIVE (type,)  PR/COMMIT ()  UNKNOWN (mcp_server,)

# canonical event fields (what the simulation passes, by event type):
#   user_prompt        (prompt_length, message_uuid)
#   api_request        (model, input, output, cache_read, cache_creation, cost_str,
#                       cost_micros, duration_ms, ttft_ms, request_id, query_source)
#   assistant_response (response_length, request_id, message_uuid, model, query_source)
#   tool_decision      (decision, source, tool_name, tool_use_id, tool_source,
#                       permission_mode, request_id)
#   tool_result        (tool_name, tool_use_id, success, duration_ms, input_size,
#                       result_size, request_id, decision, source)
#   api_error          (model, error, status_code, duration_ms, attempt, query_source)
#   managed_settings_resolved ()
#   plugin_loaded      (plugin_name, plugin_id_hash)
#   housekeeping events (text, number): see HOUSEKEEPING below

R = "<REDACTED>"
ZERO = ("const", 0)  # an integer constant (a bare int is a field index)

_V21_NEW_EVENTS = {
    "user_prompt": [("prompt_length", "n", 0), ("prompt", "s", R), ("prompt_text", "s", R),
                    ("message.uuid", "s", 1)],
    "api_request": [("model", "s", 0), ("input_tokens", "i", 1), ("output_tokens", "i", 2),
                    ("cache_read_tokens", "i", 3), ("cache_creation_tokens", "i", 4),
                    ("cache_creation_5m_tokens", "i", 4), ("cache_creation_1h_tokens", "i", ZERO),
                    ("cost_usd", "d", 5), ("cost_usd_micros", "i", 6), ("duration_ms", "i", 7),
                    ("ttft_ms", "i", 8), ("request_id", "s", 9), ("speed", "s", "normal"),
                    ("query_source", "s", 10)],
    "assistant_response": [("response_length", "i", 0), ("response", "s", R),
                           ("request_id", "s", 1), ("message.uuid", "s", 2), ("model", "s", 3),
                           ("query_source", "s", 4)],
    "tool_decision": [("decision", "s", 0), ("source", "s", 1), ("tool_name", "s", 2),
                      ("tool_use_id", "s", 3), ("tool_source", "s", 4),
                      ("permission_mode", "s", 5), ("request_id", "s", 6)],
    "tool_result": [("tool_name", "s", 0), ("tool_use_id", "s", 1), ("success", "n", 2),
                    ("duration_ms", "n", 3), ("tool_input_size_bytes", "n", 4),
                    ("tool_result_size_bytes", "n", 5), ("request_id", "s", 6)],
    "api_error": [("model", "s", 0), ("error", "s", 1), ("status_code", "i", 2),
                  ("duration_ms", "i", 3), ("attempt", "i", 4), ("speed", "s", "normal"),
                  ("query_source", "s", 5)],
    "managed_settings_resolved": [
        ("managed_settings.trigger", "s", "startup"), ("managed_settings.sources", "a", None),
        ("managed_settings.source_behavior", "s", "first-wins"),
        ("managed_settings.helper.state", "s", "none"),
        ("managed_settings.helper.applied", "s", "none")],
    "plugin_loaded": [("plugin.name", "s", 0), ("marketplace.name", "s", "builtin"),
                      ("plugin.scope", "s", "default-bundle"),
                      ("enabled_via", "s", "default-enable"), ("plugin_id_hash", "s", 1),
                      ("has_hooks", "b", True), ("has_mcp", "b", False),
                      ("host_owned_mcp", "b", False), ("skill_path_count", "i", ZERO),
                      ("command_path_count", "i", ZERO), ("agent_path_count", "i", ZERO),
                      ("safe_mode", "s", "false")],
    # events outside the marts' definitions (valid data, activity only)
    "permission_mode_changed": [("permission_mode", "s", 0), ("previous_mode", "s", "default")],
    "hook_execution_complete": [("hook_event", "s", 0), ("duration_ms", "n", 1),
                                ("success", "s", "true")],
    "compaction": [("trigger", "s", 0), ("pre_compaction_tokens", "i", 1)],
    "skill_activated": [("skill.name", "s", 0)],
    "experiment_exposure": [("experiment", "s", 0), ("variant", "i", 1)],
}
_V21_OLD_EVENTS = {
    "user_prompt": [("prompt_length", "n", 0), ("prompt", "s", R)],
    "api_request": [("model", "s", 0), ("input_tokens", "i", 1), ("output_tokens", "i", 2),
                    ("cache_read_tokens", "i", 3), ("cache_creation_tokens", "i", 4),
                    ("cost_usd", "d", 5), ("cost_usd_micros", "i", 6), ("duration_ms", "i", 7),
                    ("request_id", "s", 9), ("speed", "s", "normal"), ("query_source", "s", 10)],
    "assistant_response": [("response_length", "i", 0), ("response", "s", R),
                           ("request_id", "s", 1), ("model", "s", 3), ("query_source", "s", 4)],
    "tool_decision": [("decision", "s", 0), ("source", "s", 1), ("tool_name", "s", 2),
                      ("tool_use_id", "s", 3)],
    "tool_result": [("tool_name", "s", 0), ("tool_use_id", "s", 1), ("success", "n", 2),
                    ("duration_ms", "n", 3), ("tool_input_size_bytes", "n", 4),
                    ("tool_result_size_bytes", "n", 5)],
    "api_error": [("model", "s", 0), ("error", "s", 1), ("status_code", "i", 2),
                  ("duration_ms", "i", 3), ("attempt", "i", 4), ("query_source", "s", 5)],
    "permission_mode_changed": [("permission_mode", "s", 0)],
    "compaction": [("trigger", "s", 0)],
}
_V20_EVENTS = {
    "user_prompt": [("prompt_length", "n", 0), ("prompt", "s", R)],
    "api_request": [("model", "s", 0), ("cost_usd", "d", 5), ("duration_ms", "i", 7),
                    ("input_tokens", "i", 1), ("output_tokens", "i", 2),
                    ("cache_read_tokens", "i", 3), ("cache_creation_tokens", "i", 4),
                    ("request_id", "s", 9)],
    "tool_decision": [("decision", "s", 0), ("source", "s", 1), ("tool_name", "s", 2)],
    "tool_result": [("tool_name", "s", 0), ("success", "n", 2), ("duration_ms", "n", 3),
                    ("decision", "s", 7), ("source", "s", 8)],
    "api_error": [("model", "s", 0), ("error", "s", 1), ("status_code", "n", 2),
                  ("duration_ms", "i", 3)],
}
_V10_EVENTS = {
    "user_prompt": [("prompt_length", "n", 0), ("prompt", "s", R)],
    "api_request": [("model", "s", 0), ("input_tokens", "n", 1), ("output_tokens", "n", 2),
                    ("cache_read_tokens", "n", 3), ("cache_creation_tokens", "n", 4),
                    ("cost_usd", "n", 5), ("duration_ms", "n", 7)],
    "tool_result": [("tool_name", "s", 0), ("success", "n", 2), ("duration_ms", "n", 3)],
    "api_error": [("model", "s", 0), ("error", "s", 1), ("status_code", "n", 2),
                  ("duration_ms", "n", 3)],
}

# metric-specific attributes: (attribute key, index into the canonical series values)
_METRICS_V21 = {
    SESSION: [("start_type", 0)], LINES: [("type", 0), ("model", 1)], PR: [], COMMIT: [],
    COST: [("model", 0), ("query_source", 1)],
    TOKEN: [("model", 0), ("query_source", 1), ("type", 2)],
    DECISION: [("decision", 0), ("source", 1), ("tool_name", 2), ("language", 3)],
    ACTIVE: [("type", 0)], UNKNOWN: [("mcp_server.name", 0)],
}
_METRICS_V20 = {
    SESSION: [], LINES: [("type", 0)], PR: [], COMMIT: [], COST: [("model", 0)],
    TOKEN: [("type", 2), ("model", 0)],
    DECISION: [("decision", 0), ("source", 1), ("tool", 2), ("language", 3)], ACTIVE: [],
}
_METRICS_V10 = {LINES: [("type", 0)], COST: [("model", 0)], TOKEN: [("type", 2), ("model", 0)],
                PR: [], COMMIT: []}


@dataclass(frozen=True)
class Profile:
    key: str
    versions: tuple[str, ...]
    events: dict
    metrics: dict
    event_sequence: bool
    prompt_id: bool
    provider_attrs: bool
    account_id: bool
    startup_events: bool
    query_source_metric: bool
    # decision-metric sources this client does not report (2.1.197 drops some rejects)
    decision_omits: frozenset = field(default_factory=frozenset)
    lines_description: str = _LINES_DESC_NEW

    @property
    def projections(self) -> dict[int, frozenset]:
        """Metrics whose attributes drop some canonical values (those series merge)."""
        out = {}
        for metric, spec in self.metrics.items():
            used = frozenset(i for _, i in spec)
            if len(used) < _ARITY[metric]:
                out[metric] = used
        return out

    def sends(self, metric: int) -> bool:
        return metric in self.metrics

    def has_event(self, etype: str) -> bool:
        return etype in self.events


PROFILES = {
    "v2_1_new": Profile("v2_1_new", ("2.1.331", "2.1.318", "2.1.304"), _V21_NEW_EVENTS,
                        _METRICS_V21, True, True, True, True, True, True),
    "v2_1_old": Profile("v2_1_old", ("2.1.197", "2.1.203"), _V21_OLD_EVENTS,
                        {k: v for k, v in _METRICS_V21.items() if k != UNKNOWN},
                        True, True, False, False, False, True, frozenset({"user_abort"})),
    "v2_0": Profile("v2_0", ("2.0.76", "2.0.55"), _V20_EVENTS, _METRICS_V20, False, False,
                    False, False, False, False, lines_description=_LINES_DESC_OLD),
    "v1_0": Profile("v1_0", ("1.0.128", "1.0.113"), _V10_EVENTS, _METRICS_V10, False, False,
                    False, False, False, False, lines_description=_LINES_DESC_OLD),
}


def js_num(x: float) -> str:
    """A number the way JavaScript's JSON.stringify (and Go's encoder) print it."""
    if x == int(x) and abs(x) < 1e21:
        return str(int(x))
    r = repr(x)
    if "e" in r:
        m, e = r.split("e")
        e = int(e)
        return f"{m}e{'+' if e > 0 else '-'}{abs(e)}"
    return r


def _const_value(kind: str, value, style: int) -> str:
    if kind == "s" or kind == "n":
        return '{"stringValue":' + json.dumps(str(value)).replace("%", "%%") + "}"
    if kind == "i":
        v = int(value)
        return f'{{"intValue":{v}}}' if style == NATIVE else f'{{"intValue":"{v}"}}'
    if kind == "b":
        return '{"boolValue":%s}' % ("true" if value else "false")
    if kind == "d":
        return f'{{"doubleValue":{js_num(value)}}}'
    if kind == "a":
        return '{"arrayValue":{"values":[]}}' if style == NATIVE else '{"arrayValue":{}}'
    raise ValueError(kind)


def _placeholder(kind: str, style: int) -> str:
    if kind == "s" or kind == "n":
        return '{"stringValue":"%s"}'
    if kind == "i":
        return '{"intValue":%d}' if style == NATIVE else '{"intValue":"%d"}'
    if kind == "d":
        return '{"doubleValue":%s}'
    raise ValueError(kind)


def _compile_attrs(spec, style: int) -> tuple[str, tuple[int, ...]]:
    """Template for a list of attributes plus the canonical field indices it consumes."""
    parts, idx = [], []
    for key, kind, src in spec:
        head = f'{{"key":"{key}","value":'
        if isinstance(src, int) and not isinstance(src, bool) and kind != "a":
            parts.append(head + _placeholder(kind, style) + "}")
            idx.append(src)
        else:
            value = src[1] if isinstance(src, tuple) else src
            parts.append(head + _const_value(kind, value, style) + "}")
    return ",".join(parts), tuple(idx)


def attr_json(key: str, value) -> str:
    """One attribute rendered once (per process): strings and booleans."""
    if isinstance(value, bool):
        return f'{{"key":{json.dumps(key)},"value":{{"boolValue":{str(value).lower()}}}}}'
    return f'{{"key":{json.dumps(key)},"value":{{"stringValue":{json.dumps(value)}}}}}'


class Encoder:
    """Renders records of one client family in one on-disk style."""

    def __init__(self, profile: Profile, style: int):
        self.profile = profile
        self.style = style
        self._events: dict[tuple[str, bool], tuple[str, tuple[int, ...]]] = {}
        native = style == NATIVE
        self._rec_tail = '],"droppedAttributesCount":0}' if native else "]}"
        self._res_tail = '],"droppedAttributesCount":0}' if native else "]}"
        seq = '{"intValue":%d}' if native else '{"intValue":"%d"}'
        self._seq_attr = '{"key":"event.sequence","value":' + seq + "}"
        self._blocks: dict[tuple[int, int], tuple[str, str]] = {}
        self.as_int = style == COLLECTOR_INT

    # -- logs ---------------------------------------------------------------------------
    def _event_template(self, etype: str, with_prompt: bool):
        key = (etype, with_prompt)
        hit = self._events.get(key)
        if hit is not None:
            return hit
        p = self.profile
        spec_tmpl, idx = _compile_attrs(p.events[etype], self.style)
        head = (
            '{"timeUnixNano":"%d000000","observedTimeUnixNano":"%d000000",'
            '"body":{"stringValue":"claude_code.' + etype + '"},"attributes":[%s,'
            '{"key":"event.name","value":{"stringValue":"' + etype + '"}},'
            '{"key":"event.timestamp","value":{"stringValue":"%s"}}'
        )
        if p.event_sequence:
            head += "," + self._seq_attr
        if p.prompt_id and with_prompt:
            head += ',{"key":"prompt.id","value":{"stringValue":"%s"}}'
        tmpl = head + ("," + spec_tmpl if spec_tmpl else "") + self._rec_tail
        hit = (tmpl, idx)
        self._events[key] = hit
        return hit

    def event(self, etype: str, ms: int, iso: str, seq: int, prompt_id: str | None,
              prefix: str, vals: tuple) -> str:
        tmpl, idx = self._event_template(etype, prompt_id is not None)
        args = [ms, ms, prefix, iso]
        if self.profile.event_sequence:
            args.append(seq)
        if prompt_id is not None and self.profile.prompt_id:
            args.append(prompt_id)
        args.extend([vals[i] for i in idx])
        return tmpl % tuple(args)

    def logs_entry(self, resource: str, version: str, records: list[str]) -> str:
        return (
            '{"resource":{"attributes":[' + resource + self._res_tail
            + ',"scopeLogs":[{"scope":{"name":"com.anthropic.claude_code.events","version":"'
            + version + '"},"logRecords":[' + ",".join(records) + "]}]}"
        )

    # -- metrics ------------------------------------------------------------------------
    def series_head(self, prefix: str, metric: int, canon: tuple) -> str:
        spec = self.profile.metrics[metric]
        extra = "".join("," + attr_json(k, canon[i]) for k, i in spec)
        return '{"attributes":[' + prefix + extra + '],"startTimeUnixNano":"'

    def point(self, head: str, metric: int, start_ms: int, time_ms: int, value: float) -> str:
        if self.as_int and metric in INTEGRAL:
            return f'{head}{start_ms}000000","timeUnixNano":"{time_ms}000000","asInt":"{value}"}}'
        return (f'{head}{start_ms}000000","timeUnixNano":"{time_ms}000000",'
                f'"asDouble":{js_num(value)}}}')

    def metric_block(self, metric: int, temporality: int, points: list[str]) -> str:
        hit = self._blocks.get((metric, temporality))
        if hit is None:
            name, desc, unit = METRIC_META[metric]
            if metric == LINES:
                desc = self.profile.lines_description
            if self.style == NATIVE:
                hit = ((f'{{"name":"{name}","description":"{desc}","unit":"{unit}","sum":'
                        f'{{"aggregationTemporality":{temporality},"isMonotonic":true,'
                        '"dataPoints":['), "]}}")
            else:
                u = f',"unit":"{unit}"' if unit else ""
                hit = (f'{{"name":"{name}","description":"{desc}"{u},"sum":{{"dataPoints":[',
                       f'],"aggregationTemporality":{temporality},"isMonotonic":true}}}}')
            self._blocks[(metric, temporality)] = hit
        return hit[0] + ",".join(points) + hit[1]

    def metrics_entry(self, resource: str, version: str, blocks: list[str]) -> str:
        return (
            '{"resource":{"attributes":[' + resource + self._res_tail
            + ',"scopeMetrics":[{"scope":{"name":"com.anthropic.claude_code","version":"'
            + version + '"},"metrics":[' + ",".join(blocks) + "]}]}"
        )


def metrics_line(entries: list[str]) -> str:
    return '{"resourceMetrics":[' + ",".join(entries) + "]}"


def logs_line(entries: list[str]) -> str:
    return '{"resourceLogs":[' + ",".join(entries) + "]}"


def resource_attrs(service_version: str, os_type: str, os_version: str, host_arch: str,
                   extra: tuple[tuple[str, str], ...]) -> str:
    """Resource attributes, sorted by key as the client's resource merge emits them."""
    items = [("host.arch", host_arch), ("os.type", os_type), ("os.version", os_version),
             ("service.name", "claude-code"), ("service.version", service_version), *extra]
    items.sort()
    return ",".join(attr_json(k, v) for k, v in items)
