{{ config(unique_key='usage_date', partition_by=['usage_date']) }}
{#-
    The organization per UTC day: one row for every day of the processed window, with zeros and
    a NULL accept rate on days without telemetry, so charts show gaps honestly. Without explicit
    min_date/max_date vars the window is the first to the last day with data.
-#}
{#- without min_date / max_date vars, the days with data bound the spine -#}
{%- set first_day = '(select min(usage_date) from activity)' if window_is_unbounded_start()
    else window_start() %}
{%- set last_day = '(select max(usage_date) from activity)' if window_is_unbounded_end()
    else dateadd_days(window_end(), -1) %}
with

activity as (

    select * from {{ ref('fct_daily_activity') }}
    where {{ in_window('usage_date') }}

),

spend as (

    select * from {{ ref('fct_daily_spend') }}
    where {{ in_window('usage_date') }}

),

bounds as (

    select
        {{ first_day }} as first_day,
        {{ last_day }} as last_day

),

days as (

    {{ day_spine('(select first_day from bounds)', '(select last_day from bounds)') }}

),

sessions as (

    select usage_date, count(distinct session_key) as sessions
    from {{ ref('int_member_day_sessions') }}
    where {{ in_window('usage_date') }}
    group by usage_date

),

activity_by_day as (

    select
        usage_date,
        sum(case when is_active then 1 else 0 end) as daily_active_users,
        sum(lines_added) as lines_added,
        sum(lines_removed) as lines_removed,
        sum(edit_accepts) as edit_accepts,
        sum(edit_rejects) as edit_rejects,
        sum(session_starts) as session_starts,
        sum(prompts) as prompts,
        sum(commits) as commits,
        sum(pull_requests) as pull_requests
    from activity
    group by usage_date

),

member_spend as (

    select usage_date, member_key, sum(spend_usd) as spend_usd
    from spend
    group by usage_date, member_key

),

spend_by_day as (

    select
        spend.usage_date,
        sum(spend.spend_usd) as spend_usd,
        sum(spend.input_tokens) as input_tokens,
        sum(spend.output_tokens) as output_tokens,
        sum(spend.cache_read_tokens) as cache_read_tokens,
        sum(spend.cache_creation_tokens) as cache_creation_tokens,
        sum(spend.api_requests) as api_requests
    from spend
    group by spend.usage_date

),

spending_users as (

    select usage_date, count(*) as spending_users
    from member_spend
    where spend_usd > 0 and member_key <> {{ unattributed_member_key() }}
    group by usage_date

),

final as (

    select
        days.usage_date,
        cast(coalesce(activity_by_day.daily_active_users, 0) as bigint) as daily_active_users,
        cast(coalesce(sessions.sessions, 0) as bigint) as sessions,
        cast(coalesce(activity_by_day.session_starts, 0) as bigint) as session_starts,
        cast(coalesce(activity_by_day.prompts, 0) as bigint) as prompts,
        cast(coalesce(activity_by_day.lines_added, 0) as bigint) as lines_added,
        cast(coalesce(activity_by_day.lines_removed, 0) as bigint) as lines_removed,
        cast(coalesce(activity_by_day.edit_accepts, 0) as bigint) as edit_accepts,
        cast(coalesce(activity_by_day.edit_rejects, 0) as bigint) as edit_rejects,
        {{ accept_rate('coalesce(activity_by_day.edit_accepts, 0)', 'coalesce(activity_by_day.edit_rejects, 0)') }}
            as accept_rate,
        cast(coalesce(activity_by_day.commits, 0) as bigint) as commits,
        cast(coalesce(activity_by_day.pull_requests, 0) as bigint) as pull_requests,
        {{ usd('coalesce(spend_by_day.spend_usd, 0)') }} as spend_usd,
        cast(coalesce(spending_users.spending_users, 0) as bigint) as spending_users,
        cast(coalesce(spend_by_day.input_tokens, 0) as bigint) as input_tokens,
        cast(coalesce(spend_by_day.output_tokens, 0) as bigint) as output_tokens,
        cast(coalesce(spend_by_day.cache_read_tokens, 0) as bigint) as cache_read_tokens,
        cast(coalesce(spend_by_day.cache_creation_tokens, 0) as bigint) as cache_creation_tokens,
        cast(coalesce(spend_by_day.api_requests, 0) as bigint) as api_requests
    from days
    left join activity_by_day on days.usage_date = activity_by_day.usage_date
    left join sessions on days.usage_date = sessions.usage_date
    left join spend_by_day on days.usage_date = spend_by_day.usage_date
    left join spending_users on days.usage_date = spending_users.usage_date

)

select * from final
