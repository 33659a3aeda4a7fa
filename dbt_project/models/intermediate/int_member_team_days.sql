{{ config(unique_key='usage_date', partition_by=['usage_date']) }}
{#-
    The team a member's clients report, per UTC day: the team.id, department and cost_center
    resource attributes (Claude Code's documented OTEL_RESOURCE_ATTRIBUTES example) of the
    member's last record that day carrying a team.id. dim_members takes the latest day's; the
    roster's team wins over it.
-#}
with

points as (

    select usage_date, exported_at as record_time, user_id, user_email, api_key_name,
        team_id, department, cost_center
    from {{ ref('stg_otlp__metric_points') }}
    where {{ in_window('usage_date') }} and team_id is not null

),

events as (

    select usage_date, event_time as record_time, user_id, user_email, api_key_name,
        team_id, department, cost_center
    from {{ ref('stg_otlp__log_records') }}
    where {{ in_window('usage_date') }} and team_id is not null

),

records as (

    select * from points
    union all
    select * from events

),

identified as (

    select
        records.usage_date,
        records.record_time,
        {{ member_type_expr('records') }} as member_type,
        {{ member_identifier_expr('records') }} as member_identifier,
        records.team_id,
        records.department,
        records.cost_center
    from records
    {{ member_identity_joins('records') }}

),

ranked as (

    select
        *,
        {{ member_key('member_type', 'member_identifier') }} as member_key,
        row_number() over (
            partition by usage_date, member_type, member_identifier
            order by record_time desc, team_id desc
        ) as rank_in_day
    from identified

),

final as (

    select usage_date, member_key, team_id, department, cost_center, record_time as last_seen_at
    from ranked
    where rank_in_day = 1

)

select * from final
