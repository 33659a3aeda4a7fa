{{ config(unique_key='usage_date', partition_by=['usage_date']) }}
{#- One row per distinct Claude Code event in the window, with its member and normalized model. -#}
with

window_events as (

    select * from {{ ref('stg_otlp__log_records') }}
    where {{ in_local_window('usage_date', 'utc_date') }}

),

identities as (

    select * from {{ ref('int_member_identities') }}

),

final as (

    select
        events.usage_date,
        events.event_time,
        events.event_id,
        events.event_name,
        events.event_sequence,
        events.session_id,
        identities.member_key,
        identities.member_type,
        identities.member_identifier,
        events.user_id,
        events.user_email,
        events.api_key_name,
        events.model_raw,
        {{ normalize_model('events.model_raw') }} as model,
        events.tool_name,
        events.decision,
        events.decision_source,
        events.cost_usd,
        events.input_tokens,
        events.output_tokens,
        events.cache_read_tokens,
        events.cache_creation_tokens,
        events.client_version,
        events.team_id,
        events.department,
        events.cost_center
    from window_events as events
    left join identities
        on {{ identity_matches('events', 'identities') }}

)

select * from final
