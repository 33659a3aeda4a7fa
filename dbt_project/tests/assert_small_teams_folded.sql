{#-
    No team row shows fewer active members than ANALYTICS_MIN_GROUP_SIZE: such teams are
    folded into `(small teams)` (days in fct_team_daily, months in fct_team_monthly).
-#}
{{ config(meta={'dagster': {'ref': {'name': 'fct_team_daily'}}}) }}
select usage_date as period_start, team
from {{ ref('fct_team_daily') }}
where team <> '(small teams)' and daily_active_users < {{ min_group_size() }}
union all
select usage_month as period_start, team
from {{ ref('fct_team_monthly') }}
where team <> '(small teams)' and monthly_active_users < {{ min_group_size() }}
