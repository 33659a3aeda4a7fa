"""DuckDB SQL that turns OTLP/JSON lines into raw metric points, log records and quarantine rows.

The input is a temp table `_batch_lines(source_file, line_no, raw BLOB)`, one row per line of
the landed files (blank lines included, so line numbers and counts are exact). Everything is
written to the OTLP JSON encoding rules, not to one client's output:

- 64-bit integers (`timeUnixNano`, `asInt`, `intValue`) as JSON numbers or decimal strings;
- values as `asDouble` or `asInt`; numeric attributes as `intValue`, `doubleValue` or a numeric
  `stringValue`; attributes on the record or on the resource (the record wins);
- `tool_name` or the older `tool`; unknown metrics, events and attributes are kept.
"""

ANYVALUE = '{"key": "VARCHAR", "value": "JSON"}'
ATTRIBUTES = f"[{ANYVALUE}]"
RESOURCE = f'{{"attributes": {ATTRIBUTES}}}'
SCOPE = '{"name": "VARCHAR", "version": "VARCHAR"}'
NUMBER_DATA_POINT = (
    f'{{"attributes": {ATTRIBUTES}, "startTimeUnixNano": "JSON", "timeUnixNano": "JSON", '
    '"asDouble": "JSON", "asInt": "JSON", "sum": "JSON"}'
)
METRICS_BODY = (
    '{"resourceMetrics": [{"resource": ' + RESOURCE + ', "scopeMetrics": [{"scope": ' + SCOPE
    + ', "metrics": [{"name": "VARCHAR", "unit": "VARCHAR", '
    '"sum": {"aggregationTemporality": "JSON", "isMonotonic": "JSON", "dataPoints": ['
    + NUMBER_DATA_POINT + ']}, '
    '"gauge": {"dataPoints": [' + NUMBER_DATA_POINT + ']}, '
    '"histogram": {"aggregationTemporality": "JSON", "dataPoints": [' + NUMBER_DATA_POINT + ']}'
    '}]}]}]}'
)
LOGS_BODY = (
    '{"resourceLogs": [{"resource": ' + RESOURCE + ', "scopeLogs": [{"scope": ' + SCOPE
    + ', "logRecords": [{"timeUnixNano": "JSON", "observedTimeUnixNano": "JSON", '
    '"severityNumber": "JSON", "severityText": "VARCHAR", "body": "JSON", "eventName": "VARCHAR", '
    '"attributes": ' + ATTRIBUTES + '}]}]}]}'
)

# Both signals in one structure, so a line is parsed once whichever it holds (a line may hold
# both, e.g. where a collector writes logs and metrics to the same file).
OTLP_BODY = (
    '{"resourceMetrics": ' + METRICS_BODY[len('{"resourceMetrics": '):-1]
    + ', "resourceLogs": ' + LOGS_BODY[len('{"resourceLogs": '):-1] + "}"
)

# Attribute keys that carry user content (prompts, responses, tool inputs) when a client turns
# content logging on. They are dropped at ingestion unless ANALYTICS_STORE_CONTENT is set.
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


def macros_sql(store_content: bool) -> str:
    """Temp macros shared by the metric and log extraction."""
    dropped = "[]" if store_content else "[" + ", ".join(f"'{k}'" for k in CONTENT_ATTRIBUTE_KEYS) + "]"
    return f"""
    create or replace temp macro otlp_text(v) as coalesce(
        v->>'stringValue', v->>'intValue', v->>'doubleValue', v->>'boolValue',
        json_extract(v, '$.arrayValue')::varchar, json_extract(v, '$.kvlistValue')::varchar,
        v->>'bytesValue');
    create or replace temp macro otlp_int(v) as try_cast(v->>'$' as bigint);
    create or replace temp macro otlp_number(v) as try_cast(v->>'$' as double);
    -- [{{key, value}}] with text values, content keys dropped, sorted by key: a canonical form
    -- of the attribute set. Keys must be unique in OTLP; otlp_unique_keys keeps one of each.
    create or replace temp macro otlp_sorted_entries(a) as list_sort(list_filter(
        list_transform(a, lambda x: {{'key': x.key, 'value': otlp_text(x.value)}}),
        lambda x: x.key is not null and not list_contains({dropped}, x.key)));
    create or replace temp macro otlp_unique_keys(sorted_entries) as list_filter(
        sorted_entries, lambda x, i: i = 1 or sorted_entries[i - 1].key <> x.key);
    create or replace temp macro otlp_map_json(m) as coalesce(to_json(m)::varchar, '{{}}');
    create or replace temp macro attr(am, rm, k) as coalesce(am[k], rm[k]);
    create or replace temp macro attr_number(am, rm, k) as try_cast(attr(am, rm, k) as double);
    """


