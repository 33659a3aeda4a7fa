{#- Spend is never negative, at any grain (the run's window). -#}
{{ config(meta={'dagster': {'ref': {'name': 'fct_daily_spend'}}}) }}
select 'fct_daily_spend' as model, usage_date, spend_usd from {{ ref('fct_daily_spend') }} where spend_usd < 0 and {{ in_window('usage_date') }}
union all
select 'fct_daily_activity', usage_date, spend_usd from {{ ref('fct_daily_activity') }} where spend_usd < 0 and {{ in_window('usage_date') }}
union all
select 'fct_org_daily', usage_date, spend_usd from {{ ref('fct_org_daily') }} where spend_usd < 0 and {{ in_window('usage_date') }}
union all
select 'fct_org_monthly', usage_month, spend_usd from {{ ref('fct_org_monthly') }} where spend_usd < 0 and {{ in_window_months('usage_month') }}
union all
select 'fct_member_monthly', usage_month, spend_usd from {{ ref('fct_member_monthly') }} where spend_usd < 0 and {{ in_window_months('usage_month') }}
