{#-
    One row per distinct OTLP metric data point. A point delivered twice (exporter retry, a file
    copied under another name) is kept once: its identity is the metric, the resource and point
    attribute sets, startTimeUnixNano, timeUnixNano and value (docs/metrics.md).
-#}
{%- set identity = [
    'metric_name', 'resource_attributes_json', 'attributes_json', 'start_time_unix_nano',
    'time_unix_nano', 'value',
] %}
with

source as (

    select * from {{ source('otlp', 'metric_points') }}

),

identified as (

    select
        *,
        {{ row_hash(identity) }} as point_hash,
        {{ row_hash(['metric_name', 'resource_attributes_json', 'attributes_json',
                     'start_time_unix_nano']) }} as series_hash
    from source

),

-- a record delivered twice is kept once (macros/cross_engine.sql)
deduplicated as (

    {{ without_repeated_copies('identified', source('otlp', 'metric_points'), identity, 'point_hash') }}

),

final as (

    select
        {{ hash_text('point_hash') }} as point_id,
        {{ hash_text('series_hash') }} as series_id,
        {{ local_date('time_unix_nano') }} as usage_date,
        usage_date as utc_date,
        point_time as exported_at,
        time_unix_nano,
        start_time_unix_nano,
        metric_name,
        metric_type,
        metric_unit,
        aggregation_temporality,
        value,
        session_id,
        user_id,
        user_email,
        api_key_name,
        organization_id,
        terminal_type,
        service_version as client_version,
        attr_type as type,
        attr_model as model_raw,
        attr_decision as decision,
        attr_source as decision_source,
        attr_tool_name as tool_name,
        attr_language as language,
        attr_start_type as start_type,
        attr_query_source as query_source,
        {{ json_attribute('resource_attributes_json', 'team.id') }} as team_id,
        {{ json_attribute('resource_attributes_json', 'department') }} as department,
        {{ json_attribute('resource_attributes_json', 'cost_center') }} as cost_center,
        source_file,
        source_line
    from deduplicated

)

select * from final
