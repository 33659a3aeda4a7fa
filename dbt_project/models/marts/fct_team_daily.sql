{{ config(materialized='table') }}
{#-
    The organization per UTC day and team (dim_members.team: the roster's team, else the
    team.id resource attribute, else `(no team)`), with the measures of fct_org_daily. A member
    is in one team and each session is counted for one member's team, so for every day the
    sums over teams of the additive columns, daily_active_users and sessions included, equal
    fct_org_daily (tests/assert_team_sums_equal_org.sql).

    A team with fewer than ANALYTICS_MIN_GROUP_SIZE (default 5) active members on the day is
    folded into one `(small teams)` row (teams says how many teams a row holds), so nobody is
    singled out through a team total. Rebuilt whole on every run: a member's team is their
    current team, over all history, so a changed roster restates past days too.
-#}
with

member_teams as (

    select member_key, team from {{ ref('dim_members') }}

),

activity as (

    select activity.*, coalesce(member_teams.team, '(no team)') as team
    from {{ ref('fct_daily_activity') }} as activity
    left join member_teams on activity.member_key = member_teams.member_key

),

spend as (

    select spend.*, coalesce(member_teams.team, '(no team)') as team
    from {{ ref('fct_daily_spend') }} as spend
    left join member_teams on spend.member_key = member_teams.member_key

),

session_owners as (

    select usage_date, session_key, {{ session_owner_key() }} as member_key
    from {{ ref('int_member_day_sessions') }}
    group by usage_date, session_key

),

team_sessions as (

    select
        session_owners.usage_date,
        coalesce(member_teams.team, '(no team)') as team,
        count(*) as sessions
    from session_owners
    left join member_teams on session_owners.member_key = member_teams.member_key
    group by session_owners.usage_date, coalesce(member_teams.team, '(no team)')

),

activity_by_team as (

    select
        usage_date,
        team,
        sum(case when is_active then 1 else 0 end) as daily_active_users,
        sum(lines_added) as lines_added,
        sum(lines_removed) as lines_removed,
        sum(edit_accepts) as edit_accepts,
        sum(edit_rejects) as edit_rejects
    from activity
    group by usage_date, team

),

member_spend as (

    select usage_date, team, member_key, sum(spend_usd) as spend_usd
    from spend
    group by usage_date, team, member_key

),

spend_by_team as (

    select
        usage_date,
        team,
        sum(spend_usd) as spend_usd,
        sum(input_tokens) as input_tokens,
        sum(output_tokens) as output_tokens,
        sum(cache_read_tokens) as cache_read_tokens,
        sum(cache_creation_tokens) as cache_creation_tokens
    from spend
    group by usage_date, team

),

spending_users as (

    select usage_date, team, count(*) as spending_users
    from member_spend
    where spend_usd > 0 and member_key <> {{ unattributed_member_key() }}
    group by usage_date, team

),

team_days as (

    select usage_date, team from activity_by_team
    union
    select usage_date, team from spend_by_team
    union
    select usage_date, team from team_sessions

),

by_team as (

    select
        team_days.usage_date,
        team_days.team,
        coalesce(activity_by_team.daily_active_users, 0) as daily_active_users,
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
    from team_days
    left join activity_by_team
        on team_days.usage_date = activity_by_team.usage_date and team_days.team = activity_by_team.team
    left join team_sessions
        on team_days.usage_date = team_sessions.usage_date and team_days.team = team_sessions.team
    left join spend_by_team
        on team_days.usage_date = spend_by_team.usage_date and team_days.team = spend_by_team.team
    left join spending_users
        on team_days.usage_date = spending_users.usage_date and team_days.team = spending_users.team

),

folded as (

    select
        *,
        case
            when daily_active_users < {{ min_group_size() }} then '(small teams)' else team
        end as shown_team
    from by_team

),

final as (

    select
        usage_date,
        shown_team as team,
        cast(count(*) as bigint) as teams,
        cast(sum(daily_active_users) as bigint) as daily_active_users,
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
    group by usage_date, shown_team

)

select * from final
