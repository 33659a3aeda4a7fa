"""DuckDB SQL that turns OTLP/JSON lines into raw metric points, log records and quarantine rows.

The input is `_batch_lines`, the landed files' non-blank lines as Arrow (see
CLASSIFY_LINES_SQL), and the temp table `_batch_files(source_file, generation)`. Everything is
written to the OTLP JSON encoding rules, not to one client's output:

- 64-bit integers (`timeUnixNano`, `asInt`, `intValue`) as JSON numbers or decimal strings;
- values as `asDouble` or `asInt`; numeric attributes as `intValue`, `doubleValue` or a numeric
  `stringValue`; attributes on the record or on the resource (the record wins);
- `tool_name` or the older `tool`; unknown metrics and events are kept, unknown attributes
  when numeric (other text only as its length, see IDENTIFIER_ATTRIBUTE_KEYS);
- a record time before 2020 or after tomorrow is impossible: the record is quarantined.
"""

ANYVALUE = '{"key": "VARCHAR", "value": "JSON"}'
ATTRIBUTES = f"[{ANYVALUE}]"
# A record's or a resource's attributes stay JSON text through the line's parse, and become a
# list of ATTRIBUTES where they are made canonical (otlp_sorted_entries): a string is cheaper to
# carry and to compare than a list of structs. The metric points' sets are grouped and joined
# back by that text, so each distinct set is parsed once. Over 60 days of 200 members at once,
# the parse and the two explodes took 4.9 s instead of 6.0 s, with the same rows. json_transform
# makes a wrongly typed attribute list NULL, or its entries' fields NULL, either way.
RESOURCE = '{"attributes": "JSON"}'
SCOPE = '{"name": "VARCHAR", "version": "VARCHAR"}'
# A scalar that OTLP/JSON sends as a number or as a decimal string (64-bit integers, doubles,
# enums, booleans) is read as VARCHAR: json_transform gives a JSON string's text and any other
# value's JSON text (an object's, `true`, a number's as ->>'$' writes it), so a cast of it
# gives what a cast of the value's ->>'$' would, without writing each value out as JSON and
# parsing it again (five of them a point). Loading 60 days of 200 members alone, alternated: 20.0
# and 20.4 s of CPU (12.6, 13.0 s) before, 19.0 and 19.2 s (11.8, 11.9 s) after, the same rows.
NUMBER_DATA_POINT = (
    '{"attributes": "JSON", "startTimeUnixNano": "VARCHAR", "timeUnixNano": "VARCHAR", '
    '"asDouble": "VARCHAR", "asInt": "VARCHAR", "sum": "VARCHAR"}'
)
METRICS_BODY = (
    '{"resourceMetrics": [{"resource": ' + RESOURCE + ', "scopeMetrics": [{"scope": ' + SCOPE
    + ', "metrics": [{"name": "VARCHAR", "unit": "VARCHAR", '
    '"sum": {"aggregationTemporality": "VARCHAR", "isMonotonic": "VARCHAR", "dataPoints": ['
    + NUMBER_DATA_POINT + ']}, '
    '"gauge": {"dataPoints": [' + NUMBER_DATA_POINT + ']}, '
    '"histogram": {"aggregationTemporality": "VARCHAR", "dataPoints": [' + NUMBER_DATA_POINT + ']}'
    '}]}]}]}'
)
LOGS_BODY = (
    '{"resourceLogs": [{"resource": ' + RESOURCE + ', "scopeLogs": [{"scope": ' + SCOPE
    + ', "logRecords": [{"timeUnixNano": "VARCHAR", "observedTimeUnixNano": "VARCHAR", '
    '"severityNumber": "VARCHAR", "severityText": "VARCHAR", "body": "JSON", "eventName": "VARCHAR", '
    '"attributes": "JSON"}]}]}]}'
)

# Both signals in one structure, so a line is parsed once whichever it holds (a line may hold
# both, e.g. where a collector writes logs and metrics to the same file).
OTLP_BODY = (
    '{"resourceMetrics": ' + METRICS_BODY[len('{"resourceMetrics": '):-1]
    + ', "resourceLogs": ' + LOGS_BODY[len('{"resourceLogs": '):-1] + "}"
)

