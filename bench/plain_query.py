"""The reference: one plain DuckDB query that reads the landed files and computes the
organization's daily numbers directly (no manifest, no de-duplication, no cumulative
differencing, no tests). It is how fast reading and aggregating these bytes can be on this
machine; the pipeline does more, and the benchmark reports the ratio.

Usage: python bench/plain_query.py LANDING_DIR
"""

import sys
import time

import duckdb

ANY = '{"key": "VARCHAR", "value": {"stringValue": "VARCHAR", "intValue": "VARCHAR", "doubleValue": "VARCHAR"}}'
POINT = '{"attributes": [' + ANY + '], "timeUnixNano": "VARCHAR", "asDouble": "VARCHAR", "asInt": "VARCHAR"}'
BODY = (
    '{"resourceMetrics": [{"scopeMetrics": [{"metrics": [{"name": "VARCHAR", "sum": {"dataPoints": ['
    + POINT + ']}}]}]}], "resourceLogs": [{"scopeLogs": [{"logRecords": [{"timeUnixNano": "VARCHAR", '
    '"attributes": [' + ANY + ']}]}]}]}'
)

SQL = f"""
with lines as (
    select try(json_transform(line, '{BODY}')) as b
    from read_csv(?, columns = {{'line': 'VARCHAR'}}, delim = '\\x01', quote = '', escape = '',
                  header = false, ignore_errors = true, auto_detect = false,
                  max_line_size = 134217728)
),
resource_metrics as (select unnest(b.resourceMetrics) as rm from lines),
scope_metrics as (select unnest(rm.scopeMetrics) as sm from resource_metrics),
metrics as (select unnest(sm.metrics) as m from scope_metrics),
points as (select m.name as name, unnest(m.sum.dataPoints) as p from metrics),
metric_points as (
    select
        name,
        make_timestamp(try_cast(p.timeUnixNano as bigint) // 1000)::date as usage_date,
        coalesce(try_cast(p.asDouble as double), try_cast(p.asInt as double)) as value,
        map_from_entries(list_transform(p.attributes, lambda a: {{'k': a.key, 'v': coalesce(a.value.stringValue, a.value.intValue, a.value.doubleValue)}})) as attrs
    from points
),
resource_logs as (select unnest(b.resourceLogs) as rl from lines),
scope_logs as (select unnest(rl.scopeLogs) as sl from resource_logs),
records as (select unnest(sl.logRecords) as r from scope_logs),
events as (
    select
        make_timestamp(try_cast(r.timeUnixNano as bigint) // 1000)::date as usage_date,
        map_from_entries(list_transform(r.attributes, lambda a: {{'k': a.key, 'v': coalesce(a.value.stringValue, a.value.intValue, a.value.doubleValue)}})) as attrs
    from records
),
activity as (
    select usage_date, coalesce(attrs['user.email'], attrs['user.id']) as member from events
    union
    select usage_date, coalesce(attrs['user.email'], attrs['user.id']) from metric_points where value <> 0
)
select
    m.usage_date,
    (select count(distinct member) from activity a where a.usage_date = m.usage_date) as daily_active_users,
    sum(value) filter (where name = 'claude_code.lines_of_code.count' and attrs['type'] = 'added') as lines_added,
    sum(value) filter (where name = 'claude_code.lines_of_code.count' and attrs['type'] = 'removed') as lines_removed,
    sum(value) filter (where name = 'claude_code.code_edit_tool.decision' and attrs['decision'] = 'accept') as edit_accepts,
    sum(value) filter (where name = 'claude_code.code_edit_tool.decision' and attrs['decision'] = 'reject') as edit_rejects,
    sum(value) filter (where name = 'claude_code.cost.usage') as spend_usd,
    sum(value) filter (where name = 'claude_code.token.usage') as tokens
from metric_points m
group by m.usage_date
order by m.usage_date
"""


def main(landing: str) -> None:
    started = time.perf_counter()
    con = duckdb.connect()
    rows = con.execute(SQL, [f"{landing}/otlp/**/*.jsonl*"]).fetchall()
    print(f"{len(rows)} days in {time.perf_counter() - started:.2f}s", file=sys.stderr)


if __name__ == "__main__":
    main(sys.argv[1])
