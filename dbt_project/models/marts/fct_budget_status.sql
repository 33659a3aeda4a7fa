{{ config(materialized='table') }}
{#-
    Each budget of budgets.csv (stg_budgets__budgets) in every month of the data, against its
    spend: the whole organization (scope org), a team as dim_members.team names it (team), or
    a member named by email or API key name (member; an API key name the roster maps to a
    member is that member).

    projected_usd = month-to-date spend / elapsed days x days in the month, where elapsed days
    run from the 1st of the month to the latest day with data in the warehouse (the last day of
    fct_org_daily), inclusive; a month before that day is complete (projected = spent).
    status: over when spent above the budget, else at_risk when projected above it, else ok.
    With pseudonyms on, a member budget's name is the member's pseudonym. Rebuilt whole on
    every run, so a changed budgets.csv or roster counts from the next run.
-#}
with

budgets as (

    select * from {{ ref('stg_budgets__budgets') }}

),

data_through as (

    select max(usage_date) as latest_day from {{ ref('fct_org_daily') }}

),

months as (

    select distinct {{ month_start('usage_date') }} as usage_month
    from {{ ref('fct_org_daily') }}

),

month_lengths as (

    select
        months.usage_month,
        data_through.latest_day,
        extract(day from last_day(months.usage_month)) as days_in_month,
        case
            when months.usage_month = {{ month_start('data_through.latest_day') }}
                then extract(day from data_through.latest_day)
            else extract(day from last_day(months.usage_month))
        end as elapsed_days
    from months
    cross join data_through

),

member_teams as (

    select member_key, team, display_name from {{ ref('dim_members') }}

),

spend_by_member as (

    select {{ month_start('usage_date') }} as usage_month, member_key, sum(spend_usd) as spend_usd
    from {{ ref('fct_daily_spend') }}
    group by {{ month_start('usage_date') }}, member_key

),

spend_by_team as (

    select
        spend_by_member.usage_month,
        coalesce(member_teams.team, '(no team)') as team,
        sum(spend_by_member.spend_usd) as spend_usd
    from spend_by_member
    left join member_teams on spend_by_member.member_key = member_teams.member_key
    group by spend_by_member.usage_month, coalesce(member_teams.team, '(no team)')

),

spend_by_org as (

    select usage_month, sum(spend_usd) as spend_usd
    from spend_by_member
    group by usage_month

),

member_budgets as (

    select
        budgets.*,
        coalesce(
            case
                when roster_by_key.member_type is not null
                    then {{ member_key('roster_by_key.member_type', 'roster_by_key.member_identifier') }}
            end,
            case
                when budgets.name like '%@%' then {{ member_key("'oauth_user'", 'budgets.name') }}
                else {{ member_key("'api_key'", 'budgets.name') }}
            end
        ) as member_key
    from budgets
    left join {{ ref('stg_roster__identities') }} as roster_by_key
        on roster_by_key.match_kind = 'api_key_name'
        and budgets.name = roster_by_key.match_value
        and budgets.name not like '%@%'
    where budgets.scope = 'member'

),

pseudonyms as (

    select * from {{ ref('stg_privacy__member_pseudonyms') }}

),

budget_rows as (

    select
        month_lengths.*,
        budgets.scope,
        budgets.name as budget_name,
        cast(null as {{ dbt.type_string() }}) as member_key,
        budgets.monthly_budget_usd,
        coalesce(spend_by_org.spend_usd, 0) as spend_usd
    from budgets
    cross join month_lengths
    left join spend_by_org on month_lengths.usage_month = spend_by_org.usage_month
    where budgets.scope = 'org'

    union all

    select
        month_lengths.*,
        budgets.scope,
        budgets.name as budget_name,
        cast(null as {{ dbt.type_string() }}) as member_key,
        budgets.monthly_budget_usd,
        coalesce(spend_by_team.spend_usd, 0) as spend_usd
    from budgets
    cross join month_lengths
    left join spend_by_team
        on month_lengths.usage_month = spend_by_team.usage_month
        and budgets.name = spend_by_team.team
    where budgets.scope = 'team'

    union all

    select
        month_lengths.*,
        member_budgets.scope,
        coalesce(member_teams.display_name, pseudonyms.pseudonym, member_budgets.name) as budget_name,
        member_budgets.member_key,
        member_budgets.monthly_budget_usd,
        coalesce(spend_by_member.spend_usd, 0) as spend_usd
    from member_budgets
    cross join month_lengths
    left join member_teams on member_budgets.member_key = member_teams.member_key
    left join pseudonyms on member_budgets.name = pseudonyms.member_identifier
    left join spend_by_member
        on month_lengths.usage_month = spend_by_member.usage_month
        and member_budgets.member_key = spend_by_member.member_key

),

final as (

    select
        usage_month,
        scope,
        budget_name as name,
        member_key,
        monthly_budget_usd as budget_usd,
        spend_usd,
        spend_usd / elapsed_days * days_in_month as projected_usd,
        cast(elapsed_days as bigint) as elapsed_days,
        cast(days_in_month as bigint) as days_in_month,
        latest_day as data_through,
        case
            when spend_usd > monthly_budget_usd then 'over'
            when spend_usd / elapsed_days * days_in_month > monthly_budget_usd then 'at_risk'
            else 'ok'
        end as status
    from budget_rows

)

select * from final