# Attribute keys known to carry user content (prompts, responses, tool inputs, model I/O):
# dropped at ingestion unless ANALYTICS_STORE_CONTENT is set (their lengths come as their own
# attributes, e.g. prompt_length).
CONTENT_ATTRIBUTE_KEYS = (
    "prompt",
    "prompt_text",
    "response",
    "response_text",
    "tool_parameters",
    "tool_input",
    "tool_output",
    "body",
    "request_body",
    "response_body",
)
CONTENT_ATTRIBUTE_PREFIXES = ("gen_ai.",)

# Attributes known to be short identifiers, kept as sent (up to IDENTIFIER_MAX_CHARS). Any other
# attribute is kept only when its value is a number or a boolean; otherwise it is reduced to
# its length as `<key>_length` (an error message, a file path, a new client's free text):
# privacy by allowlist, not by denylist.
IDENTIFIER_ATTRIBUTE_KEYS = (
    # identity and origin (record or resource)
    "session.id", "user.id", "user.email", "user.account_uuid", "user.account_id",
    "organization.id", "api_key.name", "terminal.type", "app.version", "service.name",
    "service.version", "service.namespace", "service.instance.id", "host.arch", "host.name", "os.type",
    "os.version", "telemetry.sdk.name", "telemetry.sdk.language", "telemetry.sdk.version",
    "deployment.environment", "department", "team", "team.id", "cost_center",
    # Claude Code events and metrics
    "event.name", "event.timestamp", "event.sequence", "prompt.id", "model", "type",
    "decision", "decision_type", "decision_source", "source", "tool_name", "tool",
    "tool_source", "tool_use_id", "language", "start_type", "query_source", "request_id",
    "message.uuid", "speed", "status_code", "success", "permission_mode", "previous_mode",
    "trigger", "hook_event", "skill.name", "mcp_server.name", "experiment", "variant",
    "attempt", "enabled_via", "marketplace.name", "plugin.name", "plugin.scope",
    "plugin_id_hash", "safe_mode", "anthropic.provider", "managed_settings.trigger",
    "managed_settings.source_behavior", "managed_settings.helper.state",
    "managed_settings.helper.applied",
)
IDENTIFIER_MAX_CHARS = 256


def _sql_list(values) -> str:
    return "[" + ", ".join("'" + v.replace("'", "''") + "'" for v in values) + "]"


def macros_sql(store_content: bool, time_bounds: tuple[int, int] = (0, 2**63 - 1)) -> str:
    """Temp macros shared by the metric and log extraction.

    `time_bounds` (nanoseconds since the epoch, inclusive start, exclusive end) are the record
    times that are possible; a record outside them is quarantined, never given a day.
    """
    if store_content:
        kept = "true"
        dropped = "false"
        body = "t"
    else:
        kept = (
            f"(list_contains({_sql_list(IDENTIFIER_ATTRIBUTE_KEYS)}, k) "
            f"and length(t) <= {IDENTIFIER_MAX_CHARS}) "
            "or v->>'intValue' is not null or v->>'doubleValue' is not null "
            "or v->>'boolValue' is not null "
            "or try_cast(v->>'stringValue' as double) is not null"
        )
        dropped = (
            f"list_contains({_sql_list(CONTENT_ATTRIBUTE_KEYS)}, k) or "
            + " or ".join(f"starts_with(k, '{p}')" for p in CONTENT_ATTRIBUTE_PREFIXES)
        )
        body = f"case when regexp_full_match(t, '[A-Za-z0-9_.:/-]{{1,{IDENTIFIER_MAX_CHARS}}}') then t end"
    low, high = time_bounds
    return f"""
    create or replace temp macro otlp_text(v) as coalesce(
        v->>'stringValue', v->>'intValue', v->>'doubleValue', v->>'boolValue',
        json_extract(v, '$.arrayValue')::varchar, json_extract(v, '$.kvlistValue')::varchar,
        v->>'bytesValue');
    -- a scalar read as VARCHAR (NUMBER_DATA_POINT says why)
    create or replace temp macro otlp_int(v) as try_cast(v as bigint);
    create or replace temp macro otlp_number(v) as try_cast(v as double);
    create or replace temp macro otlp_kept(k, v, t) as {kept};
    create or replace temp macro otlp_dropped(k) as {dropped};
    create or replace temp macro otlp_body(t) as {body};
    create or replace temp macro otlp_time_possible(ns) as ns >= {int(low)} and ns < {int(high)};
    -- [{{key, value}}] of an attribute list's JSON text, with text values, content keys
    -- dropped, other free text reduced to its length, sorted by key: a canonical form of the
    -- attribute set. A key sent as is wins over the same `<key>_length` derived from another;
    -- otlp_unique_keys keeps one of each.
    create or replace temp macro otlp_sorted_entries(a) as list_transform(list_sort(list_transform(
        list_filter(
            list_transform(try(json_transform(a, '{ATTRIBUTES}')),
                lambda x: {{'k': x.key, 'v': x.value, 't': otlp_text(x.value)}}),
            lambda x: x.k is not null and not otlp_dropped(x.k)),
        lambda x: case when otlp_kept(x.k, x.v, x.t)
            then {{'key': x.k, 'derived': false, 'value': x.t}}
            else {{'key': x.k || '_length', 'derived': true, 'value': length(x.t)::varchar}} end)),
        lambda x: {{'key': x.key, 'value': x.value}});
    create or replace temp macro otlp_unique_keys(sorted_entries) as list_filter(
        sorted_entries, lambda x, i: i = 1 or sorted_entries[i - 1].key <> x.key);
    -- a JSON object of unique [{{key, value}}] entries (as to_json of their map writes it)
    create or replace temp macro otlp_entries_json(u) as coalesce('{{' || array_to_string(
        list_transform(u, lambda x: to_json(x.key)::varchar || ':'
            || coalesce(to_json(x.value)::varchar, 'null')), ',') || '}}', '{{}}');
    -- an attribute of the record, else of its resource (structs of the keys read, see _lookups)
    create or replace temp macro attr(record, resource, k) as coalesce(record[k], resource[k]);
    create or replace temp macro attr_number(record, resource, k) as
        try_cast(attr(record, resource, k) as double);
    """


