{#-
    A member is in one team and each session is counted for one member's team, so for every
    day (and month) the sums over teams of fct_team_daily (fct_team_monthly) equal
    fct_org_daily (fct_org_monthly): active users, sessions, lines, decisions, spend, spending
    users and tokens. Small teams are folded, never dropped.
-#}
{{ config(meta={'dagster': {'ref': {'name': 'fct_team_daily'}}}) }}
with

team_days as (

    select
        usage_date,
        sum(daily_active_users) as daily_active_users, sum(sessions) as sessions,
        sum(lines_added) as lines_added, sum(lines_removed) as lines_removed,
        sum(edit_accepts) as edit_accepts, sum(edit_rejects) as edit_rejects,
        sum(spend_usd) as spend_usd, sum(spending_users) as spending_users,
        sum(input_tokens) as input_tokens, sum(output_tokens) as output_tokens,
        sum(cache_read_tokens) as cache_read_tokens, sum(cache_creation_tokens) as cache_creation_tokens
    from {{ ref('fct_team_daily') }}
    where {{ in_window('usage_date') }}
    group by usage_date

),

team_months as (

    select
        usage_month,
        sum(monthly_active_users) as monthly_active_users, sum(sessions) as sessions,
        sum(lines_added) as lines_added, sum(edit_accepts) as edit_accepts,
        sum(edit_rejects) as edit_rejects, sum(spend_usd) as spend_usd,
        sum(spending_users) as spending_users
    from {{ ref('fct_team_monthly') }}
    where {{ in_window_months('usage_month') }}
    group by usage_month

),

org_days as (

    select * from {{ ref('fct_org_daily') }} where {{ in_window('usage_date') }}

),

org_months as (

    select * from {{ ref('fct_org_monthly') }} where {{ in_window_months('usage_month') }}

),

daily_mismatches as (

    select coalesce(org.usage_date, teams.usage_date) as period_start, 'day' as period
    from org_days as org
    full outer join team_days as teams on org.usage_date = teams.usage_date
    where org.usage_date is null
        or org.daily_active_users <> coalesce(teams.daily_active_users, 0)
        or org.sessions <> coalesce(teams.sessions, 0)
        or org.lines_added <> coalesce(teams.lines_added, 0)
        or org.lines_removed <> coalesce(teams.lines_removed, 0)
        or org.edit_accepts <> coalesce(teams.edit_accepts, 0)
        or org.edit_rejects <> coalesce(teams.edit_rejects, 0)
        or abs(org.spend_usd - coalesce(teams.spend_usd, 0)) > 1e-6
        or org.spending_users <> coalesce(teams.spending_users, 0)
        or org.input_tokens <> coalesce(teams.input_tokens, 0)
        or org.output_tokens <> coalesce(teams.output_tokens, 0)
        or org.cache_read_tokens <> coalesce(teams.cache_read_tokens, 0)
        or org.cache_creation_tokens <> coalesce(teams.cache_creation_tokens, 0)

),

monthly_mismatches as (

    select coalesce(org.usage_month, teams.usage_month) as period_start, 'month' as period
    from org_months as org
    full outer join team_months as teams on org.usage_month = teams.usage_month
    where org.usage_month is null
        or org.monthly_active_users <> coalesce(teams.monthly_active_users, 0)
        or org.sessions <> coalesce(teams.sessions, 0)
        or org.lines_added <> coalesce(teams.lines_added, 0)
        or org.edit_accepts <> coalesce(teams.edit_accepts, 0)
        or org.edit_rejects <> coalesce(teams.edit_rejects, 0)
        or abs(org.spend_usd - coalesce(teams.spend_usd, 0)) > 1e-6
        or org.spending_users <> coalesce(teams.spending_users, 0)
)

select * from daily_mismatches
union all
select * from monthly_mismatches
