{#-
    One row per distinct Claude Code event (OTLP log record). An event delivered twice is kept
    once: its identity is session.id, event name, event.sequence, timeUnixNano and the full
    record attribute set (docs/metrics.md). event.sequence alone is not unique: it restarts in every
    process of a continued session.
-#}
{%- set identity = ['session_id', 'event_name', 'event_sequence', 'time_unix_nano', 'attributes_json'] %}
with

source as (

    select * from {{ source('otlp', 'log_records') }}

),

identified as (

    select
        *,
        {{ row_hash(identity) }} as event_hash
    from source

),

-- a record delivered twice is kept once (macros/cross_engine.sql)
deduplicated as (

    {{ without_repeated_copies('identified', source('otlp', 'log_records'), identity, 'event_hash') }}

),

final as (

    select
        {{ hash_text('event_hash') }} as event_id,
        {{ local_date('time_unix_nano') }} as usage_date,
        usage_date as utc_date,
        event_time,
        time_unix_nano,
        event_name,
        event_sequence,
        session_id,
        user_id,
        user_email,
        api_key_name,
        organization_id,
        terminal_type,
        service_version as client_version,
        prompt_id,
        attr_model as model_raw,
        attr_tool_name as tool_name,
        attr_decision as decision,
        attr_source as decision_source,
        cost_usd,
        input_tokens,
        output_tokens,
        cache_read_tokens,
        cache_creation_tokens,
        duration_ms,
        status_code,
        {{ json_attribute('resource_attributes_json', 'team.id') }} as team_id,
        {{ json_attribute('resource_attributes_json', 'department') }} as department,
        {{ json_attribute('resource_attributes_json', 'cost_center') }} as cost_center,
        source_file,
        source_line
    from deduplicated

)

select * from final