# Input: `_batch_lines(source_file, line_no, raw, line_bytes, read_reason, read_detail,
# read_hash)`, the non-blank lines framed and repaired in Python (landing_files.py); a line
# with read_reason set has no bytes (too long, or the unreadable rest of a file). A query,
# whose result the loader's queries read as `_lines` (loader.classify_lines).
CLASSIFY_LINES_SQL = f"""
-- the text is not copied on: an MD5 and the length identify a line in quarantine (the MD5 of a
-- line with a bad record is taken from _batch_lines by the quarantine's query, for those only)
select * exclude (text, read_hash),
    case when line_error is not null then coalesce(read_hash, md5(text)) end as line_hash
from (
with decoded as (
    -- valid UTF-8 already (repaired in Python), so decode cannot fail
    select * exclude (raw), decode(raw) as text from _batch_lines
),
parsed as (
    select *, case when read_reason is null then try(json_transform(text, '{OTLP_BODY}')) end as body
    from decoded
)
select
    source_file,
    line_no,
    line_bytes,
    text,
    read_hash,
    read_detail,
    body,
    case
        when read_reason is not null then read_reason
        when body is null and not json_valid(text) then 'invalid_json'
        when body is null or (body.resourceMetrics is null and body.resourceLogs is null)
            then case when json_type(text) = 'OBJECT' then 'not_an_otlp_body' else 'not_a_json_object' end
    end as line_error,
    body.resourceMetrics is not null as has_metrics,
    body.resourceLogs is not null as has_logs
from parsed
)
"""

# Records are numbered in the order of their line's body (record_index, 1-based): resource by
# resource, scope by scope, metric by metric, and within a metric its gauge, histogram, then sum
# points. Each level knows from its parent's list how many records come before it, so the
# number is a sum of list lengths, not a window over the rows (which sorted every record with
# all it carries).
def _metric_records(m: str) -> str:
    """The number of points of metric `m` (all three kinds)."""
    return (
        f"coalesce(len({m}.gauge.dataPoints), 0) + coalesce(len({m}.histogram.dataPoints), 0) "
        f"+ coalesce(len({m}.sum.dataPoints), 0)"
    )


METRIC_SCOPE_RECORDS = f"coalesce(list_sum(list_transform(s.metrics, lambda m: {_metric_records('m')})), 0)"
LOG_SCOPE_RECORDS = "coalesce(len(s.logRecords), 0)"


