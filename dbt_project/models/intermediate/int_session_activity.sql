{{ config(unique_key='usage_date', partition_by=['usage_date']) }}
{#-
    Who was active in which session on which day: one row per usage_date, member and session
    (session_id NULL for activity without one). Activity is any event, or a metric point with a
    non-zero increment. A session whose only reported start type is agents_view (the
    `claude agents` UI process) is flagged: it counts for spend but not for sessions or active
    users.
-#}
with

event_activity as (

    select usage_date, member_key, member_type, member_identifier, user_id, session_id
    from {{ ref('int_events') }}
    where {{ in_window('usage_date') }}

),

metric_activity as (

    select usage_date, member_key, member_type, member_identifier, user_id, session_id
    from {{ ref('int_metric_increments') }}
    where {{ in_window('usage_date') }}
        and increment <> 0

),

activity as (

    select * from event_activity
    union all
    select * from metric_activity

),

agents_view_sessions as (

    select session_starts.session_id
    from {{ ref('int_session_starts') }} as session_starts
    where session_starts.session_id in (select activity.session_id from activity)
    group by session_starts.session_id
    having sum(case when session_starts.start_type = 'agents_view' then 0 else 1 end) = 0

),

final as (

    select
        activity.usage_date,
        activity.member_key,
        activity.member_type,
        activity.member_identifier,
        min(activity.user_id) as user_id,
        activity.session_id,
        max(case when agents_view_sessions.session_id is not null then 1 else 0 end) = 1
            as is_agents_view_session
    from activity
    left join agents_view_sessions on activity.session_id = agents_view_sessions.session_id
    group by
        activity.usage_date,
        activity.member_key,
        activity.member_type,
        activity.member_identifier,
        activity.session_id

)

select * from final
