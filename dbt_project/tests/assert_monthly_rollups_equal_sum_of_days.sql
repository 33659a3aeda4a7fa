{#-
    Monthly rollups equal the sum of their days: fct_org_monthly against fct_org_daily, and
    fct_member_monthly against fct_daily_activity (additive measures; distinct counts such as
    sessions and monthly active users are not sums of days).
-#}
{{ config(meta={'dagster': {'ref': {'name': 'fct_org_monthly'}}}) }}
with

org_days as (

    select {{ month_start('usage_date') }} as usage_month,
        sum(lines_added) as lines_added, sum(lines_removed) as lines_removed,
        sum(edit_accepts) as edit_accepts, sum(edit_rejects) as edit_rejects,
        sum(spend_usd) as spend_usd, sum(daily_active_users) as active_user_days
    from {{ ref('fct_org_daily') }}
    where {{ in_window_months('usage_date') }}
    group by {{ month_start('usage_date') }}

),

member_days as (

    select {{ month_start('usage_date') }} as usage_month, member_key,
        sum(lines_added) as lines_added, sum(lines_removed) as lines_removed,
        sum(edit_accepts) as edit_accepts, sum(edit_rejects) as edit_rejects,
        sum(spend_usd) as spend_usd
    from {{ ref('fct_daily_activity') }}
    where {{ in_window_months('usage_date') }}
    group by {{ month_start('usage_date') }}, member_key

),

org_mismatches as (

    select months.usage_month, 'fct_org_monthly' as model
    from (select * from {{ ref('fct_org_monthly') }} where {{ in_window_months('usage_month') }}) as months
    full outer join org_days on months.usage_month = org_days.usage_month
    where months.usage_month is null or org_days.usage_month is null
        or months.lines_added <> org_days.lines_added
        or months.lines_removed <> org_days.lines_removed
        or months.edit_accepts <> org_days.edit_accepts
        or months.edit_rejects <> org_days.edit_rejects
        or months.active_user_days <> org_days.active_user_days
        or abs(months.spend_usd - org_days.spend_usd) > 1e-6

),

member_mismatches as (

    select months.usage_month, 'fct_member_monthly' as model
    from (select * from {{ ref('fct_member_monthly') }} where {{ in_window_months('usage_month') }}) as months
    full outer join member_days
        on months.usage_month = member_days.usage_month
        and months.member_key = member_days.member_key
    where months.usage_month is null or member_days.usage_month is null
        or months.lines_added <> member_days.lines_added
        or months.lines_removed <> member_days.lines_removed
        or months.edit_accepts <> member_days.edit_accepts
        or months.edit_rejects <> member_days.edit_rejects
        or abs(months.spend_usd - member_days.spend_usd) > 1e-6

)

select * from org_mismatches
union all
select * from member_mismatches