# The attributes the raw columns are taken from (INSERT_POINTS_SQL, INSERT_EVENTS_SQL), the
# record's first, then its resource's: `ak` and `rk`, structs of these keys, read out of the
# canonical JSON text of the attributes (`att_json`, `res_json`) by one json_extract_string of
# all the keys. The metric points' are made once per distinct attribute set and once per
# resource. No MAP is built: making one of each record's attributes cost more than the JSON
# text and the lookups together (loading 60 days of 200 members, alternated: 11.2 and 11.0 s
# with maps, 10.6 and 10.8 s without; the log records' insert 0.58 -> 0.37 s).
IDENTITY_KEYS = (
    "session.id", "user.id", "user.email", "api_key.name", "user.account_uuid", "organization.id",
    "terminal.type", "service.name", "service.version",
)
POINT_KEYS = IDENTITY_KEYS + (
    "type", "model", "decision", "source", "tool_name", "tool", "language", "start_type",
    "query_source",
)
EVENT_KEYS = IDENTITY_KEYS + (
    "event.name", "event.sequence", "prompt.id", "model", "tool_name", "tool", "decision",
    "decision_type", "source", "decision_source", "cost_usd", "cost_usd_micros", "input_tokens",
    "output_tokens", "cache_read_tokens", "cache_creation_tokens", "duration_ms", "status_code",
)


def _extracted(attributes_json: str, keys: tuple[str, ...]) -> str:
    """The values of `keys` in the JSON object `attributes_json`, as a list (NULL where it has
    none): the object is parsed once for all of them. _lookups names them."""
    paths = ", ".join(f"'$.\"{k}\"'" for k in keys)
    return f"json_extract_string({attributes_json}, [{paths}])"


def _lookups(extracted: str, keys: tuple[str, ...]) -> str:
    """A struct of `keys` from the list `extracted` that _extracted gave for them."""
    return "struct_pack(" + ", ".join(
        f'"{k}" := {extracted}[{i}]' for i, k in enumerate(keys, start=1)
    ) + ")"


def _resource_and_scope_ctes(
    resource_list: str, scope_list: str, scope_alias: str, scope_records: str,
    keys: tuple[str, ...],
) -> str:
    """The CTEs `resources` .. `scopes` shared by both signals: each resource of a body, its
    attributes as canonical JSON (`res_json`) and `keys` of them as a struct (`rk`), built once
    per resource rather than per record, and each of its scopes as `scope_alias`, with
    `before`: how many records of the line come before the scope's first. `scope_records`
    counts the records of scope `s`. Reads CTE `bodies` (column b)."""
    return f"""resources as (
    select source_file, line_no, generate_subscripts(b.{resource_list}, 1) as ri,
        unnest(b.{resource_list}) as r,
        list_transform(b.{resource_list}, lambda r:
            coalesce(list_sum(list_transform(r.{scope_list}, lambda s: {scope_records})), 0))
            as resource_records
    from bodies
),
resource_sorted as (
    select source_file, line_no, r.{scope_list} as scope_list,
        coalesce(list_sum(resource_records[1:ri - 1]), 0) as before,
        otlp_sorted_entries(r.resource.attributes) as res_sorted
    from resources
),
resource_unique as (
    select * exclude (res_sorted), otlp_entries_json(otlp_unique_keys(res_sorted)) as res_json
    from resource_sorted
),
resource_attrs as (
    select *, {_extracted('res_json', keys)} as rl,
        list_transform(scope_list, lambda s: {scope_records}) as scope_records
    from resource_unique
),
scopes as (
    select source_file, line_no, {_lookups('rl', keys)} as rk, res_json,
        before + coalesce(list_sum(scope_records[1:generate_subscripts(scope_list, 1) - 1]), 0)
            as before,
        unnest(scope_list) as {scope_alias}
    from resource_attrs
),
"""


