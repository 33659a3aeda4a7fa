{{ config(materialized='table') }}
{#-
    The organization per calendar month and team, with the measures of fct_org_monthly:
    monthly_active_users, spending_users and sessions are distinct over the month (each session
    counted for one member's team), the others are sums of the month's days. A member is in one
    team, so the sums over teams equal fct_org_monthly. A team with fewer than
    ANALYTICS_MIN_GROUP_SIZE (default 5) active members in the month is folded into one
    `(small teams)` row. Rebuilt whole on every run, like fct_team_daily.
-#}
with

member_teams as (

    select member_key, team from {{ ref('dim_members') }}

),

activity as (

    select
        activity.*,
        {{ month_start('activity.usage_date') }} as usage_month,
        coalesce(member_teams.team, '(no team)') as team
    from {{ ref('fct_daily_activity') }} as activity
    left join member_teams on activity.member_key = member_teams.member_key

),

spend as (

    select
        spend.*,
        {{ month_start('spend.usage_date') }} as usage_month,
        coalesce(member_teams.team, '(no team)') as team
    from {{ ref('fct_daily_spend') }} as spend
    left join member_teams on spend.member_key = member_teams.member_key

),

session_owners as (

    select
        {{ month_start('usage_date') }} as usage_month,
        session_key,
        {{ session_owner_key() }} as member_key
    from {{ ref('int_member_day_sessions') }}
    group by {{ month_start('usage_date') }}, session_key

),

team_sessions as (

    select
        session_owners.usage_month,
        coalesce(member_teams.team, '(no team)') as team,
        count(*) as sessions
    from session_owners
    left join member_teams on session_owners.member_key = member_teams.member_key
    group by session_owners.usage_month, coalesce(member_teams.team, '(no team)')

),

activity_by_team as (

    select
        usage_month,
        team,
        count(distinct case when is_active then member_key end) as monthly_active_users,
        sum(case when is_active then 1 else 0 end) as active_user_days,
        sum(lines_added) as lines_added,
        sum(lines_removed) as lines_removed,
        sum(edit_accepts) as edit_accepts,
        sum(edit_rejects) as edit_rejects
    from activity
    group by usage_month, team

),

member_spend as (

    select usage_month, team, member_key, sum(spend_usd) as spend_usd
    from spend
    group by usage_month, team, member_key

),

spend_by_team as (

    select
        usage_month,
        team,
        sum(spend_usd) as spend_usd,
        sum(input_tokens) as input_tokens,
        sum(output_tokens) as output_tokens,
        sum(cache_read_tokens) as cache_read_tokens,
        sum(cache_creation_tokens) as cache_creation_tokens
    from spend
    group by usage_month, team

),

spending_users as (

    select usage_month, team, count(*) as spending_users
    from member_spend
    where spend_usd > 0 and member_key <> {{ unattributed_member_key() }}
    group by usage_month, team

),

team_months as (

    select usage_month, team from activity_by_team
    union
    select usage_month, team from spend_by_team
    union
    select usage_month, team from team_sessions

),

by_team as (

    select
        team_months.usage_month,
        team_months.team,
        coalesce(activity_by_team.monthly_active_users, 0) as monthly_active_users,
        coalesce(activity_by_team.active_user_days, 0) as active_user_days,
        coalesce(team_sessions.sessions, 0) as sessions,
        coalesce(activity_by_team.lines_added, 0) as lines_added,
        coalesce(activity_by_team.lines_removed, 0) as lines_removed,
        coalesce(activity_by_team.edit_accepts, 0) as edit_accepts,
        coalesce(activity_by_team.edit_rejects, 0) as edit_rejects,
        coalesce(spend_by_team.spend_usd, 0) as spend_usd,
        coalesce(spending_users.spending_users, 0) as spending_users,
        coalesce(spend_by_team.input_tokens, 0) as input_tokens,
        coalesce(spend_by_team.output_tokens, 0) as output_tokens,
        coalesce(spend_by_team.cache_read_tokens, 0) as cache_read_tokens,
        coalesce(spend_by_team.cache_creation_tokens, 0) as cache_creation_tokens
    from team_months
    left join activity_by_team
        on team_months.usage_month = activity_by_team.usage_month
        and team_months.team = activity_by_team.team
    left join team_sessions
        on team_months.usage_month = team_sessions.usage_month and team_months.team = team_sessions.team
    left join spend_by_team
        on team_months.usage_month = spend_by_team.usage_month and team_months.team = spend_by_team.team
    left join spending_users
        on team_months.usage_month = spending_users.usage_month
        and team_months.team = spending_users.team

),

folded as (

    select
        *,
        case
            when monthly_active_users < {{ min_group_size() }} then '(small teams)' else team
        end as shown_team
    from by_team

),

final as (

    select
        usage_month,
        shown_team as team,
        cast(count(*) as bigint) as teams,
        cast(sum(monthly_active_users) as bigint) as monthly_active_users,
        cast(sum(active_user_days) as bigint) as active_user_days,
        cast(sum(sessions) as bigint) as sessions,
        cast(sum(lines_added) as bigint) as lines_added,
        cast(sum(lines_removed) as bigint) as lines_removed,
        cast(sum(edit_accepts) as bigint) as edit_accepts,
        cast(sum(edit_rejects) as bigint) as edit_rejects,
        {{ accept_rate('sum(edit_accepts)', 'sum(edit_rejects)') }} as accept_rate,
        sum(spend_usd) as spend_usd,
        cast(sum(spending_users) as bigint) as spending_users,
        cast(sum(input_tokens) as bigint) as input_tokens,
        cast(sum(output_tokens) as bigint) as output_tokens,
        cast(sum(cache_read_tokens) as bigint) as cache_read_tokens,
        cast(sum(cache_creation_tokens) as bigint) as cache_creation_tokens
    from folded
    group by usage_month, shown_team

)

select * from final
