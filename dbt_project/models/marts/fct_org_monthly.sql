{{ config(unique_key='usage_month', partition_by=['usage_month']) }}
{#-
    The organization per calendar month of usage_date (usage_month is its first day). Additive
    measures are the sums of fct_org_daily over the month's days; monthly_active_users,
    spending_users and sessions are distinct over the month (a session or member active on
    several days counts once; sessions are counted from int_member_day_sessions, their one
    home). A run rebuilds every month its window touches, from all days of
    those months already in fct_org_daily.
-#}
with

daily as (

    select *, {{ month_start('usage_date') }} as usage_month
    from {{ ref('fct_org_daily') }}
    where {{ in_window_months('usage_date') }}

),

spend as (

    select {{ month_start('usage_date') }} as usage_month, member_key, sum(spend_usd) as spend_usd
    from {{ ref('fct_daily_spend') }}
    where {{ in_window_months('usage_date') }}
    group by {{ month_start('usage_date') }}, member_key

),

daily_sums as (

    select
        usage_month,
        count(*) as days_in_data,
        sum(daily_active_users) as active_user_days,
        sum(session_starts) as session_starts,
        sum(prompts) as prompts,
        sum(lines_added) as lines_added,
        sum(lines_removed) as lines_removed,
        sum(edit_accepts) as edit_accepts,
        sum(edit_rejects) as edit_rejects,
        sum(commits) as commits,
        sum(pull_requests) as pull_requests,
        sum(spend_usd) as spend_usd,
        sum(input_tokens) as input_tokens,
        sum(output_tokens) as output_tokens,
        sum(cache_read_tokens) as cache_read_tokens,
        sum(cache_creation_tokens) as cache_creation_tokens,
        sum(api_requests) as api_requests
    from daily
    group by usage_month

),

member_days as (

    select *, {{ month_start('usage_date') }} as usage_month
    from {{ ref('fct_daily_activity') }}
    where {{ in_window_months('usage_date') }}

),

active_members as (

    select usage_month, count(distinct member_key) as monthly_active_users
    from member_days
    where is_active
    group by usage_month

),

sessions as (

    select {{ month_start('usage_date') }} as usage_month, count(distinct session_key) as sessions
    from {{ ref('int_member_day_sessions') }}
    where {{ in_window_months('usage_date') }}
    group by {{ month_start('usage_date') }}

),

distinct_spenders as (

    select usage_month, count(*) as spending_users
    from spend
    where spend_usd > 0 and member_key <> {{ unattributed_member_key() }}
    group by usage_month

),

final as (

    select
        daily_sums.usage_month,
        cast(daily_sums.days_in_data as bigint) as days_in_data,
        cast(coalesce(active_members.monthly_active_users, 0) as bigint) as monthly_active_users,
        cast(daily_sums.active_user_days as bigint) as active_user_days,
        cast(coalesce(sessions.sessions, 0) as bigint) as sessions,
        cast(daily_sums.session_starts as bigint) as session_starts,
        cast(daily_sums.prompts as bigint) as prompts,
        cast(daily_sums.lines_added as bigint) as lines_added,
        cast(daily_sums.lines_removed as bigint) as lines_removed,
        cast(daily_sums.edit_accepts as bigint) as edit_accepts,
        cast(daily_sums.edit_rejects as bigint) as edit_rejects,
        {{ accept_rate('daily_sums.edit_accepts', 'daily_sums.edit_rejects') }} as accept_rate,
        cast(daily_sums.commits as bigint) as commits,
        cast(daily_sums.pull_requests as bigint) as pull_requests,
        {{ usd('daily_sums.spend_usd') }} as spend_usd,
        cast(coalesce(distinct_spenders.spending_users, 0) as bigint) as spending_users,
        cast(daily_sums.input_tokens as bigint) as input_tokens,
        cast(daily_sums.output_tokens as bigint) as output_tokens,
        cast(daily_sums.cache_read_tokens as bigint) as cache_read_tokens,
        cast(daily_sums.cache_creation_tokens as bigint) as cache_creation_tokens,
        cast(daily_sums.api_requests as bigint) as api_requests
    from daily_sums
    left join active_members on daily_sums.usage_month = active_members.usage_month
    left join sessions on daily_sums.usage_month = sessions.usage_month
    left join distinct_spenders on daily_sums.usage_month = distinct_spenders.usage_month

)

select * from final