# The explodes are queries whose results the loader hands on as Arrow, `_points` and `_events`
# (loader._load_batch), like `_lines`.
EXPLODE_METRICS_SQL = f"""
with bodies as (
    select source_file, line_no, body as b
    from _lines where line_error is null and has_metrics
),
{_resource_and_scope_ctes("resourceMetrics", "scopeMetrics", "sm", METRIC_SCOPE_RECORDS, POINT_KEYS)}\
scope_metrics as (
    select * exclude (sm), sm.scope as scope, sm.metrics as metric_list,
        list_transform(sm.metrics, lambda m: {_metric_records('m')}) as metric_records
    from scopes
),
-- one row per metric with its name, unit and three point lists (not the metric whole: each of
-- its points would carry all the others)
metrics as materialized (
    select * exclude (metric_list, metric_records, before, mi),
        before + coalesce(list_sum(metric_records[1:mi - 1]), 0) as before
    from (
        select *, generate_subscripts(metric_list, 1) as mi, unnest(metric_list, max_depth := 2)
        from scope_metrics
    )
),
points as (
    select * exclude (sum, gauge, histogram), 'gauge' as metric_type, null::bigint as temporality,
        null::boolean as monotonic,
        before + generate_subscripts(gauge.dataPoints, 1) as record_index,
        unnest(gauge.dataPoints) as p
    from metrics
    union all by name
    select * exclude (sum, gauge, histogram), 'histogram' as metric_type,
        otlp_int(histogram.aggregationTemporality) as temporality, null::boolean as monotonic,
        before + coalesce(len(gauge.dataPoints), 0) + generate_subscripts(histogram.dataPoints, 1)
            as record_index,
        unnest(histogram.dataPoints) as p
    from metrics
    union all by name
    select * exclude (sum, gauge, histogram), 'sum' as metric_type,
        otlp_int(sum.aggregationTemporality) as temporality,
        try_cast(sum.isMonotonic as boolean) as monotonic,
        before + coalesce(len(gauge.dataPoints), 0) + coalesce(len(histogram.dataPoints), 0)
            + generate_subscripts(sum.dataPoints, 1) as record_index,
        unnest(sum.dataPoints) as p
    from metrics
),
typed as (
    select
        source_file, line_no, record_index::integer as record_index,
        rk, res_json, p.attributes as point_attributes, scope,
        name as metric_name, unit as metric_unit,
        metric_type, coalesce(try_cast(temporality as integer), 0) as temporality, monotonic,
        nullif(otlp_int(p.timeUnixNano), 0) as time_unix_nano,
        nullif(otlp_int(p.startTimeUnixNano), 0) as start_time_unix_nano,
        case when metric_type = 'histogram' then otlp_number(p.sum)
             else coalesce(otlp_number(p.asDouble), otlp_number(p.asInt)) end as value,
        case when metric_type = 'histogram' then p.sum
             else coalesce(p.asDouble, p.asInt) end as raw_value
    from points
),
-- Points share attribute sets (a session's, a model's: about one distinct set in four points),
-- so each distinct set is made canonical once and joined back by its JSON text, not by a hash:
-- no two sets can be taken for one. (Log records' sets are nearly all distinct: done per record.)
attribute_sorted as (
    select attributes, otlp_sorted_entries(attributes) as att_sorted
    from (
        select unnest(gauge.dataPoints).attributes as attributes from metrics
        union
        select unnest(histogram.dataPoints).attributes from metrics
        union
        select unnest(sum.dataPoints).attributes from metrics
    )
),
attribute_json as (
    select attributes, att_json, {_extracted('att_json', POINT_KEYS)} as al
    from (
        select attributes, otlp_entries_json(otlp_unique_keys(att_sorted)) as att_json
        from attribute_sorted
    )
),
attribute_sets as (
    select attributes, {_lookups('al', POINT_KEYS)} as ak, att_json
    from attribute_json
)
select typed.* exclude (point_attributes), s.ak, s.att_json,
    case
        when metric_name is null or metric_name = '' then 'metric_without_name'
        when raw_value is null then 'data_point_without_value'
        when value is null or not isfinite(value) then 'non_numeric_value'
        when time_unix_nano is null then 'data_point_without_time'
        when not otlp_time_possible(time_unix_nano) then 'time_out_of_range'
    end as record_error
from typed
left join attribute_sets as s on typed.point_attributes is not distinct from s.attributes
"""

