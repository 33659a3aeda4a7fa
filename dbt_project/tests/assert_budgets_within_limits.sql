{#-
    Warns (never fails the run) on budgets of the latest month that are at_risk (projected
    above the budget) or over (spent above it); the rows say which, with spend and projection.
-#}
{{ config(severity='warn', meta={'dagster': {'ref': {'name': 'fct_budget_status'}}}) }}
select usage_month, scope, name, status, spend_usd, projected_usd, budget_usd
from {{ ref('fct_budget_status') }}
where status in ('at_risk', 'over')
    and usage_month = (select max(usage_month) from {{ ref('fct_budget_status') }})
