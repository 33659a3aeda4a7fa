{{ config(unique_key='usage_month', partition_by=['usage_month']) }}
{#-
    One row per calendar month and member with any telemetry in the month: the Team insights
    table ("Spend this month", "Lines this month"). sessions are distinct sessions in the month;
    active_days are days on which the member was active. A run rebuilds every month its window
    touches. With pseudonyms on, display_name is the member's pseudonym.
-#}
with

daily as (

    select *, {{ month_start('usage_date') }} as usage_month
    from {{ ref('fct_daily_activity') }}
    where {{ in_window_months('usage_date') }}

),

activity as (

    select *, {{ month_start('usage_date') }} as usage_month
    from {{ ref('int_session_activity') }}
    where {{ in_window_months('usage_date') }}

),

members as (

    select distinct member_key, member_type, member_identifier
    from activity
    union
    select distinct member_key, member_type, member_identifier
    from {{ ref('int_admin_api_member_days') }}
    where {{ in_window_months('usage_date') }}

),

pseudonyms as (

    select * from {{ ref('stg_privacy__member_pseudonyms') }}

),

daily_sums as (

    select
        usage_month,
        member_key,
        sum(case when is_active then 1 else 0 end) as active_days,
        sum(spend_usd) as spend_usd,
        sum(lines_added) as lines_added,
        sum(lines_removed) as lines_removed,
        sum(edit_accepts) as edit_accepts,
        sum(edit_rejects) as edit_rejects,
        sum(prompts) as prompts,
        sum(commits) as commits,
        sum(pull_requests) as pull_requests
    from daily
    group by usage_month, member_key

),

sessions as (

    select
        {{ month_start('usage_date') }} as usage_month,
        member_key,
        count(distinct session_key) as sessions
    from {{ ref('int_member_day_sessions') }}
    where {{ in_window_months('usage_date') }}
    group by {{ month_start('usage_date') }}, member_key

),

final as (

    select
        daily_sums.usage_month,
        daily_sums.member_key,
        coalesce(
            pseudonyms.pseudonym, {{ display_name('members.member_type', 'members.member_identifier') }}
        ) as display_name,
        members.member_type,
        {{ usd('daily_sums.spend_usd') }} as spend_usd,
        cast(daily_sums.lines_added as bigint) as lines_added,
        cast(daily_sums.lines_removed as bigint) as lines_removed,
        cast(coalesce(sessions.sessions, 0) as bigint) as sessions,
        cast(daily_sums.active_days as bigint) as active_days,
        cast(daily_sums.edit_accepts as bigint) as edit_accepts,
        cast(daily_sums.edit_rejects as bigint) as edit_rejects,
        {{ accept_rate('daily_sums.edit_accepts', 'daily_sums.edit_rejects') }} as accept_rate,
        cast(daily_sums.prompts as bigint) as prompts,
        cast(daily_sums.commits as bigint) as commits,
        cast(daily_sums.pull_requests as bigint) as pull_requests
    from daily_sums
    inner join members on daily_sums.member_key = members.member_key
    left join pseudonyms on members.member_identifier = pseudonyms.member_identifier
    left join sessions
        on daily_sums.usage_month = sessions.usage_month
        and daily_sums.member_key = sessions.member_key

)

select * from final