EXPLODE_LOGS_SQL = f"""
with bodies as (
    select source_file, line_no, body as b
    from _lines where line_error is null and has_logs
),
{_resource_and_scope_ctes("resourceLogs", "scopeLogs", "sl", LOG_SCOPE_RECORDS, EVENT_KEYS)}\
records as (
    select source_file, line_no, rk, res_json, sl.scope as scope,
        before + generate_subscripts(sl.logRecords, 1) as record_index, unnest(sl.logRecords) as r
    from scopes
),
typed as (
select
    source_file, line_no,
    record_index::integer as record_index,
    rk, res_json, otlp_sorted_entries(r.attributes) as att_sorted, scope,
    coalesce(nullif(otlp_int(r.timeUnixNano), 0), nullif(otlp_int(r.observedTimeUnixNano), 0))
        as time_unix_nano,
    nullif(otlp_int(r.observedTimeUnixNano), 0) as observed_time_unix_nano,
    otlp_body(otlp_text(r.body)) as body,
    r.eventName as otlp_event_name,
    try_cast(otlp_int(r.severityNumber) as integer) as severity_number,
    r.severityText as severity_text,
    null::varchar as record_error
from records
),
with_json as (
    select * exclude (att_sorted), otlp_entries_json(otlp_unique_keys(att_sorted)) as att_json
    from typed
),
with_values as (
    select *, {_extracted('att_json', EVENT_KEYS)} as al from with_json
)
select * exclude (al, record_error), {_lookups('al', EVENT_KEYS)} as ak,
    case
        when time_unix_nano is null then 'log_record_without_time'
        when not otlp_time_possible(time_unix_nano) then 'time_out_of_range'
    end as record_error
from with_values
"""

LOADED_AT = "current_timestamp::timestamp"

# Columns every raw record has, from its attributes (record first, then resource) and origin.
def _identity_columns(record: str, resource: str) -> str:
    """The identity columns, from the record's attributes (`record`), then the resource's
    (`resource`): structs of the keys read (_lookups)."""
    return f"""\
    attr({record}, {resource}, 'session.id') as session_id,
    attr({record}, {resource}, 'user.id') as user_id,
    lower(attr({record}, {resource}, 'user.email')) as user_email,
    attr({record}, {resource}, 'api_key.name') as api_key_name,
    attr({record}, {resource}, 'user.account_uuid') as user_account_uuid,
    attr({record}, {resource}, 'organization.id') as organization_id,
    attr({record}, {resource}, 'terminal.type') as terminal_type,
    attr({record}, {resource}, 'service.name') as service_name,
    attr({record}, {resource}, 'service.version') as service_version,
"""
LINEAGE_COLUMNS = f"""\
    scope.name as scope_name,
    scope.version as scope_version,
    res_json as resource_attributes_json,
    att_json as attributes_json,
    source_file,
    line_no as source_line,
    record_index,
    f.generation as source_generation,
    {LOADED_AT} as loaded_at
"""

INSERT_POINTS_SQL = f"""
insert into raw.otlp_metric_points by name
select
    make_timestamp(time_unix_nano // 1000)::date as usage_date,
    make_timestamp(time_unix_nano // 1000) as point_time,
    time_unix_nano,
    start_time_unix_nano,
    metric_name,
    metric_type,
    metric_unit,
    temporality as aggregation_temporality,
    monotonic as is_monotonic,
    value,
{_identity_columns('ak', 'rk')}    attr(ak, rk, 'type') as attr_type,
    attr(ak, rk, 'model') as attr_model,
    attr(ak, rk, 'decision') as attr_decision,
    attr(ak, rk, 'source') as attr_source,
    coalesce(attr(ak, rk, 'tool_name'), attr(ak, rk, 'tool')) as attr_tool_name,
    attr(ak, rk, 'language') as attr_language,
    attr(ak, rk, 'start_type') as attr_start_type,
    attr(ak, rk, 'query_source') as attr_query_source,
{LINEAGE_COLUMNS}from _points join _batch_files f using (source_file) where record_error is null
"""

