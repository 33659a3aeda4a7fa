{{ config(unique_key='usage_date', partition_by=['usage_date']) }}
{#-
    The team a member's clients report, per UTC day: the team.id, department and cost_center
    resource attributes (Claude Code's documented OTEL_RESOURCE_ATTRIBUTES example) of the
    member's last record that day carrying a team.id. dim_members takes the latest day's; the
    roster's team wins over it.

    Read from the window's points and events as int_metric_increments and int_events have them
    (distinct, with their member), not from the staging views again: each read of a staging
    view de-duplicates the raw records anew (about a quarter of dbt's time over a year of data).
-#}
with

points as (

    select
        usage_date,
        exported_at as record_time,
        member_key,
        team_id,
        department,
        cost_center
    from {{ ref('int_metric_increments') }}
    where {{ in_window('usage_date') }} and team_id is not null

),

events as (

    select
        usage_date,
        event_time as record_time,
        member_key,
        team_id,
        department,
        cost_center
    from {{ ref('int_events') }}
    where {{ in_window('usage_date') }} and team_id is not null

),

records as (

    select * from points
    union all
    select * from events

),

ranked as (

    select
        usage_date,
        record_time,
        member_key,
        team_id,
        department,
        cost_center,
        row_number() over (
            partition by usage_date, member_key
            order by record_time desc, team_id desc
        ) as rank_in_day
    from records

),

final as (

    select usage_date, member_key, team_id, department, cost_center, record_time as last_seen_at
    from ranked
    where rank_in_day = 1

)

select * from final