CLASSIFY_LINES_SQL = f"""
create or replace temp table _lines as
-- the text is kept only where the line is quarantined (for its excerpt), not copied for every line
select * exclude (text), case when line_error is not null then text end as text
from (
with decoded as (
    select source_file, line_no, try(decode(raw)) as text, read_error
    from _batch_lines
),
parsed as (
    select *, try(json_transform(text, '{OTLP_BODY}')) as body
    from decoded
)
select
    source_file,
    line_no,
    text,
    read_error,
    body,
    case
        when read_error is not null then 'unreadable_file_tail'
        when text is null then 'invalid_utf8'
        when trim(text, ' \t\r') = '' then 'empty_line'
        when body is null and not json_valid(text) then 'invalid_json'
        when body is null or (body.resourceMetrics is null and body.resourceLogs is null)
            then case when json_type(text) = 'OBJECT' then 'not_an_otlp_body' else 'not_a_json_object' end
    end as line_error,
    body.resourceMetrics is not null as has_metrics,
    body.resourceLogs is not null as has_logs
from parsed
)
"""

def _resource_and_scope_ctes(resource_list: str, scope_list: str, scope_alias: str) -> str:
    """The CTEs `resources` .. `scopes` shared by both signals: each resource of a body (`ri`),
    its attributes as a map (`rm`) and as JSON (`res_json`), built once per resource rather than
    per record, and each of its scopes (`si`) as `scope_alias`. Reads CTE `bodies` (column b)."""
    return f"""resources as (
    select source_file, line_no,
        generate_subscripts(b.{resource_list}, 1) as ri, unnest(b.{resource_list}) as r
    from bodies
),
resource_sorted as (
    select source_file, line_no, ri, r.{scope_list} as scope_list,
        otlp_sorted_entries(r.resource.attributes) as res_sorted
    from resources
),
resource_unique as (
    select * exclude (res_sorted), map_from_entries(otlp_unique_keys(res_sorted)) as rm
    from resource_sorted
),
resource_attrs as (
    select *, otlp_map_json(rm) as res_json from resource_unique
),
scopes as (
    select source_file, line_no, ri, rm, res_json,
        generate_subscripts(scope_list, 1) as si, unnest(scope_list) as {scope_alias}
    from resource_attrs
),
"""


