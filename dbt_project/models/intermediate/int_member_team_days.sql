{{ config(unique_key='usage_date', partition_by=['usage_date']) }}
{#-
    The team a member's clients report, per UTC day: the team.id, department and cost_center
    resource attributes (Claude Code's documented OTEL_RESOURCE_ATTRIBUTES example) of the
    member's last record that day carrying a team.id. dim_members takes the latest day's; the
    roster's team wins over it.
-#}
with

points as (

    select
        usage_date,
        exported_at as record_time,
        user_id,
        user_email,
        api_key_name,
        team_id,
        department,
        cost_center
    from {{ ref('stg_otlp__metric_points') }}
    where {{ in_local_window('usage_date', 'utc_date') }} and team_id is not null

),

events as (

    select
        usage_date,
        event_time as record_time,
        user_id,
        user_email,
        api_key_name,
        team_id,
        department,
        cost_center
    from {{ ref('stg_otlp__log_records') }}
    where {{ in_local_window('usage_date', 'utc_date') }} and team_id is not null

),

records as (

    select * from points
    union all
    select * from events

),

identities as (

    select * from {{ ref('int_member_identities') }}

),

ranked as (

    select
        records.usage_date,
        records.record_time,
        identities.member_key,
        records.team_id,
        records.department,
        records.cost_center,
        row_number() over (
            partition by records.usage_date, identities.member_key
            order by records.record_time desc, records.team_id desc
        ) as rank_in_day
    from records
    left join identities
        on {{ identity_key('records.user_email', 'records.user_id', 'records.api_key_name') }}
        = identities.identity_key

),

final as (

    select usage_date, member_key, team_id, department, cost_center, record_time as last_seen_at
    from ranked
    where rank_in_day = 1

)

select * from final