INSERT_EVENTS_SQL = f"""
insert into raw.otlp_log_records by name
select
    make_timestamp(time_unix_nano // 1000)::date as usage_date,
    make_timestamp(time_unix_nano // 1000) as event_time,
    time_unix_nano,
    observed_time_unix_nano,
    body,
    coalesce(
        attr(ak, rk, 'event.name'),
        regexp_replace(otlp_event_name, '^claude_code\\.', ''),
        case when body like 'claude_code.%' then regexp_replace(body, '^claude_code\\.', '') end
    ) as event_name,
    try_cast(attr_number(ak, rk, 'event.sequence') as bigint) as event_sequence,
{_identity_columns('ak', 'rk')}    attr(ak, rk, 'prompt.id') as prompt_id,
    attr(ak, rk, 'model') as attr_model,
    coalesce(attr(ak, rk, 'tool_name'), attr(ak, rk, 'tool')) as attr_tool_name,
    coalesce(attr(ak, rk, 'decision'), attr(ak, rk, 'decision_type')) as attr_decision,
    coalesce(attr(ak, rk, 'source'), attr(ak, rk, 'decision_source')) as attr_source,
    coalesce(attr_number(ak, rk, 'cost_usd'), attr_number(ak, rk, 'cost_usd_micros') / 1e6)
        as cost_usd,
    attr_number(ak, rk, 'input_tokens') as input_tokens,
    attr_number(ak, rk, 'output_tokens') as output_tokens,
    attr_number(ak, rk, 'cache_read_tokens') as cache_read_tokens,
    attr_number(ak, rk, 'cache_creation_tokens') as cache_creation_tokens,
    attr_number(ak, rk, 'duration_ms') as duration_ms,
    attr(ak, rk, 'status_code') as status_code,
    severity_number,
    severity_text,
{LINEAGE_COLUMNS}from _events join _batch_files f using (source_file) where record_error is null
"""

# Quarantine rows name the file, line, record and reason, with the line's length and MD5:
# never its text. At most `limit` rows per file (generation) are stored; the rest are counted
# in the manifest. `_quarantine_stored(source_file, n)` holds what earlier chunks stored.
# Reads `_batch_lines` for the MD5 of the lines with a bad record.
def insert_quarantine_sql(limit: int) -> str:
    return f"""
insert into raw.quarantine by name
with record_lines as (
    select source_file, line_no, line_bytes, md5(raw) as line_hash
    from _batch_lines
    semi join (
        select source_file, line_no from _points where record_error is not null
        union
        select source_file, line_no from _events where record_error is not null
    ) using (source_file, line_no)
),
candidates as (
    select source_file, line_no as source_line, null::integer as record_index,
        case when has_metrics then 'metrics' when has_logs then 'logs' end as signal,
        line_error as reason, read_detail as detail, line_bytes, line_hash
    from _lines where line_error is not null
    union all by name
    select p.source_file, p.line_no as source_line, p.record_index, 'metrics' as signal,
        p.record_error as reason, null as detail, l.line_bytes, l.line_hash
    from _points p join record_lines l using (source_file, line_no) where p.record_error is not null
    union all by name
    select e.source_file, e.line_no as source_line, e.record_index, 'logs' as signal,
        e.record_error as reason, null as detail, l.line_bytes, l.line_hash
    from _events e join record_lines l using (source_file, line_no) where e.record_error is not null
),
ranked as (
    select c.*, row_number() over (
        partition by c.source_file order by c.source_line, c.record_index nulls first
    ) + coalesce(s.n, 0) as rank_in_file
    from candidates c left join _quarantine_stored s using (source_file)
)
select r.* exclude (rank_in_file), f.generation as source_generation,
    {LOADED_AT} as quarantined_at
from ranked r join _batch_files f using (source_file)
where rank_in_file <= {int(limit)}
"""


FILE_COUNTS_SQL = """
with lines as (
    select source_file,
        count(*) as lines_read,
        count(*) filter (where line_error is null) as lines_loaded,
        count(*) filter (where line_error is not null) as lines_quarantined
    from _lines group by all
),
points as (
    select source_file,
        count(*) filter (where record_error is null) as metric_points,
        count(*) filter (where record_error is not null) as bad_points,
        min(case when record_error is null then make_timestamp(time_unix_nano // 1000)::date end) as min_d,
        max(case when record_error is null then make_timestamp(time_unix_nano // 1000)::date end) as max_d
    from _points group by all
),
events as (
    select source_file,
        count(*) filter (where record_error is null) as log_records,
        count(*) filter (where record_error is not null) as bad_events,
        min(case when record_error is null then make_timestamp(time_unix_nano // 1000)::date end) as min_d,
        max(case when record_error is null then make_timestamp(time_unix_nano // 1000)::date end) as max_d
    from _events group by all
)
select
    lines.source_file, lines_read, lines_loaded, lines_quarantined,
    coalesce(points.metric_points, 0) as metric_points,
    coalesce(events.log_records, 0) as log_records,
    coalesce(points.bad_points, 0) + coalesce(events.bad_events, 0) as records_quarantined,
    least(points.min_d, events.min_d) as min_usage_date,
    greatest(points.max_d, events.max_d) as max_usage_date
from lines
left join points using (source_file)
left join events using (source_file)
"""