EXPLODE_METRICS_SQL = """
create or replace temp table _points as
with bodies as (
    select source_file, line_no, body as b
    from _lines where line_error is null and has_metrics
),
""" + _resource_and_scope_ctes("resourceMetrics", "scopeMetrics", "sm") + """metrics as (
    select source_file, line_no, ri, si, rm, res_json, sm.scope as scope,
        generate_subscripts(sm.metrics, 1) as mi, unnest(sm.metrics) as m
    from scopes
),
points as (
    select *, 'sum' as metric_type, otlp_int(m.sum.aggregationTemporality) as temporality,
        try_cast(m.sum.isMonotonic->>'$' as boolean) as monotonic,
        generate_subscripts(m.sum.dataPoints, 1) as pi, unnest(m.sum.dataPoints) as p
    from metrics
    union all by name
    select *, 'gauge' as metric_type, null::integer as temporality, null::boolean as monotonic,
        generate_subscripts(m.gauge.dataPoints, 1) as pi, unnest(m.gauge.dataPoints) as p
    from metrics
    union all by name
    select *, 'histogram' as metric_type, otlp_int(m.histogram.aggregationTemporality) as temporality,
        null::boolean as monotonic,
        generate_subscripts(m.histogram.dataPoints, 1) as pi, unnest(m.histogram.dataPoints) as p
    from metrics
),
typed as (
    select
        source_file, line_no,
        row_number() over (partition by source_file, line_no order by ri, si, mi, metric_type, pi)::integer
            as record_index,
        rm, res_json, otlp_sorted_entries(p.attributes) as att_sorted, scope, m.name as metric_name, m.unit as metric_unit,
        metric_type, coalesce(temporality, 0) as temporality, monotonic,
        nullif(otlp_int(p.timeUnixNano), 0) as time_unix_nano,
        nullif(otlp_int(p.startTimeUnixNano), 0) as start_time_unix_nano,
        case when metric_type = 'histogram' then otlp_number(p.sum)
             else coalesce(otlp_number(p.asDouble), otlp_number(p.asInt)) end as value,
        case when metric_type = 'histogram' then p.sum
             else coalesce(p.asDouble, p.asInt) end as raw_value
    from points
)
select * exclude (am_), am_ as am, otlp_map_json(am_) as att_json
from (
    select
        * exclude (att_sorted),
        map_from_entries(otlp_unique_keys(att_sorted)) as am_,
        case
            when metric_name is null or metric_name = '' then 'metric_without_name'
            when raw_value is null then 'data_point_without_value'
            when value is null or not isfinite(value) then 'non_numeric_value'
            when time_unix_nano is null then 'data_point_without_time'
        end as record_error
    from typed
)
"""

EXPLODE_LOGS_SQL = """
create or replace temp table _events as
with bodies as (
    select source_file, line_no, body as b
    from _lines where line_error is null and has_logs
),
""" + _resource_and_scope_ctes("resourceLogs", "scopeLogs", "sl") + """records as (
    select source_file, line_no, ri, si, rm, res_json, sl.scope as scope,
        generate_subscripts(sl.logRecords, 1) as li, unnest(sl.logRecords) as r
    from scopes
),
typed as (
select
    source_file, line_no,
    row_number() over (partition by source_file, line_no order by ri, si, li)::integer as record_index,
    rm, res_json, otlp_sorted_entries(r.attributes) as att_sorted, scope,
    coalesce(nullif(otlp_int(r.timeUnixNano), 0), nullif(otlp_int(r.observedTimeUnixNano), 0))
        as time_unix_nano,
    nullif(otlp_int(r.observedTimeUnixNano), 0) as observed_time_unix_nano,
    otlp_text(r.body) as body,
    r.eventName as otlp_event_name,
    otlp_int(r.severityNumber)::integer as severity_number,
    r.severityText as severity_text,
    case when coalesce(nullif(otlp_int(r.timeUnixNano), 0), nullif(otlp_int(r.observedTimeUnixNano), 0)) is null
        then 'log_record_without_time' end as record_error
from records
)
select * exclude (am_), am_ as am, otlp_map_json(am_) as att_json
from (select * exclude (att_sorted), map_from_entries(otlp_unique_keys(att_sorted)) as am_ from typed)
"""

LOADED_AT = "current_timestamp::timestamp"

# Columns every raw record has, from its attributes (record first, then resource) and origin.
IDENTITY_COLUMNS = """\
    attr(am, rm, 'session.id') as session_id,
    attr(am, rm, 'user.id') as user_id,
    lower(attr(am, rm, 'user.email')) as user_email,
    attr(am, rm, 'api_key.name') as api_key_name,
    attr(am, rm, 'user.account_uuid') as user_account_uuid,
    attr(am, rm, 'organization.id') as organization_id,
    attr(am, rm, 'terminal.type') as terminal_type,
    attr(am, rm, 'service.name') as service_name,
    attr(am, rm, 'service.version') as service_version,
"""
LINEAGE_COLUMNS = f"""\
    scope.name as scope_name,
    scope.version as scope_version,
    res_json as resource_attributes_json,
    att_json as attributes_json,
    source_file,
    line_no as source_line,
    record_index,
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
{IDENTITY_COLUMNS}    attr(am, rm, 'type') as attr_type,
    attr(am, rm, 'model') as attr_model,
    attr(am, rm, 'decision') as attr_decision,
    attr(am, rm, 'source') as attr_source,
    coalesce(attr(am, rm, 'tool_name'), attr(am, rm, 'tool')) as attr_tool_name,
    attr(am, rm, 'language') as attr_language,
    attr(am, rm, 'start_type') as attr_start_type,
    attr(am, rm, 'query_source') as attr_query_source,
{LINEAGE_COLUMNS}from _points where record_error is null
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
        attr(am, rm, 'event.name'),
        regexp_replace(otlp_event_name, '^claude_code\\.', ''),
        case when body like 'claude_code.%' then regexp_replace(body, '^claude_code\\.', '') end
    ) as event_name,
    attr_number(am, rm, 'event.sequence')::bigint as event_sequence,
{IDENTITY_COLUMNS}    attr(am, rm, 'prompt.id') as prompt_id,
    attr(am, rm, 'model') as attr_model,
    coalesce(attr(am, rm, 'tool_name'), attr(am, rm, 'tool')) as attr_tool_name,
    coalesce(attr(am, rm, 'decision'), attr(am, rm, 'decision_type')) as attr_decision,
    coalesce(attr(am, rm, 'source'), attr(am, rm, 'decision_source')) as attr_source,
    coalesce(attr_number(am, rm, 'cost_usd'), attr_number(am, rm, 'cost_usd_micros') / 1e6)
        as cost_usd,
    attr_number(am, rm, 'input_tokens') as input_tokens,
    attr_number(am, rm, 'output_tokens') as output_tokens,
    attr_number(am, rm, 'cache_read_tokens') as cache_read_tokens,
    attr_number(am, rm, 'cache_creation_tokens') as cache_creation_tokens,
    attr_number(am, rm, 'duration_ms') as duration_ms,
    attr(am, rm, 'status_code') as status_code,
    severity_number,
    severity_text,
{LINEAGE_COLUMNS}from _events where record_error is null
"""

INSERT_QUARANTINE_SQL = f"""
insert into raw.quarantine by name
select source_file, line_no as source_line, null::integer as record_index,
    case when has_metrics then 'metrics' when has_logs then 'logs' end as signal,
    line_error as reason, coalesce(read_error, left(text, 120)) as excerpt, {LOADED_AT} as quarantined_at
from _lines where line_error is not null
union all by name
select source_file, line_no as source_line, record_index, 'metrics' as signal,
    record_error as reason, metric_name as excerpt, {LOADED_AT} as quarantined_at
from _points where record_error is not null
union all by name
select source_file, line_no as source_line, record_index, 'logs' as signal,
    record_error as reason, body as excerpt, {LOADED_AT} as quarantined_at
from _events where record_error is not null
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
        min(make_timestamp(time_unix_nano // 1000)::date) filter (where record_error is null) as min_d,
        max(make_timestamp(time_unix_nano // 1000)::date) filter (where record_error is null) as max_d
    from _points group by all
),
events as (
    select source_file,
        count(*) filter (where record_error is null) as log_records,
        count(*) filter (where record_error is not null) as bad_events,
        min(make_timestamp(time_unix_nano // 1000)::date) filter (where record_error is null) as min_d,
        max(make_timestamp(time_unix_nano // 1000)::date) filter (where record_error is null) as max_d
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
